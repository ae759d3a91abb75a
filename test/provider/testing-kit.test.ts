import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setConfig } from "../../provider/runtime/config.ts";
import { handlers } from "../../provider/runtime/index.ts";
import { startMockNetwork, type TestCloud } from "../../provider/testing/index.ts";

let cloud: TestCloud;

describe("startMockNetwork: the emulator behind msw, for users' mocked-API tests", () => {
  beforeAll(async () => {
    cloud = await startMockNetwork();
  });
  afterAll(async () => {
    await cloud.close();
  });

  it("answers the provider's own undici client in process, faults included", async () => {
    setConfig({ endpoint: cloud.url, token: cloud.token });
    await cloud.admin.fault({
      kind: "ModelEndpoint",
      operation: "create",
      status: 503,
      code: "CapacityUnavailable",
      retryAfterSeconds: 0,
      remaining: 1,
    });
    const h = handlers.ModelEndpoint;
    const { inputs } = await h.check(
      {},
      {
        name: "pooled",
        region: "cn-hangzhou",
        model: "kimi-k2.6",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 20_000 },
      },
    );
    const { id, outs } = await h.create(inputs);
    expect(outs).toMatchObject({
      status: "IN_SERVICE",
      url: `${cloud.url}/inference/${id}`,
      apiKey: expect.stringMatching(/^ak-/),
    });
    const creates = (await cloud.admin.requests()).filter(
      (r) => r.method === "POST" && r.path === "/v1/model-endpoints",
    );
    expect(creates.map((r) => r.status)).toEqual([503, 202]);
  });

  it("refuses requests to any other host, so a test cannot reach the network by mistake", async () => {
    await expect(request("http://example.invalid/")).rejects.toThrow();
  });
});
