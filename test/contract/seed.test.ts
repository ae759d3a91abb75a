import { describe, expect, it } from "vitest";
import { createMockCloud } from "../../provider/mock-cloud/index.ts";

async function list(
  cloud: ReturnType<typeof createMockCloud>,
  collection: string,
  token = "agentcloud-dev-token",
) {
  const res = await cloud.fetch(
    new Request(`http://agentcloud.test/v1/${collection}`, { headers: { authorization: `Bearer ${token}` } }),
  );
  return ((await res.json()) as { items: { name: string; status: string }[] }).items;
}

describe("seeding the emulator", () => {
  it("starts from a list of resources, created through the same rules and settled", async () => {
    const cloud = createMockCloud({
      seed: {
        resources: [
          {
            kind: "ChipCluster",
            spec: {
              name: "seeded",
              region: "cn-hangzhou",
              chipType: "zhenwu-810e",
              chipsPerHyperNode: 8,
              hyperNodeCount: 1,
            },
          },
          {
            kind: "ModelEndpoint",
            spec: {
              name: "pool",
              region: "cn-hangzhou",
              model: "glm-5.1",
              deployment: { mode: "pooled" },
              throughput: { tokensPerMinute: 5000 },
            },
          },
        ],
      },
    });
    expect((await list(cloud, "chip-clusters")).map((c) => [c.name, c.status])).toEqual([
      ["seeded", "ACTIVE"],
    ]);
    expect((await list(cloud, "model-endpoints")).map((c) => [c.name, c.status])).toEqual([
      ["pool", "IN_SERVICE"],
    ]);
    cloud.close();
  });

  it("starts from a snapshot taken from another emulator", async () => {
    const first = createMockCloud({
      seed: {
        resources: [
          {
            kind: "ChipCluster",
            spec: {
              name: "moved",
              region: "cn-beijing",
              chipType: "zhenwu-m890",
              chipsPerHyperNode: 16,
              hyperNodeCount: 2,
            },
          },
        ],
      },
    });
    const snap = await first.fetch(
      new Request("http://agentcloud.test/_mock/snapshot", {
        method: "POST",
        headers: { authorization: "Bearer agentcloud-admin-token" },
      }),
    );
    const second = createMockCloud({ seed: (await snap.json()) as never });
    expect((await list(second, "chip-clusters")).map((c) => c.name)).toEqual(["moved"]);
    first.close();
    second.close();
  });

  it("refuses a seed that breaks the rules, loudly, instead of starting half-seeded", () => {
    expect(() =>
      createMockCloud({
        seed: { resources: [{ kind: "ChipCluster", spec: { name: "x", region: "mars-1" } }] },
      }),
    ).toThrow(/region/);
  });

  it("is applied to an empty store only, so a restart on the same data keeps going", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { scratchRoot } = await import("../support/paths.ts");
    const dataDir = mkdtempSync(join(scratchRoot, "seed-"));
    const seed = {
      resources: [
        {
          kind: "ChipCluster" as const,
          spec: {
            name: "once",
            region: "cn-hangzhou",
            chipType: "zhenwu-810e",
            chipsPerHyperNode: 8,
            hyperNodeCount: 1,
          },
        },
      ],
    };
    createMockCloud({ dataDir, seed }).close();
    const again = createMockCloud({ dataDir, seed });
    expect((await list(again, "chip-clusters")).map((c) => c.name)).toEqual(["once"]);
    again.close();
  });
});
