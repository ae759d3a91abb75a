import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { z } from "zod";
import { collectionOf, type ResourceKind, resourceKinds } from "../../api/common.ts";
import { masked } from "../core/feed.ts";
import { FaultRule, Limits, Transitions } from "../core/settings.ts";
import { validateSnapshot } from "../core/snapshot.ts";
import { MockCloudError } from "../errors.ts";
import { tx } from "../store/db.ts";
import type { AppDeps } from "./app.ts";
import { json, requireJsonBody } from "./app.ts";
import { changeStream } from "./events.ts";

/** Restore takes back any snapshot this emulator produced, far past the API's 256 KiB. */
const maxSnapshotBytes = 64 * 1024 * 1024;

const kindOf: Record<string, ResourceKind> = Object.fromEntries(
  resourceKinds.map((k) => [collectionOf[k], k]),
);

function body<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  throw new MockCloudError(
    "ValidationError",
    issues.map((i) => `${i.path || "(body)"}: ${i.message}`).join("; "),
    { issues },
  );
}

/** The control plane of the emulator, behind its own admin token. */
export function adminRoutes({ service, tokens, log }: AppDeps): Hono {
  const app = new Hono();
  // Every route here needs the admin token. The one public route, GET /_mock/health, is answered
  // by the parent app before this sub-app is reached.
  app.use(async (c, next) => {
    if (!tokens.isAdmin(c.req.header("authorization"))) {
      throw new MockCloudError("Unauthenticated", "the admin plane needs the admin token");
    }
    requireJsonBody(c);
    await next();
  });

  app.post("/reset", async (c) => {
    const { account } = body(
      z.strictObject({ account: z.string().optional() }),
      await json(c, { empty: {} }),
    );
    tx(service.db, () => service.repo.reset(account));
    if (!account) {
      service.faults = [];
      log.clear();
    }
    service.feed.emit({ type: "store.reset", account: account ?? null });
    return c.json({ reset: account ?? "all" });
  });

  app.get("/faults", (c) => c.json({ items: service.faults }));
  app.post("/faults", async (c) => {
    const rule = body(FaultRule, await json(c));
    const stored = { ...rule, id: rule.id ?? `fault-${randomBytes(4).toString("hex")}` };
    service.faults.push(stored);
    service.feed.emit({ type: "settings", what: "faults" });
    return c.json(stored, 201);
  });
  app.delete("/faults", (c) => {
    service.faults = [];
    service.feed.emit({ type: "settings", what: "faults" });
    return c.json({ items: [] });
  });
  app.delete("/faults/:id", (c) => {
    const before = service.faults.length;
    service.faults = service.faults.filter((f) => f.id !== c.req.param("id"));
    if (service.faults.length === before)
      throw new MockCloudError("NotFound", `fault ${c.req.param("id")} not found`);
    service.feed.emit({ type: "settings", what: "faults" });
    return c.json({ deleted: c.req.param("id") });
  });

  app.get("/transitions", (c) => c.json(service.transitions));
  app.put("/transitions", async (c) => {
    service.transitions = body(Transitions, await json(c));
    service.feed.emit({ type: "settings", what: "transitions" });
    return c.json(service.transitions);
  });

  app.get("/limits", (c) => c.json(service.limits));
  app.put("/limits", async (c) => {
    service.limits = body(Limits, { ...service.limits, ...((await json(c)) as object) });
    service.feed.emit({ type: "settings", what: "limits" });
    return c.json(service.limits);
  });

  app.get("/clock", (c) => c.json({ now: service.clock.now().toISOString() }));
  app.post("/clock/advance", async (c) => {
    const { ms } = body(z.strictObject({ ms: z.number().int().min(0) }), await json(c));
    const now = service.clock.advance(ms);
    service.feed.emit({ type: "clock", now: now.toISOString() });
    service.tick();
    return c.json({ now: now.toISOString() });
  });

  app.get("/requests", (c) => {
    const { limit } = body(z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) }), {
      limit: c.req.query("limit"),
    });
    return c.json({ items: log.recent(limit) });
  });

  app.post("/snapshot", (c) => c.json({ version: 1, tables: service.repo.snapshot() }));
  app.post("/restore", async (c) => {
    const snap = body(
      z.object({
        version: z.literal(1),
        tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
      }),
      // A snapshot is as large as the store it was taken from: a limit of its own.
      await json(c, { maxBytes: maxSnapshotBytes }),
    );
    // Every row is checked first; the store changes in one transaction, or not at all.
    const rows = validateSnapshot(snap.tables);
    try {
      tx(service.db, () => service.repo.replaceAll(rows));
    } catch (e) {
      throw new MockCloudError(
        "ValidationError",
        `snapshot does not fit this emulator: ${(e as Error).message}`,
      );
    }
    service.clock.reload();
    service.feed.emit({ type: "store.restored" });
    return c.json({ restored: true });
  });

  // Every account's resources (secret outputs masked): what the console shows with the admin token.
  app.get("/resources", (c) => {
    const { account, kind } = body(
      z.object({ account: z.string().min(1).optional(), kind: z.enum(resourceKinds).optional() }),
      { account: c.req.query("account"), kind: c.req.query("kind") },
    );
    const items = service.repo
      .everyResource({ account, kind })
      .map((r) => ({ account: r.account, resource: masked(r.body) }));
    return c.json({ items });
  });

  // The change feed, as server-sent events; the admin token goes in the Authorization header.
  app.get("/events", (c) => changeStream(c, service.feed, () => service.clock.now().toISOString()));

  app.patch("/resources/:collection/:id", async (c) => {
    const kind = kindOf[c.req.param("collection")];
    if (!kind) throw new MockCloudError("NotFound", `no resource collection ${c.req.param("collection")}`);
    const fields = body(z.record(z.string(), z.unknown()), await json(c));
    return c.json(service.editOutOfBand(kind, c.req.param("id"), fields));
  });
  return app;
}
