import { z } from "zod";
import {
  accepted,
  type CreateOnly,
  createOnlyField,
  type KindApi,
  Name,
  page,
  patchBodyOf,
  patchOf,
  Region,
  ResourceMeta,
  type Lifecycle as StatusRoles,
  Tags,
} from "./common.ts";

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

/** What a runtime's sandbox and scaling are when left out: the schema's own defaults. */
export const sandboxDefaults = Sandbox.parse({});
export const scalingDefaults = Scaling.parse({});

/** Body of POST /v1/agent-runtimes. */
export const AgentRuntimeSpec = z.strictObject({
  /** Physical name, unique per account × region × kind. Defaults to the resource name plus a suffix. */
  name: Name,
  /** Region; changing it replaces the runtime. */
  region: Region,
  /** A container image or a code bundle. Updated in place; switching between the two replaces. */
  artifact: Artifact,
  /** How callers talk to the agent. In place. Default http. */
  protocol: z.enum(["http", "mcp", "a2a"]).default("http"),
  /** Model endpoints the agent combines; exactly one primary. In place. */
  models: z
    .array(ModelBinding)
    .min(1)
    .max(16)
    .refine(
      (m) => m.filter((b) => b.role === "primary").length === 1,
      "exactly one model must have role 'primary'",
    ),
  /** Sandbox size and isolation. In place. */
  sandbox: Sandbox.prefault({}),
  /** Idle timeout (60–28800 s, default 900) ≤ max lifetime (≤ 28800 s); pause or stop on idle. In place. */
  lifecycle: Lifecycle.prefault({}),
  /** Instances 0–10 minimum, 1–1000 maximum. In place. */
  scaling: Scaling.prefault({}),
  /** Skills and MCP/OpenAPI tools the agent may call. In place. */
  skills: z.array(Skill).max(64).default([]),
  /** Cross-task memory. In place. */
  memory: z
    .strictObject({
      enabled: z.boolean().default(false),
      retentionDays: z.number().int().min(7).max(365).default(30),
    })
    .prefault({}),
  /** Agent-to-agent channels to other runtimes. In place. */
  channels: z.array(Channel).max(64).default([]),
  /** Plain environment. In place. */
  env: EnvMap.default({}),
  /** Secret environment: write-only in the cloud, secret in state. In place. */
  secretEnv: EnvMap.default({}),
  /** Tags (at most 50). Updated in place. */
  tags: Tags.default({}),
});
export type AgentRuntimeSpec = z.input<typeof AgentRuntimeSpec>;

/** PATCH body: everything but name and region; switching artifact kind is ImmutableField. */
const AgentRuntimePatch = patchOf(
  AgentRuntimeSpec,
  Object.keys(AgentRuntimeSpec.shape).filter((k) => k !== "name" && k !== "region"),
);
/** The PATCH body as documented: the mutable fields, and name and region restated unchanged. */
export const AgentRuntimePatchBody = patchBodyOf(AgentRuntimeSpec, Object.keys(AgentRuntimePatch.shape));

/** Whether an artifact is a container image or a code bundle. */
const artifactKind = (a: unknown) =>
  a === null || typeof a !== "object" ? a : "image" in a ? "image" : "code" in a ? "code" : null;

/** Fixed at creation: region, and the artifact's kind (image or code; either changes in place). */
export const agentRuntimeCreateOnly: CreateOnly[] = [
  createOnlyField("region"),
  {
    property: "artifact",
    path: "artifact",
    of: (spec) => artifactKind(spec.artifact),
    message: "artifact cannot switch between image and code after creation",
  },
];

export const agentRuntimeStates = [
  "CREATING",
  "READY",
  "UPDATING",
  "CREATE_FAILED",
  "UPDATE_FAILED",
  "DELETING",
] as const;

export const agentRuntimeLifecycle: StatusRoles<(typeof agentRuntimeStates)[number]> = {
  creating: "CREATING",
  updating: "UPDATING",
  ready: "READY",
  deleting: "DELETING",
  createFailed: "CREATE_FAILED",
  failed: ["CREATE_FAILED", "UPDATE_FAILED"],
};

/**
 * A runtime as the API returns it: its spec (the same field schemas, defaults applied) but the
 * write-only `secretEnv`, and what the cloud sets.
 */
const { secretEnv: _writeOnly, ...returnedSpec } = AgentRuntimeSpec.shape;
export const AgentRuntime = ResourceMeta.extend({
  ...returnedSpec,
  /** Secret values are write-only: the API returns their names and a digest of the values. */
  secretEnvKeys: z.array(z.string()),
  secretEnvDigest: z.string(),
  /** CREATING, READY, UPDATING, CREATE_FAILED, UPDATE_FAILED or DELETING. */
  status: z.enum(agentRuntimeStates),
  invokeUrl: z.string(),
  /** Bumps on every update. */
  version: z.number().int(),
  activeInstances: z.number().int(),
});
export type AgentRuntime = z.infer<typeof AgentRuntime>;
export const AgentRuntimeAccepted = accepted(AgentRuntime);
export const AgentRuntimePage = page(AgentRuntime);

export const agentRuntimeApi: KindApi = {
  kind: "AgentRuntime",
  idPrefix: "ar",
  spec: AgentRuntimeSpec,
  patch: AgentRuntimePatch,
  view: AgentRuntime,
  createOnly: agentRuntimeCreateOnly,
  lifecycle: agentRuntimeLifecycle,
};
