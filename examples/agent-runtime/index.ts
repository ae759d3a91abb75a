import * as pulumi from "@pulumi/pulumi";
import { AgentRuntime, ModelEndpoint } from "pulumi-agentcloud";

const config = new pulumi.Config();

const minimax = new ModelEndpoint("minimax", {
  region: "ap-southeast-1",
  model: "minimax-m2.7",
  deployment: { mode: "pooled" },
  throughput: { tokensPerMinute: 120_000 },
});

// An MCP-speaking agent in a microVM sandbox, paused when idle, with cross-task memory.
const codeUri = config.get("codeUri"); // switching from an image to code replaces the runtime
const agent = new AgentRuntime("researcher", {
  region: "ap-southeast-1",
  artifact: codeUri
    ? { code: { uri: codeUri, entrypoint: "main.py", runtime: "python3.12" } }
    : { image: config.get("image") ?? "agents/researcher:2.1.0" }, // a new image: in place
  protocol: "mcp",
  models: [{ endpointId: minimax.id, role: "primary" }],
  sandbox: { cpu: 2, memoryMiB: 4096, isolation: "microvm" },
  scaling: { minInstances: 0, maxInstances: 20, concurrencyPerInstance: 4 },
  skills: [{ name: "web", kind: "builtin", target: "browser", allowedTools: ["fetch"] }],
  memory: { enabled: true, retentionDays: 90 },
  env: { LOG_LEVEL: "info" },
  secretEnv: { SEARCH_API_KEY: config.getSecret("searchApiKey") ?? pulumi.secret("dev-search-key") },
});

export const invokeUrl = agent.invokeUrl;
export const version = agent.version;
