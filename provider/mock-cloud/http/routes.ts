import type { Context, Env, Hono } from "hono";
import { z } from "zod";
import { LoggedRequest } from "../../api/admin.ts";
import {
  AgentRuntime,
  AgentRuntimeAccepted,
  AgentRuntimePage,
  AgentRuntimePatchBody,
  AgentRuntimeSpec,
} from "../../api/agent-runtime.ts";
import { ChipSpec, ModelSpec, regions } from "../../api/catalog.ts";
import {
  ChipCluster,
  ChipClusterAccepted,
  ChipClusterPage,
  ChipClusterPatchBody,
  ChipClusterSpec,
} from "../../api/chip-cluster.ts";
import {
  collectionOf,
  ErrorBody,
  type ErrorCode,
  errorCodes,
  errorStatus,
  IdempotencyKeyInfo,
  IdempotencyKeyList,
  Operation,
  pageSizes,
  Region,
  ReleasedIdempotencyKeys,
  ReleaseIdempotencyKey,
  ReleaseIdempotencyKeys,
  type ResourceKind,
  resourceKinds,
  Timestamp,
  withoutDefault,
} from "../../api/common.ts";
import {
  ChatCompletion,
  ChatCompletionRequest,
  InferenceRule,
  ModelList,
  OpenAiError,
  UsageQuery,
  UsageReport,
} from "../../api/inference.ts";
import { fieldIssues } from "../../api/issues.ts";
import {
  ModelEndpoint,
  ModelEndpointAccepted,
  ModelEndpointPage,
  ModelEndpointPatchBody,
  ModelEndpointSpec,
} from "../../api/model-endpoint.ts";
import { Quotas } from "../../api/quotas.ts";
import { FaultRule, Limits, Transitions } from "../core/settings.ts";
import { invalid } from "../errors.ts";

/**
 * Every route the emulator serves, once: the app registers its handlers from this list (so a route
 * cannot be served without being here) and `openapi.ts` builds `/openapi.json` from it, with the
 * same zod schemas the emulator validates with. Request schemas are documented on their input side
 * (a field with a default is optional), answers on their output side.
 */

type Method = "get" | "post" | "put" | "patch" | "delete";
type Auth = "bearer" | "admin" | "endpointKey" | "none";
/** Response headers the API sends; each answer says which of them it carries. */
export type ResponseHeader =
  | "ETag"
  | "Retry-After"
  | "WWW-Authenticate"
  | "X-Request-Id"
  | "Idempotent-Replayed"
  | "Preference-Applied"
  | RateLimitHeader;

/** OpenAI's rate-limit headers, on every answer of a model endpoint's chat completions and its 429s. */
export const rateLimitHeaders = [
  "X-RateLimit-Limit-Tokens",
  "X-RateLimit-Remaining-Tokens",
  "X-RateLimit-Reset-Tokens",
  "X-RateLimit-Limit-Requests",
  "X-RateLimit-Remaining-Requests",
  "X-RateLimit-Reset-Requests",
] as const;
type RateLimitHeader = (typeof rateLimitHeaders)[number];

export type HandlerName =
  | "health"
  | "openapi"
  | "create"
  | "list"
  | "get"
  | "update"
  | "delete"
  | "getOperation"
  | "getIdempotencyKey"
  | "releaseIdempotencyKey"
  | "listIdempotencyKeys"
  | "chatCompletions"
  | "listEndpointModels"
  | "getUsage"
  | "getEndpointUsage"
  | "listInferenceRules"
  | "addInferenceRule"
  | "clearInferenceRules"
  | "releaseIdempotencyKeys"
  | "listChips"
  | "listModels"
  | "listRegions"
  | "getQuotas"
  | "reset"
  | "listFaults"
  | "addFault"
  | "clearFaults"
  | "deleteFault"
  | "getTransitions"
  | "putTransitions"
  | "getLimits"
  | "putLimits"
  | "getClock"
  | "advanceClock"
  | "listRequests"
  | "snapshot"
  | "restore"
  | "listAllResources"
  | "events"
  | "editResource";

