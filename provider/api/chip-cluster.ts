import { z } from "zod";
import { chipTypes, hyperNodeSizes } from "./catalog.ts";
import {
  accepted,
  createOnlyField,
  type KindApi,
  type Lifecycle,
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

/** How capacity is obtained when left out. */
export const provisioningDefault = { mode: "onDemand" } as const;

/** Everything a caller declares; the body of POST /v1/chip-clusters. */
export const ChipClusterSpec = z.strictObject({
  /** Physical name, unique per account × region × kind. Defaults to the resource name plus a suffix. */
  name: Name,
  /** Region; changing it replaces the cluster. */
  region: Region,
  /** Zone inside the region; changing it replaces the cluster. */
  zone: z.string().min(1).max(64).nullish(),
  /** Accelerator chip; changing it replaces the cluster. */
  chipType: z.enum(chipTypes),
  /** Chips per hyper-node: 8, 16, 32, 64 or 128, at most the chip's maximum. Replaces. */
  chipsPerHyperNode: HyperNodeSize,
  /** Number of hyper-nodes (1–512). Extended or shrunk in place. */
  hyperNodeCount: z.number().int().min(1).max(512),
  /** `task`: an elastic pool for agent tasks and endpoint replicas; `resource`: fixed reservations. In place. */
  scheduling: z.enum(["task", "resource"]).default("task"),
  /** How capacity is obtained; changing it replaces the cluster. Default `{ mode: "onDemand" }`. */
  provisioning: Provisioning.default(provisioningDefault),
  /** Automatic replacement of failed hyper-nodes. In place. Default `auto`. */
  nodeRecovery: z.enum(["auto", "manual"]).default("auto"),
  /** Tags (at most 50). Updated in place. */
  tags: Tags.default({}),
});
export type ChipClusterSpec = z.input<typeof ChipClusterSpec>;

/** Fields that can change after creation (PATCH); all others are immutable. */
const chipClusterMutable = ["hyperNodeCount", "scheduling", "nodeRecovery", "tags"] as const;
/** Fixed at creation (besides the name): a change replaces the cluster. */
const chipClusterCreateOnly = ["region", "zone", "chipType", "chipsPerHyperNode", "provisioning"].map(
  createOnlyField,
);
const ChipClusterPatch = patchOf(ChipClusterSpec, chipClusterMutable);
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

type ChipClusterState = (typeof chipClusterStates)[number];

export const chipClusterLifecycle: Lifecycle<ChipClusterState> = {
  creating: "ACCEPTED",
  updating: "SCALING",
  ready: "ACTIVE",
  deleting: "DELETING",
  createFailed: "FAILED",
  failed: ["FAILED"],
  waiting: "WAITING_FOR_CAPACITY",
};

/** The statuses in which a cluster holds its chips against the account's quota: all but FAILED. */
export const chipHoldingStates = chipClusterStates.filter((s) => !chipClusterLifecycle.failed.includes(s));

/** The statuses in which a cluster uses its region's on-demand capacity. */
export const capacityStates: readonly ChipClusterState[] = [
  "ACCEPTED",
  "PROVISIONING",
  "ACTIVE",
  "SCALING",
  "DEGRADED",
];

/** A cluster as the API returns it: its spec (the same field schemas, defaults applied) and what the cloud sets. */
export const ChipCluster = ResourceMeta.extend({
  ...ChipClusterSpec.shape,
  /** ACCEPTED, WAITING_FOR_CAPACITY, PROVISIONING, ACTIVE, SCALING, DEGRADED, FAILED or DELETING. */
  status: z.enum(chipClusterStates),
  totalChips: z.number().int(),
  totalMemoryGiB: z.number(),
  interconnect: z.object({ chipToChipGBps: z.number().nullable(), p2pLatencyNs: z.number().nullable() }),
  readyHyperNodes: z.number().int(),
});
export type ChipCluster = z.infer<typeof ChipCluster>;
export const ChipClusterAccepted = accepted(ChipCluster);
export const ChipClusterPage = page(ChipCluster);

export const chipClusterApi: KindApi = {
  kind: "ChipCluster",
  idPrefix: "cc",
  spec: ChipClusterSpec,
  patch: ChipClusterPatch,
  view: ChipCluster,
  createOnly: chipClusterCreateOnly,
  lifecycle: chipClusterLifecycle,
};
