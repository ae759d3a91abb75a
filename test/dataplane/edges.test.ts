import OpenAI from "openai";
import { request } from "undici";
import { beforeEach, describe, expect, it } from "vitest";
import { countTokens } from "../../provider/mock-cloud/core/inference/tokenizer.ts";
import type { TestCloud } from "../../provider/testing/index.ts";
import type { Client } from "../support/cloud-client.ts";
import { pooledEndpoint, type ServingEndpoint, useTestCloud } from "../support/endpoints.ts";
import { type SseEvent, sseEvents } from "../support/sse.ts";

// Regressions found by an outside review of the data plane.

let cloud: TestCloud;
let api: Client;
const openai = (e: ServingEndpoint) =>
  new OpenAI({ baseURL: `${e.url}/v1`, apiKey: e.apiKey, maxRetries: 0 });
const ask = (e: ServingEndpoint, content: unknown, extra: Record<string, unknown> = {}) =>
  request(`${e.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${e.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: e.model, messages: [{ role: "user", content }], ...extra }),
  });

describe("data plane edges", () => {
  const t = useTestCloud({ tokens: { "agentcloud-dev-token": "dev", "other-token": "other" } });
  beforeEach(() => {
    ({ cloud, api } = t);
  });

  it("counts a 250,000-character run without spaces in parts, and refuses it as over the context", async () => {
    const e = await pooledEndpoint(api, "cjk");
    const res = await ask(e, "你".repeat(250_000));
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { error: { message: string } }).error.message).toMatch(
      /maximum context length is 200000 tokens; the messages take \d+ tokens/,
    );
  });

  it("counts streams still running against tokensPerMinute", async () => {
    const e = await pooledEndpoint(api, "slow", { throughput: { tokensPerMinute: 1000 } });
    await cloud.admin.inferenceRule({
      match: { endpointId: e.id },
      answer: { text: Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ") },
      timing: { firstTokenMs: 300, tokensPerSecond: 0 },
    });
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ask(e, `q${i}`, { stream: true }).then(async (r) => {
          await r.body.dump();
          return r.statusCode;
        }),
      ),
    );
    const served = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const usage = (await api.call("GET", `/v1/model-endpoints/${e.id}/usage`)).body.rows[0];
    expect(usage.requests).toBe(served);
    expect(usage.inputTokens + usage.outputTokens).toBeLessThanOrEqual(1000);
  });

  it("counts max_tokens and dropAfterTokens in tokens, not words", async () => {
    const e = await pooledEndpoint(api, "tokens");
    const text =
      "supercalifragilisticexpialidocious antidisestablishmentarianism floccinaucinihilipilification";
    await cloud.admin.inferenceRule({ match: { endpointId: e.id }, answer: { text } });
    const cut = await openai(e).chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "long words" }],
      max_tokens: 6,
    });
    expect(cut.usage?.completion_tokens).toBeLessThanOrEqual(6);
    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(countTokens("glm-5.1", text)).toBeGreaterThan(6);
  });

  it("breaks a stream off after dropAfterTokens with the chunks sent, not a 500, and meters only those", async () => {
    const e = await pooledEndpoint(api, "dropped");
    await cloud.admin.inferenceRule({
      match: { endpointId: e.id },
      answer: { text: Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ") },
      dropAfterTokens: 10,
    });
    const res = await ask(e, "stream", { stream: true });
    expect(res.statusCode).toBe(200);
    const received: SseEvent[] = [];
    const broken = await (async () => {
      for await (const event of sseEvents(res.body)) received.push(event);
    })().then(
      () => false,
      () => true,
    );
    expect(broken).toBe(true);
    const sent = received.map((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? "").join("");
    expect(countTokens("glm-5.1", sent)).toBeGreaterThanOrEqual(10);
    const usage = (await api.call("GET", `/v1/model-endpoints/${e.id}/usage`)).body.rows[0];
    expect(usage.outputTokens).toBe(countTokens("glm-5.1", sent));
  });

  it("refuses a rule whose lastMessage is no regular expression; matches text parts; keeps a rule a refused request did not use", async () => {
    const bad = await cloud.admin
      .inferenceRule({ match: { lastMessage: "([" }, answer: { text: "x" } })
      .catch((x: Error) => x);
    expect(String(bad)).toMatch(/400 ValidationError.*match\.lastMessage/);
    const e = await pooledEndpoint(api, "rules", { throughput: { tokensPerMinute: 1000 } });
    await cloud.admin.inferenceRule({
      match: { lastMessage: "^hello$" },
      answer: { text: "scripted" },
      remaining: 1,
    });
    const tooLarge = await ask(e, `hello ${"word ".repeat(1200)}`);
    expect(tooLarge.statusCode).toBe(400);
    await tooLarge.body.dump();
    const parts = await ask(e, [{ type: "text", text: "hello" }]);
    expect(
      ((await parts.body.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message
        .content,
    ).toBe("scripted");
  });

  it("tells a caller without a key nothing about an endpoint, and answers unknown paths in OpenAI's shape", async () => {
    const theirs = await api.call(
      "POST",
      "/v1/model-endpoints",
      {
        name: "theirs",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 100_000 },
      },
      { token: "other-token" },
    );
    const id = theirs.body.resource.id as string;
    const probe = (endpointId: string) =>
      request(`${cloud.url}/inference/${endpointId}/v1/models`, {
        headers: { authorization: "Bearer wrong" },
      });
    const existing = await probe(id);
    const missing = await probe("me-000000000000");
    expect([existing.statusCode, missing.statusCode]).toEqual([401, 401]);
    expect(existing.headers["www-authenticate"]).toBe('Bearer realm="agentcloud"');
    await existing.body.dump();
    await missing.body.dump();
    const e = await pooledEndpoint(api, "paths");
    const embeddings = await request(`${e.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${e.apiKey}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(embeddings.statusCode).toBe(404);
    expect(((await embeddings.body.json()) as { error: unknown }).error).toMatchObject({
      type: "invalid_request_error",
      code: "not_found",
      param: null,
    });
  });

  it("refuses a tool_choice that names no offered tool, as OpenAI does", async () => {
    const e = await pooledEndpoint(api, "choice");
    const res = await ask(e, "weather?", {
      tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "calendar" } },
    });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { error: { param: string } }).error.param).toBe("tool_choice");
  });

  it("changes only the limits a PUT names", async () => {
    await cloud.admin.limits({ endpointsPerRegion: 500 });
    const after = (await cloud.admin.limits({ tokensPerMinutePerRegion: 100_000_000 })) as Record<
      string,
      number
    >;
    expect(after).toMatchObject({ endpointsPerRegion: 500, tokensPerMinutePerRegion: 100_000_000 });
  });
});
