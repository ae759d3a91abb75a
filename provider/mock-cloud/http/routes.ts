import { z } from "zod";
import { A2aVersionQuery, AgentCardAnswer, JsonRpcAnswer, JsonRpcRequest } from "../../api/a2a.ts";
import {
  AccountQuotasList,
  AccountQuotasQuery,
  AccountUsageList,
  AccountUsageQuery,
  AdminResourcesQuery,
  AnyResource,
  ClockAdvance,
  ClockAnswer,
  FaultList,
  FaultRule,
  Health,
  Limits,
  LimitsPatch,
  LoggedRequest,
  RequestsQuery,
  ResetBody,
  Snapshot,
  StoredFault,
  Transitions,
} from "../../api/admin.ts";
import { Plan, PlanRequest, Validation, ValidationRequest } from "../../api/advice.ts";
import {
  AgentRuntime,
  AgentRuntimeAccepted,
  AgentRuntimePage,
  AgentRuntimePatchBody,
  AgentRuntimeSpec,
} from "../../api/agent-runtime.ts";
import { ChipSpec, ModelSpec, RegionInfo } from "../../api/catalog.ts";
import {
  ChannelAcked,
  ChannelAckRequest,
  ChannelDeadLetterPage,
  ChannelDeadLettersQuery,
  ChannelInbox,
  ChannelMessage,
  ChannelPublishRequest,
  ChannelReceived,
  ChannelReceiveRequest,
  maxDeliveries,
} from "../../api/channels.ts";
import {
  ChipCluster,
  ChipClusterAccepted,
  ChipClusterPage,
  ChipClusterPatchBody,
  ChipClusterSpec,
} from "../../api/chip-cluster.ts";
import {
  collectionOf,
  dryRunOf,
  type ErrorCode,
  IdempotencyKeyInfo,
  IdempotencyKeyList,
  IdempotencyKeysQuery,
  ListQuery,
  Operation,
  ReleasedIdempotencyKeys,
  ReleaseIdempotencyKey,
  ReleaseIdempotencyKeys,
  type ResourceKind,
  resourceKinds,
} from "../../api/common.ts";
import {
  ChatCompletion,
  ChatCompletionRequest,
  InferenceRule,
  ModelList,
  UsageQuery,
  UsageReport,
} from "../../api/inference.ts";
import { Approval, McpSettings } from "../../api/mcp.ts";
import {
  MemoryDeleted,
  MemoryEntry,
  MemoryKey,
  MemoryKeyPage,
  MemoryListQuery,
  MemoryNamespace,
  MemoryPutRequest,
  MemorySearchQuery,
  MemorySearchResults,
  MemorySize,
} from "../../api/memory.ts";
import {
  ModelEndpoint,
  ModelEndpointAccepted,
  ModelEndpointPage,
  ModelEndpointPatchBody,
  ModelEndpointSpec,
} from "../../api/model-endpoint.ts";
import { Quotas } from "../../api/quotas.ts";
import {
  InstanceListQuery,
  InvocationRequest,
  RuntimeTools,
  SandboxInstanceList,
  Task,
  TaskList,
  TaskListQuery,
  ToolCallRequest,
  ToolCallResult,
} from "../../api/tasks.ts";
import { type RouteSpec, rateLimitHeaders, route } from "./route-spec.ts";

/**
 * Every route the emulator serves, once: the app registers its handlers from this list (so a route
 * cannot be served without being here) and `openapi.ts` builds `/openapi.json` from it, with the
 * same zod schemas the emulator validates with. Request schemas are documented on their input side
 * (a field with a default is optional), answers on their output side.
 */

export const specs = {
  ChipCluster: ChipClusterSpec,
  ModelEndpoint: ModelEndpointSpec,
  AgentRuntime: AgentRuntimeSpec,
};
export const patchBodies = {
  ChipCluster: ChipClusterPatchBody,
  ModelEndpoint: ModelEndpointPatchBody,
  AgentRuntime: AgentRuntimePatchBody,
};
export const resources = { ChipCluster, ModelEndpoint, AgentRuntime };
export const acceptedOf = {
  ChipCluster: ChipClusterAccepted,
  ModelEndpoint: ModelEndpointAccepted,
  AgentRuntime: AgentRuntimeAccepted,
};
const dryRunHeader = {
  name: "X-Agentcloud-Dry-Run",
  description:
    "`true`: every check of the call, and nothing written: a 200 answer with the resource it would make or leave, or the error the call would get",
};

export const dryRuns = {
  ChipCluster: dryRunOf(ChipCluster),
  ModelEndpoint: dryRunOf(ModelEndpoint),
  AgentRuntime: dryRunOf(AgentRuntime),
};

export const pages = {
  ChipCluster: ChipClusterPage,
  ModelEndpoint: ModelEndpointPage,
  AgentRuntime: AgentRuntimePage,
};

/**
 * The errors each route can answer. Every /v1 route: a missing or unknown token, a body that is not
 * JSON (on any method), and what a fault rule (`/_mock/faults`) injects most: Throttled (429) and
 * CapacityUnavailable (503), both with Retry-After, and InternalError. A rule can inject any other
 * code or status too: the OpenAPI document says so once, as every /v1 operation's `default` answer.
 */
const anyV1 = [
  "Unauthenticated",
  "UnsupportedMediaType",
  "Throttled",
  "CapacityUnavailable",
  "InternalError",
] as const satisfies readonly ErrorCode[];
/** A route with a JSON body: one that is too large, not JSON, or not valid. */
const withBody = [
  "ValidationError",
  "PayloadTooLarge",
  "UnsupportedMediaType",
] as const satisfies readonly ErrorCode[];
/** What a create or an update of each kind can be refused for by its rules (provider/api, core/<kind>.ts). */
const kindRules = {
  ChipCluster: ["ChipNotAvailable", "QuotaExceeded", "CapacityUnavailable", "Conflict"],
  ModelEndpoint: ["InsufficientQuota", "QuotaExceeded", "ModelTooLarge", "Conflict"],
  AgentRuntime: ["QuotaExceeded", "Conflict"],
} as const satisfies Record<ResourceKind, readonly ErrorCode[]>;
const adminErrors = [
  "ValidationError",
  "Unauthenticated",
  "NotFound",
  "PayloadTooLarge",
  "UnsupportedMediaType",
  "InternalError",
] as const satisfies readonly ErrorCode[];
const id = { id: z.string() };
const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** "a ChipCluster", "an AgentRuntime". */
const an = (kind: string) => `${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind}`;

