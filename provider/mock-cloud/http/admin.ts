import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { type FaultRule, Limits } from "../../api/admin.ts";
import { collectionOf, type ResourceKind, resourceKinds } from "../../api/common.ts";
import { masked } from "../core/feed.ts";
import { quotas } from "../core/quotas.ts";
import { validateSnapshot } from "../core/snapshot.ts";
import { MockCloudError } from "../errors.ts";
import type { McpState } from "../mcp/state.ts";
import { tx } from "../store/db.ts";
import { json, requireJsonBody } from "./body.ts";
import type { AppDeps } from "./deps.ts";
import { changeStream } from "./events.ts";
import { parseInput, register } from "./register.ts";
import type { HandlersOfTags } from "./route-spec.ts";
import { usageReport } from "./usage.ts";

const kindOf: Record<string, ResourceKind> = Object.fromEntries(
  resourceKinds.map((k) => [collectionOf[k], k]),
);

/** The control plane of the emulator, behind its own admin token. */
export function adminRoutes({ service, tokens, log, mcp }: AppDeps & { mcp: McpState }): Hono {
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

  const handlers: HandlersOfTags<"admin"> = {
    reset: (c, { body }) => {
      const { account } = body;
      tx(service.db, () => service.repo.reset(account));
      if (!account) {
        service.faults = [];
        log.clear();
        service.clock.reload();
        mcp.reset();
      }
      service.feed.emit({ type: "store.reset", account: account ?? null });
      return c.json({ reset: account ?? "all" });
    },
    listFaults: (c) => c.json({ items: service.faults }),
    listInferenceRules: (c) => c.json({ items: service.inference.rules }),
    addInferenceRule: (c, { body }) => {
      const rule = service.inference.addRule(body);
      service.feed.emit({ type: "settings", what: "inference rules" });
      return c.json(rule, 201);
    },
    clearInferenceRules: (c) => {
      service.inference.rules = [];
      service.feed.emit({ type: "settings", what: "inference rules" });
      return c.json({ items: [] });
    },
    addFault: (c, { body }) => {
      const rule: FaultRule = body;
      const stored = { ...rule, id: rule.id ?? `fault-${randomBytes(4).toString("hex")}` };
      service.faults.push(stored);
      service.feed.emit({ type: "settings", what: "faults" });
      return c.json(stored, 201);
    },
    clearFaults: (c) => {
      service.faults = [];
      service.feed.emit({ type: "settings", what: "faults" });
      return c.json({ items: [] });
    },
    deleteFault: (c, { params }) => {
      const { id } = params;
      const before = service.faults.length;
      service.faults = service.faults.filter((f) => f.id !== id);
      if (service.faults.length === before) throw new MockCloudError("NotFound", `fault ${id} not found`);
      service.feed.emit({ type: "settings", what: "faults" });
      return c.json({ deleted: id });
    },
    getTransitions: (c) => c.json(service.transitions),
    putTransitions: (c, { body }) => {
      service.transitions = body;
      service.feed.emit({ type: "settings", what: "transitions" });
      return c.json(service.transitions);
    },
    getLimits: (c) => c.json(service.limits),
    putLimits: (c, { body }) => {
      service.limits = parseInput(Limits, { ...service.limits, ...body });
      service.feed.emit({ type: "settings", what: "limits" });
      return c.json(service.limits);
    },
    getClock: (c) => c.json({ now: service.clock.now().toISOString() }),
    advanceClock: (c, { body }) => {
      const now = service.clock.advance(body.ms);
      service.feed.emit({ type: "clock", now: now.toISOString() });
      service.tick();
      return c.json({ now: now.toISOString() });
    },
    listRequests: (c, { query }) => c.json({ items: log.recent(query.limit) }),
    snapshot: (c) => c.json({ version: 1, tables: service.repo.snapshot() }),
    restore: (c, { body }) => {
      // Every row is checked first; the store changes in one transaction, or not at all.
      const rows = validateSnapshot(body.tables);
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
    },
    // Every account's resources (secret outputs masked): what the console shows with the admin token.
    listAllResources: (c, { query }) => {
      const { account, kind } = query;
      const items = service.repo
        .everyResource({ account, kind })
        .map((r) => ({ account: r.account, resource: masked(r.body) }));
      return c.json({ items });
    },
    // Each account's quotas, computed as its own GET /v1/quotas computes them (after the same tick).
    listAccountQuotas: (c, { query }) => {
      service.tick();
      const origin = new URL(c.req.url).origin;
      const accounts = query.account
        ? [query.account]
        : [...new Set([...service.repo.accounts(), ...tokens.accounts()])].sort();
      const items = accounts.map((account) => ({ account, quotas: quotas(service.ctx(account, origin)) }));
      return c.json({ items });
    },
    // Each account's usage, as its own GET /v1/usage answers the same query (after the same tick),
    // for the accounts listAccountQuotas lists.
    listAccountUsage: (c, { query }) => {
      service.tick();
      const { account, ...usageQuery } = query;
      const accounts = account
        ? [account]
        : [...new Set([...service.repo.accounts(), ...tokens.accounts()])].sort();
      const items = accounts.map((a) => ({ account: a, usage: usageReport(service, a, usageQuery) }));
      return c.json({ items });
    },
    getMcpSettings: (c) => c.json(mcp.settings),
    putMcpSettings: (c, { body }) => {
      mcp.settings = body;
      service.feed.emit({ type: "settings", what: "mcp" });
      return c.json(mcp.settings);
    },
    listApprovals: (c) => c.json({ items: [...mcp.approvals.values()].reverse() }),
    decideApproval: (c, { params }) => {
      const approval = mcp.approvals.get(params.id);
      if (!approval) throw new MockCloudError("NotFound", `approval ${params.id} not found`);
      if (approval.status !== "pending")
        throw new MockCloudError(
          "ValidationError",
          `approval ${params.id} is ${approval.status}, not pending`,
        );
      approval.status = params.decision === "approve" ? "approved" : "denied";
      service.feed.emit({ type: "settings", what: "approvals" });
      return c.json(approval);
    },
    // The change feed, as server-sent events; the admin token goes in the Authorization header.
    events: (c) => changeStream(c, service.feed, () => service.clock.now().toISOString()),
    editResource: (c, { params, body }) => {
      const kind = kindOf[params.collection];
      if (!kind) throw new MockCloudError("NotFound", `no resource collection ${params.collection}`);
      return c.json(service.editOutOfBand(kind, params.id, body));
    },
  };
  register(app, handlers, json, "/_mock");
  return app;
}
