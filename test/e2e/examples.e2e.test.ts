import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { exampleCases } from "../support/example-cases.ts";
import { repoRoot } from "../support/paths.ts";
import { inlineStack, stateOnDisk } from "../support/stack.ts";

const cases = exampleCases;

describe.each(cases)("examples/$dir through the real engine", { timeout: 300_000 }, (c) => {
  let emulator: RunningEmulator;
  let stack: Stack;
  let run = 0;
  const config: Record<string, string> = {};
  const program = async () => ({ ...(await import(`${repoRoot}/examples/${c.dir}/index.ts?run=${run++}`)) });

  async function setConfig(values: Record<string, string>) {
    for (const [k, v] of Object.entries(values)) {
      config[k] = v;
      await stack.setConfig(k, { value: v });
    }
  }

  beforeAll(async () => {
    emulator = await startEmulator();
    stack = await inlineStack(`example-${c.dir}`, program, { url: emulator.url, token: devToken });
  });
  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await emulator?.stop();
  });

  it("previews, creates, then changes nothing", async () => {
    expect((await stack.preview()).changeSummary).toEqual({ create: c.resources + 1 });
    expect((await stack.up()).summary.resourceChanges).toEqual({ create: c.resources + 1 });
    expect((await stack.up()).summary.resourceChanges).toEqual({ same: c.resources + 1 });
  });

  it("updates in place", async () => {
    await setConfig(c.update);
    const up = await stack.up();
    expect(up.summary.resourceChanges?.update).toBeGreaterThanOrEqual(1);
    expect(up.summary.resourceChanges?.replace).toBeUndefined();
  });

  it("replaces on a create-only change", async () => {
    await setConfig(c.replace);
    const up = await stack.up();
    expect(up.summary.resourceChanges?.replace).toBe(1);
  });

  it("sees an out-of-band edit on refresh", async () => {
    const [target] = (await emulator.api("GET", `/v1/${c.drift.collection}`)).body.items;
    expect(
      (await emulator.admin("PATCH", `/_mock/resources/${c.drift.collection}/${target.id}`, c.drift.fields))
        .status,
    ).toBe(200);
    const refresh = await stack.refresh();
    expect(refresh.summary.resourceChanges?.update).toBe(1);
    // The program did not change: the next up puts the declared values back.
    expect((await stack.up()).summary.resourceChanges?.update).toBe(1);
  });

  it("holds no plaintext secret in the state file", async () => {
    const onDisk = stateOnDisk(stack);
    expect(onDisk).not.toContain(devToken);
    for (const collection of ["model-endpoints"]) {
      for (const e of (await emulator.api("GET", `/v1/${collection}`)).body.items)
        expect(onDisk).not.toContain(e.apiKey);
    }
    expect(onDisk).not.toMatch(/dev-(search-key|tickets-token)/);
  });

  it("destroys everything it created", async () => {
    const destroy = await stack.destroy();
    expect(destroy.summary.resourceChanges).toEqual({ delete: c.resources + 1 });
    for (const collection of ["chip-clusters", "model-endpoints", "agent-runtimes"]) {
      expect((await emulator.api("GET", `/v1/${collection}`)).body.items).toEqual([]);
    }
  });
});
