import OpenAI from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { countTokens } from "../../provider/mock-cloud/core/inference/tokenizer.ts";
import type { TestCloud } from "../../provider/testing/index.ts";
import type { Client } from "../support/cloud-client.ts";
import { pooledEndpoint, type ServingEndpoint, useTestCloud } from "../support/endpoints.ts";

// The data plane through the official `openai` package, unchanged: its baseURL is the endpoint's
// `url` + "/v1" and its apiKey the endpoint's own key.

let cloud: TestCloud;
let api: Client;

const endpoint = (name: string, extra: Record<string, unknown> = {}) => pooledEndpoint(api, name, extra);
type Endpoint = ServingEndpoint;

const openai = (e: Endpoint, options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({ baseURL: `${e.url}/v1`, apiKey: e.apiKey, maxRetries: 0, ...options });

describe("a model endpoint through the official openai client", () => {
  const t = useTestCloud();
  beforeEach(() => {
    ({ cloud, api } = t);
  });

  it("answers a chat completion, the same answer for the same request, with usage counted by the model's tokenizer", async () => {
    const e = await endpoint("plain");
    const ask = () =>
      openai(e).chat.completions.create({
        model: e.model,
        messages: [{ role: "user", content: "Say hello" }],
      });
    const first = await ask();
    const again = await ask();
    const text = first.choices[0]?.message.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(again.choices[0]?.message.content).toBe(text);
    expect(first.choices[0]?.finish_reason).toBe("stop");
    expect(first.usage?.completion_tokens).toBe(countTokens("glm-5.1", text));
    const prompt = "<|im_start|>user\nSay hello<|im_end|>\n<|im_start|>assistant\n";
    expect(first.usage?.prompt_tokens).toBe(countTokens("glm-5.1", prompt));
    expect(first.usage?.total_tokens).toBe(
      (first.usage?.prompt_tokens ?? 0) + (first.usage?.completion_tokens ?? 0),
    );
    const models = await openai(e).models.list();
    expect(models.data.map((m) => m.id)).toEqual(["glm-5.1"]);
  });

  it("streams the same answer in chunks, with usage in the last chunk when asked", async () => {
    const e = await endpoint("streamed");
    const messages = [{ role: "user" as const, content: "Stream please" }];
    const plain = await openai(e).chat.completions.create({ model: e.model, messages });
    const stream = await openai(e).chat.completions.create({
      model: e.model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(chunks).toBeGreaterThan(10);
    expect(finish).toBe("stop");
    expect(usage).toEqual(plain.usage);
  });

  it("honours max_tokens (finish_reason length) and stop", async () => {
    const e = await endpoint("limits");
    const short = await openai(e).chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "Be brief" }],
      max_tokens: 5,
    });
    expect(short.usage?.completion_tokens).toBe(5);
    expect(short.choices[0]?.finish_reason).toBe("length");
    const full = await openai(e).chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "Be brief" }],
    });
    const word = (full.choices[0]?.message.content ?? "").split(" ")[3] as string;
    const stopped = await openai(e).chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "Be brief" }],
      stop: [` ${word}`],
    });
    expect(stopped.choices[0]?.message.content).not.toContain(` ${word}`);
    expect(full.choices[0]?.message.content?.startsWith(stopped.choices[0]?.message.content ?? "-")).toBe(
      true,
    );
  });

  it("calls a tool when tools are offered, then answers in text once the tool's result is in", async () => {
    const e = await endpoint("tools");
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "weather",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    const first = await openai(e).chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "Weather in Hangzhou?" }],
      tools,
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe("weather");
    expect(Object.keys(JSON.parse(call?.type === "function" ? call.function.arguments : "{}"))).toEqual([
      "city",
    ]);
    const second = await openai(e).chat.completions.create({
      model: e.model,
      tools,
      messages: [
        { role: "user", content: "Weather in Hangzhou?" },
        first.choices[0]?.message as OpenAI.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: call?.id ?? "", content: "sunny, 21°C" },
      ],
    });
    expect(second.choices[0]?.finish_reason).toBe("stop");
    expect(second.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it("answers JSON in json_object mode, and what a scripted rule says", async () => {
    const e = await endpoint("scripted");
    const json = await openai(e).chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "JSON please" }],
      response_format: { type: "json_object" },
    });
    expect(JSON.parse(json.choices[0]?.message.content ?? "")).toHaveProperty("answer");
    await cloud.admin.inferenceRule({
      match: { lastMessage: "^capital" },
      answer: { text: "Hangzhou is lovely." },
    });
    const scripted = await openai(e).chat.completions.create({
      model: e.model,
      messages: [{ role: "user", content: "capital of Zhejiang?" }],
    });
    expect(scripted.choices[0]?.message.content).toBe("Hangzhou is lovely.");
  });

  it("refuses with OpenAI's errors: another key 401, another account's key 404, unknown model 404, too long a context 400", async () => {
    const e = await endpoint("guarded");
    const other = await endpoint("other");
    const wrong = await openai({ ...e, apiKey: "ak-not-a-key" })
      .chat.completions.create({ model: e.model, messages: [{ role: "user", content: "hi" }] })
      .catch((x: unknown) => x);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    // A key of this account's other endpoint opens only that endpoint.
    const sibling = await openai({ ...e, apiKey: other.apiKey })
      .chat.completions.create({ model: e.model, messages: [{ role: "user", content: "hi" }] })
      .catch((x: unknown) => x);
    expect(sibling).toBeInstanceOf(OpenAI.AuthenticationError);
    const model = await openai(e)
      .chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((x: unknown) => x);
    expect(model).toBeInstanceOf(OpenAI.NotFoundError);
    expect((model as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    const long = await openai(e)
      .chat.completions.create({
        model: e.model,
        messages: [{ role: "user", content: "token ".repeat(210_000) }],
      })
      .catch((x: unknown) => x);
    expect(long).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String((long as Error).message)).toMatch(
      /maximum context length is 200000 tokens; the messages take \d+ tokens/,
    );
    const usage = await api.call("GET", `/v1/model-endpoints/${e.id}/usage`);
    expect(usage.body.rows).toEqual([]);
  });

  it("throttles over tokensPerMinute with 429, Retry-After and rate-limit headers; the client's own retry succeeds once the clock moves", async () => {
    const e = await endpoint("throttled", { throughput: { tokensPerMinute: 1000 } });
    const ask = (client = openai(e)) =>
      client.chat.completions
        .create({ model: e.model, messages: [{ role: "user", content: "Count" }] })
        .withResponse();
    const { response } = await ask();
    expect(response.headers.get("x-ratelimit-limit-tokens")).toBe("1000");
    const remaining = Number(response.headers.get("x-ratelimit-remaining-tokens"));
    expect(remaining).toBeLessThan(1000);
    let throttled: unknown = null;
    for (let i = 0; i < 30 && !throttled; i++)
      throttled = await ask().then(
        () => null,
        (x: unknown) => x,
      );
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
    const retryAfter = Number(
      (throttled as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after"),
    );
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The emulator clock moves past the window while the client waits to retry.
    await cloud.admin.advanceClock(61_000);
    const retried = await ask(openai(e, { maxRetries: 2 }));
    expect(retried.response.status).toBe(200);
    const usage = await api.call("GET", `/v1/model-endpoints/${e.id}/usage`);
    expect(usage.body.rows[0].throttledRequests).toBeGreaterThan(0);
  });
});