export interface RouteSpec {
  handler: HandlerName;
  /** The resource kind of a `/v1/<collection>` route. */
  kind?: ResourceKind;
  operationId: string;
  method: Method;
  /** OpenAPI path template: `/v1/chip-clusters/{id}`. */
  path: string;
  tag: "resources" | "operations" | "catalog" | "quotas" | "usage" | "inference" | "admin" | "meta";
  summary: string;
  auth: Auth;
  /** Path parameters (strings); an enum schema documents the values that exist. */
  params?: Record<string, z.ZodType<string>>;
  /** Query parameters: parsed from the query string by the app; a failure is 400 ValidationError. */
  query?: z.ZodObject;
  /** Request headers the operation reads. */
  headers?: { name: string; description: string }[];
  /**
   * The JSON body. `parsedBy: "app"`: validated against `schema` before the handler runs;
   * `"service"`: the service validates it (resource specs and patches, with their own rules).
   */
  body?: {
    schema: z.ZodType;
    parsedBy: "app" | "service";
    required: boolean;
    /** Value of an absent body, when `required` is false. */
    empty?: unknown;
    /** A limit above the API's 256 KiB (restore). */
    maxBytes?: number;
    description?: string;
  };
  ok: {
    status: 200 | 201 | 202;
    description: string;
    body: z.ZodType;
    headers?: ResponseHeader[];
    /** Headers sent on some answers only. */
    optionalHeaders?: ResponseHeader[];
    /** Other than application/json: the change feed's `text/event-stream`. */
    contentType?: string;
    /** The same operation answers as server-sent events when asked (`stream: true`). */
    alsoStreamed?: boolean;
  };
  /** The error codes the operation can answer with; statuses come from the catalogue. */
  errors: readonly ErrorCode[];
  /** The data plane answers errors in OpenAI's shape instead: these statuses. */
  openAiErrors?: readonly number[];
}

const specs = {
  ChipCluster: ChipClusterSpec,
  ModelEndpoint: ModelEndpointSpec,
  AgentRuntime: AgentRuntimeSpec,
};
const patchBodies = {
  ChipCluster: ChipClusterPatchBody,
  ModelEndpoint: ModelEndpointPatchBody,
  AgentRuntime: AgentRuntimePatchBody,
};
const resources = { ChipCluster, ModelEndpoint, AgentRuntime };
const acceptedOf = {
  ChipCluster: ChipClusterAccepted,
  ModelEndpoint: ModelEndpointAccepted,
  AgentRuntime: AgentRuntimeAccepted,
};
const pages = {
  ChipCluster: ChipClusterPage,
  ModelEndpoint: ModelEndpointPage,
  AgentRuntime: AgentRuntimePage,
};

const IdempotencyKeysQuery = z.object({
  released: z
    .enum(["true", "false"])
    .optional()
    .describe("only released keys (`true`) or only keys not released yet (`false`)"),
});

export const ListQuery = z.object({
  region: Region.optional().describe("only resources in this region"),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(pageSizes.max)
    .optional()
    .describe(`items per page, 1–${pageSizes.max} (default ${pageSizes.default})`),
  pageToken: z
    .string()
    .optional()
    .describe(
      "nextPageToken of the previous page: opaque, and good only for the same account, collection and region",
    ),
});

const RegionInfo = z.object({ region: z.enum(regions), zones: z.array(z.string()) });

const Health = z.object({ status: z.literal("ok"), time: Timestamp });
const StoredFault = FaultRule.extend({ id: z.string() });
const FaultList = z.object({ items: z.array(StoredFault) });
/** The limits a PUT names: no defaults, so a field left out keeps its value. */
const LimitsPatch = z
  .object(
    Object.fromEntries(Object.entries(Limits.shape).map(([k, v]) => [k, withoutDefault(v)])) as Record<
      string,
      z.ZodType
    >,
  )
  .partial();
const ClockAnswer = z.object({ now: Timestamp });
export const ClockAdvance = z.strictObject({ ms: z.number().int().min(0) });
export const ResetBody = z.strictObject({ account: z.string().optional() });
export const RequestsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(100).describe("how many of the last requests"),
});
export const Snapshot = z.object({
  version: z.literal(1),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
});
const AnyResource = z.union([ChipCluster, ModelEndpoint, AgentRuntime]);
export const AdminResourcesQuery = z.object({
  account: z.string().min(1).optional().describe("only this account's resources"),
  kind: z.enum(resourceKinds).optional().describe("only this kind"),
});

