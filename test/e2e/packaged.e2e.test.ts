import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot, scratchRoot } from "../support/paths.ts";
import { pulumiEnv } from "../support/pulumi-env.ts";

Object.assign(process.env, pulumiEnv());
let app: string;
let emulator: RunningEmulator;

/**
 * A script of the user's in the app: their own process and @pulumi/pulumi, the stack `stackName` of
 * `program` (source of an async function using ChipCluster) configured for the emulator, then
 * `body`, which has `stack` at hand.
 */
function userScript(file: string, stackName: string, program: string, body: string): void {
  writeFileSync(
    join(app, file),
    `import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
     import { ChipCluster } from "pulumi-agentcloud";
     const program = ${program};
     const stack = await LocalWorkspace.createOrSelectStack({ projectName: "app", stackName: ${JSON.stringify(stackName)}, program }, { workDir: process.cwd() });
     await stack.setConfig("agentcloud:endpoint", { value: process.env.ENDPOINT });
     await stack.setConfig("agentcloud:token", { value: process.env.TOKEN, secret: true });
     ${body}`,
  );
}

/** Runs a script of userScript's in the app, against the emulator; its output. */
function runUserScript(file: string, ...args: string[]): string {
  return execFileSync(process.execPath, [file, ...args], {
    cwd: app,
    env: {
      ...process.env,
      ...pulumiEnv(join(scratchRoot, "packed-state")),
      ENDPOINT: emulator.url,
      TOKEN: devToken,
    },
  }).toString();
}

/**
 * What a user gets: `npm pack`, installed into a project of its own (a real directory under
 * node_modules, not our repo), the program importing the compiled package, the provider process
 * loading `pulumi-agentcloud/runtime` from there, the bin starting the emulator.
 */
