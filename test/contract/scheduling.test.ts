import { describe, expect, it } from "vitest";
import { AgentCloudClient } from "../../provider/client/client.ts";
import { adapters, cluster, dev, expectError, other, useAdapterCloud } from "./fixtures.ts";

/**
 * Task vs resource scheduling of a ChipCluster's dedicated endpoints (docs/domain.md), and
 * GET /v1/quotas. Every exchange is checked against the server's own /openapi.json (client.ts).
 */
describe.each(adapters)("scheduling and quotas on $name", (adapter) => {
  const cloud = useAdapterCloud(adapter);
  const { call, adminCall } = cloud;

  async function ready(collection: string, body: unknown, token = dev): Promise<any> {
    const created = await call("POST", `/v1/${collection}`, body, { token });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    return (await call("GET", `/v1/${collection}/${created.body.resource.id}`, undefined, { token })).body;
  }

  /** glm-5.1 on `chipsPerReplica` 8 chips of zhenwu-m890 (1152 GiB a replica: it fits). */
  const endpoint = (name: string, clusterId: string, minReplicas: number, maxReplicas: number) => ({
    name,
    region: "cn-hangzhou",
    model: "glm-5.1",
    deployment: { mode: "dedicated", clusterId, chipsPerReplica: 8, minReplicas, maxReplicas },
    throughput: { tokensPerMinute: 10_000 },
  });
  const deployment = (clusterId: string, minReplicas: number, maxReplicas: number) => ({
    deployment: { mode: "dedicated", clusterId, chipsPerReplica: 8, minReplicas, maxReplicas },
  });

  describe("a resource-scheduled cluster", () => {
    it("reserves each dedicated endpoint's maximum: refuses a create past the cluster's chips with 409 Conflict", async () => {
      // 32 chips; the first endpoint reserves 2 × 8 = 16 of them.
      const c = await ready(
        "chip-clusters",
        cluster("res", { chipsPerHyperNode: 32, scheduling: "resource" }),
      );
      await ready("model-endpoints", endpoint("a", c.id, 1, 2));
      // 3 × 8 = 24 more: 16 + 24 = 40 > 32.
      const a = await call("POST", "/v1/model-endpoints", endpoint("b", c.id, 1, 3));
      expectError(a, 409, "Conflict");
      expect(a.body.error.details).toEqual({
        field: "deployment.maxReplicas",
        clusterId: c.id,
        scheduling: "resource",
        clusterChips: 32,
        reserved: 16,
        requested: 24,
      });
      expect(a.body.error.message).toContain("(resource scheduling) reserve 40 chips at maxReplicas");
      // 2 × 8 = 16 more fills it exactly.
      const b = await ready("model-endpoints", endpoint("b", c.id, 0, 2));
      // Now full: raising a maximum is refused too; the endpoint's own share is not counted twice.
      const up = await call("PATCH", `/v1/model-endpoints/${b.id}`, deployment(c.id, 0, 3));
      expectError(up, 409, "Conflict");
      expect(up.body.error.details).toMatchObject({ clusterChips: 32, reserved: 16, requested: 24 });
      expect((await call("PATCH", `/v1/model-endpoints/${b.id}`, deployment(c.id, 2, 2))).status).toBe(202);
    });

    it("refuses to shrink below what its endpoints reserve, and frees the reservation when one is deleted", async () => {
      // 2 × 16 = 32 chips; the endpoint reserves 3 × 8 = 24.
      const c = await ready(
        "chip-clusters",
        cluster("shrink", { chipsPerHyperNode: 16, hyperNodeCount: 2, scheduling: "resource" }),
      );
      const e = await ready("model-endpoints", endpoint("e", c.id, 1, 3));
      const a = await call("PATCH", `/v1/chip-clusters/${c.id}`, { hyperNodeCount: 1 });
      expectError(a, 409, "Conflict");
      expect(a.body.error.details).toEqual({
        field: "hyperNodeCount",
        clusterId: c.id,
        scheduling: "resource",
        clusterChips: 32,
        requested: 16,
        reserved: 24,
        endpoints: [e.id],
      });
      expect((await call("GET", `/v1/chip-clusters/${c.id}`)).body).toMatchObject({
        status: "ACTIVE",
        totalChips: 32,
      });
      expect((await call("DELETE", `/v1/model-endpoints/${e.id}`)).status).toBe(202);
      await call("GET", "/v1/model-endpoints");
      expect((await call("PATCH", `/v1/chip-clusters/${c.id}`, { hyperNodeCount: 1 })).status).toBe(202);
    });
  });

  describe("a task-scheduled cluster", () => {
    it("reserves only minimums: accepts maxima that together exceed the cluster, refuses minimums that do not fit", async () => {
      const c = await ready("chip-clusters", cluster("task", { chipsPerHyperNode: 32 })); // task by default
      expect(c.scheduling).toBe("task");
      // Four endpoints of 1–4 replicas: minimums 4 × 8 = 32 (full), maxima 4 × 32 = 128 (bursting).
      const made = [];
      for (const name of ["a", "b", "c", "d"])
        made.push(await ready("model-endpoints", endpoint(name, c.id, 1, 4)));
      const a = await call("POST", "/v1/model-endpoints", endpoint("e", c.id, 1, 4));
      expectError(a, 409, "Conflict");
      expect(a.body.error.details).toEqual({
        field: "deployment.minReplicas",
        clusterId: c.id,
        scheduling: "task",
        clusterChips: 32,
        reserved: 32,
        requested: 8,
      });
      // With no minimum it only ever borrows: accepted.
      await ready("model-endpoints", endpoint("e", c.id, 0, 4));
      // Raising a minimum past the cluster is refused.
      const up = await call("PATCH", `/v1/model-endpoints/${made[0].id}`, deployment(c.id, 2, 4));
      expectError(up, 409, "Conflict");
      expect(up.body.error.details).toMatchObject({ reserved: 24, requested: 16, clusterChips: 32 });
      // An endpoint's own maximum must still fit the cluster at all (400, as before).
      expectError(
        await call("POST", "/v1/model-endpoints", endpoint("f", c.id, 0, 5)),
        400,
        "ValidationError",
      );
    });

    it("refuses a switch to resource scheduling, or a shrink, that its endpoints' reservations do not fit", async () => {
      // 2 × 16 = 32 chips; two endpoints of 1–3 replicas: minimums 16, maxima 48.
      const c = await ready("chip-clusters", cluster("switch", { chipsPerHyperNode: 16, hyperNodeCount: 2 }));
      await ready("model-endpoints", endpoint("a", c.id, 1, 3));
      await ready("model-endpoints", endpoint("b", c.id, 1, 3));
      const a = await call("PATCH", `/v1/chip-clusters/${c.id}`, { scheduling: "resource" });
      expectError(a, 409, "Conflict");
      expect(a.body.error.details).toMatchObject({
        field: "scheduling",
        scheduling: "resource",
        clusterChips: 32,
        requested: 32,
        reserved: 48,
      });
      // One hyper-node (16 chips) would hold the minimums (16) but not a maximum (24).
      const b = await call("PATCH", `/v1/chip-clusters/${c.id}`, { hyperNodeCount: 1 });
      expectError(b, 409, "Conflict");
      expect(b.body.error.details).toMatchObject({ field: "hyperNodeCount", requested: 16, reserved: 16 });
      // Growing, or changing anything else, is fine.
      expect((await call("PATCH", `/v1/chip-clusters/${c.id}`, { hyperNodeCount: 3 })).status).toBe(202);
    });
  });

  describe("GET /v1/quotas", () => {
    const row = (rows: any[], region: string, chipType?: string) =>
      rows.find((r) => r.region === region && (chipType === undefined || r.chipType === chipType));

    it("gives each limit and the account's usage per region (and chip type), after creates and PUT /_mock/limits", async () => {
      const before = (await call("GET", "/v1/quotas")).body;
      expect(row(before.chips, "cn-hangzhou", "zhenwu-m890")).toEqual({
        region: "cn-hangzhou",
        chipType: "zhenwu-m890",
        limit: 2048,
        used: 0,
      });
      expect(before.chips).toHaveLength(5 * 4); // every region × chip type
      expect(row(before.endpoints, "cn-hangzhou")).toEqual({ region: "cn-hangzhou", limit: 20, used: 0 });

      const c = await ready("chip-clusters", cluster("q", { chipsPerHyperNode: 16, hyperNodeCount: 2 }));
      const e = await ready("model-endpoints", {
        ...endpoint("q", c.id, 1, 2),
        throughput: { tokensPerMinute: 40_000 },
      });
      await ready("model-endpoints", {
        name: "pooled",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 2_000 },
      });
      await ready("agent-runtimes", {
        name: "rt",
        region: "cn-hangzhou",
        artifact: { image: "a:1" },
        models: [{ endpointId: e.id, role: "primary" }],
      });
      await adminCall("PUT", "/_mock/limits", {
        chipsPerType: 64,
        endpointsPerRegion: 3,
        tokensPerMinutePerRegion: 50_000,
      });

      const q = (await call("GET", "/v1/quotas")).body;
      expect(row(q.chips, "cn-hangzhou", "zhenwu-m890")).toMatchObject({ limit: 64, used: 32 });
      expect(row(q.chips, "cn-hangzhou", "zhenwu-810e")).toMatchObject({ limit: 64, used: 0 });
      expect(row(q.chips, "cn-beijing", "zhenwu-m890")).toMatchObject({ limit: 64, used: 0 });
      expect(row(q.endpoints, "cn-hangzhou")).toEqual({ region: "cn-hangzhou", limit: 3, used: 2 });
      expect(row(q.runtimes, "cn-hangzhou")).toEqual({ region: "cn-hangzhou", limit: 50, used: 1 });
      expect(row(q.runtimes, "cn-shanghai")).toEqual({ region: "cn-shanghai", limit: 50, used: 0 });
      expect(row(q.tokensPerMinute, "cn-hangzhou")).toEqual({
        region: "cn-hangzhou",
        limit: 50_000,
        used: 42_000,
      });

      // The figures are those the create checks use: 1 000 tokens/min more than remain is refused.
      const over = await call("POST", "/v1/model-endpoints", {
        name: "over",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 8_000 + 1_000 },
      });
      expectError(over, 400, "InsufficientQuota");
      expect(over.body.error.details).toMatchObject({ limit: 50_000, current: 42_000 });
    });

    it("counts each account's own usage only", async () => {
      await ready("chip-clusters", cluster("mine", { hyperNodeCount: 2 })); // 16 chips of dev
      await ready("chip-clusters", cluster("theirs"), other); // 8 chips of other
      const mine = (await call("GET", "/v1/quotas")).body;
      const theirs = (await call("GET", "/v1/quotas", undefined, { token: other })).body;
      expect(row(mine.chips, "cn-hangzhou", "zhenwu-m890").used).toBe(16);
      expect(row(theirs.chips, "cn-hangzhou", "zhenwu-m890").used).toBe(8);
      expectError(await call("GET", "/v1/quotas", undefined, { token: null }), 401, "Unauthenticated");
    });

    it("is what the client's quotas() returns", async () => {
      await ready("chip-clusters", cluster("via-client"));
      const api = new AgentCloudClient({ endpoint: cloud.baseUrl, token: dev });
      try {
        const q = await api.quotas(Date.now() + 10_000);
        expect(q.chips.find((r) => r.region === "cn-hangzhou" && r.chipType === "zhenwu-m890")).toEqual({
          region: "cn-hangzhou",
          chipType: "zhenwu-m890",
          limit: 2048,
          used: 8,
        });
        expect(q.endpoints).toHaveLength(5);
      } finally {
        await api.close();
      }
    });
  });
});
