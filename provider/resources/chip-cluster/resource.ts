import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { ChipClusterSpec, ChipCluster as ChipClusterView } from "../../api/chip-cluster.ts";
import { dynamicModule } from "../../api/engine.ts";
import { leftOutOutputs, registeredOutputs } from "../shared/kind.ts";
import { releaseWhenRecorded } from "../shared/recorded.ts";
import { type CommonArgs, fillLeftOut, providerOf, resourceArgs } from "../shared/resource.ts";
import type { InputsOf, ResourceOutputs } from "../shared/types.ts";
import { chipClusterKind, type chipClusterOutputKeys } from "./definition.ts";

const provider = providerOf(import.meta.url);

type Spec = z.input<typeof ChipClusterSpec>;

/** How capacity is obtained: on demand, a reservation, spot or queued. Replaces. */
export type ChipClusterProvisioning = InputsOf<NonNullable<Spec["provisioning"]>>;

/** A ChipCluster's arguments: its spec (provider/api/chip-cluster.ts) and the common ones. */
export type ChipClusterArgs = CommonArgs & InputsOf<Omit<Spec, "name" | "tags">>;

const outputKeys = registeredOutputs(chipClusterKind);
const leftOut = leftOutOutputs(chipClusterKind);

// Its outputs, typed from the API schema: merged into the class below (the engine sets them, so the
// class declares no fields).
export interface ChipCluster
  extends ResourceOutputs<
    z.output<typeof ChipClusterSpec>,
    ChipClusterView,
    (typeof chipClusterOutputKeys)[number]
  > {}

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
  constructor(name: string, args: ChipClusterArgs, opts?: pulumi.CustomResourceOptions) {
    const r = resourceArgs("ChipCluster", name, args, opts, outputKeys);
    super(provider, name, r.props, r.opts, dynamicModule, "ChipCluster");
    fillLeftOut(this, leftOut);
    releaseWhenRecorded(this);
  }
}
