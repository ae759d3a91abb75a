import {
  type AuthInfo,
  createMcpHandler,
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
} from "@modelcontextprotocol/server";
import { type Context, Hono } from "hono";
import { collectionOf, type ResourceKind, resourceKinds } from "../../api/common.ts";
import { planSpecs, validateSpec } from "../core/advice.ts";
import { quotas } from "../core/quotas.ts";
import { randomHex } from "../core/random.ts";
import { MockCloudError } from "../errors.ts";
import { agentCloudMcpServer } from "../mcp/server.ts";
import { McpState } from "../mcp/state.ts";
import { a2aHandlers } from "./a2a.ts";
import { adminRoutes } from "./admin.ts";
import { discardBody, json, requireJsonBody } from "./body.ts";
import { catalogHandlers } from "./catalog.ts";
import { channelHandlers } from "./channels.ts";
import { consoleRoutes } from "./console.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { injectFault } from "./faults.ts";
import { gatewayHandler, taskHandlers } from "./gateway.ts";
import { inProcess } from "./in-process.ts";
import { inferenceHandlers } from "./inference.ts";
import { memoryHandlers } from "./memory.ts";
import { openApiDocument } from "./openapi.ts";
import { checkEveryRouteServed, register } from "./register.ts";
import type { HandlersOfTags } from "./route-spec.ts";
import { runtimeMcpHandlers } from "./runtime-mcp.ts";
import { skillsRoutes } from "./skills.ts";
import { usageHandlers } from "./usage.ts";

/** The emulator's version, as its MCP server names itself. */
const serverVersion = "0.1.0";

/** Marks an answer that the in-process adapter must turn into a dropped connection (faults.ts). */
export { dropHeader } from "./faults.ts";

const authChallenge = 'Bearer realm="agentcloud"';

type Env = AppEnv;

const kindOf: Record<string, ResourceKind> = Object.fromEntries(
  resourceKinds.map((k) => [collectionOf[k], k]),
);
const verbs: Record<string, string> = { POST: "create", GET: "get", PATCH: "update", DELETE: "delete" };

function errorResponse(c: Context<Env>, e: MockCloudError): Response {
  const requestId = c.get("requestId") ?? "req-unknown";
  c.set("errorCode", e.code);
  const body = {
    error: { code: e.code, message: e.message, requestId, ...(e.details ? { details: e.details } : {}) },
  };
  // RFC 9110 §11.6.1: a 401 names the scheme and realm the client must authenticate with.
  const headers = e.status === 401 ? { ...e.headers, "www-authenticate": authChallenge } : e.headers;
  return c.json(body, e.status as 400, headers);
}

/** Who makes a create (X-Agentcloud-Owner, percent-encoded), as kept with its key. */
function ownerOf(header: string | undefined): string | null {
  if (!header) return null;
  try {
    return decodeURIComponent(header).slice(0, 1024);
  } catch {
    return header.slice(0, 1024);
  }
}

