import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createMockCloud } from "../../provider/mock-cloud/index.ts";

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document covering every resource route", async () => {
    const cloud = createMockCloud();
    const res = await cloud.fetch(new Request("http://agentcloud.test/openapi.json"));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/v1/agent-runtimes",
      "/v1/agent-runtimes/{id}",
      "/v1/chip-clusters",
      "/v1/chip-clusters/{id}",
      "/v1/idempotency-keys/{key}",
      "/v1/idempotency-keys/{key}/release",
      "/v1/model-endpoints",
      "/v1/model-endpoints/{id}",
      "/v1/operations/{id}",
    ]);
    cloud.close();
  });

  it("is checked by a validator that does reject a broken document", async () => {
    const broken = {
      openapi: "3.1.0",
      info: { title: "x" },
      paths: { "/x": { get: { responses: "none" } } },
    };
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });
});
