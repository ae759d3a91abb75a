import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { AgentRuntime, ModelEndpoint } from "pulumi-agentcloud";

const config = new pulumi.Config();

// Two pooled endpoints: the agent's primary model, and the one that takes over when it is throttled.
const primary = new ModelEndpoint("primary", {
  region: "cn-hangzhou",
  model: "glm-5.1",
  deployment: { mode: "pooled" },
  throughput: { tokensPerMinute: config.getNumber("tokensPerMinute") ?? 60_000 },
});
const fallback = new ModelEndpoint("fallback", {
  region: "cn-hangzhou",
  model: "minimax-m2.7",
  deployment: { mode: "pooled" },
  throughput: { tokensPerMinute: 60_000 },
});

const code = (entrypoint: string) => ({
  uri: pathToFileURL(join(import.meta.dirname, "agent")).href,
  entrypoint,
  runtime: "nodejs24" as const,
});

// The peer the support agent hands work to: its own code (agent/reviewer.mjs), the same model.
const reviewer = new AgentRuntime("reviewer", {
  region: "cn-hangzhou",
  artifact: { code: code("reviewer.mjs") },
  protocol: "http",
  models: [{ endpointId: primary.id, role: "primary" }],
  sandbox: { cpu: 0.5, memoryMiB: 512, isolation: "microvm" },
});

// The agent's code is the folder beside this program: the emulator runs agent/index.mjs for each
// task, in a sandbox that may read that folder and reaches its models through `context.models`,
// its memory through `context.memory` and its reviewer through `context.channels`. An idle sandbox
// stops after a minute (the next task cold-starts a new one); its memory stays.
const agent = new AgentRuntime("support", {
  region: "cn-hangzhou",
  artifact: { code: code("index.mjs") },
  // A2A: the official A2A clients talk to it ({invokeUrl}/.well-known/agent-card.json); its
  // tasks also run at {invokeUrl}/invocations.
  protocol: "a2a",
  models: [
    { endpointId: primary.id, role: "primary" },
    { endpointId: fallback.id, role: "fallback" },
  ],
  sandbox: { cpu: 1, memoryMiB: 1024, isolation: "microvm" },
  lifecycle: { idleTimeoutSeconds: 60, maxLifetimeSeconds: 3600, onIdle: "stop" },
  memory: { enabled: true, retentionDays: 30 },
  channels: [{ peerRuntimeId: reviewer.id, mode: "a2a" }],
  env: { REVIEWER_RUNTIME_ID: reviewer.id },
});

export const invokeUrl = agent.invokeUrl;
export const reviewerInvokeUrl = reviewer.invokeUrl;
export const primaryEndpointId = primary.id;
export const fallbackEndpointId = fallback.id;
