import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { TestCloud } from "../../provider/testing/index.ts";
import { pooledEndpoint, type ServingEndpoint, useTestCloud } from "../support/endpoints.ts";

// An agent loop in the `ai` package, through @ai-sdk/openai-compatible, against an endpoint whose
// answers a test scripts: the model calls a tool, reads its result, and answers.

let cloud: TestCloud;
let endpoint: ServingEndpoint;

describe("the ai SDK's agent loop on a model endpoint", () => {
  const t = useTestCloud();
  beforeEach(async () => {
    cloud = t.cloud;
    endpoint = await pooledEndpoint(t.api, "agent", {
      model: "kimi-k2.6",
      throughput: { tokensPerMinute: 100_000 },
    });
  });

  const model = () =>
    createOpenAICompatible({
      name: "agentcloud",
      baseURL: `${endpoint.url}/v1`,
      apiKey: endpoint.apiKey,
      includeUsage: true,
    }).chatModel("kimi-k2.6");

  it("calls the scripted tool, feeds its result back, and ends with the scripted answer", async () => {
    await cloud.admin.inferenceRule({
      match: { endpointId: endpoint.id, lastMessage: "quota" },
      answer: { toolCalls: [{ name: "quota", arguments: { region: "cn-hangzhou" } }] },
    });
    await cloud.admin.inferenceRule({
      match: { endpointId: endpoint.id, lastMessage: "chips" },
      answer: { text: "You have 512 chips left in cn-hangzhou." },
    });
    const asked: string[] = [];
    const result = await generateText({
      model: model(),
      prompt: "How much chip quota is left?",
      tools: {
        quota: tool({
          description: "chips left in a region",
          inputSchema: z.object({ region: z.string() }),
          execute: async ({ region }) => {
            asked.push(region);
            return "512 chips";
          },
        }),
      },
      stopWhen: stepCountIs(4),
    });
    expect(asked).toEqual(["cn-hangzhou"]);
    expect(result.steps).toHaveLength(2);
    expect(result.text).toBe("You have 512 chips left in cn-hangzhou.");
    expect(result.totalUsage.inputTokens).toBeGreaterThan(0);
    expect(result.totalUsage.outputTokens).toBeGreaterThan(0);
  });

  it("streams text, with the usage the endpoint metered", async () => {
    await cloud.admin.clearInferenceRules();
    const stream = streamText({ model: model(), prompt: "Say something" });
    let text = "";
    for await (const part of stream.textStream) text += part;
    expect(text.split(" ").length).toBe(48);
    const usage = await stream.usage;
    const metered = await fetch(`${cloud.url}/v1/model-endpoints/${endpoint.id}/usage`, {
      headers: { authorization: `Bearer ${cloud.token}` },
    }).then((r) => r.json() as Promise<{ rows: { outputTokens: number }[] }>);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(metered.rows[0]?.outputTokens).toBeGreaterThanOrEqual(usage.outputTokens ?? 0);
  });
});
