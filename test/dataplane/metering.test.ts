import OpenAI from "openai";
import { request } from "undici";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { modelCatalog } from "../../provider/api/catalog.ts";
import { defaultAnswerTokens } from "../../provider/mock-cloud/core/inference/answer.ts";
import {
  cacheBlockTokens,
  cacheMinimumTokens,
  elasticPriceFactor,
  idleScaleDownMs,
} from "../../provider/mock-cloud/core/inference/serve.ts";
import { countTokens, tokenizerOf } from "../../provider/mock-cloud/core/inference/tokenizer.ts";
import type { TestCloud } from "../../provider/testing/index.ts";
import type { Client } from "../support/cloud-client.ts";
import { pooledEndpoint, type ServingEndpoint, useTestCloud } from "../support/endpoints.ts";
import { sseEvents } from "../support/sse.ts";

// What the data plane meters: the prompt cache, elastic burst, the model's own tokenizer, and a
// stream the client leaves — each checked in GET /v1/usage, on the emulator clock.

let cloud: TestCloud;
let api: Client;

interface Endpoint extends ServingEndpoint {
  openai: OpenAI;
}

async function endpoint(name: string, extra: Record<string, unknown> = {}): Promise<Endpoint> {
  const e = await pooledEndpoint(api, name, extra);
  return { ...e, openai: new OpenAI({ baseURL: `${e.url}/v1`, apiKey: e.apiKey, maxRetries: 0 }) };
}

const usageOf = async (id: string) => (await api.call("GET", `/v1/model-endpoints/${id}/usage`)).body.rows[0];