function resourceRoutes(kind: ResourceKind) {
  const base = `/v1/${collectionOf[kind]}`;
  const common = { kind, tag: "resources", auth: "bearer" } as const;
  return [
    route({
      ...common,
      handler: "create",
      errors: [...anyV1, ...withBody, ...kindRules[kind], "IdempotencyMismatch", "IdempotencyKeyReleased"],
      operationId: `create${kind}`,
      method: "post",
      path: base,
      summary: `create ${an(kind)}: a long-running operation`,
      headers: [
        {
          name: "Prefer",
          description:
            "`wait`: an operation that can finish at once (immediate transitions) finishes before the answer, which then holds the final resource and a SUCCEEDED or FAILED operation (Preference-Applied: wait); otherwise the answer is as without it",
        },
        {
          name: "X-Agentcloud-Owner",
          description:
            "who makes the create, kept with its Idempotency-Key and listed by GET /v1/idempotency-keys (the Pulumi provider sends its resource's `project/stack/name`)",
        },
        {
          name: "Idempotency-Key",
          description:
            "same key and body within 24 h: the same resource and operation (with Idempotent-Replayed: true); same key, other body: 409 IdempotencyMismatch; a released key: 409 IdempotencyKeyReleased",
        },
        dryRunHeader,
      ],
      body: { schema: specs[kind], parsedBy: "service", required: true },
      dryRun: dryRuns[kind],
      ok: {
        status: 202,
        description: "accepted: a long-running operation",
        body: acceptedOf[kind],
        optionalHeaders: ["Idempotent-Replayed", "Preference-Applied"],
      },
    }),
    route({
      ...common,
      handler: "list",
      errors: [...anyV1, "ValidationError", "InvalidPageToken"],
      operationId: `list${kind}s`,
      method: "get",
      path: base,
      summary: `list ${kind}s, a page at a time, oldest first`,
      query: ListQuery,
      ok: { status: 200, description: "a page", body: pages[kind] },
    }),
    route({
      ...common,
      handler: "get",
      errors: [...anyV1, "NotFound"],
      operationId: `get${kind}`,
      method: "get",
      path: `${base}/{id}`,
      summary: `read ${an(kind)}`,
      params: id,
      ok: { status: 200, description: kind, body: resources[kind], headers: ["ETag"] },
    }),
    route({
      ...common,
      handler: "update",
      errors: [...anyV1, ...withBody, ...kindRules[kind], "NotFound", "ImmutableField", "PreconditionFailed"],
      operationId: `update${kind}`,
      method: "patch",
      path: `${base}/{id}`,
      summary: `change ${an(kind)}'s mutable fields; immutable ones may be restated unchanged`,
      params: id,
      headers: [
        { name: "If-Match", description: "the ETag last read; any other is 412 PreconditionFailed" },
        {
          name: "Prefer",
          description:
            "`wait`: an operation that can finish at once (immediate transitions) finishes before the answer, which then holds the final resource and a SUCCEEDED or FAILED operation (Preference-Applied: wait); otherwise the answer is as without it",
        },
        dryRunHeader,
      ],
      body: { schema: patchBodies[kind], parsedBy: "service", required: true },
      dryRun: dryRuns[kind],
      ok: {
        status: 202,
        description: "accepted: a long-running operation",
        body: acceptedOf[kind],
        headers: ["ETag"],
        optionalHeaders: ["Preference-Applied"],
      },
    }),
    route({
      ...common,
      handler: "delete",
      errors: [...anyV1, "NotFound", "DependencyViolation", "Conflict"],
      operationId: `delete${kind}`,
      method: "delete",
      path: `${base}/{id}`,
      summary: `delete ${an(kind)}: 409 DependencyViolation while something uses it`,
      params: id,
      headers: [dryRunHeader],
      dryRun: dryRuns[kind],
      ok: {
        status: 202,
        description: "accepted: a long-running operation",
        body: acceptedOf[kind],
        optionalHeaders: ["Idempotent-Replayed"],
      },
    }),
  ];
}

/**
 * An agent runtime's memory under `{invokeUrl}/memory`, with the account's token: 409 Conflict
 * while the runtime's `memory.enabled` is false, 404 for a runtime the account does not hold.
 */
