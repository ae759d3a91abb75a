import { describe, expect, it } from "vitest";
import { unknownValue } from "../../api/engine.ts";
import { replicasMessage } from "../../api/model-endpoint.ts";
import { modelOnChipIssues } from "../../api/placement.ts";
import { makeHandlers } from "../../runtime/handlers.ts";
import { handlers } from "../../runtime/index.ts";
import { modelEndpointKind } from "./definition.ts";

const h = handlers.ModelEndpoint;
const dedicated = {
  region: "cn-hangzhou",
  model: "qwen3.7-max",
  deployment: { mode: "dedicated", clusterId: "cc-1", chipsPerReplica: 32, minReplicas: 1, maxReplicas: 2 },
  throughput: { tokensPerMinute: 100_000 },
  __scope: "proj/dev/qwen",
  __chipType: "zhenwu-m890",
  __provider: "p",
};

describe("ModelEndpoint check", () => {
  it("accepts a dedicated deployment that fits the chips, and keeps neither defaults nor the cluster's hints in state", async () => {
    const { inputs, failures } = await h.check({}, { ...dedicated, __scheduling: "task" });
    expect(failures).toEqual([]);
    // A nested default of a field the program sets stays (elastic); a left-out field does not.
    expect(inputs).toMatchObject({ throughput: { tokensPerMinute: 100_000, elastic: false } });
    for (const k of ["contextCache", "tags", "spilloverEndpointId", "__chipType", "__scheduling"]) {
      expect(inputs).not.toHaveProperty(k);
    }
    // The estimate read the hints (the exclusive chips of a task-scheduled cluster), without its notes.
    expect(inputs.estimate).toMatchObject({
      chips: { "zhenwu-m890": 64 },
      exclusiveChips: 32,
      burstChips: 32,
    });
    expect(inputs.estimate).not.toHaveProperty("notes");
    // What the cloud's validations answer: defaults applied, the notes kept.
    const full = await makeHandlers(modelEndpointKind).check({}, { ...dedicated, __scheduling: "task" });
    expect(full.inputs).toMatchObject({ contextCache: { mode: "implicit", ttlSeconds: 3600 }, tags: {} });
    expect((full.inputs.estimate as { notes: string[] }).notes).toHaveLength(2);
  });

  it("reports a model that does not fit in chipsPerReplica at preview", async () => {
    const { failures } = await h.check(
      {},
      { ...dedicated, deployment: { ...dedicated.deployment, chipsPerReplica: 16 } },
    );
    expect(failures).toEqual([
      {
        property: "deployment.chipsPerReplica",
        reason: expect.stringMatching(
          /^deployment\.chipsPerReplica: .*needs 2600 GiB per replica \(ModelTooLarge\)/,
        ),
      },
    ]);
  });

  it("reports a model that does not run on the cluster's chip at preview, as the cloud words it", async () => {
    const { failures } = await h.check({}, { ...dedicated, model: "kimi-k2.6", __chipType: "zhenwu-810e" });
    const [issue] = modelOnChipIssues("kimi-k2.6", "zhenwu-810e", 32);
    expect(failures).toEqual([{ property: "model", reason: `model: ${issue?.message}` }]);
    expect(issue?.message).toBe("kimi-k2.6 does not run on zhenwu-810e (it runs on zhenwu-m890)");
  });

  it("reports minReplicas above maxReplicas", async () => {
    const { failures } = await h.check(
      {},
      { ...dedicated, deployment: { ...dedicated.deployment, minReplicas: 3 } },
    );
    expect(failures).toEqual([
      { property: "deployment.minReplicas", reason: `deployment.minReplicas: ${replicasMessage}` },
    ]);
  });

  it("names nested field paths of bad values", async () => {
    const { failures } = await h.check(
      {},
      { ...dedicated, throughput: { tokensPerMinute: -5 }, model: "gpt-9" },
    );
    expect(failures.map((f) => f.property).sort()).toEqual(["model", "throughput.tokensPerMinute"]);
  });

  it("does not report anything while the cluster id is unknown", async () => {
    const { failures } = await h.check(
      {},
      { ...dedicated, deployment: { ...dedicated.deployment, clusterId: unknownValue } },
    );
    expect(failures).toEqual([]);
  });
});

describe("ModelEndpoint diff", () => {
  const outputs = async (news: Record<string, unknown>) => ({
    ...(await h.check({}, news)).inputs,
    apiKey: "ak",
  });

  it("replaces on chipsPerReplica and on a switch of deployment mode", async () => {
    const olds = await outputs(dedicated);
    const chips = (
      await h.check(olds, { ...dedicated, deployment: { ...dedicated.deployment, chipsPerReplica: 64 } })
    ).inputs;
    expect(await h.diff("me-1", olds, chips)).toMatchObject({ changes: true, replaces: ["deployment"] });
    const pooled = (await h.check(olds, { ...dedicated, deployment: { mode: "pooled" } })).inputs;
    expect((await h.diff("me-1", olds, pooled)).replaces).toEqual(["deployment"]);
  });

  it("updates throughput, replicas, model and context cache in place", async () => {
    const olds = await outputs(dedicated);
    for (const change of [
      { throughput: { tokensPerMinute: 200_000 } },
      { deployment: { ...dedicated.deployment, maxReplicas: 4 } },
      { model: "glm-5.1" },
      { contextCache: { mode: "explicit", ttlSeconds: 600 } },
    ]) {
      const news = (await h.check(olds, { ...dedicated, ...change })).inputs;
      expect(await h.diff("me-1", olds, news)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });
});

describe("ModelEndpoint diff regressions", () => {
  it("sees no change when the cloud returns optional fields as null (burstTokensPerMinute)", async () => {
    const { inputs } = await h.check({}, dedicated);
    const olds = {
      ...inputs,
      throughput: { ...(inputs.throughput as object), burstTokensPerMinute: null },
      spilloverEndpointId: null,
    };
    expect(await h.diff("me-1", olds, inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("sees no change in state written before a nested field with a default existed", async () => {
    const { inputs } = await h.check({}, dedicated);
    // An older release stored throughput without `elastic` and contextCache without `ttlSeconds`.
    const olds = {
      ...inputs,
      throughput: { tokensPerMinute: 100_000 },
      contextCache: { mode: "implicit" },
    };
    expect(await h.diff("me-1", olds, inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    // A nested value that differs from the default is still a change.
    const elastic = (
      await h.check(olds, { ...dedicated, throughput: { tokensPerMinute: 100_000, elastic: true } })
    ).inputs;
    expect(await h.diff("me-1", olds, elastic)).toMatchObject({ changes: true, replaces: [] });
  });
});
