import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { unknownValue } from "../../provider/api/engine.ts";
import { setConfig } from "../../provider/runtime/config.ts";
import { handlers } from "../../provider/runtime/index.ts";
import { startTestCloud, type TestCloud } from "../../provider/testing/index.ts";

const cluster = {
  region: "cn-hangzhou",
  chipType: "zhenwu-810e",
  chipsPerHyperNode: 8,
  hyperNodeCount: 1,
  __scope: "proj/dev/estimate",
  __provider: "serialized",
};
// 8 chips × 730 h = 5840 chip-hours × 2.40 USD
const oneNode = {
  chips: { "zhenwu-810e": 8 },
  chipHoursPerMonth: 5840,
  monthlyUsd: { min: 14_016, max: 14_016 },
};

describe("estimate in check, diff and outputs", () => {
  it("check adds the estimate to the inputs, known at preview", async () => {
    const { inputs, failures } = await handlers.ChipCluster.check({}, cluster);
    expect(failures).toEqual([]);
    expect(inputs.estimate).toMatchObject(oneNode);
  });

  it("check leaves it out while a value it needs is unknown, or the spec is invalid", async () => {
    expect(
      (await handlers.ChipCluster.check({}, { ...cluster, hyperNodeCount: unknownValue })).inputs,
    ).not.toHaveProperty("estimate");
    expect(
      (await handlers.ChipCluster.check({}, { ...cluster, provisioning: unknownValue })).inputs,
    ).not.toHaveProperty("estimate");
    expect(
      (await handlers.ChipCluster.check({}, { ...cluster, hyperNodeCount: 0 })).inputs,
    ).not.toHaveProperty("estimate");
  });

  it("a dedicated endpoint on a cluster not created yet (unknown id) has its estimate from the chip type hint", async () => {
    const { inputs } = await handlers.ModelEndpoint.check(
      {},
      {
        region: "cn-hangzhou",
        model: "qwen3.7-max",
        deployment: {
          mode: "dedicated",
          clusterId: unknownValue,
          chipsPerReplica: 32,
          minReplicas: 1,
          maxReplicas: 2,
        },
        throughput: { tokensPerMinute: 400_000 },
        __chipType: "zhenwu-m890",
        __scope: "proj/dev/qwen",
      },
    );
    expect(inputs.estimate).toMatchObject({
      chips: { "zhenwu-m890": 64 },
      reservedChips: { min: 32, max: 64 },
      monthlyUsd: { min: 0, max: 0 },
    });
  });

  it("an agent runtime's estimate follows its sandbox and scaling", async () => {
    const { inputs } = await handlers.AgentRuntime.check(
      {},
      {
        region: "cn-hangzhou",
        artifact: { image: "a:1" },
        models: [{ endpointId: "me-1", role: "primary" }],
        __scope: "proj/dev/agent",
      },
    );
    expect(inputs.estimate).toMatchObject({ monthlyUsd: { min: 0, max: 426.32 } });
  });

  it("diff never counts the estimate as a change by itself; a spec change carries a new one", async () => {
    const olds = (await handlers.ChipCluster.check({}, cluster)).inputs;
    const stale = { ...olds, estimate: { chips: {}, chipHoursPerMonth: 0, monthlyUsd: { min: 1, max: 1 } } };
    expect((await handlers.ChipCluster.diff("cc-1", stale, olds)).changes).toBe(false);
    expect((await handlers.ChipCluster.diff("cc-1", { ...olds, estimate: undefined }, olds)).changes).toBe(
      false,
    );
    const news = (await handlers.ChipCluster.check({}, { ...cluster, hyperNodeCount: 2 })).inputs;
    expect(await handlers.ChipCluster.diff("cc-1", olds, news)).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(news.estimate).toMatchObject({ chips: { "zhenwu-810e": 16 }, monthlyUsd: { max: 28_032 } });
  });
});

describe("estimate in the outputs of create, update and read", () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
    setConfig({ endpoint: cloud.url, token: cloud.token });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(async () => {
    await cloud.admin.reset();
  });

  it("carries the checked estimate into state", async () => {
    const h = handlers.ChipCluster;
    const inputs = (await h.check({}, cluster)).inputs;
    const created = await h.create(inputs);
    expect(created.outs.estimate).toMatchObject(oneNode);
    const news = (await h.check({}, { ...cluster, hyperNodeCount: 2 })).inputs;
    const updated = await h.update(created.id, created.outs, news);
    expect(updated.outs.estimate).toMatchObject({ chips: { "zhenwu-810e": 16 } });
    const read = await h.read(created.id, updated.outs);
    expect((read.props as Record<string, unknown>).estimate).toEqual(updated.outs.estimate);
  });
});
