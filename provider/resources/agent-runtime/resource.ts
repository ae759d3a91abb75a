import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { AgentRuntimeSpec, AgentRuntime as AgentRuntimeView } from "../../api/agent-runtime.ts";
import { dynamicModule } from "../../api/engine.ts";
import { leftOutOutputs, registeredOutputs } from "../shared/kind.ts";
import { releaseWhenRecorded } from "../shared/recorded.ts";
import { type CommonArgs, fillLeftOut, providerOf, resourceArgs } from "../shared/resource.ts";
import type { InputsOf, ResourceOutputs } from "../shared/types.ts";
import { agentRuntimeKind, type agentRuntimeOutputKeys } from "./definition.ts";

const provider = providerOf(import.meta.url);

type Spec = z.input<typeof AgentRuntimeSpec>;

/** A container image or a code bundle. Updated in place; switching between the two replaces. */
export type AgentRuntimeArtifact = InputsOf<Spec["artifact"]>;

/** An AgentRuntime's arguments: its spec (provider/api/agent-runtime.ts) and the common ones. */
export type AgentRuntimeArgs = CommonArgs & InputsOf<Omit<Spec, "name" | "tags">>;

const outputKeys = registeredOutputs(agentRuntimeKind);
const leftOut = leftOutOutputs(agentRuntimeKind);

// Its outputs, typed from the API schema: merged into the class below (the engine sets them, so the
// class declares no fields).
export interface AgentRuntime
  extends ResourceOutputs<
    z.output<typeof AgentRuntimeSpec>,
    AgentRuntimeView,
    (typeof agentRuntimeOutputKeys)[number]
  > {}

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
  constructor(name: string, args: AgentRuntimeArgs, opts?: pulumi.CustomResourceOptions) {
    const { props, opts: options } = resourceArgs("AgentRuntime", name, args, opts, outputKeys);
    super(provider, name, props, options, dynamicModule, "AgentRuntime");
    fillLeftOut(this, leftOut);
    releaseWhenRecorded(this);
  }
}
