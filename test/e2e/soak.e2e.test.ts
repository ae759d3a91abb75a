import type * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { AgentRuntime, ChipCluster, ModelEndpoint } from "pulumi-agentcloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { capture, inlineStack } from "../support/stack.ts";

// A bounded soak (not timed): 30 resources under ~20 % injected 503 / 429 / dropped connections on
// every API operation, then the user's risky everyday moves. After each step the cloud holds
// exactly what the stacks' states say: no duplicate, no orphan, nothing lost.

const kinds = ["ChipCluster", "ModelEndpoint", "AgentRuntime"] as const;
const collections = ["chip-clusters", "model-endpoints", "agent-runtimes"];
const region = "cn-hangzhou";
let emulator: RunningEmulator;
const output = capture();
const plan = { renamed: false, extra: false };
let a: Stack;
let b: Stack;

function program(): Record<string, unknown> {
  const out: Record<string, pulumi.Output<string>> = {};
  for (let i = 0; i < 10; i++) {
    const name = i === 1 && plan.renamed ? "renamed-1" : `cluster-${i}`;
    const cluster = new ChipCluster(
      name,
      {
        region,
        chipType: "zhenwu-m890",
        chipsPerHyperNode: 128,
        hyperNodeCount: 1,
        ...(i === 2 ? { name: "soak-shared" } : {}),
      },
      { aliases: i === 1 ? [{ name: "cluster-1" }] : [] },
    );
    const endpoint = new ModelEndpoint(`endpoint-${i}`, {
      region,
      model: "qwen3.7-max",
      deployment: { mode: "dedicated", cluster, chipsPerReplica: 32, minReplicas: 1, maxReplicas: 1 },
      throughput: { tokensPerMinute: 50_000 },
    });
    const runtime = new AgentRuntime(`agent-${i}`, {
      region,
      artifact: { image: `agents/soak:${i}` },
      models: [{ endpointId: endpoint.id, role: "primary" }],
    });
    out[`cluster${i}`] = cluster.id;
    out[`runtime${i}`] = runtime.id;
  }
  if (plan.extra)
    out.extra = new ChipCluster("extra", {
      region,
      chipType: "zhenwu-810e",
      chipsPerHyperNode: 16,
      hyperNodeCount: 1,
    }).id;
  return out;
}

async function faults(on: boolean): Promise<void> {
  await emulator.admin("DELETE", "/_mock/faults");
  if (!on) return;
  for (const rule of [
    { status: 503, code: "CapacityUnavailable", retryAfterSeconds: 0 },
    { status: 429, code: "Throttled", retryAfterSeconds: 0 },
    { drop: true },
  ]) {
    const res = await emulator.admin("POST", "/_mock/faults", { ...rule, probability: 0.07 });
    expect(res.status).toBe(201);
  }
}

/** Every resource of the account, by id, as the cloud holds it (faults off while we look). */
async function cloud(): Promise<Map<string, any>> {
  const all = new Map<string, any>();
  for (const c of collections) {
    const res = await emulator.api("GET", `/v1/${c}?pageSize=500`);
    expect(res.status).toBe(200);
    for (const r of res.body.items) all.set(r.id, { ...r, collection: c });
  }
  return all;
}

async function stateIds(...stacks: Stack[]): Promise<string[]> {
  const ids: string[] = [];
  for (const s of stacks) {
    const state = await s.exportStack();
    for (const r of state.deployment.resources ?? []) {
      if (kinds.some((k) => r.type === `pulumi-nodejs:dynamic/agentcloud:${k}`)) ids.push(r.id);
    }
  }
  return ids;
}

/** The cloud holds exactly what the states say: the same ids, each once, no name twice. */
async function expectConverged(expectedCount: number): Promise<void> {
  await faults(false);
  const held = await cloud();
  const ids = await stateIds(a, b);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...held.keys()].sort()).toEqual([...ids].sort());
  expect(ids).toHaveLength(expectedCount);
  const names = [...held.values()].map((r) => `${r.collection}/${r.region}/${r.name}`);
  expect(new Set(names).size).toBe(names.length);
  await faults(true);
}

