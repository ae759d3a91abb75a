import OpenAI from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import type { TestCloud } from "../../provider/testing/index.ts";
import type { Client } from "../support/cloud-client.ts";
import { pooledEndpoint, type ServingEndpoint, useTestCloud } from "../support/endpoints.ts";
import { devToken } from "../support/fixtures.ts";

// Fault rules (`/_mock/faults`) on the data plane, named by operationId: an endpoint's chat
// completions and models, a runtime's gateway. Seen through the official openai client.

let cloud: TestCloud;
let api: Client;

const openai = (e: ServingEndpoint, maxRetries = 0) =>
  new OpenAI({ baseURL: `${e.url}/v1`, apiKey: e.apiKey, maxRetries });
const hello = (e: ServingEndpoint, maxRetries = 0) =>
  openai(e, maxRetries).chat.completions.create({
    model: e.model,
    messages: [{ role: "user", content: "hello" }],
  });
const usageOf = async (id: string) =>
  ((await api.call("GET", `/v1/model-endpoints/${id}/usage`)).body.rows[0] ?? {
    requests: 0,
    throttledRequests: 0,
    inputTokens: 0,
    outputTokens: 0,
  }) as { requests: number; throttledRequests: number; inputTokens: number; outputTokens: number };

describe("fault rules on the data plane", () => {
  const t = useTestCloud();
  beforeEach(() => {
    ({ cloud, api } = t);
  });

  it("answers an injected 503 in OpenAI's shape with Retry-After; the client's retry is served, and only it is metered", async () => {
    const e = await pooledEndpoint(api, "faulted");
    await cloud.admin.fault({ operation: "createChatCompletion", status: 503, remaining: 1 });
    const refused = await hello(e).catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    const error = refused as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(503);
    expect(error.error).toEqual({
      message: "injected fault",
      type: "server_error",
      param: null,
      code: "service_unavailable",
    });
    expect(error.headers?.get("retry-after")).toBe("5"); // the limits' retryAfterSeconds
    expect(await usageOf(e.id)).toMatchObject({ requests: 0, throttledRequests: 0, inputTokens: 0 });

    await cloud.admin.fault({
      operation: "createChatCompletion",
      status: 503,
      retryAfterSeconds: 0,
      message: "overloaded",
      remaining: 1,
    });
    const answer = await hello(e, 1);
    expect(answer.choices[0]?.message.content).toBeTruthy();
    const tries = (await cloud.admin.requests()).filter(
      (r) => r.path === `/inference/${e.id}/v1/chat/completions`,
    );
    expect(tries.map((r) => [r.status, r.code])).toEqual([
      [503, "service_unavailable"],
      [503, "service_unavailable"],
      [200, null],
    ]);
    const usage = await usageOf(e.id);
    expect(usage).toMatchObject({ requests: 1, throttledRequests: 0 });
    expect(usage.inputTokens + usage.outputTokens).toBe(answer.usage?.total_tokens);
  });

  it("throttles a stream before it starts, fails a models list, and plays a latency, matching kind and region", async () => {
    const e = await pooledEndpoint(api, "kinds");
    await cloud.admin.fault({
      kind: "ModelEndpoint",
      region: "cn-hangzhou",
      operation: "createChatCompletion",
      status: 429,
      code: "too_many_requests",
      remaining: 1,
    });
    const stream = await openai(e)
      .chat.completions.create({ model: e.model, messages: [{ role: "user", content: "hi" }], stream: true })
      .catch((x: unknown) => x);
    expect(stream).toMatchObject({ status: 429, code: "too_many_requests", type: "requests" });
    expect((stream as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBe("5");

    // Another region's rule, or another kind's, does not reach this endpoint.
    await cloud.admin.fault({ region: "cn-beijing", operation: "listEndpointModels", status: 500 });
    await cloud.admin.fault({ kind: "AgentRuntime", operation: "listEndpointModels", status: 500 });
    expect((await openai(e).models.list()).data.map((m) => m.id)).toEqual([e.model]);
    await cloud.admin.clearFaults();

    await cloud.admin.fault({ operation: "listEndpointModels", status: 500, remaining: 1 });
    await expect(openai(e).models.list()).rejects.toMatchObject({
      status: 500,
      type: "server_error",
      code: "server_error",
    });
    await cloud.admin.fault({ operation: "createChatCompletion", latencyMs: 150, remaining: 1 });
    const started = Date.now();
    expect((await hello(e)).choices[0]?.message.content).toBeTruthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await usageOf(e.id)).toMatchObject({ requests: 1, throttledRequests: 0 });
  });

  it("drops the connection when the rule says so, and a rule without an operation stays on the API", async () => {
    const e = await pooledEndpoint(api, "dropped");
    await cloud.admin.fault({ operation: "createChatCompletion", drop: true, remaining: 1 });
    await expect(hello(e)).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    await cloud.admin.fault({ status: 503, code: "CapacityUnavailable" });
    expect((await api.call("GET", "/v1/model-endpoints")).status).toBe(503);
    expect((await hello(e)).choices[0]?.message.content).toBeTruthy();
    expect((await openai(e).models.list()).data).toHaveLength(1);
    await cloud.admin.clearFaults();
    expect(await usageOf(e.id)).toMatchObject({ requests: 1, throttledRequests: 0 });
  });

  describe("through an agent runtime's gateway", () => {
    let primary: ServingEndpoint;
    let fallback: ServingEndpoint;
    let gateway: OpenAI;

    beforeEach(async () => {
      primary = await pooledEndpoint(api, "primary");
      fallback = await pooledEndpoint(api, "fallback");
      const created = await api.call("POST", "/v1/agent-runtimes", {
        name: "agent",
        region: "cn-hangzhou",
        artifact: { image: "agents/support:1" },
        models: [
          { endpointId: primary.id, role: "primary" },
          { endpointId: fallback.id, role: "fallback" },
        ],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const runtime = (await api.call("GET", `/v1/agent-runtimes/${created.body.resource.id}`)).body;
      expect(runtime.status).toBe("READY");
      gateway = new OpenAI({ baseURL: `${runtime.invokeUrl}/models/v1`, apiKey: devToken, maxRetries: 0 });
    });

    const ask = () =>
      gateway.chat.completions.create({ model: "glm-5.1", messages: [{ role: "user", content: "hello" }] });

    it("falls back when a fault throttles the primary; the faulted hop is not metered", async () => {
      await cloud.admin.fault({ operation: "createChatCompletion", status: 429, remaining: 1 });
      const { data, response } = await ask().withResponse();
      expect(data.choices[0]?.message.content).toBeTruthy();
      expect(response.headers.get("x-agentcloud-routed-to")).toBe(fallback.id);
      expect(response.headers.get("x-agentcloud-hops")).toBe(`${primary.id}:429,${fallback.id}:200`);
      expect(await usageOf(primary.id)).toMatchObject({ requests: 0, throttledRequests: 0, inputTokens: 0 });
      expect(await usageOf(fallback.id)).toMatchObject({ requests: 1, throttledRequests: 0 });
      // The rule is used up: the primary answers again.
      const { response: again } = await ask().withResponse();
      expect(again.headers.get("x-agentcloud-routed-to")).toBe(primary.id);
    });

    it("answers a fault on the gateway itself in OpenAI's shape, before any endpoint is asked", async () => {
      await cloud.admin.fault({
        kind: "AgentRuntime",
        operation: "createRuntimeChatCompletion",
        status: 429,
        retryAfterSeconds: 2,
        remaining: 1,
      });
      const refused = (await ask().catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      expect(refused.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
      expect(refused.headers?.get("retry-after")).toBe("2");
      expect(refused.headers?.get("x-agentcloud-hops")).toBeNull();
      expect(await usageOf(primary.id)).toMatchObject({ requests: 0, throttledRequests: 0 });
      expect(await usageOf(fallback.id)).toMatchObject({ requests: 0, throttledRequests: 0 });
    });
  });
});
