/**
 * agentcloud-plan on real `pulumi preview --json` output of examples/agent-stack: the CLI typed in
 * the example with its own stack and state (as typed-cli.e2e.test.ts does), the report checked
 * against hand-computed figures (docs/pricing.md) and its JSON against docs/plan-report.schema.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { devToken } from "../support/fixtures.ts";
import { repoRoot } from "../support/paths.ts";
import { type Result, run, typedStack } from "../support/typed-cli.ts";

const stack = typedStack("agent-stack", "plan-e2e");
const { root, env, pulumi } = stack;
/** Writes the preview to a file and runs the plan CLI on it. */
function plan(preview: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Result> {
  const file = join(root, `preview-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, preview);
  return run(process.execPath, [join(repoRoot, "provider/plan/cli.ts"), file, ...args], {
    cwd: repoRoot,
    env: { ...env, ...extraEnv },
  });
}

const schema = JSON.parse(readFileSync(join(repoRoot, "docs/plan-report.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true }).compile(schema);
function report(r: Result) {
  const doc = JSON.parse(r.stdout);
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  return doc;
}

let emulator: RunningEmulator;
describe("agentcloud-plan on `pulumi preview --json` of examples/agent-stack", { timeout: 180_000 }, () => {
  beforeAll(async () => {
    emulator = await startEmulator();
    await stack.init(emulator.url);
  });
  afterAll(async () => {
    await stack.remove({ destroy: true });
    await emulator?.stop();
  });

  it("prices the first preview (everything created) from the estimates known at preview", async () => {
    const preview = await pulumi(["preview", "--json"]);
    const doc = report(await plan(preview, ["--format", "json"]));
    expect(doc.resources.map((r: { name: string; action: string }) => `${r.action} ${r.name}`)).toEqual(
      ["create agents", "create qwen", "create glm", "create reviewer", "create assistant"].sort(
        (a, b) =>
          doc.resources.findIndex((r: { name: string }) => a.endsWith(r.name)) -
          doc.resources.findIndex((r: { name: string }) => b.endsWith(r.name)),
      ),
    );
    // 128 × zhenwu-m890 × 730 h × 4.20 = 392 448; glm pooled 0–19 272; two default runtimes 0–426.32 each;
    // qwen's 64 chips are the cluster's (0 USD, not counted again).
    expect(doc.monthlyUsd).toEqual({ before: { min: 0, max: 0 }, after: { min: 392_448, max: 412_572.64 } });
    expect(doc.chipsDelta).toEqual([
      { region: "cn-hangzhou", chipType: "zhenwu-m890", before: 0, after: 128, delta: 128 },
    ]);
    expect(doc.unestimated).toEqual([]);
    const md = await plan(preview, []);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("| ChipCluster `agents` | create | — | +128 zhenwu-m890 | — → $392,448 |");
  });

  it("after `up`: an update and a replace, with the chips delta, the cost before → after, the risk, and the budget", async () => {
    await pulumi(["up", "--yes", "--skip-preview"]);
    await pulumi(["config", "set", "hyperNodes", "2"]);
    await pulumi(["config", "set", "chipsPerReplica", "64"]);
    // --show-sames: the unchanged resources are in the preview too, so the totals are the stack's.
    const preview = await pulumi(["preview", "--json", "--show-sames"]);
    const doc = report(await plan(preview, ["--format", "json", "--max-monthly-usd", "1000000"]));
    const byName = Object.fromEntries(doc.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName.agents).toMatchObject({
      action: "update",
      changedKeys: ["hyperNodeCount"],
      chipsDelta: { "zhenwu-m890": 128 },
      monthlyUsd: { before: { min: 392_448, max: 392_448 }, after: { min: 784_896, max: 784_896 } },
    });
    expect(byName.qwen).toMatchObject({
      action: "replace",
      changedKeys: ["deployment"],
      replaceKeys: ["deployment"],
      clusterShareDelta: { "zhenwu-m890": 64 }, // 2 × 32 → 2 × 64 chips of the cluster, billed there
    });
    expect(byName.qwen.risks.join(" ")).toContain("replaces a serving endpoint");
    expect(doc.chipsDelta).toEqual([
      { region: "cn-hangzhou", chipType: "zhenwu-m890", before: 128, after: 256, delta: 128 },
    ]);
    expect(doc.monthlyUsd.after).toEqual({ min: 784_896, max: 805_020.64 });
    expect(doc.budget).toEqual({ maxMonthlyUsd: 1_000_000, over: false });

    const over = await plan(preview, ["--max-monthly-usd", "500000"]);
    expect(over.code).toBe(2);
    expect(over.stdout).toContain("over budget: up to 805020.64 USD a month, more than 500000");
    expect(over.stdout).toContain(
      "| ChipCluster `agents` | update | hyperNodeCount | +128 zhenwu-m890 | $392,448 → $784,896 |",
    );

    // Against the cloud's quotas: 128 chips in use, +128 by this change, over a quota of 200.
    expect((await emulator.admin("PUT", "/_mock/limits", { chipsPerType: 200 })).status).toBe(200);
    const checked = report(
      await plan(preview, ["--format", "json", "--endpoint", emulator.url], { AGENTCLOUD_TOKEN: devToken }),
    );
    expect(checked.quotas).toEqual({ endpoint: emulator.url, checked: true, error: null });
    expect(checked.risks).toContain(
      "quota: zhenwu-m890 chips in cn-hangzhou would be 256, over the account's quota of 200 (128 in use, +128 by this change)",
    );
    const unreachable = report(
      await plan(preview, ["--format", "json", "--endpoint", "http://127.0.0.1:9"], {
        AGENTCLOUD_TOKEN: devToken,
      }),
    );
    expect(unreachable.quotas).toMatchObject({ endpoint: "http://127.0.0.1:9", checked: false });
    expect(unreachable.risks.join("\n")).not.toContain("quota:");
  });
});
