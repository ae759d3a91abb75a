import { describe, expect, it } from "vitest";
import { handlers } from "../runtime/index.ts";
import { unknownValue } from "./engine.ts";
import { estimateAgentRuntime, estimateChipCluster, estimateModelEndpoint } from "./estimate.ts";

// Hand-computed from docs/pricing.md: a month is 730 h.
const cluster = { chipType: "zhenwu-m890", chipsPerHyperNode: 128, hyperNodeCount: 2 }; // 256 chips

describe("ChipCluster estimate", () => {
  it.each([
    // mode, provisioning, min, max — 256 chips × 730 h = 186 880 chip-hours × the mode's rate
    ["onDemand", { mode: "onDemand" }, 784_896, 784_896], // × 4.20
    ["reserved", { mode: "reserved", reservationId: "r-1" }, 510_182.4, 510_182.4], // × 2.73
    ["spot", { mode: "spot" }, 313_958.4, 313_958.4], // × 1.68
    ["spot with a bid over the list rate", { mode: "spot", maxPricePerChipHour: 2 }, 313_958.4, 373_760], // × 2.00
    ["queued", { mode: "queued", queueDeadline: "2027-01-01T00:00:00Z" }, 588_672, 588_672], // × 3.15
  ])("%s", (_mode, provisioning, min, max) => {
    const e = estimateChipCluster({ ...cluster, provisioning });
    expect(e).toMatchObject({
      currency: "USD",
      chips: { "zhenwu-m890": 256 },
      chipHoursPerMonth: 186_880,
      monthlyUsd: { min, max },
    });
  });

  it("defaults to on-demand, and prices another chip with its own rate", () => {
    // 16 × 1 chips × 730 h = 11 680 chip-hours × 2.40
    expect(
      estimateChipCluster({ chipType: "zhenwu-810e", chipsPerHyperNode: 16, hyperNodeCount: 1 }),
    ).toMatchObject({
      chips: { "zhenwu-810e": 16 },
      chipHoursPerMonth: 11_680,
      monthlyUsd: { min: 28_032, max: 28_032 },
    });
  });

  it("is null while a value it needs is unknown", () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(estimateChipCluster({ ...cluster, hyperNodeCount: unknown })).toBeNull();
    expect(estimateChipCluster({ ...cluster, chipType: unknown })).toBeNull();
    expect(estimateChipCluster({ ...cluster, provisioning: unknown })).toBeNull();
    expect(estimateChipCluster({ ...cluster, provisioning: { mode: unknown } })).toBeNull();
  });
});

describe("ModelEndpoint estimate", () => {
  const dedicated = {
    model: "qwen3.7-max",
    deployment: { mode: "dedicated", clusterId: "cc-1", chipsPerReplica: 32, minReplicas: 1, maxReplicas: 2 },
    throughput: { tokensPerMinute: 400_000 },
  };

  it("dedicated: the cluster's chips as a reserved share, never billed twice", () => {
    expect(estimateModelEndpoint(dedicated, { __chipType: "zhenwu-m890" })).toMatchObject({
      chips: { "zhenwu-m890": 64 },
      reservedChips: { min: 32, max: 64 },
      shareOf: "cluster",
      chipHoursPerMonth: 0,
      monthlyUsd: { min: 0, max: 0 },
    });
  });

  it("dedicated on a task-scheduled cluster: the minimum held exclusively, the rest up to the maximum borrowed", () => {
    // 1 × 32 = 32 chips exclusive (minReplicas); 2 × 32 − 32 = 32 more when the cluster has them free
    const e = estimateModelEndpoint(dedicated, { __chipType: "zhenwu-m890", __scheduling: "task" });
    expect(e).toMatchObject({
      chips: { "zhenwu-m890": 64 },
      reservedChips: { min: 32, max: 64 },
      exclusiveChips: 32,
      burstChips: 32,
      monthlyUsd: { min: 0, max: 0 },
    });
    expect(e?.notes?.join(" ")).toContain("32 chips held exclusively (minReplicas), up to 32 more");
    // minReplicas 0: nothing exclusive, 3 × 16 = 48 chips all borrowed
    const idle = {
      ...dedicated,
      deployment: { ...dedicated.deployment, chipsPerReplica: 16, minReplicas: 0, maxReplicas: 3 },
    };
    expect(estimateModelEndpoint(idle, { __chipType: "zhenwu-m890", __scheduling: "task" })).toMatchObject({
      chips: { "zhenwu-m890": 48 },
      exclusiveChips: 0,
      burstChips: 48,
    });
  });

  it("dedicated on a resource-scheduled cluster: the maximum held exclusively, nothing borrowed", () => {
    // 2 × 32 = 64 chips exclusive (maxReplicas)
    expect(
      estimateModelEndpoint(dedicated, { __chipType: "zhenwu-m890", __scheduling: "resource" }),
    ).toMatchObject({ chips: { "zhenwu-m890": 64 }, exclusiveChips: 64, burstChips: 0 });
  });

  it("dedicated with the scheduling not known: no exclusive figure; null while the hint is unknown", () => {
    const e = estimateModelEndpoint(dedicated, { __chipType: "zhenwu-m890" });
    expect(e).not.toHaveProperty("exclusiveChips");
    expect(e).not.toHaveProperty("burstChips");
    expect(e?.notes?.join(" ")).toContain("scheduling is not known here");
    expect(
      estimateModelEndpoint(dedicated, {
        __chipType: "zhenwu-m890",
        __scheduling: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
      }),
    ).toBeNull();
  });

  it("dedicated without the cluster's chip type: counted under `cluster`, with a note; null while the hint is unknown", () => {
    const e = estimateModelEndpoint(dedicated, {});
    expect(e?.chips).toEqual({ cluster: 64 });
    expect(e?.notes?.join(" ")).toContain("pass `cluster`");
    expect(
      estimateModelEndpoint(dedicated, { __chipType: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }),
    ).toBeNull();
  });

  it("pooled: 0 idle, at most the declared tokens per minute for 730 h at the output price", () => {
    // 200 000 tokens/min × 60 × 730 = 8 760 M tokens × 2.20 USD/M (glm-5.1 output)
    expect(
      estimateModelEndpoint({
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 200_000 },
      }),
    ).toMatchObject({
      chips: {},
      chipHoursPerMonth: 0,
      monthlyUsd: { min: 0, max: 19_272 },
      usdPerMTokens: { input: 0.6, output: 2.2, cachedInput: 0.11 },
    });
  });
});

describe("AgentRuntime estimate", () => {
  it("default sandbox (1 vCPU, 2 GiB), 0–10 instances", () => {
    // (1 × 0.048 + 2 × 0.0052) = 0.0584 USD/h × 730 = 42.632 per instance-month
    expect(estimateAgentRuntime({})).toMatchObject({
      chips: {},
      chipHoursPerMonth: 0,
      monthlyUsd: { min: 0, max: 426.32 },
    });
  });

  it("a declared sandbox and scaling", () => {
    // (2 × 0.048 + 4 × 0.0052) = 0.1168 USD/h × 730 = 85.264 per instance-month; 1–3 instances
    expect(
      estimateAgentRuntime({
        sandbox: { cpu: 2, memoryMiB: 4096, isolation: "microvm" },
        scaling: { minInstances: 1, maxInstances: 3, concurrencyPerInstance: 1 },
      }),
    ).toMatchObject({ monthlyUsd: { min: 85.26, max: 255.79 } });
  });
});

// The estimate as check adds it to a resource's inputs and diff ignores it. Its way into state
// (create, update, read against an emulator) is in test/provider/handlers.test.ts.
describe("estimate in check and diff", () => {
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
