import * as pulumi from "@pulumi/pulumi";
import type { ChipType, RegionId } from "../../api/catalog.ts";
import type { Estimate } from "../../api/estimate.ts";
import { registeredOutputs } from "../shared/kind.ts";
import { type CommonArgs, resourceArgs } from "../shared/resource.ts";
import { shim } from "../shared/shim.ts";
import { chipClusterKind } from "./schema.ts";

const provider = shim("ChipCluster");

export type ChipClusterProvisioning =
  | { mode: "onDemand" }
  | { mode: "reserved"; reservationId: string }
  | { mode: "spot"; maxPricePerChipHour?: number }
  | { mode: "queued"; queueDeadline: string };

export interface ChipClusterArgs extends CommonArgs {
  /** Region; changing it replaces the cluster. */
  region: pulumi.Input<RegionId>;
  /** Zone inside the region; changing it replaces the cluster. */
  zone?: pulumi.Input<string>;
  /** Accelerator chip; changing it replaces the cluster. */
  chipType: pulumi.Input<ChipType>;
  /** Chips per hyper-node: 8, 16, 32, 64 or 128, at most the chip's maximum. Replaces. */
  chipsPerHyperNode: pulumi.Input<8 | 16 | 32 | 64 | 128>;
  /** Number of hyper-nodes (1–512). Extended or shrunk in place. */
  hyperNodeCount: pulumi.Input<number>;
  /** `task`: an elastic pool for agent tasks and endpoint replicas; `resource`: fixed reservations. In place. */
  scheduling?: pulumi.Input<"task" | "resource">;
  /** How capacity is obtained; changing it replaces the cluster. Default `{ mode: "onDemand" }`. */
  provisioning?: pulumi.Input<ChipClusterProvisioning>;
  /** Automatic replacement of failed hyper-nodes. In place. Default `auto`. */
  nodeRecovery?: pulumi.Input<"auto" | "manual">;
}

const outputKeys = registeredOutputs(chipClusterKind);

/**
 * A cluster of accelerator hyper-nodes.
 *
 * @example
 * ```ts
 * const cluster = new ChipCluster("training", {
 *   region: "cn-hangzhou",
 *   chipType: "zhenwu-m890",
 *   chipsPerHyperNode: 128,
 *   hyperNodeCount: 2,
 * });
 * export const totalChips = cluster.totalChips;
 * ```
 */
export class ChipCluster extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly region: pulumi.Output<RegionId>;
  declare readonly zone: pulumi.Output<string | null>;
  declare readonly chipType: pulumi.Output<ChipType>;
  declare readonly chipsPerHyperNode: pulumi.Output<number>;
  declare readonly hyperNodeCount: pulumi.Output<number>;
  declare readonly scheduling: pulumi.Output<"task" | "resource">;
  declare readonly provisioning: pulumi.Output<ChipClusterProvisioning>;
  declare readonly nodeRecovery: pulumi.Output<"auto" | "manual">;
  declare readonly tags: pulumi.Output<Record<string, string>>;
  /** ACCEPTED, WAITING_FOR_CAPACITY, PROVISIONING, ACTIVE, SCALING, DEGRADED, FAILED or DELETING. */
  declare readonly status: pulumi.Output<string>;
  declare readonly statusReason: pulumi.Output<string | null>;
  declare readonly totalChips: pulumi.Output<number>;
  declare readonly totalMemoryGiB: pulumi.Output<number>;
  declare readonly interconnect: pulumi.Output<{
    chipToChipGBps: number | null;
    p2pLatencyNs: number | null;
  }>;
  declare readonly readyHyperNodes: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly schemaVersion: pulumi.Output<number>;
  /** Chips and monthly USD from the spec and the illustrative catalog prices (docs/pricing.md); known at preview. */
  declare readonly estimate: pulumi.Output<Estimate>;

  constructor(name: string, args: ChipClusterArgs, opts?: pulumi.CustomResourceOptions) {
    const r = resourceArgs("ChipCluster", name, args, opts, outputKeys);
    super(provider, name, r.props, r.opts, "agentcloud", "ChipCluster");
  }
}
