import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { dynamicModule } from "../../api/engine.ts";
import type { ModelEndpointSpec, ModelEndpoint as ModelEndpointView } from "../../api/model-endpoint.ts";
import type { ChipCluster } from "../chip-cluster/resource.ts";
import { leftOutOutputs, registeredOutputs } from "../shared/kind.ts";
import { releaseWhenRecorded } from "../shared/recorded.ts";
import { type CommonArgs, fillLeftOut, providerOf, resourceArgs } from "../shared/resource.ts";
import type { InputsOf, ResourceOutputs } from "../shared/types.ts";
import { modelEndpointKind, type modelEndpointOutputKeys } from "./definition.ts";

const provider = providerOf(import.meta.url);

type Spec = z.input<typeof ModelEndpointSpec>;
type Dedicated = Extract<Spec["deployment"], { mode: "dedicated" }>;

/** `pooled` (shared capacity) or `dedicated` replicas on a ChipCluster; switching mode replaces. */
export type ModelEndpointDeployment =
  | InputsOf<Exclude<Spec["deployment"], Dedicated>>
  | (InputsOf<Omit<Dedicated, "clusterId">> & {
      /** The cluster to run on. Give `cluster` instead to let preview check the memory fit. Replaces. */
      clusterId?: pulumi.Input<string>;
      /** The cluster resource: sets clusterId and lets preview check that the model fits its chips. */
      cluster?: ChipCluster;
    });

/** A ModelEndpoint's arguments: its spec (provider/api/model-endpoint.ts) and the common ones. */
export type ModelEndpointArgs = CommonArgs &
  InputsOf<Omit<Spec, "name" | "tags" | "deployment">> & {
    /** `pooled` (shared capacity) or `dedicated` replicas on a ChipCluster; switching mode replaces. */
    deployment: pulumi.Input<ModelEndpointDeployment>;
  };

const outputKeys = registeredOutputs(modelEndpointKind);
const leftOut = leftOutOutputs(modelEndpointKind);

// Its outputs, typed from the API schema: merged into the class below (the engine sets them, so the
// class declares no fields).
export interface ModelEndpoint
  extends ResourceOutputs<
    z.output<typeof ModelEndpointSpec>,
    ModelEndpointView,
    (typeof modelEndpointOutputKeys)[number]
  > {}

/**
 * A model served for inference: pooled, or dedicated replicas on a chip cluster.
 *
 * @example
 * ```ts
 * const qwen = new ModelEndpoint("qwen", {
 *   region: "cn-hangzhou",
 *   model: "qwen3.7-max",
 *   deployment: { mode: "dedicated", cluster, chipsPerReplica: 32, minReplicas: 1, maxReplicas: 4 },
 *   throughput: { tokensPerMinute: 2_000_000, elastic: true },
 * });
 * export const apiKey = qwen.apiKey; // secret in state and in outputs
 * ```
 */
export class ModelEndpoint extends pulumi.dynamic.Resource {
  constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    const { props, opts: options } = resourceArgs("ModelEndpoint", name, args, opts, outputKeys);
    const d = args.deployment as { cluster?: ChipCluster; clusterId?: pulumi.Input<string> };
    if (d && typeof d === "object" && !pulumi.Output.isInstance(d) && d.cluster) {
      // The cluster resource itself: its id (and the dependency), its chip type for preview's memory
      // check, and its scheduling for the estimate's exclusive chips.
      const { cluster, ...rest } = d;
      props.deployment = { ...rest, clusterId: rest.clusterId ?? cluster.id };
      props.__chipType = cluster.chipType;
      props.__scheduling = cluster.scheduling;
    }
    super(provider, name, props, options, dynamicModule, "ModelEndpoint");
    fillLeftOut(this, leftOut);
    releaseWhenRecorded(this);
  }
}
