import { z } from "zod";
import { chipTypes, hyperNodeSizes } from "./catalog.ts";
import {
  accepted,
  Name,
  page,
  patchBodyOf,
  patchOf,
  Region,
  ResourceMeta,
  Tags,
  Timestamp,
} from "./common.ts";

const Provisioning = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("onDemand") }),
  z.strictObject({ mode: z.literal("reserved"), reservationId: z.string().min(1).max(128) }),
  z.strictObject({ mode: z.literal("spot"), maxPricePerChipHour: z.number().positive().optional() }),
  z.strictObject({ mode: z.literal("queued"), queueDeadline: Timestamp }),
]);

const HyperNodeSize = z.union(
  hyperNodeSizes.map((n) => z.literal(n)) as [z.ZodLiteral<8>, ...z.ZodLiteral<number>[]],
  { error: `must be one of ${hyperNodeSizes.join(", ")}` },
);

/** Everything a caller declares; the body of POST /v1/chip-clusters. */
export const ChipClusterSpec = z.strictObject({
  name: Name,
  region: Region,
  zone: z.string().min(1).max(64).nullish(),
  chipType: z.enum(chipTypes),
  chipsPerHyperNode: HyperNodeSize,
  hyperNodeCount: z.number().int().min(1).max(512),
  scheduling: z.enum(["task", "resource"]).default("task"),
  provisioning: Provisioning.default({ mode: "onDemand" }),
  nodeRecovery: z.enum(["auto", "manual"]).default("auto"),
  tags: Tags.default({}),
});
export type ChipClusterSpec = z.input<typeof ChipClusterSpec>;

/** Fields that can change after creation (PATCH); all others are immutable. */
export const chipClusterMutable = ["hyperNodeCount", "scheduling", "nodeRecovery", "tags"] as const;
export const ChipClusterPatch = patchOf(ChipClusterSpec, chipClusterMutable);
/** The PATCH body as documented: the mutable fields, and the immutable ones restated unchanged. */
export const ChipClusterPatchBody = patchBodyOf(ChipClusterSpec, chipClusterMutable);

export const chipClusterStates = [
  "ACCEPTED",
  "WAITING_FOR_CAPACITY",
  "PROVISIONING",
  "ACTIVE",
  "SCALING",
  "DEGRADED",
  "FAILED",
  "DELETING",
] as const;

export const ChipCluster = ResourceMeta.extend({
  name: Name,
  region: Region,
  zone: z.string().nullable(),
  chipType: z.enum(chipTypes),
  chipsPerHyperNode: z.number().int(),
  hyperNodeCount: z.number().int(),
  scheduling: z.enum(["task", "resource"]),
  provisioning: Provisioning,
  nodeRecovery: z.enum(["auto", "manual"]),
  tags: z.record(z.string(), z.string()),
  status: z.enum(chipClusterStates),
  totalChips: z.number().int(),
  totalMemoryGiB: z.number(),
  interconnect: z.object({ chipToChipGBps: z.number().nullable(), p2pLatencyNs: z.number().nullable() }),
  readyHyperNodes: z.number().int(),
});
export type ChipCluster = z.infer<typeof ChipCluster>;
export const ChipClusterAccepted = accepted(ChipCluster);
export const ChipClusterPage = page(ChipCluster);