describe("metering of the data plane", () => {
  const t = useTestCloud();
  beforeEach(() => {
    ({ cloud, api } = t);
  });

  it("counts a repeated long prefix as cached tokens within the TTL, billed at the cached price, and forgets it after", async () => {
    const e = await endpoint("cached", { contextCache: { mode: "implicit", ttlSeconds: 600 } });
    const system = `You are a careful agent. ${"Follow the runbook step by step and report. ".repeat(200)}`;
    const ask = (question: string) =>
      e.openai.chat.completions.create({
        model: e.model,
        messages: [
          { role: "system", content: system },
          { role: "user", content: question },
        ],
      });
    const first = await ask("What is step one?");
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const second = await ask("And step two?");
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(cacheMinimumTokens);
    expect(cached % cacheBlockTokens).toBe(0);
    expect(cached).toBeLessThanOrEqual(second.usage?.prompt_tokens ?? 0);
    const usage = await usageOf(e.id);
    expect(usage.cachedTokens).toBe(cached);
    const price = modelCatalog["glm-5.1"].pricing;
    const expected =
      ((first.usage?.prompt_tokens ?? 0) * price.inputPerMTokens +
        ((second.usage?.prompt_tokens ?? 0) - cached) * price.inputPerMTokens +
        cached * price.cachedInputPerMTokens +
        ((first.usage?.completion_tokens ?? 0) + (second.usage?.completion_tokens ?? 0)) *
          price.outputPerMTokens) /
      1e6;
    expect(usage.costUsd).toBeCloseTo(expected, 9);
    await cloud.admin.advanceClock(601_000);
    expect((await ask("Step three?")).usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it("keeps caches apart: another endpoint does not see this one's prefixes, and `disabled` caches nothing", async () => {
    const a = await endpoint("cache-a");
    const b = await endpoint("cache-b");
    const off = await endpoint("cache-off", { contextCache: { mode: "disabled", ttlSeconds: 600 } });
    const long = "Shared preamble of the agent. ".repeat(300);
    const ask = (e: Endpoint) =>
      e.openai.chat.completions.create({ model: e.model, messages: [{ role: "user", content: long }] });
    await ask(a);
    expect((await ask(b)).usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect((await ask(a)).usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0);
    await ask(off);
    expect((await ask(off)).usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it("lets an elastic endpoint burst past tokensPerMinute up to burstTokensPerMinute, marking and pricing the elastic tokens", async () => {
    const e = await endpoint("elastic", {
      throughput: { tokensPerMinute: 1000, burstTokensPerMinute: 2000, elastic: true },
    });
    const answers: unknown[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await e.openai.chat.completions
        .create({ model: e.model, messages: [{ role: "user", content: `question ${i}` }] })
        .then(
          (x): unknown => x,
          (x: unknown) => x,
        );
      answers.push(r);
      if (r instanceof OpenAI.RateLimitError) break;
    }
    expect(answers.at(-1)).toBeInstanceOf(OpenAI.RateLimitError);
    const usage = await usageOf(e.id);
    const total = usage.inputTokens + usage.outputTokens;
    expect(total).toBeGreaterThan(1000);
    expect(total).toBeLessThanOrEqual(2000);
    expect(usage.elasticTokens).toBe(total - 1000);
    expect(usage.throttledRequests).toBe(1);
    const price = modelCatalog["glm-5.1"].pricing;
    const list =
      (usage.inputTokens * price.inputPerMTokens + usage.outputTokens * price.outputPerMTokens) / 1e6;
    expect(usage.costUsd).toBeGreaterThan(list);
    expect(usage.costUsd).toBeLessThan(list * elasticPriceFactor);
  });

  it("scales a dedicated endpoint's replicas under load, up to maxReplicas, and back when idle", async () => {
    const cluster = await api.call("POST", "/v1/chip-clusters", {
      name: "serving",
      region: "cn-hangzhou",
      chipType: "zhenwu-m890",
      chipsPerHyperNode: 128,
      hyperNodeCount: 1,
    });
    expect(cluster.status).toBe(202);
    const e = await endpoint("dedicated", {
      model: "qwen3.7-max",
      deployment: {
        mode: "dedicated",
        clusterId: cluster.body.resource.id,
        chipsPerReplica: 32,
        minReplicas: 1,
        maxReplicas: 4,
      },
      throughput: { tokensPerMinute: 4000 },
    });
    const replicas = async () => (await api.call("GET", `/v1/model-endpoints/${e.id}`)).body;
    expect(await replicas()).toMatchObject({ currentReplicas: 1, effectiveTokensPerMinute: 1000 });
    const seen = new Set<number>();
    let throttled = false;
    for (let i = 0; i < 60 && !throttled; i++) {
      const r = await e.openai.chat.completions
        .create({ model: e.model, messages: [{ role: "user", content: `load ${i} ${"work ".repeat(200)}` }] })
        .then(
          () => null,
          (x: unknown) => x,
        );
      throttled = r instanceof OpenAI.RateLimitError;
      seen.add((await replicas()).currentReplicas);
    }
    // One replica at a time, up to the maximum, and then the endpoint's whole throughput is in use.
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
    expect(throttled).toBe(true);
    expect(await replicas()).toMatchObject({ currentReplicas: 4, effectiveTokensPerMinute: 4000 });
    await cloud.admin.advanceClock(idleScaleDownMs + 60_000);
    await e.openai.chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "after a while" }],
    });
    expect((await replicas()).currentReplicas).toBe(1);
  });

  it("serves pooled endpoints their share of a squeezed regional pool (noisy neighbours)", async () => {
    const e = await endpoint("pooled", { throughput: { tokensPerMinute: 10_000 } });
    const limitNow = async () =>
      (
        await e.openai.chat.completions
          .create({ model: e.model, messages: [{ role: "user", content: "how much?" }] })
          .withResponse()
      ).response.headers.get("x-ratelimit-limit-tokens");
    expect(await limitNow()).toBe("10000");
    await cloud.admin.limits({ pooledSharePerRegion: { "cn-hangzhou": 0.25 } });
    expect(await limitNow()).toBe("2500");
    await cloud.admin.limits({ pooledSharePerRegion: { "cn-hangzhou": 0 } });
    const squeezed = await e.openai.chat.completions
      .create({ model: e.model, messages: [{ role: "user", content: "anyone?" }] })
      .catch((x: unknown) => x);
    expect(squeezed).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("counts qwen models with Qwen3's tokenizer and the others with o200k_base", async () => {
    expect(tokenizerOf("qwen3.7-max")).toBe("qwen3");
    expect(tokenizerOf("glm-5.1")).toBe("o200k_base");
    const text = "通义千问的上下文缓存按块计费，重复的前缀更便宜。";
    expect(countTokens("qwen3.7-max", text)).not.toBe(countTokens("glm-5.1", text));
    const e = await endpoint("qwen", { model: "qwen3.7-max" });
    const done = await e.openai.chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: text }],
    });
    expect(done.usage?.prompt_tokens).toBe(
      countTokens("qwen3.7-max", `<|im_start|>user\n${text}<|im_end|>\n<|im_start|>assistant\n`),
    );
    expect(done.usage?.completion_tokens).toBe(
      countTokens("qwen3.7-max", done.choices[0]?.message.content ?? ""),
    );
  });

  it("meters a stream the client leaves for what was sent, and keeps serving", async () => {
    const e = await endpoint("leaver");
    await cloud.admin.inferenceRule({
      match: { endpointId: e.id },
      answer: { text: Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ") },
      timing: { firstTokenMs: 0, tokensPerSecond: 200 },
      remaining: 1,
    });
    const controller = new AbortController();
    const res = await request(`${e.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${e.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: e.model, messages: [{ role: "user", content: "long" }], stream: true }),
      signal: controller.signal,
    });
    let pieces = 0;
    for await (const event of sseEvents(res.body)) {
      if (JSON.parse(event.data).choices[0]?.delta?.content) pieces++;
      if (pieces > 10) break;
    }
    controller.abort();
    // Metered once the emulator sees the stream cancelled.
    await vi.waitFor(async () => expect((await usageOf(e.id))?.requests).toBe(1), { timeout: 10_000 });
    const usage = await usageOf(e.id);
    expect(usage.requests).toBe(1);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeLessThan(
      countTokens("glm-5.1", Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ")),
    );
    const after = await e.openai.chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "still there?" }],
    });
    expect(after.usage?.completion_tokens).toBe(defaultAnswerTokens);
  });
});
