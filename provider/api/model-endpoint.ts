import { z } from "zod";
import { modelIds } from "./catalog.ts";
import { accepted, Name, page, patchBodyOf, patchOf, Region, ResourceMeta, Tags } from "./common.ts";

const Deployment = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("pooled") }),
  z.strictObject({
    mode: z.literal("dedicated"),
    clusterId: z.string().min(1),
    chipsPerReplica: z.number().int().min(1).max(1024),
    minReplicas: z.number().int().min(0).max(100).default(1),
    maxReplicas: z.number().int().min(1).max(100).default(1),
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
  name: Name,
  region: Region,
  model: z.enum(modelIds),
  deployment: Deployment,
  throughput: Throughput,
  contextCache: ContextCache.default({ mode: "implicit", ttlSeconds: 3600 }),
  spilloverEndpointId: z.string().min(1).nullish(),
  tags: Tags.default({}),
});
export type ModelEndpointSpec = z.input<typeof ModelEndpointSpec>;

/**
 * PATCH body. `deployment` may be sent whole: its mode, clusterId and chipsPerReplica must equal
 * the current ones (else ImmutableField); min/max replicas change in place.
 */
export const ModelEndpointPatch = patchOf(ModelEndpointSpec, [
  "model",
  "deployment",
  "throughput",
  "contextCache",
  "spilloverEndpointId",
  "tags",
]);
/** The PATCH body as documented: the mutable fields, and name and region restated unchanged. */
export const ModelEndpointPatchBody = patchBodyOf(ModelEndpointSpec, Object.keys(ModelEndpointPatch.shape));

export const modelEndpointStates = [
  "CREATING",
  "IN_SERVICE",
  "UPDATING",
  "SCALING",
  "ROLLING_BACK",
  "FAILED",
  "DELETING",
] as const;

export const ModelEndpoint = ResourceMeta.extend({
  name: Name,
  region: Region,
  model: z.enum(modelIds),
  deployment: Deployment,
  throughput: z.object({
    tokensPerMinute: z.number().int(),
    burstTokensPerMinute: z.number().int().nullable(),
    elastic: z.boolean(),
  }),
  contextCache: z.object({
    mode: z.enum(["implicit", "explicit", "disabled"]),
    ttlSeconds: z.number().int(),
  }),
  spilloverEndpointId: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
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
