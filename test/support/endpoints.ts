import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { startTestCloud, type TestCloud } from "../../provider/testing/index.ts";
import { type Client, client } from "./cloud-client.ts";

/** A model endpoint as the data-plane tests use it: where it serves and with which key. */
export interface ServingEndpoint {
  id: string;
  url: string;
  apiKey: string;
  model: string;
}

/** Creates a pooled glm-5.1 endpoint (immediate transitions: in service at once); `extra` overrides the spec. */
export async function pooledEndpoint(
  api: Client,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<ServingEndpoint> {
  const res = await api.call("POST", "/v1/model-endpoints", {
    name,
    region: "cn-hangzhou",
    model: "glm-5.1",
    deployment: { mode: "pooled" },
    throughput: { tokensPerMinute: 1_000_000 },
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const ready = await api.call("GET", `/v1/model-endpoints/${res.body.resource.id}`);
  expect(ready.body.status).toBe("IN_SERVICE");
  const { id, url, apiKey, model } = ready.body;
  return { id, url, apiKey, model };
}

/**
 * A test cloud for the enclosing describe block, reset before each test, with an API client of its
 * development account: `const t = useTestCloud(); … t.cloud, t.api`.
 */
export function useTestCloud(options: Parameters<typeof startTestCloud>[0] = {}): {
  cloud: TestCloud;
  api: Client;
} {
  const state = {} as { cloud: TestCloud; api: Client };
  beforeAll(async () => {
    state.cloud = await startTestCloud(options);
    state.api = client(state.cloud.url, state.cloud.token, { conformance: false });
  });
  afterAll(async () => {
    await state.api?.close();
    await state.cloud?.close();
  });
  beforeEach(async () => {
    await state.cloud.admin.reset();
  });
  return state;
}
