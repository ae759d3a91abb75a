import * as pulumi from "@pulumi/pulumi";
import type { ModelId, RegionId } from "../../api/catalog.ts";
import type { Estimate } from "../../api/estimate.ts";
import type { ChipCluster } from "../chip-cluster/resource.ts";
import { registeredOutputs } from "../shared/kind.ts";
import { type CommonArgs, resourceArgs } from "../shared/resource.ts";
import { shim } from "../shared/shim.ts";
import { modelEndpointKind } from "./schema.ts";

const provider = shim("ModelEndpoint");

export type ModelEndpointDeployment =
  | { mode: "pooled" }
  | {
      mode: "dedicated";
      /** The cluster to run on. Give `cluster` instead to let preview check the memory fit. Replaces. */
      clusterId?: pulumi.Input<string>;
      /** The cluster resource: sets clusterId and lets preview check that the model fits its chips. */
      cluster?: ChipCluster;
      /** Chips per replica; must hold 1.2 × the model's weights plus its KV cache. Replaces. */
      chipsPerReplica: pulumi.Input<number>;
      /** In place. Default 1. */
      minReplicas?: pulumi.Input<number>;
      /** In place. Default 1; at least minReplicas. */
      maxReplicas?: pulumi.Input<number>;
    };

export interface ModelEndpointArgs extends CommonArgs {
  /** Region; changing it replaces the endpoint. */
  region: pulumi.Input<RegionId>;
  /** Model from the catalog; a change rolls out a new version in place. */
  model: pulumi.Input<ModelId>;
  /** `pooled` (shared capacity) or `dedicated` replicas on a ChipCluster; switching mode replaces. */
  deployment: pulumi.Input<ModelEndpointDeployment>;
  /** Token throughput, quota-checked. In place. */
  throughput: pulumi.Input<{
    tokensPerMinute: pulumi.Input<number>;
    burstTokensPerMinute?: pulumi.Input<number>;
    elastic?: pulumi.Input<boolean>;
  }>;
  /** Context caching. In place. Default implicit, 3600 s. */
  contextCache?: pulumi.Input<{
    mode?: pulumi.Input<"implicit" | "explicit" | "disabled">;
    ttlSeconds?: pulumi.Input<number>;
  }>;
  /** Endpoint that takes overflow traffic. In place. */
  spilloverEndpointId?: pulumi.Input<string>;
}

const outputKeys = registeredOutputs(modelEndpointKind);

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
  declare readonly name: pulumi.Output<string>;
  declare readonly region: pulumi.Output<RegionId>;
  declare readonly model: pulumi.Output<ModelId>;
  declare readonly deployment: pulumi.Output<Record<string, unknown>>;
  declare readonly throughput: pulumi.Output<{
    tokensPerMinute: number;
    burstTokensPerMinute: number | null;
    elastic: boolean;
  }>;
  declare readonly contextCache: pulumi.Output<{ mode: string; ttlSeconds: number }>;
  declare readonly spilloverEndpointId: pulumi.Output<string | null>;
  declare readonly tags: pulumi.Output<Record<string, string>>;
  /** CREATING, IN_SERVICE, UPDATING, SCALING, ROLLING_BACK, FAILED or DELETING. */
  declare readonly status: pulumi.Output<string>;
  declare readonly statusReason: pulumi.Output<string | null>;
  declare readonly url: pulumi.Output<string>;
  /** Secret. */
  declare readonly apiKey: pulumi.Output<string>;
  declare readonly activeVersion: pulumi.Output<number>;
  declare readonly currentReplicas: pulumi.Output<number>;
  declare readonly effectiveTokensPerMinute: pulumi.Output<number>;
  declare readonly pricing: pulumi.Output<{
    currency: "USD";
    inputPerMTokens: number;
    outputPerMTokens: number;
    cachedInputPerMTokens: number;
  }>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly schemaVersion: pulumi.Output<number>;
  /** Chips and monthly USD from the spec and the illustrative catalog prices (docs/pricing.md); known at preview. */
  declare readonly estimate: pulumi.Output<Estimate>;

  constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    const { props, opts: options } = resourceArgs("ModelEndpoint", name, args, opts, outputKeys, {
      outputs: ["apiKey"],
    });
    const d = args.deployment as { cluster?: ChipCluster; clusterId?: pulumi.Input<string> };
    if (d && typeof d === "object" && !pulumi.Output.isInstance(d) && d.cluster) {
      // The cluster resource itself: its id (and the dependency), its chip type for preview's memory
      // check, and its scheduling for the estimate's exclusive chips.
      const { cluster, ...rest } = d;
      props.deployment = { ...rest, clusterId: rest.clusterId ?? cluster.id };
      props.__chipType = cluster.chipType;
      props.__scheduling = cluster.scheduling;
    }
    super(provider, name, props, options, "agentcloud", "ModelEndpoint");
  }
}
