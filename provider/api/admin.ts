/** The emulator's admin plane (`/_mock`): its settings, requests and answers, as the route table, the console and the testing kit read them. */
import { z } from "zod";
import { AgentRuntime } from "./agent-runtime.ts";
import { ChipCluster } from "./chip-cluster.ts";
import { collectionOf, resourceKinds, Timestamp, withoutDefault } from "./common.ts";
import { UsageQuery, UsageReport } from "./inference.ts";
import { ModelEndpoint } from "./model-endpoint.ts";
import { Quotas } from "./quotas.ts";

/** One request the emulator answered, as `GET /_mock/requests` and the event feed give it: no headers, no body. */
export const LoggedRequest = z.object({
  time: Timestamp,
  requestId: z.string(),
  account: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  code: z.string().nullable(),
  durationMs: z.number(),
});
export type LoggedRequest = z.infer<typeof LoggedRequest>;

/** Fields an out-of-band edit (`PATCH /_mock/resources/…`) may not set: identity, and what the cloud derives of a secret. */
const notEditable = ["id", "kind", "etag", "secretEnvKeys", "secretEnvDigest"];

/** The fields of a resource view an out-of-band edit may set. */
export function editableFields(view: z.ZodObject): string[] {
  return Object.keys(view.shape).filter((k) => !notEditable.includes(k));
}

/** How long a kind's long-running operations take, on the emulator's clock. */
const Transition = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("immediate") }),
  z.strictObject({
    mode: z.literal("duration"),
    ms: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3_600_000),
  }),
  z.strictObject({ mode: z.literal("reads"), reads: z.number().int().min(0).max(10_000) }),
]);
export const Transitions = z.partialRecord(z.enum(resourceKinds), Transition);
export type Transitions = z.infer<typeof Transitions>;

/** Quotas and capacity; every number is configurable (options, `PUT /_mock/limits`). */
export const Limits = z.strictObject({
  /** Chips per account × region × chip type. */
  chipsPerType: z.number().int().min(0).default(2048),
  /** On-demand capacity per region × chip type, shared by all accounts. */
  capacityPerRegion: z.number().int().min(0).default(4096),
  endpointsPerRegion: z.number().int().min(0).default(20),
  runtimesPerRegion: z.number().int().min(0).default(50),
  tokensPerMinutePerRegion: z.number().int().min(0).default(10_000_000),
  retryAfterSeconds: z.number().int().min(0).default(5),
  /**
   * The share of their declared tokensPerMinute that pooled endpoints get, per region (absent: 1):
   * below 1 the regional pool is squeezed by noisy neighbours.
   */
  pooledSharePerRegion: z.record(z.string(), z.number().min(0).max(1)).default({}),
});
export type Limits = z.infer<typeof Limits>;

/** A fault rule, LocalStack-shaped: what to match, and what to do instead of (or before) answering. */
/**
 * What a fault can target: an API operation, `provision` (a create's or update's transition), or a
 * data-plane operation by its operationId (an endpoint's models and chat completions, a runtime's
 * gateway). A rule without an operation targets the API's operations only.
 */
export const faultOperations = [
  "create",
  "get",
  "list",
  "update",
  "delete",
  "operation",
  "provision",
  "listEndpointModels",
  "createChatCompletion",
  "createRuntimeChatCompletion",
] as const;
/** The operations a fault rule reaches only when it names them. */
export const namedOnlyFaultOperations: readonly string[] = [
  "provision",
  "listEndpointModels",
  "createChatCompletion",
  "createRuntimeChatCompletion",
];

export const FaultRule = z.strictObject({
  id: z.string().optional(),
  /** A kind (`ChipCluster`) or its collection (`chip-clusters`). */
  kind: z
    .string()
    .transform((k) => resourceKinds.find((r) => r === k || collectionOf[r] === k) ?? k)
    .pipe(z.enum(resourceKinds))
    .optional(),
  /**
   * create, get, list, update, delete, operation (GET /v1/operations), provision (fails a
   * transition), or a data-plane operation: listEndpointModels, createChatCompletion (an
   * endpoint's, the gateway's hops included), createRuntimeChatCompletion (a runtime's gateway);
   * those answer in OpenAI's error shape.
   */
  operation: z.enum(faultOperations).optional(),
  region: z.string().optional(),
  account: z.string().optional(),
  probability: z.number().min(0).max(1).default(1),
  /** How many more times the rule fires; absent = until removed. */
  remaining: z.number().int().min(1).optional(),
  status: z.number().int().min(400).max(599).optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  /** Close the connection without an answer. */
  drop: z.boolean().optional(),
});
export type FaultRule = z.infer<typeof FaultRule>;

export const Health = z.object({ status: z.literal("ok"), time: Timestamp });
export const StoredFault = FaultRule.extend({ id: z.string() });
export const FaultList = z.object({ items: z.array(StoredFault) });
/** The limits a PUT names: no defaults, so a field left out keeps its value. */
export const LimitsPatch = z
  .object(
    Object.fromEntries(Object.entries(Limits.shape).map(([k, v]) => [k, withoutDefault(v)])) as Record<
      string,
      z.ZodType
    >,
  )
  .partial();
export const ClockAnswer = z.object({ now: Timestamp });
export const ClockAdvance = z.strictObject({ ms: z.number().int().min(0) });
export const ResetBody = z.strictObject({ account: z.string().optional() });
export const RequestsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(100).describe("how many of the last requests"),
});
export const Snapshot = z.object({
  version: z.literal(1),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
});
export const AnyResource = z.union([ChipCluster, ModelEndpoint, AgentRuntime]);
export const AdminResourcesQuery = z.object({
  account: z.string().min(1).optional().describe("only this account's resources"),
  kind: z.enum(resourceKinds).optional().describe("only this kind"),
});
export const AccountQuotasQuery = z.object({
  account: z.string().min(1).optional().describe("only this account's quotas"),
});
/**
 * `GET /_mock/quotas`: each account's quotas as its own `GET /v1/quotas` answers them, for the
 * accounts that hold resources or that a token names, sorted by account.
 */
export const AccountQuotasList = z.object({
  items: z.array(z.object({ account: z.string(), quotas: Quotas })),
});
export type AccountQuotasList = z.infer<typeof AccountQuotasList>;
/** `GET /_mock/usage`: `GET /v1/usage`'s query, and one account to answer for (absent: every account). */
export const AccountUsageQuery = UsageQuery.extend({
  account: z.string().min(1).optional().describe("only this account's usage"),
});
/**
 * `GET /_mock/usage`: each account's metered tokens as its own `GET /v1/usage` answers them with the
 * same query, for the accounts that hold resources or that a token names, sorted by account.
 */
export const AccountUsageList = z.object({
  items: z.array(z.object({ account: z.string(), usage: UsageReport })),
});
export type AccountUsageList = z.infer<typeof AccountUsageList>;
