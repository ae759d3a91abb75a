import OpenAI from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { nodeServer, useAdapterCloud } from "../contract/fixtures.ts";
import { devToken, pooledEndpoint } from "../support/fixtures.ts";

/**
 * An agent runtime's model gateway through the official openai client: the primary answers, the
 * fallback takes over when the admin plane throttles the primary, and the answer says which.
 */
describe("an agent runtime's model gateway", () => {
  const server = useAdapterCloud(nodeServer);
  const { call, adminCall } = server;
  let runtime: { id: string; invokeUrl: string };
  let primary: string;
  let fallback: string;

  beforeEach(async () => {
    const wait = { headers: { Prefer: "wait" } };
    primary = (await call("POST", "/v1/model-endpoints", pooledEndpoint("primary", 10_000), wait)).body
      .resource.id;
    fallback = (await call("POST", "/v1/model-endpoints", pooledEndpoint("fallback", 10_000), wait)).body
      .resource.id;
    runtime = (
      await call(
        "POST",
        "/v1/agent-runtimes",
        {
          name: "agent",
          region: "cn-hangzhou",
          artifact: { image: "agents/support:1" },
          models: [
            { endpointId: fallback, role: "fallback" },
            { endpointId: primary, role: "primary" },
          ],
        },
        wait,
      )
    ).body.resource;
  });

  const openai = (apiKey = devToken) =>
    new OpenAI({ baseURL: `${runtime.invokeUrl}/models/v1`, apiKey, maxRetries: 0 });

  it("sends to the primary first, saying so in its headers", async () => {
    const { data, response } = await openai()
      .chat.completions.create({ model: "glm-5.1", messages: [{ role: "user", content: "hello" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-agentcloud-routed-to")).toBe(primary);
    expect(response.headers.get("x-agentcloud-hops")).toBe(`${primary}:200`);
  });

  it("falls back when the primary is throttled, plain and streamed, and meters the endpoint that answered", async () => {
    await adminCall("POST", "/_mock/inference/rules", {
      match: { endpointId: primary },
      answer: { error: { status: 429, message: "throttled by the test" } },
    });
    const { response } = await openai()
      .chat.completions.create({ model: "glm-5.1", messages: [{ role: "user", content: "hello" }] })
      .withResponse();
    expect(response.headers.get("x-agentcloud-routed-to")).toBe(fallback);
    expect(response.headers.get("x-agentcloud-hops")).toBe(`${primary}:429,${fallback}:200`);
    const stream = await openai().chat.completions.create({
      model: "glm-5.1",
      messages: [{ role: "user", content: "stream it" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    const usage = (await call("GET", "/v1/usage?groupBy=endpoint")).body.rows as {
      group: string;
      requests: number;
    }[];
    expect(usage.find((r) => r.group === fallback)?.requests).toBe(2);
  });

  it("answers in OpenAI's shape: another account's runtime is not found, a bad key is refused", async () => {
    await expect(openai("nope").chat.completions.create({ model: "m", messages: [] })).rejects.toMatchObject({
      status: 401,
    });
    const other = new OpenAI({
      baseURL: `${server.baseUrl}/agents/ar-none/invoke/models/v1`,
      apiKey: devToken,
      maxRetries: 0,
    });
    await expect(other.chat.completions.create({ model: "m", messages: [] })).rejects.toMatchObject({
      status: 404,
    });
  });
});
