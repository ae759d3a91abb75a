import * as pulumi from "@pulumi/pulumi";
import type { RegionId } from "../../api/catalog.ts";
import type { Estimate } from "../../api/estimate.ts";
import { registeredOutputs } from "../shared/kind.ts";
import { type CommonArgs, resourceArgs } from "../shared/resource.ts";
import { shim } from "../shared/shim.ts";
import { agentRuntimeKind } from "./schema.ts";

const provider = shim("AgentRuntime");

type In<T> = pulumi.Input<T>;

export type AgentRuntimeArtifact =
  | { image: In<string> }
  | {
      code: In<{
        uri: In<string>;
        entrypoint: In<string>;
        runtime: In<"python3.12" | "python3.13" | "nodejs22" | "nodejs24">;
      }>;
    };

export interface AgentRuntimeArgs extends CommonArgs {
  /** Region; changing it replaces the runtime. */
  region: In<RegionId>;
  /** A container image or a code bundle. Updated in place; switching between the two replaces. */
  artifact: In<AgentRuntimeArtifact>;
  /** How callers talk to the agent. In place. Default http. */
  protocol?: In<"http" | "mcp" | "a2a">;
  /** Model endpoints the agent combines; exactly one primary. In place. */
  models: In<In<{ endpointId: In<string>; role: In<"primary" | "fallback" | "router"> }>[]>;
  /** Sandbox size and isolation. In place. */
  sandbox?: In<{ cpu?: In<number>; memoryMiB?: In<number>; isolation?: In<"microvm" | "container"> }>;
  /** Idle timeout (60–28800 s, default 900) ≤ max lifetime (≤ 28800 s); pause or stop on idle. In place. */
  lifecycle?: In<{
    idleTimeoutSeconds?: In<number>;
    maxLifetimeSeconds?: In<number>;
    onIdle?: In<"pause" | "stop">;
  }>;
  /** Instances 0–10 minimum, 1–1000 maximum. In place. */
  scaling?: In<{ minInstances?: In<number>; maxInstances?: In<number>; concurrencyPerInstance?: In<number> }>;
  /** Skills and MCP/OpenAPI tools the agent may call. In place. */
  skills?: In<
    In<{
      name: In<string>;
      kind: In<"mcp" | "openapi" | "builtin">;
      target: In<string>;
      allowedTools?: In<In<string>[]>;
    }>[]
  >;
  /** Cross-task memory. In place. */
  memory?: In<{ enabled?: In<boolean>; retentionDays?: In<number> }>;
  /** Agent-to-agent channels to other runtimes. In place. */
  channels?: In<In<{ peerRuntimeId: In<string>; mode: In<"a2a"> }>[]>;
  /** Plain environment. In place. */
  env?: In<Record<string, In<string>>>;
  /** Secret environment: write-only in the cloud, secret in state. In place. */
  secretEnv?: In<Record<string, In<string>>>;
}

const outputKeys = registeredOutputs(agentRuntimeKind);

/**
 * A lightweight agent sandbox that combines models, skills, memory and channels to other agents.
 *
 * @example
 * ```ts
 * const agent = new AgentRuntime("support-agent", {
 *   region: "cn-hangzhou",
 *   artifact: { image: "registry.example/agents/support:1.4.0" },
 *   protocol: "a2a",
 *   models: [
 *     { endpointId: qwen.id, role: "primary" },
 *     { endpointId: glm.id, role: "fallback" },
 *   ],
 *   skills: [{ name: "tickets", kind: "mcp", target: "mcp://tickets.internal", allowedTools: ["search"] }],
 *   memory: { enabled: true, retentionDays: 30 },
 *   secretEnv: { TICKETS_TOKEN: config.requireSecret("ticketsToken") },
 * });
 * ```
 */
export class AgentRuntime extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly region: pulumi.Output<RegionId>;
  declare readonly artifact: pulumi.Output<Record<string, unknown>>;
  declare readonly protocol: pulumi.Output<"http" | "mcp" | "a2a">;
  declare readonly models: pulumi.Output<{ endpointId: string; role: string }[]>;
  declare readonly sandbox: pulumi.Output<{ cpu: number; memoryMiB: number; isolation: string }>;
  declare readonly lifecycle: pulumi.Output<{
    idleTimeoutSeconds: number;
    maxLifetimeSeconds: number;
    onIdle: string;
  }>;
  declare readonly scaling: pulumi.Output<{
    minInstances: number;
    maxInstances: number;
    concurrencyPerInstance: number;
  }>;
  declare readonly skills: pulumi.Output<
    { name: string; kind: string; target: string; allowedTools: string[] }[]
  >;
  declare readonly memory: pulumi.Output<{ enabled: boolean; retentionDays: number }>;
  declare readonly channels: pulumi.Output<{ peerRuntimeId: string; mode: "a2a" }[]>;
  declare readonly env: pulumi.Output<Record<string, string>>;
  /** Secret. */
  declare readonly secretEnv: pulumi.Output<Record<string, string>>;
  declare readonly tags: pulumi.Output<Record<string, string>>;
  /** CREATING, READY, UPDATING, CREATE_FAILED, UPDATE_FAILED or DELETING. */
  declare readonly status: pulumi.Output<string>;
  declare readonly statusReason: pulumi.Output<string | null>;
  declare readonly invokeUrl: pulumi.Output<string>;
  /** Bumps on every update. */
  declare readonly version: pulumi.Output<number>;
  declare readonly activeInstances: pulumi.Output<number>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly schemaVersion: pulumi.Output<number>;
  /** Chips and monthly USD from the spec and the illustrative catalog prices (docs/pricing.md); known at preview. */
  declare readonly estimate: pulumi.Output<Estimate>;

  constructor(name: string, args: AgentRuntimeArgs, opts?: pulumi.CustomResourceOptions) {
    const { props, opts: options } = resourceArgs("AgentRuntime", name, args, opts, outputKeys, {
      inputs: ["secretEnv"],
      outputs: ["secretEnv"],
    });
    super(provider, name, props, options, "agentcloud", "AgentRuntime");
  }
}