/** One Hono app: served by the node server, the msw adapter and in-process `fetch` alike. */
export function createApp(given: AppDeps): Hono<Env> {
  const deps = { ...given, mcp: given.mcp ?? new McpState() };
  const { service, tokens, log } = deps;
  const app = new Hono<Env>();

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = `req-${randomHex(8)}`;
    c.set("requestId", requestId);
    c.set("account", null);
    c.set("errorCode", null);
    // Set before the answer is made, so that the answer is made with it: set after, Hono would
    // build the whole Response again to add it.
    c.header("x-request-id", requestId);
    await next();
    // Nothing is acknowledged before it is on disk: the answer waits for the commit holding the
    // request's writes (and the writes it read), shared with the requests that came with it.
    const commit = service.durable();
    if (commit) {
      try {
        await commit;
      } catch (e) {
        process.stderr.write(
          `agentcloud-mock: commit failed: ${e instanceof Error ? e.message : String(e)}\n`,
        );
        c.res = undefined;
        c.res = errorResponse(c, new MockCloudError("InternalError", "the write could not be made durable"));
      }
    }
    // An answer built as a Response (not through the context) does not carry it yet; reply() puts
    // it in node-server's Response, whose headers are best left unread (a plain record is written
    // out as it is).
    if (!deps.nodeResponse?.made(c.res) && c.res.headers.get("x-request-id") !== requestId)
      c.header("x-request-id", requestId);
    const code = c.res.status >= 400 ? (c.get("errorCode") ?? null) : null;
    const entry = {
      time: new Date().toISOString(),
      requestId,
      account: c.get("account"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      code,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    log.push(entry);
    service.feed.emit({ type: "request", request: entry });
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

  const meta: HandlersOfTags<"meta", Env> = {
    health: (c) => c.json({ status: "ok" as const, time: service.clock.now().toISOString() }),
    openapi: (c) => c.json(openApiDocument()),
  };
  register(app, meta, json);
  app.route("/_mock", adminRoutes(deps));
  app.route("/console", consoleRoutes());
  app.route("/.well-known/agent-skills", skillsRoutes());
  // MCP (streamable HTTP) with the API's account tokens: each call is the route's own request.
  const mcp = createMcpHandler((request) => {
    const auth = request.authInfo as AuthInfo;
    return agentCloudMcpServer({
      account: auth.clientId,
      state: deps.mcp,
      now: () => service.clock.now(),
      version: serverVersion,
      call: async (r) => {
        // An admin-plane tool (adminTools) is the admin's request: the account token would be
        // refused there, so it goes with a pass that lives for this one request (auth.ts).
        const pass = r.admin ? tokens.adminPass() : null;
        try {
          return await inProcess(async (request) => app.fetch(request), {
            method: r.method,
            path: r.path,
            authorization: pass ? pass.authorization : auth.token,
            ...(r.headers ? { headers: r.headers } : {}),
            ...(r.body === undefined ? {} : { body: r.body }),
          });
        } finally {
          pass?.revoke();
        }
      },
    });
  });
  const anonymous = deps.mcpAnonymousAccount ? tokens.accountPass(deps.mcpAnonymousAccount) : undefined;
  app.all("/mcp", async (c) => {
    if (deps.loopback) {
      const refused =
        hostHeaderValidationResponse(c.req.raw, localhostAllowedHostnames()) ??
        originValidationResponse(c.req.raw, localhostAllowedOrigins());
      if (refused) return refused;
    }
    const header = c.req.header("authorization") ?? anonymous;
    const account = tokens.account(header);
    if (!account) throw new MockCloudError("Unauthenticated", "MCP needs an account's bearer token");
    c.set("account", account);
    // The SDK refuses a declared length over its limit by that header alone: drop the body first,
    // so the client hears that 413 instead of a connection closed under its upload.
    let request = c.req.raw;
    if (Number(c.req.header("content-length") ?? 0) > DEFAULT_MAX_REQUEST_BODY_SIZE) {
      await discardBody(c);
      request = new Request(request.url, { method: request.method, headers: request.headers });
    }
    return mcp.fetch(request, { authInfo: { token: header as string, clientId: account, scopes: [] } });
  });
  register(app, inferenceHandlers(deps), json);
  const gateway = gatewayHandler(deps, async (request) => app.fetch(request));
  const tasks = taskHandlers(deps, async (request) => app.fetch(request));
  const a2a = a2aHandlers(deps, tasks);
  const memory = memoryHandlers(deps);
  const channels = channelHandlers(deps);
  const runtimeMcp = runtimeMcpHandlers(deps, tasks, async (request) => app.fetch(request));
  const gateways: HandlersOfTags<"gateway", Env> = {
    gatewayCompletions: (c, { params }) => gateway(c, params.id),
    invokeRuntime: (c, { params, body }) => tasks.invoke(c, params.id, body),
    getRuntimeTask: (c, { params }) => tasks.getTask(c, params.id, params.taskId),
    listRuntimeTools: (c, { params }) => tasks.listTools(c, params.id),
    callRuntimeTool: (c, { params, body }) => tasks.callTool(c, params.id, params.name, body.arguments),
    listRuntimeInstances: (c, { params, query }) => tasks.listInstances(c, params.id, query.state),
    listRuntimeTasks: (c, { params, query }) => tasks.listTasks(c, params.id, query.limit),
    getA2aCard: (c, { params, query }) => a2a.card(c, params.id, query),
    getA2aCardBesideInvokeUrl: (c, { params, query }) => a2a.card(c, params.id, query),
    a2aJsonRpc: (c, { params, query }) => a2a.rpc(c, params.id, query),
    runtimeMcp: (c, { params }) => runtimeMcp.serve(c, params.id),
    putMemory: (c, { params, body }) => memory.put(c, params.id, params.namespace, params.key, body),
    getMemory: (c, { params }) => memory.get(c, params.id, params.namespace, params.key),
    deleteMemory: (c, { params }) => memory.delete(c, params.id, params.namespace, params.key),
    listMemoryKeys: (c, { params, query }) => memory.list(c, params.id, params.namespace, query),
    searchMemory: (c, { params, query }) => memory.search(c, params.id, query),
    getMemorySize: (c, { params }) => memory.size(c, params.id),
    publishChannelMessage: (c, { params, body }) =>
      channels.publish(c, params.id, params.peerRuntimeId, body),
    receiveChannelMessages: (c, { params, body }) => channels.receive(c, params.id, body),
    ackChannelMessage: (c, { params, body }) => channels.ack(c, params.id, params.messageId, body),
    getChannelInbox: (c, { params }) => channels.inbox(c, params.id),
    listChannelDeadLetters: (c, { params, query }) => channels.deadLetters(c, params.id, query),
  };
  register(app, gateways, json);
  // A runtime's MCP takes GET and DELETE too (a 2025 session's): the SDK answers them (405, no sessions).
  app.all("/agents/:id/invoke/mcp", (c) => runtimeMcp.serve(c, c.req.param("id")));
  // Anything else under an endpoint's base URL (embeddings, responses, a model by name) is not
  // served: said in OpenAI's error shape, as the clients that call there expect.
  app.all("/inference/*", (c) => {
    c.set("errorCode", "not_found");
    return c.json(
      {
        error: {
          message: `${c.req.method} ${new URL(c.req.url).pathname} is not served by this endpoint (chat/completions and models are)`,
          type: "invalid_request_error",
          param: null,
          code: "not_found",
        },
      },
      404,
    );
  });

  app.use("/v1/*", async (c, next) => {
    const account = tokens.account(c.req.header("authorization"));
    if (!account) throw new MockCloudError("Unauthenticated", "missing or unknown bearer token");
    c.set("account", account);
    requireJsonBody(c);
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
    const injected = await injectFault(c, service, {
      kind,
      operation,
      region,
      account: c.get("account") ?? undefined,
    });
    if (!injected) return next();
    if (injected instanceof Response) return injected;
    const e = new MockCloudError(
      (injected.code as "InternalError") ?? "InternalError",
      injected.message,
      undefined,
      injected.headers,
    );
    return errorResponse(c, Object.assign(e, { status: injected.status }));
  });

  register(app, catalogHandlers(), json);

  /** `Prefer: wait` (RFC 7240; `wait=<seconds>` too): finish what can finish before answering. */
  /** `X-Agentcloud-Dry-Run: true`: check, write nothing, answer what would be. */
  const dryRun = (c: Context<Env>) => c.req.header("x-agentcloud-dry-run")?.trim().toLowerCase() === "true";
  const prefersWait = (c: Context<Env>) =>
    /(^|[,;]\s*)wait(\s*=|\s*[,;]|\s*$)/i.test(c.req.header("prefer") ?? "");
  const v1: HandlersOfTags<"resources" | "operations" | "advice" | "quotas", Env> = {
    validateSpec: async (c, { body }) => c.json(await validateSpec(ctx(c), body.kind, body.spec)),
    planSpecs: async (c, { body }) => c.json(await planSpecs(ctx(c), body.resources, body.prune)),
    getOperation: (c, { params }) => reply(c, service.getOperation(ctx(c), params.id)),
    getQuotas: (c) => c.json(quotas(ctx(c))),
    getIdempotencyKey: (c, { params }) => c.json(service.idempotencyKey(ctx(c), params.key)),
    releaseIdempotencyKey: (c, { params, body }) =>
      c.json(service.releaseIdempotencyKey(ctx(c), params.key, body)),
    listIdempotencyKeys: (c, { query }) => c.json(service.listIdempotencyKeys(ctx(c), query.released)),
    releaseIdempotencyKeys: (c, { body }) => c.json(service.releaseIdempotencyKeys(ctx(c), body.keys)),
    create: async (c, { route }) => {
      const answer = service.create(
        ctx(c),
        route.kind,
        await json(c),
        c.req.header("idempotency-key") ?? null,
        prefersWait(c),
        ownerOf(c.req.header("x-agentcloud-owner")),
        dryRun(c),
      );
      if ("dryRun" in answer) return reply(c, answer);
      const { replayed, finished, ...out } = answer as typeof answer & {
        replayed?: boolean;
        finished?: boolean;
      };
      return reply(c, out, 202, {
        ...(replayed ? { "idempotent-replayed": "true" } : {}),
        ...(finished ? { "preference-applied": "wait" } : {}),
      });
    },
    list: (c, { route, query }) => reply(c, service.list(ctx(c), route.kind, query)),
    get: (c, { route, params }) => {
      const { json, etag } = service.get(ctx(c), route.kind, params.id);
      return replyJson(c, json, 200, { etag: `"${etag}"` });
    },
    update: async (c, { route, params }) => {
      const answer = service.update(
        ctx(c),
        route.kind,
        params.id,
        await json(c),
        c.req.header("if-match") ?? null,
        prefersWait(c),
        dryRun(c),
      );
      if ("dryRun" in answer) return reply(c, answer);
      const { finished, ...out } = answer as typeof answer & { finished?: boolean };
      return reply(c, out, 202, {
        etag: `"${out.resource.etag}"`,
        ...(finished ? { "preference-applied": "wait" } : {}),
      });
    },
    delete: (c, { route, params }) => {
      const answer = service.delete(ctx(c), route.kind, params.id, dryRun(c));
      return "dryRun" in answer ? reply(c, answer) : reply(c, answer, 202);
    },
  };
  register(app, { ...v1, ...usageHandlers(service, ctx) }, json);
  checkEveryRouteServed();

  /** The region a request concerns: the query, a create's body, or the stored resource. */
  async function regionOf(c: Context<Env>, kind: ResourceKind | undefined, id: string | undefined) {
    const fromQuery = c.req.query("region");
    if (fromQuery || !kind) return fromQuery;
    if (c.req.method === "POST" && !id) {
      const parsed = (await json(c).catch(() => null)) as { region?: unknown } | null;
      return typeof parsed?.region === "string" ? parsed.region : undefined;
    }
    if (!id) return undefined;
    return service.repo.getResource(c.get("account") as string, kind, id)?.body.region;
  }

  /**
   * `c.json(data, status)` with `headers`. Through the node server: the same answer (JSON content
   * type, the request id, the headers) as node-server's own Response, which it writes out directly.
   */
  function reply(
    c: Context<Env>,
    data: unknown,
    status: 200 | 202 = 200,
    headers?: Record<string, string>,
  ): Response {
    return replyJson(c, JSON.stringify(data), status, headers);
  }

  /** reply() of a body already serialized (a resource's stored JSON). */
  function replyJson(
    c: Context<Env>,
    json: string,
    status: 200 | 202 = 200,
    headers?: Record<string, string>,
  ): Response {
    const all = { "content-type": "application/json", ...headers };
    const node = deps.nodeResponse;
    if (!node || !(c.env as { incoming?: unknown } | undefined)?.incoming) return c.body(json, status, all);
    return node.json(json, status, { ...all, "x-request-id": c.get("requestId") });
  }

  function ctx(c: Context<Env>) {
    return service.ctx(c.get("account") as string, new URL(c.req.url).origin);
  }
  return app;
}
