/**
 * The examples as a user runs them: `pulumi …` typed inside examples/<name>, the real CLI starting
 * the Node language host (pulumi-language-nodejs), which runs index.ts. No Automation API here: every
 * command is a child process whose exit code and the engine's own summaries (`--json` where the CLI
 * has it) are asserted.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { exampleCases } from "../support/example-cases.ts";
import { repoRoot } from "../support/paths.ts";
import { cliEnv, type Result, run } from "../support/typed-cli.ts";

/** Our own stack name, state and PULUMI_HOME (a user's current stack selection stays as it is). */
const stackName = "typed-cli-e2e";
const { env } = cliEnv("typed-cli");

function pulumi(dir: string, args: string[], timeout = 180_000): Promise<Result> {
  return run("pulumi", [...args, "--stack", stackName, "--non-interactive"], {
    cwd: join(repoRoot, "examples", dir),
    env,
    timeout,
  });
}

/** Runs a command that must succeed; its output is in the failure message when it does not. */
async function ok(dir: string, args: string[]): Promise<Result> {
  const r = await pulumi(dir, args);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

type Changes = Record<string, number>;

/** `pulumi preview --json`: one document with the engine's change summary. */
function previewSummary(r: Result): Changes {
  return JSON.parse(r.stdout).changeSummary;
}

/** `pulumi up|refresh|destroy --json`: a stream of engine events, one per line, ending with the summary. */
function updateSummary(r: Result): Changes {
  const events = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
  if (!summary) throw new Error(`no summary event in:\n${r.stdout}\n${r.stderr}`);
  expect(summary.result).toBe("succeeded");
  return summary.resourceChanges;
}

const cases = exampleCases;

let emulator: RunningEmulator;

beforeAll(async () => {
  const host = env.PATH?.split(delimiter).find((d) => d && existsSync(join(d, "pulumi-language-nodejs")));
  if (!host) {
    throw new Error(
      "pulumi-language-nodejs is not on PATH: `source scripts/setup.sh` builds it beside the cached pulumi",
    );
  }
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

/** `pulumi stack init` and the cloud's address and token in stack config, as the READMEs say. */
async function initStack(dir: string): Promise<void> {
  // A stack config file left by an interrupted run belongs to a state that is gone.
  rmSync(join(repoRoot, "examples", dir, `Pulumi.${stackName}.yaml`), { force: true });
  await ok(dir, ["stack", "init", "--no-select"]);
  await ok(dir, [
    "config",
    "set-all",
    "--plaintext",
    `agentcloud:endpoint=${emulator.url}`,
    "--secret",
    `agentcloud:token=${devToken}`,
  ]);
}

/** Also removes examples/<dir>/Pulumi.<stack>.yaml. */
async function removeStack(dir: string): Promise<void> {
  await pulumi(dir, ["stack", "rm", "--yes", "--force"]);
}

describe.each(cases)("typed `pulumi` in examples/$dir", { timeout: 180_000 }, (c) => {
  async function config(values: Record<string, string>) {
    for (const [k, v] of Object.entries(values)) await ok(c.dir, ["config", "set", k, v]);
  }

  let destroyed = false;
  beforeAll(() => initStack(c.dir));
  afterAll(async () => {
    if (!destroyed) await pulumi(c.dir, ["destroy", "--yes", "--skip-preview"]);
    await removeStack(c.dir);
  });

  it("previews with a diff, creates, then has nothing to change", async () => {
    const preview = await ok(c.dir, ["preview", "--diff"]);
    expect(preview.stdout).toContain(`+ ${c.resources + 1} to create`);
    expect(preview.stdout).toMatch(/\+ pulumi-nodejs:dynamic\/agentcloud:\w+: \(create\)/);
    expect(preview.stdout).not.toContain(devToken);
    const stackConfig = readFileSync(join(repoRoot, "examples", c.dir, `Pulumi.${stackName}.yaml`), "utf8");
    expect(stackConfig).toContain("agentcloud:token:\n    secure:");
    expect(stackConfig).not.toContain(devToken);

    expect(updateSummary(await ok(c.dir, ["up", "--yes", "--skip-preview", "--json"]))).toEqual({
      create: c.resources + 1,
    });
    expect(previewSummary(await ok(c.dir, ["preview", "--expect-no-changes", "--json"]))).toEqual({
      same: c.resources + 1,
    });
  });

  it("updates in place", async () => {
    await config(c.update);
    const changes = updateSummary(await ok(c.dir, ["up", "--yes", "--skip-preview", "--json"]));
    expect(changes.update).toBeGreaterThanOrEqual(1);
    expect(changes.replace).toBeUndefined();
  });

  it("replaces on a create-only change", async () => {
    await config(c.replace);
    const changes = updateSummary(await ok(c.dir, ["up", "--yes", "--skip-preview", "--json"]));
    expect(changes.replace).toBe(1);
  });

  it("refresh sees an out-of-band edit, after which the program differs from the cloud", async () => {
    const [target] = (await emulator.api("GET", `/v1/${c.drift.collection}`)).body.items;
    const edit = await emulator.admin("PATCH", `/_mock/resources/${c.drift.collection}/${target.id}`, {
      ...c.drift.fields,
    });
    expect(edit.status).toBe(200);
    const changes = updateSummary(await ok(c.dir, ["refresh", "--yes", "--skip-preview", "--json"]));
    expect(changes).toEqual({ update: 1, same: c.resources });
    const drifted = await pulumi(c.dir, ["preview", "--expect-no-changes", "--json"]);
    expect(drifted.code).not.toBe(0);
    expect(previewSummary(drifted)).toEqual({ update: 1, same: c.resources });
  });

  it("destroys everything it created", async () => {
    expect(updateSummary(await ok(c.dir, ["destroy", "--yes", "--skip-preview", "--json"]))).toEqual({
      delete: c.resources + 1,
    });
    destroyed = true;
    for (const collection of ["chip-clusters", "model-endpoints", "agent-runtimes"]) {
      expect((await emulator.api("GET", `/v1/${collection}`)).body.items).toEqual([]);
    }
  });
});

describe("a field rejected at preview", { timeout: 120_000 }, () => {
  const dir = "agent-stack";
  beforeAll(() => initStack(dir));
  afterAll(() => removeStack(dir));

  it("names the field path and the reason, and fails the command", async () => {
    await ok(dir, ["config", "set", "chipsPerReplica", "16"]);
    const r = await pulumi(dir, ["preview"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "deployment.chipsPerReplica: 16 × zhenwu-m890 gives 2304 GiB; qwen3.7-max needs 2600 GiB per replica (ModelTooLarge)",
    );
    expect(r.stdout).not.toContain(devToken);
    expect((await emulator.api("GET", "/v1/model-endpoints")).body.items).toEqual([]);
  });
});