/**
 * Schemas that get a name: request bodies (input side) under `#/components/requestBodies`,
 * answers (output side) under `#/components/schemas`.
 */
export const namedSchemas: { input: Record<string, z.ZodType>; output: Record<string, z.ZodType> } = {
  input: {
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}Spec`, specs[k]])),
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}Patch`, patchBodies[k]])),
    FaultRuleSpec: FaultRule,
    TransitionsSpec: Transitions,
    LimitsPatch,
    Snapshot,
  },
  output: {
    Error: ErrorBody,
    Operation,
    ...resources,
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}Accepted`, acceptedOf[k]])),
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}Page`, pages[k]])),
    ChipInfo: ChipSpec,
    ModelInfo: ModelSpec,
    RegionInfo,
    Quotas,
    ChatCompletion,
    OpenAiError,
    UsageReport,
    FaultRule: StoredFault,
    Transitions,
    Limits,
    LoggedRequest,
  },
};

/** Every /v1 route can answer any code of the catalogue (auth, media type, injected faults). */
const apiErrors = errorCodes;
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

function resourceRoutes(kind: ResourceKind): RouteSpec[] {
  const base = `/v1/${collectionOf[kind]}`;
  const common = { kind, tag: "resources", auth: "bearer", errors: apiErrors } as const;
  return [
    {
      ...common,
      handler: "create",
      operationId: `create${kind}`,
      method: "post",
      path: base,
      summary: `create a ${kind}: a long-running operation`,
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
      ],
      body: { schema: specs[kind], parsedBy: "service", required: true },
      ok: {
        status: 202,
        description: "accepted: a long-running operation",
        body: acceptedOf[kind],
        optionalHeaders: ["Idempotent-Replayed", "Preference-Applied"],
      },
    },
    {
      ...common,
      handler: "list",
      operationId: `list${kind}s`,
      method: "get",
      path: base,
      summary: `list ${kind}s, a page at a time, oldest first`,
      query: ListQuery,
      ok: { status: 200, description: "a page", body: pages[kind] },
    },
    {
      ...common,
      handler: "get",
      operationId: `get${kind}`,
      method: "get",
      path: `${base}/{id}`,
      summary: `read a ${kind}`,
      params: id,
      ok: { status: 200, description: kind, body: resources[kind], headers: ["ETag"] },
    },
    {
      ...common,
      handler: "update",
      operationId: `update${kind}`,
      method: "patch",
      path: `${base}/{id}`,
      summary: `change a ${kind}'s mutable fields; immutable ones may be restated unchanged`,
      params: id,
      headers: [
        { name: "If-Match", description: "the ETag last read; any other is 412 PreconditionFailed" },
        {
          name: "Prefer",
          description:
            "`wait`: an operation that can finish at once (immediate transitions) finishes before the answer, which then holds the final resource and a SUCCEEDED or FAILED operation (Preference-Applied: wait); otherwise the answer is as without it",
        },
      ],
      body: { schema: patchBodies[kind], parsedBy: "service", required: true },
      ok: {
        status: 202,
        description: "accepted: a long-running operation",
        body: acceptedOf[kind],
        headers: ["ETag"],
        optionalHeaders: ["Preference-Applied"],
      },
    },
    {
      ...common,
      handler: "delete",
      operationId: `delete${kind}`,
      method: "delete",
      path: `${base}/{id}`,
      summary: `delete a ${kind}: 409 DependencyViolation while something uses it`,
      params: id,
      ok: {
        status: 202,
        description: "accepted: a long-running operation",
        body: acceptedOf[kind],
        optionalHeaders: ["Idempotent-Replayed"],
      },
    },
  ];
}

const admin = (r: Omit<RouteSpec, "tag" | "auth" | "errors">): RouteSpec => ({
  tag: "admin",
  auth: "admin",
  errors: adminErrors,
  ...r,
});