function memoryRoutes() {
  const common = { tag: "gateway", auth: "bearer" } as const;
  const base = "/agents/{id}/invoke/memory";
  const entryParams = { id: z.string(), namespace: MemoryNamespace, key: MemoryKey };
  const errors = ["Unauthenticated", "ValidationError", "NotFound", "Conflict", "InternalError"] as const;
  return [
    route({
      ...common,
      handler: "putMemory",
      operationId: "putRuntimeMemory",
      method: "put",
      path: `${base}/{namespace}/{key}`,
      summary:
        "write an entry of an agent runtime's memory (`{invokeUrl}/memory/{namespace}/{key}`): any JSON value and an optional text (what the search reads, with a string value), at most 256 KiB; it lasts the runtime's `memory.retentionDays` from this write (emulator clock)",
      params: entryParams,
      body: { schema: MemoryPutRequest, parsedBy: "app", required: true },
      ok: { status: 200, description: "the entry as written", body: MemoryEntry },
      errors: [...errors, ...withBody],
    }),
    route({
      ...common,
      handler: "getMemory",
      operationId: "getRuntimeMemory",
      method: "get",
      path: `${base}/{namespace}/{key}`,
      summary:
        "read an entry of an agent runtime's memory: 404 when never written, deleted or past retention",
      params: entryParams,
      ok: { status: 200, description: "the entry", body: MemoryEntry },
      errors,
    }),
    route({
      ...common,
      handler: "deleteMemory",
      operationId: "deleteRuntimeMemory",
      method: "delete",
      path: `${base}/{namespace}/{key}`,
      summary: "delete an entry of an agent runtime's memory: 404 when there is none",
      params: entryParams,
      ok: { status: 200, description: "deleted", body: MemoryDeleted },
      errors,
    }),
    route({
      ...common,
      handler: "listMemoryKeys",
      operationId: "listRuntimeMemoryKeys",
      method: "get",
      path: `${base}/{namespace}`,
      summary:
        "the keys of a namespace of an agent runtime's memory, newest write first, a page at a time (entries past retention left out)",
      params: { id: z.string(), namespace: MemoryNamespace },
      query: MemoryListQuery,
      ok: { status: 200, description: "a page of keys", body: MemoryKeyPage },
      errors: [...errors, "InvalidPageToken"],
    }),
    route({
      ...common,
      handler: "searchMemory",
      operationId: "searchRuntimeMemory",
      method: "get",
      path: base,
      summary:
        "keyword search of an agent runtime's memory (`{invokeUrl}/memory?q=`): the entries whose text (and string value) holds every word of `q`, case-insensitive, the most occurrences first, then the newest; at most 50",
      params: id,
      query: MemorySearchQuery,
      ok: { status: 200, description: "the entries found", body: MemorySearchResults },
      errors,
    }),
    route({
      ...common,
      handler: "getMemorySize",
      operationId: "getAgentRuntimeMemorySize",
      method: "get",
      path: "/v1/agent-runtimes/{id}/memory",
      summary:
        "how much an agent runtime's memory holds: its entries within retention (emulator clock), their bytes (values as JSON and texts) and the namespaces holding them; answered whether or not `memory.enabled` is on (entries kept while it was off count)",
      params: id,
      ok: { status: 200, description: "the memory's size", body: MemorySize },
      // A /v1 route: anyV1's answers, as the runtime's instances and tasks say them.
      errors: [...anyV1, "NotFound"],
    }),
  ];
}

/**
 * Channels between agent runtimes under the invokeUrl, with the account's token (http/channels.ts):
 * publish to a declared peer, and the caller's own inbox (receive, ack, depth, dead letters). 404
 * for a runtime the account does not hold, 409 Conflict for a peer not declared or a lease ended.
 */
function channelRoutes() {
  const common = { tag: "gateway", auth: "bearer" } as const;
  const inbox = "/agents/{id}/invoke/inbox";
  const errors = ["Unauthenticated", "ValidationError", "NotFound", "InternalError"] as const;
  return [
    route({
      ...common,
      handler: "publishChannelMessage",
      operationId: "publishRuntimeChannelMessage",
      method: "post",
      path: "/agents/{id}/invoke/channels/{peerRuntimeId}/messages",
      summary:
        "publish a message from an agent runtime to a peer its `channels` declare (`{invokeUrl}/channels/{peerRuntimeId}/messages`; another runtime of the account: 409 Conflict, one the account does not hold: 404): any JSON body, at most 256 KiB, and an optional `key` (messages of one key are delivered in the order published, one at a time); it waits in the peer's inbox until acked",
      params: { id: z.string(), peerRuntimeId: z.string() },
      body: { schema: ChannelPublishRequest, parsedBy: "app", required: true },
      ok: { status: 201, description: "the message, ready in the peer's inbox", body: ChannelMessage },
      errors: [...errors, "Conflict", ...withBody],
    }),
    route({
      ...common,
      handler: "receiveChannelMessages",
      operationId: "receiveRuntimeChannelMessages",
      method: "post",
      path: `${inbox}/receive`,
      summary: `lease messages of an agent runtime's inbox (\`{invokeUrl}/inbox/receive\`), oldest first, up to \`maxMessages\` (default 10) for \`visibilityTimeoutSeconds\` (default 30, emulator clock): each one more attempt and a new \`receipt\`; one not acked before its lease ends is delivered again, and after ${maxDeliveries} deliveries is a dead letter instead; a message with a key waits while an earlier one of its key is ready or in flight`,
      params: id,
      body: { schema: ChannelReceiveRequest, parsedBy: "app", required: false, empty: {} },
      ok: {
        status: 200,
        description: "the messages leased (none: nothing to deliver now)",
        body: ChannelReceived,
      },
      errors: [...errors, ...withBody],
    }),
    route({
      ...common,
      handler: "ackChannelMessage",
      operationId: "ackRuntimeChannelMessage",
      method: "post",
      path: `${inbox}/messages/{messageId}/ack`,
      summary:
        "ack a message in flight in an agent runtime's inbox: it is gone; a lease that ended (the message ready again, delivered again since, or a dead letter), or a message not yet received, is 409 Conflict; with `receipt`, only that delivery's lease is acked",
      params: { id: z.string(), messageId: z.string() },
      body: { schema: ChannelAckRequest, parsedBy: "app", required: false, empty: {} },
      ok: { status: 200, description: "acked", body: ChannelAcked },
      errors: [...errors, "Conflict", ...withBody],
    }),
    route({
      ...common,
      handler: "getChannelInbox",
      operationId: "getRuntimeChannelInbox",
      method: "get",
      path: inbox,
      summary:
        "the depth of an agent runtime's inbox (`{invokeUrl}/inbox`): messages ready, in flight and dead letters, when the oldest ready or in flight was published and its age (emulator clock), and the peers it may publish to",
      params: id,
      ok: { status: 200, description: "the inbox", body: ChannelInbox },
      errors,
    }),
    route({
      ...common,
      handler: "listChannelDeadLetters",
      operationId: "listRuntimeChannelDeadLetters",
      method: "get",
      path: `${inbox}/dead-letters`,
      summary: `the dead letters of an agent runtime's inbox (messages delivered ${maxDeliveries} times unacked), in the order published, a page at a time; they stay until a reset`,
      params: id,
      query: ChannelDeadLettersQuery,
      ok: { status: 200, description: "a page of dead letters", body: ChannelDeadLetterPage },
      errors: [...errors, "InvalidPageToken"],
    }),
  ];
}

