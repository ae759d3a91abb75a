import * as pulumi from "@pulumi/pulumi";
import { AgentRuntime, ChipCluster, ModelEndpoint } from "pulumi-agentcloud";

const config = new pulumi.Config();
const region = "cn-hangzhou";

// Raw material and workshop: one AL128 hyper-node of zhenwu-m890 chips.
const cluster = new ChipCluster("agents", {
  region,
  chipType: "zhenwu-m890",
  chipsPerHyperNode: 128,
  hyperNodeCount: config.getNumber("hyperNodes") ?? 1,
  scheduling: "task",
});

// The machine: the first-party flagship on dedicated replicas of that cluster. Passing the cluster
// (not just its id) lets preview check that qwen3.7-max fits in chipsPerReplica chips.
const qwen = new ModelEndpoint("qwen", {
  region,
  model: "qwen3.7-max",
  deployment: {
    mode: "dedicated",
    cluster,
    chipsPerReplica: config.getNumber("chipsPerReplica") ?? 32,
    minReplicas: 1,
    maxReplicas: 2,
  },
  throughput: { tokensPerMinute: config.getNumber("tokensPerMinute") ?? 400_000, elastic: true },
  contextCache: { mode: "implicit", ttlSeconds: 3600 },
});

// A pooled third-party model as the fallback.
const glm = new ModelEndpoint("glm", {
  region,
  model: "glm-5.1",
  deployment: { mode: "pooled" },
  throughput: { tokensPerMinute: 200_000 },
});

// A reviewer agent the main agent talks to over A2A.
const reviewer = new AgentRuntime("reviewer", {
  region,
  artifact: { image: "agents/reviewer:1.0.0" },
  protocol: "a2a",
  models: [{ endpointId: glm.id, role: "primary" }],
});

// The assembly line: an agent that combines both models, a skill, memory and a channel.
const assistant = new AgentRuntime("assistant", {
  region,
  artifact: {
    code: { uri: "oss://agents/assistant-1.4.0.zip", entrypoint: "main.py", runtime: "python3.12" },
  },
  protocol: "a2a",
  models: [
    { endpointId: qwen.id, role: "primary" },
    { endpointId: glm.id, role: "fallback" },
  ],
  skills: [
    { name: "tickets", kind: "mcp", target: "mcp://tickets.internal", allowedTools: ["search", "comment"] },
  ],
  memory: { enabled: true, retentionDays: 30 },
  channels: [{ peerRuntimeId: reviewer.id, mode: "a2a" }],
  lifecycle: { idleTimeoutSeconds: 900, maxLifetimeSeconds: 28_800, onIdle: "pause" },
  secretEnv: { TICKETS_TOKEN: config.getSecret("ticketsToken") ?? pulumi.secret("dev-tickets-token") },
});

export const clusterId = cluster.id;
export const qwenUrl = qwen.url;
export const qwenApiKey = qwen.apiKey; // secret
export const qwenPricing = qwen.pricing;
export const assistantUrl = assistant.invokeUrl;
export const assistantVersion = assistant.version;
