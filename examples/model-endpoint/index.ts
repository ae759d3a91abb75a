import * as pulumi from "@pulumi/pulumi";
import { ModelEndpoint } from "pulumi-agentcloud";

const config = new pulumi.Config();

// A pooled endpoint: shared capacity, billed per token, with an elastic throughput ceiling.
const kimi = new ModelEndpoint("kimi", {
  region: (config.get("region") ?? "cn-shanghai") as "cn-shanghai", // replaces
  model: "kimi-k2.6",
  deployment: { mode: "pooled" },
  throughput: { tokensPerMinute: config.getNumber("tokensPerMinute") ?? 300_000, elastic: true },
  contextCache: { mode: "explicit", ttlSeconds: 1800 },
  tags: { team: "agents" },
});

export const url = kimi.url;
export const apiKey = kimi.apiKey; // secret: shown as [secret], encrypted in state
export const pricing = kimi.pricing;
export const effectiveTokensPerMinute = kimi.effectiveTokensPerMinute;