describe("a soak under injected faults", { timeout: 900_000 }, () => {
  beforeAll(async () => {
    emulator = await startEmulator();
    a = await inlineStack("soak-a", async () => program(), { url: emulator.url, token: devToken });
    b = await inlineStack(
      "soak-b",
      async () => ({
        id: new ChipCluster("copy", {
          region,
          chipType: "zhenwu-m890",
          chipsPerHyperNode: 128,
          hyperNodeCount: 1,
          name: "soak-shared",
        }).id,
      }),
      { url: emulator.url, token: devToken },
    );
  });

  afterAll(async () => {
    await faults(false).catch(() => undefined);
    await b?.destroy().catch(() => undefined);
    await a?.destroy().catch(() => undefined);
    await emulator?.stop();
  });

  it("creates 30 resources in one up although a fifth of the calls fail", async () => {
    await faults(true);
    const up = await a.up({ onOutput: output.onOutput, parallel: 16 });
    expect(up.summary.resourceChanges).toMatchObject({ create: 31 });
    await expectConverged(30);
    const log = (await emulator.admin("GET", "/_mock/requests?limit=10000")).body.items;
    expect(log.filter((r: any) => r.status === 503 || r.status === 429).length).toBeGreaterThan(0);
  });

  it("replaces a cluster with dependents by --replace", async () => {
    const state = await a.exportStack();
    const target = state.deployment.resources.find((r: any) => r.urn.endsWith("::cluster-0"));
    const up = await a.up({ onOutput: output.onOutput, replace: [target.urn], parallel: 16 });
    expect(up.summary.resourceChanges).toMatchObject({ replace: 2 });
    expect(up.outputs.cluster0?.value).not.toBe(target.id);
    await expectConverged(30);
  });

  it("renames a cluster by alias without replacing it", async () => {
    const before = (await a.up({ onOutput: output.onOutput, parallel: 16 })).outputs.cluster1?.value;
    plan.renamed = true;
    const up = await a.up({ onOutput: output.onOutput, parallel: 16 });
    expect(up.summary.resourceChanges?.replace ?? 0).toBe(0);
    expect(up.outputs.cluster1?.value).toBe(before);
    await expectConverged(30);
  });

  it("recovers a cluster whose provisioning failed on the next up", async () => {
    plan.extra = true;
    await emulator.admin("POST", "/_mock/faults", {
      kind: "ChipCluster",
      operation: "provision",
      remaining: 1,
      message: "burn-in failed",
    });
    const failed = await a.up({ onOutput: output.onOutput, parallel: 16 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(String(failed?.message)).toMatch(/burn-in failed/);
    await expectConverged(31);
    const up = await a.up({ onOutput: output.onOutput, parallel: 16 });
    expect(up.summary.resourceChanges).toMatchObject({ replace: 1 });
    await expectConverged(31);
    await faults(false);
    const extra = (await cloud()).get(up.outputs.extra?.value as string);
    expect(extra?.status).toBe("ACTIVE");
    await faults(true);
  });

  it("refuses a second stack's cluster of the same name and leaves the first stack's alone", async () => {
    const failed = await b.up({ onOutput: output.onOutput }).then(
      () => null,
      (e: Error) => e,
    );
    expect(String(failed?.message)).toMatch(/soak-shared already exists/);
    await expectConverged(31);
    await b.destroy({ onOutput: output.onOutput });
    await expectConverged(31);
  });

  it("destroys everything", async () => {
    await a.destroy({ onOutput: output.onOutput, parallel: 16 });
    await faults(false);
    expect((await cloud()).size).toBe(0);
    expect(output.text()).not.toContain(devToken);
  });
});
