import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
    // A server that would answer: it must never see the request.
    let seen = 0;
    const server = createServer((_req, res) => {
      seen++;
      res.end("reached");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(request(`http://127.0.0.1:${port}/`)).rejects.toThrow();
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
      expect(seen).toBe(0);
    } finally {
      server.close();
    }
  });
});
