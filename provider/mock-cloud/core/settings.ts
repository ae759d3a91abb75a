import { z } from "zod";
import { collectionOf, resourceKinds } from "../../api/common.ts";

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
export const defaultLimits: Limits = Limits.parse({});

/** A fault rule, LocalStack-shaped: what to match, and what to do instead of (or before) answering. */
/** What a fault can target: an API operation, or `provision` (a create's or update's transition). */
export const faultOperations = [
  "create",
  "get",
  "list",
  "update",
  "delete",
  "operation",
  "provision",
] as const;

export const FaultRule = z.strictObject({
  id: z.string().optional(),
  /** A kind (`ChipCluster`) or its collection (`chip-clusters`). */
  kind: z
    .string()
    .transform((k) => resourceKinds.find((r) => r === k || collectionOf[r] === k) ?? k)
    .pipe(z.enum(resourceKinds))
    .optional(),
  /** create, get, list, update, delete, operation (GET /v1/operations), or provision (fails a transition). */
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

export interface FaultTarget {
  kind?: string;
  operation: string;
  region?: string;
  account?: string;
}

/** The first rule matching the target that fires (probability), with its count consumed. */
export function pickFault(rules: FaultRule[], t: FaultTarget, random = Math.random): FaultRule | null {
  for (const rule of rules) {
    if (rule.remaining !== undefined && rule.remaining <= 0) continue;
    if (rule.kind && rule.kind !== t.kind) continue;
    if (rule.operation && rule.operation !== t.operation) continue;
    if (!rule.operation && t.operation === "provision") continue;
    if (rule.region && rule.region !== t.region) continue;
    if (rule.account && rule.account !== t.account) continue;
    if (random() >= rule.probability) continue;
    if (rule.remaining !== undefined) rule.remaining -= 1;
    return rule;
  }
  return null;
}
