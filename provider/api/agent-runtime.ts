import { z } from "zod";
import { accepted, Name, page, patchBodyOf, patchOf, Region, ResourceMeta, Tags } from "./common.ts";

const Artifact = z.union([
  z.strictObject({ image: z.string().min(1).max(512) }),
  z.strictObject({
    code: z.strictObject({
      uri: z.string().min(1).max(1024),
      entrypoint: z.string().min(1).max(256),
      runtime: z.enum(["python3.12", "python3.13", "nodejs22", "nodejs24"]),
    }),
  }),
]);

const ModelBinding = z.strictObject({
  endpointId: z.string().min(1),
  role: z.enum(["primary", "fallback", "router"]),
});

const Sandbox = z.strictObject({
  cpu: z.number().min(0.25).max(16).default(1),
  memoryMiB: z.number().int().min(128).max(65_536).default(2048),
  isolation: z.enum(["microvm", "container"]).default("microvm"),
});

const Lifecycle = z
  .strictObject({
    idleTimeoutSeconds: z.number().int().min(60).max(28_800).default(900),
    maxLifetimeSeconds: z.number().int().min(60).max(28_800).default(28_800),
    onIdle: z.enum(["pause", "stop"]).default("pause"),
  })
  .refine((l) => l.idleTimeoutSeconds <= l.maxLifetimeSeconds, {
    message: "idleTimeoutSeconds must not exceed maxLifetimeSeconds",
    path: ["idleTimeoutSeconds"],
  });

const Scaling = z
  .strictObject({
    minInstances: z.number().int().min(0).max(10).default(0),
    maxInstances: z.number().int().min(1).max(1000).default(10),
    concurrencyPerInstance: z.number().int().min(1).max(1000).default(1),
  })
  .refine((s) => s.minInstances <= s.maxInstances, {
    message: "minInstances must not exceed maxInstances",
    path: ["minInstances"],
  });

const Skill = z.strictObject({
  name: z.string().min(1).max(64),
  kind: z.enum(["mcp", "openapi", "builtin"]),
  target: z.string().min(1).max(1024),
  allowedTools: z.array(z.string().min(1).max(128)).max(256).default([]),
});

const Channel = z.strictObject({ peerRuntimeId: z.string().min(1), mode: z.literal("a2a") });

const EnvMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
  z.string(),
);

/** Body of POST /v1/agent-runtimes. */
export const AgentRuntimeSpec = z.strictObject({
  name: Name,
  region: Region,
  artifact: Artifact,
  protocol: z.enum(["http", "mcp", "a2a"]).default("http"),
  models: z
    .array(ModelBinding)
    .min(1)
    .max(16)
    .refine(
      (m) => m.filter((b) => b.role === "primary").length === 1,
      "exactly one model must have role 'primary'",
    ),
  sandbox: Sandbox.default({ cpu: 1, memoryMiB: 2048, isolation: "microvm" }),
  lifecycle: Lifecycle.default({ idleTimeoutSeconds: 900, maxLifetimeSeconds: 28_800, onIdle: "pause" }),
  scaling: Scaling.default({ minInstances: 0, maxInstances: 10, concurrencyPerInstance: 1 }),
  skills: z.array(Skill).max(64).default([]),
  memory: z
    .strictObject({
      enabled: z.boolean().default(false),
      retentionDays: z.number().int().min(7).max(365).default(30),
    })
    .default({ enabled: false, retentionDays: 30 }),
  channels: z.array(Channel).max(64).default([]),
  env: EnvMap.default({}),
  secretEnv: EnvMap.default({}),
  tags: Tags.default({}),
});
export type AgentRuntimeSpec = z.input<typeof AgentRuntimeSpec>;

/** PATCH body: everything but name and region; switching artifact kind is ImmutableField. */
export const AgentRuntimePatch = patchOf(
  AgentRuntimeSpec,
  Object.keys(AgentRuntimeSpec.shape).filter((k) => k !== "name" && k !== "region"),
);
/** The PATCH body as documented: the mutable fields, and name and region restated unchanged. */
export const AgentRuntimePatchBody = patchBodyOf(AgentRuntimeSpec, Object.keys(AgentRuntimePatch.shape));

export const agentRuntimeStates = [
  "CREATING",
  "READY",
  "UPDATING",
  "CREATE_FAILED",
  "UPDATE_FAILED",
  "DELETING",
] as const;

export const AgentRuntime = ResourceMeta.extend({
  name: Name,
  region: Region,
  artifact: Artifact,
  protocol: z.enum(["http", "mcp", "a2a"]),
  models: z.array(ModelBinding),
  sandbox: z.object({
    cpu: z.number(),
    memoryMiB: z.number().int(),
    isolation: z.enum(["microvm", "container"]),
  }),
  lifecycle: z.object({
    idleTimeoutSeconds: z.number().int(),
    maxLifetimeSeconds: z.number().int(),
    onIdle: z.enum(["pause", "stop"]),
  }),
  scaling: z.object({
    minInstances: z.number().int(),
    maxInstances: z.number().int(),
    concurrencyPerInstance: z.number().int(),
  }),
  skills: z.array(
    z.object({ name: z.string(), kind: z.string(), target: z.string(), allowedTools: z.array(z.string()) }),
  ),
  memory: z.object({ enabled: z.boolean(), retentionDays: z.number().int() }),
  channels: z.array(z.object({ peerRuntimeId: z.string(), mode: z.literal("a2a") })),
  env: z.record(z.string(), z.string()),
  /** Secret values are write-only: the API returns their names and a digest of the values. */
  secretEnvKeys: z.array(z.string()),
  secretEnvDigest: z.string(),
  tags: z.record(z.string(), z.string()),
  status: z.enum(agentRuntimeStates),
  invokeUrl: z.string(),
  version: z.number().int(),
  activeInstances: z.number().int(),
});
export type AgentRuntime = z.infer<typeof AgentRuntime>;
export const AgentRuntimeAccepted = accepted(AgentRuntime);
export const AgentRuntimePage = page(AgentRuntime);
