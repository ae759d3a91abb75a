import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { AgentRuntime, ChipCluster, type ChipClusterArgs, ModelEndpoint } from "pulumi-agentcloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { capture, inlineStack, stateOnDisk } from "../support/stack.ts";

// The provider must never destroy what nobody asked to destroy: replacements, names shared by two
// stacks, FAILED resources, renames, write-only secrets. Each case through the real engine.

const clusterType = "pulumi-nodejs:dynamic/agentcloud:ChipCluster";
const small: ChipClusterArgs = {
  region: "cn-hangzhou",
  chipType: "zhenwu-m890",
  chipsPerHyperNode: 128,
  hyperNodeCount: 1,
};
let emulator: RunningEmulator;
const output = capture();
const stacks: Stack[] = [];

async function open(name: string, program: () => Promise<Record<string, unknown>>): Promise<Stack> {
  const stack = await inlineStack(name, program, { url: emulator.url, token: devToken });
  stacks.push(stack);
  return stack;
}

async function cloud(collection: string): Promise<any[]> {
  const res = await emulator.api("GET", `/v1/${collection}?pageSize=500`);
  expect(res.status).toBe(200);
  return res.body.items;
}

async function stateOf(stack: Stack, type: string): Promise<any[]> {
  const state = await stack.exportStack();
  return state.deployment.resources.filter((r: any) => r.type === type && !r.delete);
}

async function requests(): Promise<{ method: string; path: string; status: number }[]> {
  return (await emulator.admin("GET", "/_mock/requests?limit=1000")).body.items;
}

