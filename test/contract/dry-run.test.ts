import { describe, expect, it } from "vitest";
import { adapters, cluster, expectError, useAdapterCloud } from "./fixtures.ts";

/**
 * `X-Agentcloud-Dry-Run: true` on a create, update or delete: the call's every check, nothing
 * written. Every exchange is checked against the server's own /openapi.json (client.ts).
 */
describe.each(adapters)("dry runs on $name", (adapter) => {
  const { call, adminCall } = useAdapterCloud(adapter);
  const dry = { headers: { "X-Agentcloud-Dry-Run": "true" } };
  const requests = async () =>
    ((await adminCall("GET", "/_mock/requests?limit=1000")).body.items as { method: string }[]).filter(
      (r) => r.method !== "GET",
    ).length;

  it("answers a create with the resource it would make, and makes nothing", async () => {
    const a = await call("POST", "/v1/chip-clusters", cluster("dry"), dry);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      dryRun: true,
      action: "create",
      resource: { id: "cc-dry-run", name: "dry", status: "ACCEPTED", totalChips: 8 },
    });
    expect((await call("GET", "/v1/chip-clusters")).body.items).toEqual([]);
    expect((await call("GET", "/v1/idempotency-keys")).body.items).toEqual([]);
  });

  it("answers what the real call would be refused for", async () => {
    expectError(
      await call(
        "POST",
        "/v1/chip-clusters",
        cluster("big", { hyperNodeCount: 512, chipsPerHyperNode: 128 }),
        dry,
      ),
      402,
      "QuotaExceeded",
    );
    await call("POST", "/v1/chip-clusters", cluster("taken"));
    expectError(await call("POST", "/v1/chip-clusters", cluster("taken"), dry), 409, "Conflict");
  });

  it("answers an update with the resource as it would be, and changes nothing", async () => {
    const made = await call("POST", "/v1/chip-clusters", cluster("grow"));
    const id = made.body.resource.id;
    const before = (await call("GET", `/v1/chip-clusters/${id}`)).body;
    const a = await call("PATCH", `/v1/chip-clusters/${id}`, { hyperNodeCount: 2 }, dry);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      dryRun: true,
      action: "update",
      resource: { id, hyperNodeCount: 2, totalChips: 16 },
    });
    expect((await call("GET", `/v1/chip-clusters/${id}`)).body).toEqual(before);
    expectError(
      await call("PATCH", `/v1/chip-clusters/${id}`, { chipType: "zhenwu-810e" }, dry),
      400,
      "ImmutableField",
    );
  });

  it("answers a delete with what it would delete, refuses one with dependents, and deletes nothing", async () => {
    const c = (await call("POST", "/v1/chip-clusters", cluster("keep"))).body.resource;
    const writes = await requests();
    const a = await call("DELETE", `/v1/chip-clusters/${c.id}`, undefined, dry);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      dryRun: true,
      action: "delete",
      resource: { id: c.id, status: "ACTIVE" },
    });
    expect((await call("GET", `/v1/chip-clusters/${c.id}`)).body.status).toBe("ACTIVE");
    expect(await requests()).toBe(writes + 1);
    await call("POST", "/v1/model-endpoints", {
      name: "on-it",
      region: "cn-hangzhou",
      model: "glm-5.1",
      deployment: { mode: "dedicated", clusterId: c.id, chipsPerReplica: 8 },
      throughput: { tokensPerMinute: 10_000 },
    });
    expectError(
      await call("DELETE", `/v1/chip-clusters/${c.id}`, undefined, dry),
      409,
      "DependencyViolation",
    );
  });

  it("masks the API key a create would make", async () => {
    const c = (await call("POST", "/v1/chip-clusters", cluster("host"))).body.resource;
    const a = await call(
      "POST",
      "/v1/model-endpoints",
      {
        name: "ep",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "dedicated", clusterId: c.id, chipsPerReplica: 8 },
        throughput: { tokensPerMinute: 10_000 },
      },
      dry,
    );
    expect(a.status).toBe(200);
    expect(a.body.resource.apiKey).not.toMatch(/^ak-[0-9a-f]{32}$/);
  });
});
