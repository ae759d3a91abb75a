import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { AgentRuntime, ChipCluster, ModelEndpoint } from "pulumi-agentcloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot } from "../support/paths.ts";
import { capture, inlineStack } from "../support/stack.ts";

/**
 * A stack whose state release 0.1.0 wrote (heavier: every default, the cloud's nulls, `__scope`,
 * `__autoname`, `__released: false`, `schemaVersion`, the estimate's notes, an endpoint's
 * `__chipType`/`__scheduling` inputs) taken over by this release: `pulumi preview` plans no
 * change, `up` changes nothing, an update and a refresh rewrite the state lighter, destroy works.
 *
 * The heavier state is made as the packaged upgrade test makes its old one (packaged.e2e.test.ts):
 * real resources, with state in the old shape. Here: `pulumi up` with this release, then each
 * resource's inputs and outputs given back what 0.1.0 stored on top of them
 * (test/support/state-0.1.0.json: the keys a real `pulumi up` of this very program by 0.1.0 wrote
 * that this release leaves out, with their values, and its `estimate` and `throughput`, which this
 * release stores lighter), and `pulumi stack import`.
 */
type Bag = Record<string, unknown>;
interface Entry {
  urn: string;
  type: string;
  id?: string;
  inputs?: Bag;
  outputs?: Bag;
}

const written010 = JSON.parse(
  readFileSync(join(repoRoot, "test/support/state-0.1.0.json"), "utf8"),
) as Record<string, { inputs: Bag; outputs: Bag }>;
const region = "cn-hangzhou";
let hyperNodeCount = 1;

const program = async () => {
  const cluster = new ChipCluster("cluster", {
    region,
    chipType: "zhenwu-m890",
    chipsPerHyperNode: 128,
    hyperNodeCount,
  });
  new ModelEndpoint("dedicated", {
    region,
    model: "qwen3.7-max",
    deployment: { mode: "dedicated", chipsPerReplica: 32, minReplicas: 1, maxReplicas: 2, cluster },
    throughput: { tokensPerMinute: 400_000, elastic: true },
  });
  const pooled = new ModelEndpoint("pooled", {
    region,
    name: "pooled-chosen",
    model: "glm-5.1",
    deployment: { mode: "pooled" },
    throughput: { tokensPerMinute: 200_000 },
  });
  const models = [{ endpointId: pooled.id, role: "primary" as const }];
  new AgentRuntime("agent", {
    region,
    artifact: { image: "agents/reviewer:1.0.0" },
    protocol: "a2a",
    models,
  });
  new AgentRuntime("agent-secret", {
    region,
    artifact: { image: "agents/reviewer:1.0.0" },
    protocol: "a2a",
    models,
    secretEnv: { TOKEN: "s3cret" },
    scaling: { minInstances: 1, maxInstances: 2 },
  });
  return { scheduling: cluster.scheduling, zone: cluster.zone, reason: cluster.statusReason };
};

/** Property nodes as bench/state-size.ts counts them: every JSON value, members included. */
function nodes(v: unknown): number {
  if (Array.isArray(v)) return 1 + v.reduce((n: number, x) => n + nodes(x), 0);
  if (v !== null && typeof v === "object")
    return 1 + Object.values(v).reduce((n: number, x) => n + nodes(x), 0);
  return 1;
}

const nameOf = (r: Entry) => r.urn.split("::").pop() as string;
const ours = (resources: Entry[]) =>
  resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/agentcloud:"));

/**
 * A resource's bags as release 0.1.0 stored them: what it stored on top of this release's, a secret
 * (`secretEnv: {}`) as `stack export --show-secrets` gives it, which `stack import` encrypts again.
 */
function as010(r: Entry): Entry {
  const old = written010[nameOf(r)];
  if (!old) throw new Error(`no 0.1.0 state for ${r.urn}`);
  const inputs = { ...r.inputs, ...old.inputs };
  return { ...r, inputs, outputs: { ...r.outputs, ...old.outputs, __scope: inputs.__scope } };
}

/**
 * What of 0.1.0's state a resource's bag still holds: what this release leaves out (`__scope` only of
 * the outputs: the inputs keep it, the create's identity).
 */
function heavyKeys(bag: Bag, inputs = false): string[] {
  const left = [
    ...(inputs ? [] : ["__scope"]),
    "__autoname",
    "__released",
    "__chipType",
    "__scheduling",
    "schemaVersion",
    "scheduling",
    "provisioning",
    "nodeRecovery",
    "tags",
    "contextCache",
    "sandbox",
    "lifecycle",
    "memory",
    "skills",
    "channels",
    "env",
  ];
  const found = Object.keys(bag).filter((k) => left.includes(k) || bag[k] === null);
  const estimate = bag.estimate as Bag | undefined;
  if (estimate && "notes" in estimate) found.push("estimate.notes");
  const throughput = bag.throughput as Bag | undefined;
  if (throughput && throughput.burstTokensPerMinute === null) found.push("throughput.burstTokensPerMinute");
  return found;
}