describe("the provider destroys nothing that nobody asked to destroy", { timeout: 600_000 }, () => {
  beforeAll(async () => {
    emulator = await startEmulator();
  });

  afterAll(async () => {
    for (const s of stacks) await s.destroy().catch(() => undefined);
    await emulator?.stop();
  });

  it("`up --replace` of an automatically named cluster creates a new one, then deletes the old", async () => {
    const stack = await open("replace-auto", async () => {
      const c = new ChipCluster("training", { ...small });
      return { id: c.id, name: c.name };
    });
    const first = await stack.up({ onOutput: output.onOutput });
    const [urn] = (await stateOf(stack, clusterType)).map((r) => r.urn);
    const before = await cloud("chip-clusters");
    const seen = (await requests()).length;

    const replaced = await stack.up({ replace: [urn], onOutput: output.onOutput });
    expect(replaced.summary.resourceChanges).toMatchObject({ replace: 1 });
    const after = (await cloud("chip-clusters")).filter((c) => !before.some((b) => b.id === c.id));
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: replaced.outputs.id?.value, status: "ACTIVE" });
    expect(replaced.outputs.name?.value).not.toBe(first.outputs.name?.value);
    expect((await cloud("chip-clusters")).map((c) => c.id)).not.toContain(first.outputs.id?.value);
    // The old one was deleted only after the new one existed, and by its own id.
    const log = (await requests()).slice(seen);
    const post = log.findIndex((r) => r.method === "POST" && r.path === "/v1/chip-clusters");
    const del = log.findIndex((r) => r.method === "DELETE");
    expect(post).toBeGreaterThanOrEqual(0);
    expect(log[del]?.path).toBe(`/v1/chip-clusters/${first.outputs.id?.value}`);
    expect(del).toBeGreaterThan(post);
    const next = await stack.preview({ onOutput: output.onOutput });
    expect(next.changeSummary).toEqual({ same: 2 });
    await stack.destroy({ onOutput: output.onOutput });
  });

  it("`up --replace` of a cluster with a user-chosen name deletes first, then creates it anew", async () => {
    const stack = await open("replace-named", async () => {
      const c = new ChipCluster("named", { ...small, name: "team-fixed-name" });
      return { id: c.id };
    });
    const first = await stack.up({ onOutput: output.onOutput });
    const [urn] = (await stateOf(stack, clusterType)).map((r) => r.urn);
    const replaced = await stack.up({ replace: [urn], onOutput: output.onOutput });
    expect(replaced.summary.resourceChanges).toMatchObject({ replace: 1 });
    const mine = (await cloud("chip-clusters")).filter((c) => c.name === "team-fixed-name");
    expect(mine).toHaveLength(1);
    expect(mine[0].id).toBe(replaced.outputs.id?.value);
    expect(mine[0].id).not.toBe(first.outputs.id?.value);
    await stack.destroy({ onOutput: output.onOutput });
  });

  it("`up --replace` of a cluster that an endpoint uses replaces both and leaves no stuck delete", async () => {
    const stack = await open("replace-dependents", async () => {
      const c = new ChipCluster("base", { ...small });
      const e = new ModelEndpoint("serving", {
        region: "cn-hangzhou",
        model: "qwen3.7-max",
        deployment: { mode: "dedicated", cluster: c, chipsPerReplica: 32, minReplicas: 1, maxReplicas: 1 },
        throughput: { tokensPerMinute: 100_000 },
      });
      return {
        cluster: c.id,
        endpoint: e.id,
        clusterOfEndpoint: e.deployment.apply((d) => (d.mode === "dedicated" ? d.clusterId : null)),
      };
    });
    const first = await stack.up({ onOutput: output.onOutput });
    const [urn] = (await stateOf(stack, clusterType)).map((r) => r.urn);
    const replaced = await stack.up({ replace: [urn], onOutput: output.onOutput });
    expect(replaced.summary.resourceChanges).toMatchObject({ replace: 2 });
    const clusters = await cloud("chip-clusters");
    const endpoints = await cloud("model-endpoints");
    expect(clusters.map((c) => c.id)).toContain(replaced.outputs.cluster?.value);
    expect(clusters.map((c) => c.id)).not.toContain(first.outputs.cluster?.value);
    expect(endpoints.map((e) => e.id)).not.toContain(first.outputs.endpoint?.value);
    expect(replaced.outputs.clusterOfEndpoint?.value).toBe(replaced.outputs.cluster?.value);
    const again = await stack.up({ onOutput: output.onOutput });
    expect(again.summary.resourceChanges).toEqual({ same: 3 });
    await stack.destroy({ onOutput: output.onOutput });
    expect(await cloud("model-endpoints")).toHaveLength(0);
  });

  it("a second stack with the same chosen name fails clearly and leaves the first stack's cluster alone", async () => {
    const program = async () => {
      const c = new ChipCluster("shared", { ...small, name: "team-shared-name" });
      return { id: c.id };
    };
    const a = await open("owner-a", program);
    const b = await open("owner-b", program);
    const ownerUp = await a.up({ onOutput: output.onOutput });
    const ownerId = ownerUp.outputs.id?.value;
    const failed = await b.up({ onOutput: output.onOutput }).then(
      () => null,
      (e: Error) => e,
    );
    expect(failed).not.toBeNull();
    expect(String(failed?.message)).toContain(`already exists in cn-hangzhou (${ownerId})`);
    expect(String(failed?.message)).toMatch(/not created by this resource/);
    expect(await stateOf(b, clusterType)).toHaveLength(0);
    await b.destroy({ onOutput: output.onOutput });
    const shared = (await cloud("chip-clusters")).filter((c) => c.name === "team-shared-name");
    expect(shared).toEqual([expect.objectContaining({ id: ownerId, status: "ACTIVE" })]);
    await a.destroy({ onOutput: output.onOutput });
  });

  it("a cluster whose provisioning failed is replaced by the next up, as a preview says", async () => {
    const stack = await open("failed-recovery", async () => {
      const c = new ChipCluster("flaky", { ...small });
      return { id: c.id, status: c.status };
    });
    const fault = await emulator.admin("POST", "/_mock/faults", {
      kind: "ChipCluster",
      operation: "provision",
      remaining: 1,
      message: "hyper-node burn-in failed",
    });
    expect(fault.status).toBe(201);
    const failed = await stack.up({ onOutput: output.onOutput }).then(
      () => null,
      (e: Error) => e,
    );
    expect(String(failed?.message)).toMatch(/burn-in failed/);
    const [broken] = await stateOf(stack, clusterType);
    expect(broken.outputs.status).toBe("FAILED");

    const preview = await stack.preview({ onOutput: output.onOutput, diff: true });
    expect(preview.changeSummary).toMatchObject({ replace: 1 });
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ replace: 1 });
    expect(up.outputs.status?.value).toBe("ACTIVE");
    const ids = (await cloud("chip-clusters")).map((c) => c.id);
    expect(ids).toContain(up.outputs.id?.value);
    expect(ids).not.toContain(broken.id);
    await stack.destroy({ onOutput: output.onOutput });
  });

  it("renaming with aliases, or moving under a component, keeps the cluster and its endpoint", async () => {
    let step = 0;
    const stack = await open("rename", async () => {
      const component =
        step === 2 ? new pulumi.ComponentResource("agentcloud:example:Group", "group", {}) : undefined;
      const name = step === 0 ? "before" : "after";
      const aliases =
        step === 0
          ? []
          : step === 1
            ? [{ name: "before" }]
            : [{ name: "after", parent: pulumi.rootStackResource }];
      const c = new ChipCluster(name, { ...small }, { aliases, parent: component });
      const e = new ModelEndpoint(
        "serving",
        {
          region: "cn-hangzhou",
          model: "qwen3.7-max",
          deployment: { mode: "dedicated", cluster: c, chipsPerReplica: 32, minReplicas: 1, maxReplicas: 1 },
          throughput: { tokensPerMinute: 100_000 },
        },
        { parent: component, aliases: step === 2 ? [{ parent: pulumi.rootStackResource }] : [] },
      );
      return { cluster: c.id, name: c.name, endpoint: e.id, apiKey: e.apiKey };
    });
    const first = await stack.up({ onOutput: output.onOutput });
    for (step = 1; step <= 2; step++) {
      const preview = await stack.preview({ onOutput: output.onOutput });
      expect(preview.changeSummary.replace ?? 0).toBe(0);
      expect(preview.changeSummary.delete ?? 0).toBe(0);
      const up = await stack.up({ onOutput: output.onOutput });
      expect(up.summary.resourceChanges?.replace ?? 0).toBe(0);
      expect(up.outputs.cluster?.value).toBe(first.outputs.cluster?.value);
      expect(up.outputs.name?.value).toBe(first.outputs.name?.value);
      expect(up.outputs.endpoint?.value).toBe(first.outputs.endpoint?.value);
      expect(up.outputs.apiKey?.value).toBe(first.outputs.apiKey?.value);
    }
    await stack.destroy({ onOutput: output.onOutput });
  });

  it("secretEnv given as plain strings is secret in the preview diff and in the state on disk", async () => {
    const plain = `plain-secret-${Date.now()}`;
    let value = plain;
    const stack = await open("secret-env", async () => {
      const glm = new ModelEndpoint("glm", {
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 100_000 },
      });
      const r = new AgentRuntime("agent", {
        region: "cn-hangzhou",
        artifact: { image: "agents/a:1" },
        models: [{ endpointId: glm.id, role: "primary" }],
        secretEnv: { PLAIN: value },
      });
      return { version: r.version };
    });
    const seen = capture();
    await stack.preview({ diff: true, onOutput: seen.onOutput });
    await stack.up({ diff: true, onOutput: seen.onOutput });
    value = `${plain}-rotated`;
    await stack.preview({ diff: true, onOutput: seen.onOutput });
    const up = await stack.up({ diff: true, onOutput: seen.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(seen.text()).not.toContain(plain);
    expect(stateOnDisk(stack)).not.toContain(plain);
    const [runtime] = await stateOf(stack, "pulumi-nodejs:dynamic/agentcloud:AgentRuntime");
    expect(JSON.stringify(runtime.inputs.secretEnv)).toContain("4dabf18193072939515e22adb298388d"); // the secret signature
    await stack.destroy({ onOutput: output.onOutput });
  });

  it("the `import` option fails at preview saying to use adoptId, which takes the cluster over", async () => {
    const made = await emulator.api("POST", "/v1/chip-clusters", { ...small, name: "made-by-hand" });
    expect(made.status).toBe(202);
    const id: string = made.body.resource.id;
    let opts: pulumi.CustomResourceOptions = { import: id };
    let args: ChipClusterArgs = { ...small, name: "made-by-hand", hyperNodeCount: 2 };
    const stack = await open("adopt", async () => {
      const c = new ChipCluster("handmade", args, opts);
      return { id: c.id, hyperNodeCount: c.hyperNodeCount };
    });
    const refused = await stack.preview({ onOutput: output.onOutput }).then(
      () => null,
      (e: Error) => e,
    );
    expect(String(refused?.message)).toMatch(/`import` resource option cannot work.*adoptId/s);
    opts = {};
    args = { ...args, adoptId: id };
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    expect(up.outputs.id?.value).toBe(id);
    expect(up.outputs.hyperNodeCount?.value).toBe(2);
    expect((await cloud("chip-clusters")).filter((c) => c.name === "made-by-hand")).toHaveLength(1);
    await stack.destroy({ onOutput: output.onOutput });
    expect((await cloud("chip-clusters")).map((c) => c.id)).not.toContain(id);
  });

  it("replaceOnChanges replaces on a change the provider would otherwise make in place", async () => {
    let count = 1;
    const stack = await open("replace-on-changes", async () => {
      const c = new ChipCluster(
        "strict",
        { ...small, hyperNodeCount: count },
        { replaceOnChanges: ["hyperNodeCount"] },
      );
      return { id: c.id };
    });
    const first = await stack.up({ onOutput: output.onOutput });
    count = 2;
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toMatchObject({ replace: 1 });
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.outputs.id?.value).not.toBe(first.outputs.id?.value);
    await stack.destroy({ onOutput: output.onOutput });
  });

  it("gives two resources of one logical name under different components their own cloud resources", async () => {
    const pooled = {
      region: "cn-hangzhou" as const,
      model: "glm-5.1" as const,
      deployment: { mode: "pooled" as const },
      throughput: { tokensPerMinute: 100_000 },
    };
    const stack = await open("same-name-two-parents", async () => {
      const a = new pulumi.ComponentResource("agentcloud:test:A", "a", {});
      const b = new pulumi.ComponentResource("agentcloud:test:B", "b", {});
      const ea = new ModelEndpoint("ep", pooled, { parent: a });
      const eb = new ModelEndpoint("ep", pooled, { parent: b });
      return { a: ea.id, b: eb.id };
    });
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.outputs.a?.value).not.toBe(up.outputs.b?.value);
    const ids = (await cloud("model-endpoints")).map((e) => e.id);
    expect(ids).toEqual(expect.arrayContaining([up.outputs.a?.value, up.outputs.b?.value]));
    const [, bUrn] = (await stateOf(stack, "pulumi-nodejs:dynamic/agentcloud:ModelEndpoint"))
      .map((r) => r.urn)
      .sort();
    await stack.destroy({ target: [bUrn], onOutput: output.onOutput });
    const left = (await cloud("model-endpoints")).map((e) => e.id);
    expect(left).toContain(up.outputs.a?.value);
    expect(left).not.toContain(up.outputs.b?.value);
    await stack.destroy({ onOutput: output.onOutput });
  });

  it("keeps the token out of state entirely when it comes from the environment", async () => {
    const stack = await inlineStack(
      "token-from-env",
      async () => ({ id: new ChipCluster("env", { ...small }).id }),
      { url: emulator.url, token: devToken },
      { configVia: "environment" },
    );
    stacks.push(stack);
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    const exported = JSON.stringify(await stack.exportStack());
    expect(exported).not.toContain("agentcloud:token");
    expect(exported).not.toContain(devToken);
    expect(stateOnDisk(stack)).not.toContain("agentcloud:token");
    await stack.destroy({ onOutput: output.onOutput });
  });

  it("leaves every cloud resource of these stacks deleted, and never printed the token", async () => {
    expect(await cloud("chip-clusters")).toEqual([]);
    expect(await cloud("model-endpoints")).toEqual([]);
    expect(output.text()).not.toContain(devToken);
  });
});
