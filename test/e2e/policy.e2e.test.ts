/**
 * The `agentcloud` policy pack through the real engine: `pulumi preview --policy-pack <launcher>
 * --policy-pack-config <file>` of examples/agent-stack (its own stack and state, as plan.e2e.test.ts).
 * The launcher is the compiled bin (dist/policy/launcher.js), which the engine starts as an analyzer
 * plugin; the figures are docs/pricing.md's (see plan.e2e.test.ts).
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot } from "../support/paths.ts";
import { type Result, typedStack } from "../support/typed-cli.ts";

const stack = typedStack("agent-stack", "policy-e2e");
const { root, run, pulumi } = stack;
const launcher = join(repoRoot, "dist/policy/launcher.js");

/** `pulumi preview` with the pack, configured by a --policy-pack-config file holding `config`. */
function preview(config: object, flags: string[] = []): Promise<Result> {
  const file = join(root, `policy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return run(["preview", ...flags, "--policy-pack", launcher, "--policy-pack-config", file]);
}

let emulator: RunningEmulator;
describe("the agentcloud policy pack on `pulumi preview` of examples/agent-stack", {
  timeout: 180_000,
}, () => {
  beforeAll(async () => {
    // tsc writes the launcher without the executable bit; npm sets it on a bin when it installs the package.
    chmodSync(launcher, 0o755);
    emulator = await startEmulator();
    await stack.init(emulator.url);
  });
  afterAll(async () => {
    await stack.remove();
    await emulator?.stop();
  });

  it("passes under budget and under the chip cap (with logging on: the engine's address is then not the launcher's first argument)", async () => {
    const config = {
      "agentcloud-budget": { maxMonthlyUsd: 500_000 },
      "agentcloud-chip-caps": { maxChips: { "zhenwu-m890": 256 } },
    };
    const r = await preview(config, ["--logflow", "--logtostderr", "-v=1"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`agentcloud@v0.1.0 (local: ${launcher})`);
    expect(r.stdout).not.toContain("[mandatory]");
    expect(r.stdout).not.toContain("[advisory]");
  });

  it("fails over budget, naming the stack's figure, the budget and the resources", async () => {
    const r = await preview({ "agentcloud-budget": { maxMonthlyUsd: 400_000 } });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain("[mandatory]  agentcloud-budget");
    // 128 × zhenwu-m890 × 730 h × 4.20 = 392,448; glm pooled up to 19,272; two runtimes up to 426.32 each.
    expect(r.stdout).toContain(
      "stack estimate up to 412,572.64 USD/month exceeds budget 400,000 USD/month: agents 392,448, glm 19,272, assistant 426.32, reviewer 426.32",
    );
  });

  it("fails a cluster over its chip cap and overcommitted by a dedicated endpoint, on the cluster", async () => {
    await pulumi(["config", "set", "chipsPerReplica", "128"]); // qwen: 2 replicas × 128 chips of a 128-chip cluster
    const r = await preview({ "agentcloud-chip-caps": { maxChips: { "zhenwu-m890": 64 } } });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain(
      "[mandatory]  agentcloud-chip-caps  (pulumi-nodejs:dynamic/agentcloud:ChipCluster: agents)",
    );
    expect(r.stdout).toContain("128 zhenwu-m890 chips in the stack exceed the cap 64: agents 128");
    expect(r.stdout).toContain(
      "[mandatory]  agentcloud-cluster-overcommit  (pulumi-nodejs:dynamic/agentcloud:ChipCluster: agents)",
    );
    expect(r.stdout).toContain(
      "ModelEndpoint qwen grows to 256 chips at maxReplicas, more than the 128 zhenwu-m890 chips of ChipCluster agents",
    );
    expect(r.stdout).not.toContain("agentcloud-budget");
  });
});