let emulator: RunningEmulator;
let stack: Stack;
const output = capture();
const resources = async () => ours((await stack.exportStack()).deployment.resources as Entry[]);

describe("a stack whose state release 0.1.0 wrote, taken over by this release", { timeout: 600_000 }, () => {
  let ids: Record<string, string | undefined>;

  beforeAll(async () => {
    emulator = await startEmulator();
    stack = await inlineStack("state-upgrade", program, { url: emulator.url, token: devToken });
    expect((await stack.up({ onOutput: output.onOutput })).summary.resourceChanges).toEqual({ create: 6 });
    const state = await stack.exportStack();
    const light = ours(state.deployment.resources as Entry[]);
    ids = Object.fromEntries(light.map((r) => [nameOf(r), r.id]));
    state.deployment.resources = (state.deployment.resources as Entry[]).map((r) =>
      r.type.startsWith("pulumi-nodejs:dynamic/agentcloud:") ? as010(r) : r,
    );
    await stack.importStack(state);
  });

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await stack?.workspace.removeStack("state-upgrade").catch(() => undefined);
    await emulator?.stop();
  });

  it("holds the state 0.1.0 wrote: a ChipCluster of 61 property nodes, every kind with what this release leaves out", async () => {
    const held = Object.fromEntries((await resources()).map((r) => [nameOf(r), r]));
    const cluster = held.cluster as Entry;
    expect([nodes(cluster.inputs), nodes(cluster.outputs)]).toEqual([23, 38]);
    expect(heavyKeys(cluster.outputs ?? {}).sort()).toEqual(
      [
        "__autoname",
        "__released",
        "__scope",
        "estimate.notes",
        "nodeRecovery",
        "provisioning",
        "scheduling",
        "schemaVersion",
        "statusReason",
        "tags",
        "zone",
      ].sort(),
    );
    expect(held.dedicated?.inputs).toMatchObject({ __chipType: "zhenwu-m890", __scheduling: "task" });
    expect(held.agent?.outputs?.secretEnv).toMatchObject({ plaintext: "{}" });
  });

  it("previews no change, and `up` changes nothing", async () => {
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toEqual({ same: 6 });
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toEqual({ same: 6 });
    // The program reads what it read from 0.1.0's state.
    expect(up.outputs.scheduling?.value).toBe("task");
    expect(up.outputs.zone?.value).toBeNull();
    expect(up.outputs.reason?.value).toBeNull();
    expect(Object.fromEntries((await resources()).map((r) => [nameOf(r), r.id]))).toEqual(ids);
  });

  it("rewrites a resource lighter when it is updated", async () => {
    hyperNodeCount = 2;
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toEqual({ update: 1, same: 5 });
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toEqual({ update: 1, same: 5 });
    const cluster = (await resources()).find((r) => nameOf(r) === "cluster") as Entry;
    expect(cluster.id).toBe(ids.cluster);
    expect(cluster.outputs).toMatchObject({ hyperNodeCount: 2, totalChips: 256, __released: true });
    expect(heavyKeys(cluster.inputs ?? {}, true)).toEqual([]);
    expect(heavyKeys(cluster.outputs ?? {}).filter((k) => k !== "__released")).toEqual([]);
    // 40 as created (bench/README.md), and `__released: true`, which the update recorded.
    expect(nodes(cluster.inputs) + nodes(cluster.outputs)).toBe(41);
    expect(up.outputs.scheduling?.value).toBe("task");
    const held = (await emulator.api("GET", `/v1/chip-clusters/${ids.cluster}`)).body;
    expect(held).toMatchObject({ hyperNodeCount: 2, scheduling: "task", provisioning: { mode: "onDemand" } });
  });

  it("rewrites every resource lighter on refresh, then previews no change", async () => {
    // Nothing drifted: the refresh reports no change, and stores what read answers.
    const refresh = await stack.refresh({ onOutput: output.onOutput });
    expect(refresh.summary.resourceChanges).toEqual({ same: 6 });
    for (const r of await resources()) {
      expect([nameOf(r), heavyKeys(r.inputs ?? {}, true)]).toEqual([nameOf(r), []]);
      expect([nameOf(r), heavyKeys(r.outputs ?? {}).filter((k) => k !== "__released")]).toEqual([
        nameOf(r),
        [],
      ]);
    }
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toEqual({ same: 6 });
    expect((await stack.up({ onOutput: output.onOutput })).summary.resourceChanges).toEqual({ same: 6 });
  });

  it("destroys what it took over", async () => {
    const destroy = await stack.destroy({ onOutput: output.onOutput });
    expect(destroy.summary.resourceChanges).toEqual({ delete: 6 });
    for (const path of ["/v1/chip-clusters", "/v1/model-endpoints", "/v1/agent-runtimes"]) {
      expect((await emulator.api("GET", path)).body.items).toEqual([]);
    }
  });
});
