import { describe, expect, it } from "vitest";
import { adapters, cluster, useAdapterCloud } from "./fixtures.ts";

/**
 * POST /v1/validations and POST /v1/plans: the provider's own check and estimate, asked of the
 * cloud. Every exchange is checked against the server's own /openapi.json (client.ts).
 */
describe.each(adapters)("advice on $name", (adapter) => {
  const { call } = useAdapterCloud(adapter);
  const endpoint = (clusterId: string, chipsPerReplica: number) => ({
    name: "qwen",
    region: "cn-hangzhou",
    model: "qwen3.7-max",
    deployment: { mode: "dedicated", clusterId, chipsPerReplica },
    throughput: { tokensPerMinute: 100_000 },
  });

  it("checks a spec with preview's messages and field paths, and estimates it", async () => {
    const ok = await call("POST", "/v1/validations", { kind: "ChipCluster", spec: cluster("c") });
    expect(ok.body).toMatchObject({
      valid: true,
      failures: [],
      spec: { name: "c", scheduling: "task", provisioning: { mode: "onDemand" } },
      estimate: { chips: { "zhenwu-m890": 8 }, monthlyUsd: { min: 24528, max: 24528 } },
    });
    const bad = await call("POST", "/v1/validations", {
      kind: "ChipCluster",
      spec: { ...cluster("c"), chipsPerHyperNode: 12, color: "red" },
    });
    expect(bad.body.valid).toBe(false);
    expect(bad.body.failures.map((f: { path: string }) => f.path).sort()).toEqual([
      "(resource)",
      "chipsPerHyperNode",
    ]);
    expect(bad.body.estimate).toBeNull();
  });

  it("looks up a dedicated endpoint's cluster, so the memory fit is checked as preview checks it", async () => {
    const c = (await call("POST", "/v1/chip-clusters", cluster("host", { chipsPerHyperNode: 32 }))).body
      .resource;
    const small = await call("POST", "/v1/validations", { kind: "ModelEndpoint", spec: endpoint(c.id, 16) });
    expect(small.body.failures).toEqual([
      {
        path: "deployment.chipsPerReplica",
        reason:
          "deployment.chipsPerReplica: 16 × zhenwu-m890 gives 2304 GiB; qwen3.7-max needs 2600 GiB per replica (ModelTooLarge)",
      },
    ]);
    expect(
      (await call("POST", "/v1/validations", { kind: "ModelEndpoint", spec: endpoint(c.id, 32) })).body.valid,
    ).toBe(true);
  });

  it("plans desired specs against what the account holds, by preview's create-only rules, and writes nothing", async () => {
    await call("POST", "/v1/chip-clusters", cluster("same"));
    const grow = (await call("POST", "/v1/chip-clusters", cluster("grow"))).body.resource;
    const move = (await call("POST", "/v1/chip-clusters", cluster("move"))).body.resource;
    const gone = (await call("POST", "/v1/chip-clusters", cluster("gone"))).body.resource;
    const plan = await call("POST", "/v1/plans", {
      prune: true,
      resources: [
        { kind: "ChipCluster", spec: cluster("same") },
        { kind: "ChipCluster", spec: cluster("grow", { hyperNodeCount: 2 }) },
        { kind: "ChipCluster", spec: cluster("move", { chipType: "zhenwu-810e" }) },
        { kind: "ChipCluster", spec: cluster("new") },
        { kind: "ChipCluster", spec: cluster("broken", { hyperNodeCount: 0 }) },
      ],
    });
    const byName = Object.fromEntries(plan.body.steps.map((s: { name: string }) => [s.name, s]));
    expect(byName.same).toMatchObject({ action: "same", changedKeys: [] });
    expect(byName.grow).toMatchObject({
      action: "update",
      id: grow.id,
      changedKeys: ["hyperNodeCount"],
      replaceKeys: [],
    });
    expect(byName.move).toMatchObject({ action: "replace", id: move.id, replaceKeys: ["chipType"] });
    expect(byName.new).toMatchObject({ action: "create", id: null });
    expect(byName.broken).toMatchObject({ action: "invalid", failures: [{ path: "hyperNodeCount" }] });
    expect(byName.gone).toMatchObject({ action: "delete", id: gone.id });
    expect(byName.grow.monthlyUsd.after.max).toBe(2 * byName.grow.monthlyUsd.before.max);
    expect(plan.body.monthlyUsdDelta.max).toBeCloseTo(
      byName.grow.monthlyUsd.before.max + // grow doubles
        byName.new.monthlyUsd.after.max -
        byName.gone.monthlyUsd.before.max +
        (byName.move.monthlyUsd.after.max - byName.move.monthlyUsd.before.max),
      2,
    );
    expect((await call("GET", "/v1/chip-clusters")).body.items).toHaveLength(4);
  });
});
