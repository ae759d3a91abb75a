import { describe, expect, it } from "vitest";
import { createMockCloud } from "../../provider/mock-cloud/index.ts";
import { client } from "../support/cloud-client.ts";
import { adminToken, cluster, devToken, pooledEndpoint } from "../support/fixtures.ts";

const as = (cloud: ReturnType<typeof createMockCloud>, token = devToken) =>
  client(cloud, token, { conformance: false }).call;

async function list(cloud: ReturnType<typeof createMockCloud>, collection: string) {
  return (await as(cloud)("GET", `/v1/${collection}`)).body.items as { name: string; status: string }[];
}

describe("seeding the emulator", () => {
  it("starts from a list of resources, created through the same rules and settled", async () => {
    const cloud = createMockCloud({
      seed: {
        resources: [
          { kind: "ChipCluster", spec: cluster("seeded", { chipType: "zhenwu-810e" }) },
          { kind: "ModelEndpoint", spec: pooledEndpoint("pool", 5000) },
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
            spec: cluster("moved", { region: "cn-beijing", chipsPerHyperNode: 16, hyperNodeCount: 2 }),
          },
        ],
      },
    });
    const snap = await as(first, adminToken)("POST", "/_mock/snapshot");
    const second = createMockCloud({ seed: snap.body as never });
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
      resources: [{ kind: "ChipCluster" as const, spec: cluster("once", { chipType: "zhenwu-810e" }) }],
    };
    createMockCloud({ dataDir, seed }).close();
    const again = createMockCloud({ dataDir, seed });
    expect((await list(again, "chip-clusters")).map((c) => c.name)).toEqual(["once"]);
    again.close();
  });
});