describe("the packed package, installed into a fresh project", { timeout: 300_000 }, () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(scratchRoot, "packed-"));
    execFileSync("npm", ["pack", "--pack-destination", dir], { cwd: repoRoot, stdio: "ignore" });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz")) as string;
    app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    const devDependencies = JSON.parse(
      execFileSync("npm", ["pkg", "get", "devDependencies"], { cwd: repoRoot }).toString(),
    );
    const pulumiVersion = devDependencies["@pulumi/pulumi"];
    execFileSync(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(dir, tarball),
        `@pulumi/pulumi@${pulumiVersion}`,
        `@pulumi/policy@${devDependencies["@pulumi/policy"]}`,
      ],
      {
        cwd: app,
        stdio: "ignore",
      },
    );
    emulator = await startEmulator({ compiled: true });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("starts agentcloud-mock from the installed bin", () => {
    const help = execFileSync(join(app, "node_modules/.bin/agentcloud-mock"), ["--help"]).toString();
    expect(help).toContain("agentcloud-mock [--host 127.0.0.1]");
  });

  it("runs agentcloud-plan from the installed bin", () => {
    const help = execFileSync(join(app, "node_modules/.bin/agentcloud-plan"), ["--help"]).toString();
    expect(help).toContain("usage: agentcloud-plan [preview.json]");
  });

  it("runs agentcloud-policy-pack from the installed bin, as the engine's analyzer plugin", () => {
    const usage = spawnSync(join(app, "node_modules/.bin/agentcloud-policy-pack"), ["--help"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr.toString()).toContain(
      "usage: agentcloud-policy-pack [--logtostderr -v=N | --tracing <endpoint>] <engine-address>",
    );
    // The user's preview with the pack: the compiled pack under node_modules, and its policy-pack/ folder.
    writeFileSync(join(app, "policy.json"), JSON.stringify({ "agentcloud-budget": { maxMonthlyUsd: 1000 } }));
    userScript(
      "policy.mjs",
      "policy",
      `async () => {
         new ChipCluster("c", { region: "cn-hangzhou", chipType: "zhenwu-810e", chipsPerHyperNode: 8, hyperNodeCount: 2 });
       }`,
      `try {
         await stack.preview({ policyPacks: ["node_modules/.bin/agentcloud-policy-pack"], policyPackConfigs: ["policy.json"] });
         console.log("passed");
       } catch (e) {
         console.log(String(e.stdout ?? e.message));
       } finally {
         await stack.workspace.removeStack("policy", { force: true });
       }`,
    );
    const out = runUserScript("policy.mjs");
    // 16 × zhenwu-810e × 730 h × 2.40 USD = 28,032 USD a month.
    expect(out).toContain("agentcloud@v0.1.0");
    expect(out).toContain("stack estimate up to 28,032 USD/month exceeds budget 1,000 USD/month: c 28,032");
  });

  it("runs a program of the user's through up and destroy with the installed provider", async () => {
    // The user's own process, with its own @pulumi/pulumi (one copy per process, as in real life).
    userScript(
      "run.mjs",
      "packed",
      `async () => ({
         chips: new ChipCluster("c", { region: "cn-hangzhou", chipType: "zhenwu-810e", chipsPerHyperNode: 8, hyperNodeCount: 2 }).totalChips,
       })`,
      `const up = await stack.up();
       const state = await stack.exportStack();
       const destroy = await stack.destroy();
       console.log(JSON.stringify({ up: up.summary.resourceChanges, chips: up.outputs.chips.value, state, destroy: destroy.summary.resourceChanges }));`,
    );
    const out = runUserScript("run.mjs");
    const result = JSON.parse(out.trim().split("\n").pop() as string);
    expect(result.up).toEqual({ create: 2 });
    expect(result.chips).toBe(16);
    const cluster = result.state.deployment.resources.find(
      (r: any) => r.type === "pulumi-nodejs:dynamic/agentcloud:ChipCluster",
    );
    // Installed under node_modules, the provider object is stored as a require of the package's module
    // for the kind, not the functions' source (2 kB), in the inputs and the outputs.
    for (const stored of [cluster.inputs.__provider, cluster.outputs.__provider]) {
      expect(stored).toContain('require("pulumi-agentcloud/dist/resources/chip-cluster/provider.cjs")');
      expect(stored.length).toBeLessThan(400);
    }
    expect(result.destroy).toEqual({ delete: 2 });
    expect((await emulator.api("GET", "/v1/chip-clusters")).body.items).toEqual([]);
  });

  it("takes over a stack whose state holds the shim's functions (a linked package) without a change", async () => {
    userScript(
      "upgrade.mjs",
      "upgrade",
      `async () => ({
         id: new ChipCluster("c", { region: "cn-hangzhou", chipType: "zhenwu-810e", chipsPerHyperNode: 8, hyperNodeCount: 1 }).id,
       })`,
      `const step = process.argv[2];
       const out = {};
       if (step === "up") out.changes = (await stack.up()).summary.resourceChanges;
       if (step === "preview") out.changes = (await stack.preview()).changeSummary;
       if (step === "destroy") out.changes = (await stack.destroy()).summary.resourceChanges;
       const state = await stack.exportStack();
       out.stored = state.deployment.resources?.find((r) => r.type.endsWith(":ChipCluster"));
       console.log(JSON.stringify(out));`,
    );
    const run = (step: string) =>
      JSON.parse(runUserScript("upgrade.mjs", step).trim().split("\n").pop() as string);
    // The package linked from outside node_modules (as `npm link` or a `file:` dependency does): the
    // serializer stores the shim's functions.
    const installed = join(app, "node_modules", "pulumi-agentcloud");
    const vendored = join(app, "vendor", "pulumi-agentcloud");
    mkdirSync(join(app, "vendor"));
    renameSync(installed, vendored);
    symlinkSync(vendored, installed, "dir");
    let created: { id: string; inputs: { __provider: string } };
    try {
      const first = run("up");
      expect(first.changes).toEqual({ create: 2 });
      created = first.stored;
      expect(created.inputs.__provider).toContain('kind: "ChipCluster"');
    } finally {
      unlinkSync(installed);
      renameSync(vendored, installed);
    }
    // Installed again: the new form previews as no change, and the same resource stays.
    expect(run("preview").changes).toEqual({ same: 2 });
    const second = run("up");
    expect(second.changes).toEqual({ same: 2 });
    expect(second.stored.id).toBe(created.id);
    expect(second.stored.inputs.__provider).toContain(
      'require("pulumi-agentcloud/dist/resources/chip-cluster/provider.cjs")',
    );
    expect((await emulator.api("GET", `/v1/chip-clusters/${created.id}`)).status).toBe(200);
    // The resource's outputs still hold the old form until it is next updated: delete goes through it.
    expect(run("destroy").changes).toEqual({ delete: 2 });
    expect((await emulator.api("GET", "/v1/chip-clusters")).body.items).toEqual([]);
  });
});
