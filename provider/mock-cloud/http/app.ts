import { randomBytes } from "node:crypto";
import { type Context, Hono } from "hono";
import { regions } from "../../api/catalog.ts";
import { collectionOf, type ResourceKind, resourceKinds } from "../../api/common.ts";
import type { CloudService } from "../core/service.ts";
import { pickFault } from "../core/settings.ts";
import { MockCloudError } from "../errors.ts";
import { adminRoutes } from "./admin.ts";
import type { TokenTable } from "./auth.ts";
import { catalogRoutes } from "./catalog.ts";
import { openApiDocument } from "./openapi.ts";
import type { RequestLog } from "./request-log.ts";

/** Marks an answer that the in-process adapter must turn into a dropped connection. */
export const dropHeader = "x-agentcloud-mock-drop";
const maxBodyBytes = 256 * 1024;

export interface AppDeps {
  service: CloudService;
  tokens: TokenTable;
  log: RequestLog;
  /** Print one line per request to stderr (no tokens, no bodies). */
  verbose?: boolean;
}

type Env = { Variables: { requestId: string; account: string | null } };

const kindOf: Record<string, ResourceKind> = Object.fromEntries(
  resourceKinds.map((k) => [collectionOf[k], k]),
);
const verbs: Record<string, string> = { POST: "create", GET: "get", PATCH: "update", DELETE: "delete" };

export function errorResponse(c: Context, e: MockCloudError): Response {
  const requestId = c.get("requestId") ?? "req-unknown";
  const body = {
    error: { code: e.code, message: e.message, requestId, ...(e.details ? { details: e.details } : {}) },
  };
  return c.json(body, e.status as 400, e.headers);
}

