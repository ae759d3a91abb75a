import { expect } from "vitest";
import type { Client } from "./cloud-client.ts";

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
