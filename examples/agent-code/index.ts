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

// The agent's code is the folder beside this program: the emulator runs agent/index.mjs for each
// task, in a sandbox that may read that folder and reaches its models through `context.models`.
const agent = new AgentRuntime("support", {
  region: "cn-hangzhou",
  artifact: {
    code: {
      uri: pathToFileURL(join(import.meta.dirname, "agent")).href,
      entrypoint: "index.mjs",
      runtime: "nodejs24",
    },
  },
  protocol: "http",
  models: [
    { endpointId: primary.id, role: "primary" },
    { endpointId: fallback.id, role: "fallback" },
  ],
  sandbox: { cpu: 1, memoryMiB: 1024, isolation: "microvm" },
});

export const invokeUrl = agent.invokeUrl;
export const primaryEndpointId = primary.id;
export const fallbackEndpointId = fallback.id;