export const routes: readonly RouteSpec[] = [
  {
    handler: "health",
    operationId: "health",
    method: "get",
    path: "/_mock/health",
    tag: "meta",
    summary: "liveness, and the emulator clock",
    auth: "none",
    ok: { status: 200, description: "up", body: Health },
    errors: ["InternalError"],
  },
  {
    handler: "openapi",
    operationId: "getOpenApiDocument",
    method: "get",
    path: "/openapi.json",
    tag: "meta",
    summary: "this document",
    auth: "none",
    ok: { status: 200, description: "OpenAPI 3.1", body: z.record(z.string(), z.unknown()) },
    errors: ["InternalError"],
  },
  ...resourceKinds.flatMap(resourceRoutes),
  {
    handler: "getOperation",
    operationId: "getOperation",
    method: "get",
    path: "/v1/operations/{id}",
    tag: "operations",
    summary: "a long-running operation: RUNNING, SUCCEEDED or FAILED",
    auth: "bearer",
    params: id,
    ok: { status: 200, description: "the operation", body: Operation },
    errors: apiErrors,
  },
  {
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
  },
  {
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
  },
  {
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
    errors: apiErrors,
  },
  {
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
    errors: apiErrors,
  },
  {
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
    errors: apiErrors,
  },
  {
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
    errors: apiErrors,
  },
  {
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
    errors: apiErrors,
  },
  {
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
    errors: apiErrors,
  },
  ...(
    [
      ["listChips", "chips", ChipSpec, "the chips"],
      ["listModels", "models", ModelSpec, "the models"],
      ["listRegions", "regions", RegionInfo, "the regions and their zones"],
    ] as const
  ).map(
    ([handler, what, schema, summary]): RouteSpec => ({
      handler,
      operationId: `${handler}`,
      method: "get",
      path: `/v1/catalog/${what}`,
      tag: "catalog",
      summary: `the catalog: ${summary}`,
      auth: "bearer",
      ok: { status: 200, description: summary, body: items(schema) },
      errors: apiErrors,
    }),
  ),
  {
    handler: "getQuotas",
    operationId: "getQuotas",
    method: "get",
    path: "/v1/quotas",
    tag: "quotas",
    summary:
      "the caller's quotas: limit and usage of chips per region and chip type, endpoints, runtimes and tokens per minute per region",
    auth: "bearer",
    ok: { status: 200, description: "the account's quotas and usage", body: Quotas },
    errors: apiErrors,
  },
  admin({
    handler: "reset",
    operationId: "reset",
    method: "post",
    path: "/_mock/reset",
    summary:
      "delete everything (resources, keys, faults, request log, limits, transitions, the clock back to real time), or one account's resources",
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

/** The parsed inputs a handler receives. */
interface RouteInput {
  route: RouteSpec;
  query: Record<string, unknown>;
  /** The body, validated, for `parsedBy: "app"`; otherwise undefined (the handler reads it). */
  body: unknown;
}
export type Handler<E extends Env = Env> = (c: Context<E>, input: RouteInput) => Response | Promise<Response>;

/** Parses a request part with a zod schema; a failure is 400 ValidationError with field paths. */
export function parseInput<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  invalid(fieldIssues(r.error.issues));
}

/**
 * Registers routes on a Hono app (`prefix`: the part of their path the app is mounted under), each
 * with the handler its descriptor names. `readBody` reads the JSON body (size limits, media type).
 */
export function register<E extends Env>(
  app: Hono<E>,
  list: readonly RouteSpec[],
  handlers: Partial<Record<HandlerName, Handler<E>>>,
  readBody: (c: Context, options: { empty?: unknown; maxBytes?: number }) => Promise<unknown>,
  prefix = "",
): void {
  for (const route of list) {
    const handler = handlers[route.handler];
    if (!handler) throw new Error(`no handler ${route.handler} for ${route.method} ${route.path}`);
    if (!route.path.startsWith(prefix)) throw new Error(`${route.path} is not under ${prefix}`);
    const path = route.path.slice(prefix.length).replace(/\{([^}]+)\}/g, ":$1") || "/";
    app.on(route.method.toUpperCase(), path, async (c) => {
      const query = route.query ? parseInput(route.query, c.req.query()) : {};
      let body: unknown;
      if (route.body?.parsedBy === "app") {
        const options = {
          ...(route.body.required ? {} : { empty: route.body.empty }),
          ...(route.body.maxBytes ? { maxBytes: route.body.maxBytes } : {}),
        };
        body = parseInput(route.body.schema, await readBody(c, options));
      }
      return handler(c, { route, query, body });
    });
  }
}

/** HTTP status of each error code, grouped: the answers a route documents. */
export function errorStatuses(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const out = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorStatus[code];
    out.set(status, [...(out.get(status) ?? []), code]);
  }
  return out;
}