/**
 * A2A for an agent runtime whose `protocol` is `a2a` (http/a2a.ts): its agent card and its JSON-RPC
 * endpoint, in A2A 1.0 (`A2A-Version: 1.0`) and 0.3 (no `A2A-Version`, as A2A says).
 */
function a2aRoutes() {
  const common = { tag: "gateway", params: id, query: A2aVersionQuery } as const;
  const version = {
    name: "A2A-Version",
    description:
      "the A2A protocol version the client speaks: 1.0, or 0.3 (none: 0.3, as A2A says); another is -32009 on the JSON-RPC endpoint, A2A 1.0's card on the card's",
  };
  /** What both places of the agent card share. */
  const card = {
    ...common,
    method: "get" as const,
    auth: "none" as const,
    headers: [version],
    ok: { status: 200 as const, description: "the agent card", body: AgentCardAnswer },
    errors: ["ValidationError", "NotFound", "InternalError"] satisfies ErrorCode[],
  };
  return [
    route({
      ...card,
      handler: "getA2aCard",
      operationId: "getRuntimeAgentCard",
      path: "/agents/{id}/invoke/.well-known/agent-card.json",
      summary:
        "the A2A agent card of an agent runtime whose protocol is `a2a` (`{invokeUrl}/.well-known/agent-card.json`, no token needed; 404 for another protocol): its name, description (its `description` tag, or what it runs), version, skills (its `skills`), streaming, text in and out, bearer auth, and its JSON-RPC endpoint `{invokeUrl}/a2a` for A2A 1.0 and 0.3; with `A2A-Version: 1.0`, A2A 1.0's card (`supportedInterfaces`), else 0.3's (`url`, `preferredTransport`)",
    }),
    route({
      ...card,
      handler: "getA2aCardBesideInvokeUrl",
      operationId: "getRuntimeAgentCardBesideInvokeUrl",
      path: "/agents/{id}/.well-known/agent-card.json",
      summary:
        "the same agent card, where a client that resolves `.well-known/agent-card.json` against the invokeUrl as a relative URL (no trailing slash: the @a2a-js/sdk client's createFromUrl(invokeUrl)) looks for it",
    }),
    route({
      ...common,
      handler: "a2aJsonRpc",
      operationId: "callRuntimeA2a",
      method: "post",
      path: "/agents/{id}/invoke/a2a",
      summary:
        "A2A JSON-RPC 2.0 of an agent runtime whose protocol is `a2a` (`{invokeUrl}/a2a`, the account's token): with `A2A-Version: 1.0` SendMessage, SendStreamingMessage and GetTask, without it A2A 0.3's message/send, message/stream and tasks/get; a message runs a task of the runtime (as `invocations`) whose answer is the A2A task's artifact (a failed task: state failed, and why); the streaming methods answer server-sent events (the task working, its answer, its final status). Errors in the request are JSON-RPC errors with HTTP 200 (-32700, -32600, -32601, -32602, A2A's -32001 to -32009)",
      auth: "bearer",
      headers: [version],
      body: { schema: JsonRpcRequest, parsedBy: "service", required: true },
      ok: {
        status: 200,
        description:
          "a JSON-RPC answer: a result or an error (SendStreamingMessage and message/stream: text/event-stream, each `data:` a JSON-RPC answer)",
        body: JsonRpcAnswer,
      },
      errors: [
        "Unauthenticated",
        "ValidationError",
        "NotFound",
        "Conflict",
        "PayloadTooLarge",
        "InternalError",
      ],
    }),
  ];
}

const JsonRpcId = z.union([z.string(), z.number().int()]);

/** A JSON-RPC 2.0 message an MCP client posts: a request (with an id) or a notification. */
const McpMessage = z.object({
  jsonrpc: z.literal("2.0"),
  id: JsonRpcId.optional().describe("a request's id; a notification has none (answered 202, no body)"),
  method: z.string().describe("initialize, ping, tools/list, tools/call, …"),
  params: z.record(z.string(), z.unknown()).optional(),
});

/** What an MCP request is answered with: a result or an error. */
const McpAnswer = z.union([
  z.object({ jsonrpc: z.literal("2.0"), id: JsonRpcId, result: z.record(z.string(), z.unknown()) }),
  z.object({
    jsonrpc: z.literal("2.0"),
    id: JsonRpcId.nullable(),
    error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
  }),
]);

/**
 * MCP for an agent runtime whose `protocol` is `mcp` (http/runtime-mcp.ts): its tools at
 * `{invokeUrl}/mcp`, streamable HTTP (a POST a message; GET and DELETE, a 2025 session's
 * operations, answer 405: it keeps no sessions).
 */
function runtimeMcpRoutes() {
  return [
    route({
      handler: "runtimeMcp",
      operationId: "callRuntimeMcp",
      method: "post",
      path: "/agents/{id}/invoke/mcp",
      tag: "gateway",
      summary:
        "MCP (streamable HTTP, the official SDK's; 2025-era clients stateless, 2026-era ones per request) of an agent runtime whose protocol is `mcp` (`{invokeUrl}/mcp`, the account's token; 404 for another protocol): tools `run_task` `{ input, async? }` (a task of the runtime, as `invocations`: its output text, or an error result with the code and message of a task that failed), `get_task` `{ taskId }`, and with `memory.enabled` `memory_get`, `memory_put` and `memory_search` (its memory, as `{invokeUrl}/memory`); what the transport refuses (no JSON, an Accept without application/json and text/event-stream, a body over 4 MiB) the SDK answers (400, 406, 413, 415)",
      auth: "bearer",
      params: id,
      headers: [
        {
          name: "Accept",
          description: "application/json and text/event-stream both, as MCP's streamable HTTP asks",
        },
        {
          name: "MCP-Protocol-Version",
          description:
            "the MCP revision: a 2025-era client's negotiated one (after initialize); 2026-07-28 on every 2026-era request, whose `_meta` says it too",
        },
        {
          name: "Mcp-Method",
          description: "a 2026-era request's method, as its body names it (required there)",
        },
        {
          name: "Mcp-Name",
          description: "a 2026-era `tools/call`'s tool name, as its body names it (required there)",
        },
      ],
      body: { schema: McpMessage, parsedBy: "service", required: true },
      ok: {
        status: 200,
        description:
          "a JSON-RPC answer: application/json, or text/event-stream (each `data:` a JSON-RPC message) as the SDK streams it (every 2025-era answer)",
        body: McpAnswer,
      },
      errors: ["Unauthenticated", "NotFound", "InternalError"],
    }),
  ];
}