/** One Hono app: served by the node server, the msw adapter and in-process `fetch` alike. */
export function createApp(deps: AppDeps): Hono<Env> {
  const { service, tokens, log } = deps;
  const app = new Hono<Env>();

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = `req-${randomBytes(8).toString("hex")}`;
    c.set("requestId", requestId);
    c.set("account", null);
    await next();
    c.header("x-request-id", requestId);
    const failed =
      c.res.status >= 400
        ? ((await c.res
            .clone()
            .json()
            .catch(() => null)) as { error?: { code?: string } } | null)
        : null;
    const code = failed?.error?.code ?? null;
    const entry = {
      time: new Date().toISOString(),
      requestId,
      account: c.get("account"),
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      code,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    log.push(entry);
    if (deps.verbose)
      process.stderr.write(
        `${entry.method} ${entry.path} ${entry.status}${code ? ` ${code}` : ""} ${entry.durationMs}ms ${requestId}\n`,
      );
  });

  app.onError((e, c) => {
    if (e instanceof MockCloudError) return errorResponse(c, e);
    process.stderr.write(`agentcloud-mock: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    return errorResponse(c, new MockCloudError("InternalError", "internal error in the emulator"));
  });
  app.notFound((c) =>
    errorResponse(
      c,
      new MockCloudError("NotFound", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`),
    ),
  );

  app.get("/_mock/health", (c) => c.json({ status: "ok", time: service.clock.now().toISOString() }));
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.route("/_mock", adminRoutes(deps));

  app.use("/v1/*", async (c, next) => {
    const account = tokens.account(c.req.header("authorization"));
    if (!account) throw new MockCloudError("Unauthenticated", "missing or unknown bearer token");
    c.set("account", account);
    service.tick();
    await next();
  });

  app.use("/v1/*", async (c, next) => {
    if (service.faults.length === 0) return next();
    const segments = new URL(c.req.url).pathname.split("/").filter(Boolean);
    const kind = kindOf[segments[1] ?? ""];
    const operation =
      segments[1] === "operations"
        ? "operation"
        : c.req.method === "GET" && !segments[2]
          ? "list"
          : (verbs[c.req.method] ?? "get");
    const region = await regionOf(c, kind, segments[2]);
    const fault = pickFault(service.faults, {
      kind,
      operation,
      region,
      account: c.get("account") ?? undefined,
    });
    if (!fault) return next();
    if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault.drop) {
      const incoming = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming;
      if (incoming?.socket) {
        incoming.socket.destroy();
        return c.body(null, 500);
      }
      // In process (msw adapter): the adapter turns this marker into a network error.
      return c.body(null, 500, { [dropHeader]: "1" });
    }
    if (!fault.status && !fault.code) return next();
    // Throttled and CapacityUnavailable always say when to come back, as the real answers do.
    const retryable =
      fault.code === "Throttled" ||
      fault.code === "CapacityUnavailable" ||
      fault.status === 429 ||
      fault.status === 503;
    const retryAfter = fault.retryAfterSeconds ?? (retryable ? service.limits.retryAfterSeconds : undefined);
    const e = new MockCloudError(
      (fault.code as "InternalError") ?? "InternalError",
      fault.message ?? "injected fault",
      undefined,
      retryAfter === undefined ? {} : { "retry-after": String(retryAfter) },
    );
    return errorResponse(c, Object.assign(e, { status: fault.status ?? e.status ?? 500 }));
  });

  app.route("/v1/catalog", catalogRoutes());

  app.get("/v1/operations/:id", (c) => c.json(service.getOperation(ctx(c), c.req.param("id"))));

  for (const kind of resourceKinds) {
    const base = `/v1/${collectionOf[kind]}`;
    app.post(base, async (c) => {
      const out = service.create(ctx(c), kind, await json(c), c.req.header("idempotency-key") ?? null);
      return c.json(out, 202);
    });
    app.get(base, (c) => {
      const pageSize = c.req.query("pageSize");
      const region = c.req.query("region");
      if (region !== undefined && !(regions as readonly string[]).includes(region)) {
        throw new MockCloudError("ValidationError", `region: unknown region ${region}`, {
          issues: [{ path: "region", message: `expected one of ${regions.join(", ")}` }],
        });
      }
      if (pageSize !== undefined && !/^\d+$/.test(pageSize)) {
        throw new MockCloudError("ValidationError", "pageSize: expected a whole number", {
          issues: [{ path: "pageSize", message: "expected a whole number" }],
        });
      }
      return c.json(
        service.list(ctx(c), kind, {
          region: c.req.query("region"),
          pageSize: pageSize === undefined ? undefined : Number(pageSize),
          pageToken: c.req.query("pageToken"),
        }),
      );
    });
    app.get(`${base}/:id`, (c) => {
      const body = service.get(ctx(c), kind, c.req.param("id"));
      c.header("etag", `"${body.etag}"`);
      return c.json(body);
    });
    app.patch(`${base}/:id`, async (c) => {
      const out = service.update(
        ctx(c),
        kind,
        c.req.param("id"),
        await json(c),
        c.req.header("if-match") ?? null,
      );
      c.header("etag", `"${out.resource.etag}"`);
      return c.json(out, 202);
    });
    app.delete(`${base}/:id`, (c) => c.json(service.delete(ctx(c), kind, c.req.param("id")), 202));
  }

  /** The region a request concerns: the query, a create's body, or the stored resource. */
  async function regionOf(c: Context<Env>, kind: ResourceKind | undefined, id: string | undefined) {
    const fromQuery = c.req.query("region");
    if (fromQuery || !kind) return fromQuery;
    if (c.req.method === "POST" && !id) {
      const parsed = (await c.req.json().catch(() => null)) as { region?: unknown } | null;
      return typeof parsed?.region === "string" ? parsed.region : undefined;
    }
    if (!id) return undefined;
    return service.repo.getResource(c.get("account") as string, kind, id)?.body.region;
  }

  function ctx(c: Context<Env>) {
    return service.ctx(c.get("account") as string, new URL(c.req.url).origin);
  }
  return app;
}

/** The request body as JSON; anything else is a ValidationError, never a 5xx. */
export async function json(c: Context, maxBytes = maxBodyBytes): Promise<unknown> {
  const tooLarge = () =>
    // The rest of the body may be unread, so the connection cannot be reused: say so.
    new MockCloudError("PayloadTooLarge", `request body larger than ${sizeLabel(maxBytes)}`, undefined, {
      connection: "close",
    });
  if (Number(c.req.header("content-length") ?? 0) > maxBytes) throw tooLarge();
  const text = await c.req.text();
  if (Buffer.byteLength(text) > maxBytes) throw tooLarge();
  if (text.trim() === "") throw new MockCloudError("ValidationError", "request body is empty; expected JSON");
  try {
    return JSON.parse(text);
  } catch {
    throw new MockCloudError("ValidationError", "request body is not valid JSON");
  }
}

const sizeLabel = (bytes: number) =>
  bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
