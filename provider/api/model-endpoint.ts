import { z } from "zod";
import { modelIds } from "./catalog.ts";
import {
  accepted,
  createOnlyField,
  createOnlyPart,
  type KindApi,
  type Lifecycle,
  Name,
  page,
  patchBodyOf,
  patchOf,
  Region,
  ResourceMeta,
  Tags,
} from "./common.ts";

/** The message of the replicas rule, wherever it is checked (preview, the emulator's POST and PATCH). */
export const replicasMessage = "minReplicas must not exceed maxReplicas";

const Replicas = {
  /** In place. Default 1. */
  minReplicas: z.number().int().min(0).max(100).default(1),
  /** In place. Default 1; at least minReplicas. */
  maxReplicas: z.number().int().min(1).max(100).default(1),
};

/** A dedicated deployment's replica bounds when left out: the schema's own defaults. */
export const replicaDefaults = z.object(Replicas).parse({});

const Deployment = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("pooled") }),
  z
    .strictObject({
      mode: z.literal("dedicated"),
      /** The cluster to run on. Give `cluster` instead to let preview check the memory fit. Replaces. */
      clusterId: z.string().min(1),
      /** Chips per replica; must hold 1.2 × the model's weights plus its KV cache. Replaces. */
      chipsPerReplica: z.number().int().min(1).max(1024),
      ...Replicas,
    })
    .refine((d) => d.minReplicas <= d.maxReplicas, {
      message: replicasMessage,
      path: ["minReplicas"],
    }),
]);

const Throughput = z.strictObject({
  tokensPerMinute: z.number().int().min(1000).max(1_000_000_000),
  burstTokensPerMinute: z.number().int().min(1000).max(1_000_000_000).nullish(),
  elastic: z.boolean().default(false),
});

const ContextCache = z.strictObject({
  mode: z.enum(["implicit", "explicit", "disabled"]).default("implicit"),
  ttlSeconds: z.number().int().min(60).max(86_400).default(3600),
});

/** Body of POST /v1/model-endpoints. */
export const ModelEndpointSpec = z.strictObject({
  /** Physical name, unique per account × region × kind. Defaults to the resource name plus a suffix. */
  name: Name,
  /** Region; changing it replaces the endpoint. */
  region: Region,
  /** Model from the catalog; a change rolls out a new version in place. */
  model: z.enum(modelIds),
  /** `pooled` (shared capacity) or `dedicated` replicas on a ChipCluster; switching mode replaces. */
  deployment: Deployment,
  /** Token throughput, quota-checked. In place. */
  throughput: Throughput,
  /** Context caching. In place. Default implicit, 3600 s. */
  contextCache: ContextCache.prefault({}),
  /** Endpoint that takes overflow traffic. In place. */
  spilloverEndpointId: z.string().min(1).nullish(),
  /** Tags (at most 50). Updated in place. */
  tags: Tags.default({}),
});
export type ModelEndpointSpec = z.input<typeof ModelEndpointSpec>;

/**
 * PATCH body. `deployment` may be sent whole: its mode, clusterId and chipsPerReplica must equal
 * the current ones (else ImmutableField); min/max replicas change in place.
 */
const ModelEndpointPatch = patchOf(ModelEndpointSpec, [
  "model",
  "deployment",
  "throughput",
  "contextCache",
  "spilloverEndpointId",
  "tags",
]);
/** The PATCH body as documented: the mutable fields, and name and region restated unchanged. */
export const ModelEndpointPatchBody = patchBodyOf(ModelEndpointSpec, Object.keys(ModelEndpointPatch.shape));

/** Fixed at creation: region, and the deployment's mode, cluster and chips per replica. */
export const modelEndpointCreateOnly = [
  createOnlyField("region"),
  createOnlyPart("deployment", "mode"),
  createOnlyPart("deployment", "clusterId"),
  createOnlyPart("deployment", "chipsPerReplica"),
];

export const modelEndpointStates = [
  "CREATING",
  "IN_SERVICE",
  "UPDATING",
  "SCALING",
  "ROLLING_BACK",
  "FAILED",
  "DELETING",
] as const;

type ModelEndpointState = (typeof modelEndpointStates)[number];

export const modelEndpointLifecycle: Lifecycle<ModelEndpointState> = {
  creating: "CREATING",
  updating: "UPDATING",
  ready: "IN_SERVICE",
  deleting: "DELETING",
  createFailed: "FAILED",
  failed: ["FAILED"],
};

/** The statuses in which an endpoint serves tokens (an update rolls out behind the running version). */
export const servingStates: readonly ModelEndpointState[] = [
  "IN_SERVICE",
  "UPDATING",
  "SCALING",
  "ROLLING_BACK",
];

/** An endpoint as the API returns it: its spec (the same field schemas, defaults applied) and what the cloud sets. */
export const ModelEndpoint = ResourceMeta.extend({
  ...ModelEndpointSpec.shape,
  /** CREATING, IN_SERVICE, UPDATING, SCALING, ROLLING_BACK, FAILED or DELETING. */
  status: z.enum(modelEndpointStates),
  url: z.string(),
  /** Returned in full on create and on GET to the owning account; secret in Pulumi state. */
  apiKey: z.string(),
  activeVersion: z.number().int(),
  currentReplicas: z.number().int(),
  effectiveTokensPerMinute: z.number().int(),
  pricing: z.object({
    currency: z.literal("USD"),
    inputPerMTokens: z.number(),
    outputPerMTokens: z.number(),
    cachedInputPerMTokens: z.number(),
  }),
});
export type ModelEndpoint = z.infer<typeof ModelEndpoint>;
export const ModelEndpointAccepted = accepted(ModelEndpoint);
export const ModelEndpointPage = page(ModelEndpoint);

export const modelEndpointApi: KindApi = {
  kind: "ModelEndpoint",
  idPrefix: "me",
  spec: ModelEndpointSpec,
  patch: ModelEndpointPatch,
  view: ModelEndpoint,
  createOnly: modelEndpointCreateOnly,
  lifecycle: modelEndpointLifecycle,
};

/**
 * The tokens per minute an endpoint serves now: its `tokensPerMinute`, or for a dedicated endpoint
 * the share of its running replicas (`tokensPerMinute / maxReplicas` each); an elastic endpoint
 * bursts to `burstTokensPerMinute` (default twice the rate) in the same proportion. Used by the
 * emulator's data plane and reported as `effectiveTokensPerMinute`.
 */
export function servingCapacity(
  deployment: { mode: string; maxReplicas?: number },
  throughput: { tokensPerMinute: number; burstTokensPerMinute?: number | null; elastic?: boolean },
  replicas: number,
  /** What a pooled endpoint gets of its rate in its region's pool now (noisy neighbours: below 1). */
  pooledShare = 1,
): { tokensPerMinute: number; limit: number } {
  const share =
    deployment.mode === "dedicated" ? replicas / Math.max(1, deployment.maxReplicas ?? 1) : pooledShare;
  const base = Math.floor(throughput.tokensPerMinute * share);
  const burst = throughput.elastic
    ? Math.max(throughput.tokensPerMinute, throughput.burstTokensPerMinute ?? 2 * throughput.tokensPerMinute)
    : throughput.tokensPerMinute;
  return { tokensPerMinute: base, limit: Math.floor(burst * share) };
}
