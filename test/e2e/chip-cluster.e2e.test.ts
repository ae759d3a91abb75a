import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { ChipCluster, type ChipClusterArgs } from "pulumi-agentcloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { scratchRoot } from "../support/paths.ts";
import { capture, inlineStack, stateOnDisk } from "../support/stack.ts";

const token = `ac-e2e-${randomBytes(16).toString("hex")}`;
let emulator: RunningEmulator;
let stack: Stack;
let args: ChipClusterArgs;
const output = capture();

const program = async () => {
  const cluster = new ChipCluster("training", { ...args });
  return {
    clusterId: cluster.id,
    status: cluster.status,
    totalChips: cluster.totalChips,
    name: cluster.name,
  };
};

async function clusters(): Promise<any[]> {
  const res = await emulator.api("GET", "/v1/chip-clusters");
  expect(res.status).toBe(200);
  return res.body.items;
}

describe("ChipCluster through the real Pulumi engine", { timeout: 300_000 }, () => {
  beforeAll(async () => {
    const tokens = join(scratchRoot, "chip-e2e-tokens.json");
    writeFileSync(tokens, JSON.stringify({ [token]: "e2e", "agentcloud-dev-token": "e2e" }));
    emulator = await startEmulator({ args: ["--tokens", tokens] });
    args = { region: "cn-hangzhou", chipType: "zhenwu-m890", chipsPerHyperNode: 128, hyperNodeCount: 2 };
    stack = await inlineStack("chip-cluster", program, { url: emulator.url, token });
  });

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await stack?.workspace.removeStack("chip-cluster").catch(() => undefined);
    await emulator?.stop();
  });

  it("previews one create and creates nothing in the cloud", async () => {
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toMatchObject({ create: 2 });
    expect(await clusters()).toHaveLength(0);
  });

  it("creates the cluster, which the emulator holds ACTIVE, and exports its outputs", async () => {
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    expect(up.outputs.status?.value).toBe("ACTIVE");
    expect(up.outputs.totalChips?.value).toBe(256);
    const [only, ...rest] = await clusters();
    expect(rest).toHaveLength(0);
    expect(only).toMatchObject({ id: up.outputs.clusterId?.value, status: "ACTIVE", hyperNodeCount: 2 });
  });

  it("changes nothing on a second up", async () => {
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toEqual({ same: 2 });
  });

  it("updates hyperNodeCount in place, keeping the cluster's id", async () => {
    const before = (await clusters())[0];
    args = { ...args, hyperNodeCount: 3 };
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toMatchObject({ update: 1 });
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    const after = await clusters();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before.id, hyperNodeCount: 3, totalChips: 384 });
  });

  it("replaces the cluster when chipType changes", async () => {
    const before = (await clusters())[0];
    args = { ...args, chipType: "zhenwu-810e", chipsPerHyperNode: 16 };
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toMatchObject({ replace: 1 });
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ replace: 1 });
    const after = await clusters();
    expect(after).toHaveLength(1);
    expect(after[0].id).not.toBe(before.id);
    expect(after[0]).toMatchObject({ chipType: "zhenwu-810e", chipsPerHyperNode: 16 });
  });

  it("reports an out-of-band edit as drift on refresh", async () => {
    const [cluster] = await clusters();
    const edit = await emulator.admin("PATCH", `/_mock/resources/chip-clusters/${cluster.id}`, {
      hyperNodeCount: 7,
    });
    expect(edit.status).toBe(200);
    const refresh = await stack.refresh({ onOutput: output.onOutput });
    expect(refresh.summary.resourceChanges).toMatchObject({ update: 1 });
    const state = await stack.exportStack();
    const stored = state.deployment.resources.find(
      (r: any) => r.type === "pulumi-nodejs:dynamic/agentcloud:ChipCluster",
    );
    expect(stored.outputs.hyperNodeCount).toBe(7);
    // The program still says 3: the next preview proposes to put it back, in place.
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toMatchObject({ update: 1 });
  });

  it("stores a small provider in state without the token or the endpoint", async () => {
    const state = await stack.exportStack();
    const stored = state.deployment.resources.find(
      (r: any) => r.type === "pulumi-nodejs:dynamic/agentcloud:ChipCluster",
    );
    const serialized: string = stored.outputs.__provider;
    expect(serialized.length).toBeGreaterThan(100);
    expect(serialized.length).toBeLessThanOrEqual(2048);
    expect(serialized).toContain("pulumi-agentcloud/runtime");
    const onDisk = stateOnDisk(stack);
    expect(onDisk).toContain(stored.id);
    expect(onDisk).not.toContain(token);
    expect(serialized).not.toContain(emulator.url);
  });

  it("fails preview on chipsPerHyperNode 96, naming the field, and changes nothing", async () => {
    args = { ...args, chipsPerHyperNode: 96 as 8 };
    const before = await clusters();
    const failed = await stack.preview({ onOutput: output.onOutput }).then(
      () => null,
      (e: Error) => e,
    );
    expect(failed).not.toBeNull();
    expect(String(failed?.message)).toMatch(/chipsPerHyperNode/);
    expect(await clusters()).toEqual(before);
    args = { ...args, chipsPerHyperNode: 16 };
  });

  it("destroys the cluster: the emulator holds none", async () => {
    const destroy = await stack.destroy({ onOutput: output.onOutput });
    expect(destroy.summary.resourceChanges).toMatchObject({ delete: 2 });
    expect(await clusters()).toHaveLength(0);
  });

  it("never printed the token", () => {
    expect(output.text().length).toBeGreaterThan(0);
    expect(output.text()).not.toContain(token);
  });
});