const admin = <const R extends Omit<RouteSpec, "tag" | "auth" | "errors">>(r: R) =>
  route({ tag: "admin", auth: "admin", errors: adminErrors, ...r });

/** A catalog list: `GET /v1/catalog/<what>`. */
const catalog = <const H extends string>(handler: H, what: string, schema: z.ZodType, summary: string) =>
  route({
    handler,
    operationId: handler,
    method: "get",
    path: `/v1/catalog/${what}`,
    tag: "catalog",
    summary: `the catalog: ${summary}`,
    auth: "bearer",
    ok: { status: 200, description: summary, body: items(schema) },
    errors: anyV1,
  });

export const routes = [
  route({
    handler: "health",
    operationId: "health",
    method: "get",
    path: "/_mock/health",
    tag: "meta",
    summary: "liveness, and the emulator clock",
    auth: "none",
    ok: { status: 200, description: "up", body: Health },
    errors: ["InternalError"],
  }),
  route({
    handler: "openapi",
    operationId: "getOpenApiDocument",
    method: "get",
    path: "/openapi.json",
    tag: "meta",
    summary: "this document",
    auth: "none",
    ok: { status: 200, description: "OpenAPI 3.1", body: z.record(z.string(), z.unknown()) },
    errors: ["InternalError"],
  }),
  ...resourceKinds.flatMap(resourceRoutes),
  route({
    handler: "getOperation",
    operationId: "getOperation",
    method: "get",
    path: "/v1/operations/{id}",
    tag: "operations",
    summary: "a long-running operation: RUNNING, SUCCEEDED or FAILED",
    auth: "bearer",
    params: id,
    ok: { status: 200, description: "the operation", body: Operation },
    errors: [...anyV1, "NotFound"],
  }),
  route({
    handler: "listEndpointModels",
    operationId: "listEndpointModels",
    method: "get",
    path: "/inference/{id}/v1/models",
    tag: "inference",
    summary: "OpenAI's `GET /models` of a model endpoint (its base URL is `{url}/v1`): the model it serves",
    auth: "endpointKey",
    params: id,
    ok: { status: 200, description: "the model", body: ModelList },
    errors: [],
    openAiErrors: [401, 404, 503],
  }),
  route({
    handler: "chatCompletions",
    operationId: "createChatCompletion",
    method: "post",
    path: "/inference/{id}/v1/chat/completions",
    tag: "inference",
    summary:
      "OpenAI's chat completions on a model endpoint: plain, or `stream: true` as server-sent `chat.completion.chunk` events ending in `[DONE]` (usage in the last chunk with `stream_options.include_usage`); metered, throttled to the endpoint's tokens per minute (429 with Retry-After and x-ratelimit-* headers), cached and billed",
    auth: "endpointKey",
    params: id,
    body: { schema: ChatCompletionRequest, parsedBy: "service", required: true, maxBytes: 8 * 1024 * 1024 },
    ok: {
      status: 200,
      description: "the completion (or, streamed, text/event-stream)",
      body: ChatCompletion,
      alsoStreamed: true,
      headers: [...rateLimitHeaders],
    },
    errors: [],
    openAiErrors: [400, 401, 404, 413, 415, 429, 503],
  }),
  route({
    handler: "gatewayCompletions",
    operationId: "createRuntimeChatCompletion",
    method: "post",
    path: "/agents/{id}/invoke/models/v1/chat/completions",
    tag: "gateway",
    summary:
      "an agent runtime's model gateway (`{invokeUrl}/models/v1`, the account's token as the key): OpenAI's chat completions routed to the runtime's endpoints, the primary first, the next binding (fallbacks, then the router) on a 429, a 5xx or an endpoint gone; `x-agentcloud-routed-to` names the endpoint that answered and `x-agentcloud-hops` every try",
    auth: "bearer",
    params: id,
    body: { schema: ChatCompletionRequest, parsedBy: "service", required: true, maxBytes: 8 * 1024 * 1024 },
    ok: {
      status: 200,
      description: "the completion of the endpoint that answered (or, streamed, text/event-stream)",
      body: ChatCompletion,
      alsoStreamed: true,
      headers: ["X-Agentcloud-Routed-To", "X-Agentcloud-Hops"],
    },
    errors: [],
    openAiErrors: [400, 401, 404, 413, 415, 429, 503],
  }),
  route({
    handler: "invokeRuntime",
    operationId: "invokeRuntime",
    method: "post",
    path: "/agents/{id}/invoke/invocations",
    tag: "gateway",
    summary:
      "run a task on an agent runtime (`{invokeUrl}/invocations`, the account's token) on one of its sandbox instances: a warm one, else a paused one resumed, else a new one cold-started (its latency follows the sandbox's isolation and size), up to maxInstances × concurrencyPerInstance tasks at once (beyond: 429 Throttled with Retry-After); a code artifact runs its entrypoint in the instance's process, an image artifact the built-in agent loop (its primary model through the runtime's gateway answers the input); at once (200, the finished task) or with `async: true` in the background (202, RUNNING; read it at tasks/{taskId})",
    auth: "bearer",
    params: id,
    body: { schema: InvocationRequest, parsedBy: "app", required: true },
    ok: {
      status: 200,
      description: "the finished task",
      body: Task,
      alsoStatus: { status: 202, description: "with async: the task, RUNNING" },
    },
    errors: ["Unauthenticated", "NotFound", "Conflict", "Throttled", ...withBody, "InternalError"],
  }),
  route({
    handler: "getRuntimeTask",
    operationId: "getRuntimeTask",
    method: "get",
    path: "/agents/{id}/invoke/tasks/{taskId}",
    tag: "gateway",
    summary:
      "a task of an agent runtime: RUNNING, SUCCEEDED (its output, and where its model calls went) or FAILED (why)",
    auth: "bearer",
    params: { id: z.string(), taskId: z.string() },
    ok: { status: 200, description: "the task", body: Task },
    errors: ["Unauthenticated", "NotFound", "InternalError"],
  }),
  route({
    handler: "listRuntimeTools",
    operationId: "listRuntimeTools",
    method: "get",
    path: "/agents/{id}/invoke/tools",
    tag: "gateway",
    summary:
      "an agent runtime's skills as tools (`{invokeUrl}/tools`, the account's token), as OpenAI function tools named `<skill>__<tool>`: an mcp skill's MCP server tools (its allowedTools, when it names any; the emulator's own /mcp or a runtime's called with the account's token, another server without one), a builtin `memory` skill's memory_get, memory_put and memory_search; the skills that offer none here, and why",
    auth: "bearer",
    params: id,
    ok: { status: 200, description: "the tools", body: RuntimeTools },
    errors: ["Unauthenticated", "NotFound", "InternalError"],
  }),
  route({
    handler: "callRuntimeTool",
    operationId: "callRuntimeTool",
    method: "post",
    path: "/agents/{id}/invoke/tools/{name}",
    tag: "gateway",
    summary:
      "call one of an agent runtime's skill tools (`{invokeUrl}/tools/{name}`, the account's token): its text and whether it is an error (a tool's own failure is 200 with isError); a name its skills do not offer is 404",
    auth: "bearer",
    params: { id: z.string(), name: z.string() },
    body: { schema: ToolCallRequest, parsedBy: "app", required: true },
    ok: { status: 200, description: "what the tool answered", body: ToolCallResult },
    errors: ["Unauthenticated", "NotFound", ...withBody, "InternalError"],
  }),
  route({
    handler: "listRuntimeInstances",
    operationId: "listAgentRuntimeInstances",
    method: "get",
    path: "/v1/agent-runtimes/{id}/instances",
    tag: "gateway",
    summary:
      "an agent runtime's sandbox instances, newest first (at most 500), brought up to the emulator clock: STARTING, RUNNING, IDLE, PAUSED or STOPPED (and why), whether draining, tasks in flight and served, cold start, billed seconds",
    auth: "bearer",
    params: id,
    query: InstanceListQuery,
    ok: { status: 200, description: "the instances", body: SandboxInstanceList },
    errors: [...anyV1, "ValidationError", "NotFound"],
  }),
  route({
    handler: "listRuntimeTasks",
    operationId: "listAgentRuntimeTasks",
    method: "get",
    path: "/v1/agent-runtimes/{id}/tasks",
    tag: "gateway",
    summary: "an agent runtime's tasks, newest first, with the instance each ran on and how it started there",
    auth: "bearer",
    params: id,
    query: TaskListQuery,
    ok: { status: 200, description: "the tasks", body: TaskList },
    errors: [...anyV1, "ValidationError", "NotFound"],
  }),
  ...a2aRoutes(),
  ...runtimeMcpRoutes(),
  ...memoryRoutes(),
  ...channelRoutes(),
  route({
    handler: "getUsage",
    operationId: "getUsage",
    method: "get",
    path: "/v1/usage",
    tag: "usage",
    summary:
      "metered tokens of the account's model endpoints: requests, throttled requests, input, cached, output and elastic tokens and cost (USD, catalog prices), filtered by endpoint, model and emulator-clock range, grouped by hour, day, endpoint or model",
    auth: "bearer",
    query: UsageQuery,
    ok: { status: 200, description: "the usage", body: UsageReport },
    errors: [...anyV1, "ValidationError"],
  }),
  route({
    handler: "getEndpointUsage",
    operationId: "getModelEndpointUsage",
    method: "get",
    path: "/v1/model-endpoints/{id}/usage",
    tag: "usage",
    summary: "GET /v1/usage for one model endpoint (404 when the account has no such endpoint)",
    auth: "bearer",
    params: id,
    query: UsageQuery.omit({ endpointId: true }),
    ok: { status: 200, description: "the usage", body: UsageReport },
    errors: [...anyV1, "ValidationError", "NotFound"],
  }),
  route({
    handler: "listIdempotencyKeys",
    operationId: "listIdempotencyKeys",
    method: "get",
    path: "/v1/idempotency-keys",
    tag: "operations",
    summary:
      "the Idempotency-Keys the cloud remembers, newest first (at most 1,000); `released=false`: creates whose client has not recorded them yet (in flight, or interrupted)",
    auth: "bearer",
    query: IdempotencyKeysQuery,
    ok: { status: 200, description: "the keys", body: IdempotencyKeyList },
    errors: [...anyV1, "ValidationError"],
  }),
  route({
    handler: "releaseIdempotencyKeys",
    operationId: "releaseIdempotencyKeys",
    method: "post",
    path: "/v1/idempotency-key-releases",
    tag: "operations",
    summary:
      "releases many keys at once (see releaseIdempotencyKey); keys the cloud does not know are listed as unknown, not refused",
    auth: "bearer",
    body: { schema: ReleaseIdempotencyKeys, parsedBy: "app", required: true },
    ok: { status: 200, description: "what was released", body: ReleasedIdempotencyKeys },
    errors: [...anyV1, ...withBody],
  }),
  route({
    handler: "getIdempotencyKey",
    operationId: "getIdempotencyKey",
    method: "get",
    path: "/v1/idempotency-keys/{key}",
    tag: "operations",
    summary:
      "what the cloud remembers of a create's Idempotency-Key: its resource and whether it was released; 404 when never used, expired (24 h unless released) or its resource is gone",
    auth: "bearer",
    params: { key: z.string() },
    ok: { status: 200, description: "the key", body: IdempotencyKeyInfo },
    errors: [...anyV1, "NotFound"],
  }),
  route({
    handler: "releaseIdempotencyKey",
    operationId: "releaseIdempotencyKey",
    method: "post",
    path: "/v1/idempotency-keys/{key}/release",
    tag: "operations",
    summary:
      "the client recorded the create's result: while its resource exists, the key answers 409 IdempotencyKeyReleased instead of handing it out again; with resourceId, an unknown key is bound, released, to that existing resource",
    auth: "bearer",
    params: { key: z.string() },
    body: { schema: ReleaseIdempotencyKey, parsedBy: "app", required: false, empty: {} },
    ok: { status: 200, description: "the key, released", body: IdempotencyKeyInfo },
    errors: [...anyV1, ...withBody, "NotFound", "Conflict"],
  }),
  route({
    handler: "validateSpec",
    operationId: "validateSpec",
    method: "post",
    path: "/v1/validations",
    tag: "advice",
    safe: true,
    summary:
      "check a spec as the Pulumi provider's preview checks it (the same messages and field paths; a dedicated endpoint's cluster is looked up for the memory fit), with its estimate; nothing is written",
    auth: "bearer",
    body: { schema: ValidationRequest, parsedBy: "app", required: true },
    ok: { status: 200, description: "the checked spec", body: Validation },
    errors: [...anyV1, ...withBody],
  }),
  route({
    handler: "planSpecs",
    operationId: "planSpecs",
    method: "post",
    path: "/v1/plans",
    tag: "advice",
    safe: true,
    summary:
      "plan desired specs against what the account holds (matched by kind, region and name): create, update, replace (a create-only field changes, as preview decides), same, or with prune delete, each with its monthly cost before and after; nothing is written",
    auth: "bearer",
    body: { schema: PlanRequest, parsedBy: "app", required: true },
    ok: { status: 200, description: "the plan", body: Plan },
    errors: [...anyV1, ...withBody],
  }),
  catalog("listChips", "chips", ChipSpec, "the chips"),
  catalog("listModels", "models", ModelSpec, "the models"),
  catalog("listRegions", "regions", RegionInfo, "the regions and their zones"),
  route({
    handler: "getQuotas",
    operationId: "getQuotas",
    method: "get",
    path: "/v1/quotas",
    tag: "quotas",
    summary:
      "the caller's quotas: limit and usage of chips per region and chip type, endpoints, runtimes and tokens per minute per region",
    auth: "bearer",
    ok: { status: 200, description: "the account's quotas and usage", body: Quotas },
    errors: anyV1,
  }),
  admin({
    handler: "reset",
    destructive: true,
    operationId: "reset",
    method: "post",
    path: "/_mock/reset",
    summary:
      "delete everything (resources, keys, faults, request log, limits, transitions, MCP gates, plans and approvals back to how the emulator started, the clock back to real time), or one account's resources",
    body: { schema: ResetBody, parsedBy: "app", required: false, empty: {} },
    ok: { status: 200, description: "reset", body: z.object({ reset: z.string() }) },
  }),
  admin({
    handler: "listFaults",
    operationId: "listFaults",
    method: "get",
    path: "/_mock/faults",
    summary: "the fault rules in force",
    ok: { status: 200, description: "the rules", body: FaultList },
  }),
  admin({
    handler: "addFault",
    operationId: "addFault",
    method: "post",
    path: "/_mock/faults",
    summary: "inject a fault",
    body: { schema: FaultRule, parsedBy: "app", required: true },
    ok: { status: 201, description: "the rule, with its id", body: StoredFault },
  }),
  admin({
    handler: "listInferenceRules",
    operationId: "listInferenceRules",
    method: "get",
    path: "/_mock/inference/rules",
    summary: "the rules that script model answers, first match first",
    ok: { status: 200, description: "the rules", body: items(InferenceRule) },
  }),
  admin({
    handler: "addInferenceRule",
    operationId: "addInferenceRule",
    method: "post",
    path: "/_mock/inference/rules",
    summary:
      "script the models: requests matching an endpoint, model, last message (a regular expression) or the presence of tools are answered with text, tool calls, JSON or an error, with timings or a stream broken off",
    body: { schema: InferenceRule, parsedBy: "app", required: true },
    ok: { status: 201, description: "the rule", body: InferenceRule },
  }),
  admin({
    handler: "clearInferenceRules",
    operationId: "clearInferenceRules",
    method: "delete",
    path: "/_mock/inference/rules",
    summary: "remove every inference rule: answers are the default deterministic ones again",
    ok: { status: 200, description: "no rules left", body: items(InferenceRule) },
  }),
  admin({
    handler: "clearFaults",
    operationId: "clearFaults",
    method: "delete",
    path: "/_mock/faults",
    summary: "remove every fault rule",
    ok: { status: 200, description: "no rules left", body: FaultList },
  }),
  admin({
    handler: "deleteFault",
    operationId: "deleteFault",
    method: "delete",
    path: "/_mock/faults/{id}",
    summary: "remove one fault rule",
    params: id,
    ok: { status: 200, description: "removed", body: z.object({ deleted: z.string() }) },
  }),
  admin({
    handler: "getTransitions",
    operationId: "getTransitions",
    method: "get",
    path: "/_mock/transitions",
    summary: "how long operations take, per kind",
    ok: { status: 200, description: "the transitions", body: Transitions },
  }),
  admin({
    handler: "putTransitions",
    operationId: "putTransitions",
    method: "put",
    path: "/_mock/transitions",
    summary: "set how long operations take, per kind, on the emulator clock",
    body: { schema: Transitions, parsedBy: "app", required: true },
    ok: { status: 200, description: "the transitions", body: Transitions },
  }),
  admin({
    handler: "getLimits",
    operationId: "getLimits",
    method: "get",
    path: "/_mock/limits",
    summary: "quotas and capacity",
    ok: { status: 200, description: "the limits", body: Limits },
  }),
  admin({
    handler: "putLimits",
    operationId: "putLimits",
    method: "put",
    path: "/_mock/limits",
    summary: "change some limits; the others stay",
    body: { schema: LimitsPatch, parsedBy: "app", required: true },
    ok: { status: 200, description: "the limits", body: Limits },
  }),
  admin({
    handler: "getClock",
    operationId: "getClock",
    method: "get",
    path: "/_mock/clock",
    summary: "the emulator clock",
    ok: { status: 200, description: "now", body: ClockAnswer },
  }),
  admin({
    handler: "advanceClock",
    operationId: "advanceClock",
    method: "post",
    path: "/_mock/clock/advance",
    summary: "move the emulator clock on",
    body: { schema: ClockAdvance, parsedBy: "app", required: true },
    ok: { status: 200, description: "now", body: ClockAnswer },
  }),
  admin({
    handler: "listRequests",
    operationId: "listRequests",
    method: "get",
    path: "/_mock/requests",
    summary: "the last requests (method, path, status, code; no headers or bodies)",
    query: RequestsQuery,
    ok: { status: 200, description: "oldest first", body: items(LoggedRequest) },
  }),
  admin({
    handler: "snapshot",
    operationId: "snapshot",
    method: "post",
    path: "/_mock/snapshot",
    summary: "the whole state",
    ok: { status: 200, description: "a snapshot", body: Snapshot },
  }),
  admin({
    handler: "restore",
    destructive: true,
    operationId: "restore",
    method: "post",
    path: "/_mock/restore",
    summary: "replace the whole state with a snapshot (up to 64 MiB), checked row by row first",
    // Restore takes back any snapshot this emulator produced, far past the API's 256 KiB.
    body: { schema: Snapshot, parsedBy: "app", required: true, maxBytes: 64 * 1024 * 1024 },
    ok: { status: 200, description: "restored", body: z.object({ restored: z.literal(true) }) },
  }),
  admin({
    handler: "listAllResources",
    operationId: "listAllResources",
    method: "get",
    path: "/_mock/resources",
    summary: "every account's resources, secret outputs masked: what the console shows",
    query: AdminResourcesQuery,
    ok: {
      status: 200,
      description: "the resources",
      body: z.object({ items: z.array(z.object({ account: z.string(), resource: AnyResource })) }),
    },
  }),
  admin({
    handler: "listAccountQuotas",
    operationId: "listAccountQuotas",
    method: "get",
    path: "/_mock/quotas",
    summary:
      "every account's quotas and usage, each as its own GET /v1/quotas answers them: the accounts that hold resources or that a token names, sorted by account",
    query: AccountQuotasQuery,
    ok: { status: 200, description: "the accounts' quotas", body: AccountQuotasList },
  }),
  admin({
    handler: "listAccountUsage",
    operationId: "listAccountUsage",
    method: "get",
    path: "/_mock/usage",
    summary:
      "every account's metered tokens and cost, each as its own GET /v1/usage answers the same query: the accounts that hold resources or that a token names, sorted by account",
    query: AccountUsageQuery,
    ok: { status: 200, description: "the accounts' usage", body: AccountUsageList },
  }),
  admin({
    handler: "getMcpSettings",
    operationId: "getMcpSettings",
    method: "get",
    path: "/_mock/mcp",
    summary: "the MCP server's gates: read-only, allow-list, plan then confirm, approvals; per account too",
    ok: { status: 200, description: "the settings", body: McpSettings },
  }),
  admin({
    handler: "putMcpSettings",
    operationId: "putMcpSettings",
    method: "put",
    path: "/_mock/mcp",
    summary:
      "set the MCP server's gates (fields left out take their defaults); sessions opened after see them",
    body: { schema: McpSettings, parsedBy: "app", required: true },
    ok: { status: 200, description: "the settings", body: McpSettings },
  }),
  admin({
    handler: "listApprovals",
    operationId: "listApprovals",
    method: "get",
    path: "/_mock/approvals",
    summary: "the creates MCP tools asked for above the approval thresholds, newest first",
    ok: { status: 200, description: "the approvals", body: items(Approval) },
  }),
  admin({
    handler: "decideApproval",
    operationId: "decideApproval",
    method: "post",
    path: "/_mock/approvals/{id}/{decision}",
    summary: "approve or deny a pending create: an approved one goes ahead when the agent repeats its call",
    params: { id: z.string(), decision: z.enum(["approve", "deny"]) },
    ok: { status: 200, description: "the approval", body: Approval },
  }),
  admin({
    handler: "events",
    operationId: "events",
    method: "get",
    path: "/_mock/events",
    summary:
      "the change feed as server-sent events (resource, operation, clock, settings, reset/restore, requests); the admin token in the Authorization header",
    ok: {
      status: 200,
      description: "an event stream; each `data:` line is one JSON event",
      body: z.string(),
      contentType: "text/event-stream",
    },
  }),
  admin({
    handler: "editResource",
    operationId: "editResource",
    method: "patch",
    path: "/_mock/resources/{collection}/{id}",
    summary: "edit a resource out of band (drift); derived outputs are recomputed",
    params: { collection: z.enum(resourceKinds.map((k) => collectionOf[k])), id: z.string() },
    body: { schema: z.record(z.string(), z.unknown()), parsedBy: "app", required: true },
    ok: { status: 200, description: "the resource as edited", body: AnyResource },
  }),
];

/** The table as plain RouteSpecs, for what reads every route alike (OpenAPI, the glue, the tools). */
export const routeSpecs: readonly RouteSpec[] = [...routes];
