import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot, scratchRoot } from "../support/paths.ts";
import { commandLine, descendants } from "../support/processes.ts";
import { pulumiEnv } from "../support/pulumi-env.ts";

let emulator: RunningEmulator;
const env = () => ({
  ...process.env,
  ...pulumiEnv(join(scratchRoot, "interrupted-state")),
  AGENTCLOUD_ENDPOINT: emulator.url,
  AGENTCLOUD_TOKEN: devToken,
});

/** `pulumi <command>` of examples/chip-cluster in its own process group (runner, CLI, provider). */
function run(
  command: "up" | "destroy",
  stack: string,
): { pid: number; done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(
    process.execPath,
    ["scripts/pulumi-example.ts", command, "examples/chip-cluster", "--stack", stack],
    { cwd: repoRoot, env: env(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  return {
    pid: child.pid as number,
    done: new Promise((r) => child.once("exit", (code) => r({ code, output }))),
  };
}

const alive = (pid: number) => commandLine(pid) !== "";

const up = () => run("up", "interrupted");

async function clusters(): Promise<any[]> {
  return (await emulator.api("GET", "/v1/chip-clusters")).body.items;
}

describe("a pulumi up killed during a create", { timeout: 300_000 }, () => {
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await run("destroy", "interrupted").done;
    await emulator?.stop();
  });

  it("adopts the resource the cloud accepted on the next up instead of creating a duplicate", async () => {
    // Provisioning takes a minute on the emulator's clock: the create is in flight when we kill.
    const slow = await emulator.admin("PUT", "/_mock/transitions", {
      ChipCluster: { mode: "duration", ms: 60_000 },
    });
    expect(slow.status).toBeLessThan(300);
    const first = up();
    let exited = false;
    void first.done.then(() => {
      exited = true;
    });
    while ((await clusters()).length === 0) {
      if (exited) throw new Error(`pulumi up ended before creating anything:\n${(await first.done).output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Like a machine losing the process tree: the runner, the CLI and the plugins it started (which
    // live in process groups of their own).
    for (const pid of [first.pid, ...descendants(first.pid)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    await first.done;
    expect(await clusters()).toHaveLength(1);

    await emulator.admin("PUT", "/_mock/transitions", { ChipCluster: { mode: "immediate" } });
    // What the user does after a killed run: release the stack's lock, then up again.
    execFileSync("pulumi", ["cancel", "--yes", "--stack", "interrupted", "--cwd", "examples/chip-cluster"], {
      cwd: repoRoot,
      env: env(),
    });
    const second = await up().done;
    expect(second.code, second.output).toBe(0);
    const after = await clusters();
    expect(after).toHaveLength(1);
    expect(after[0].status).toBe("ACTIVE");
    expect(second.output).toContain(after[0].id);
    // Both runs asked to create; the second was answered with the first one's resource.
    const log = (await emulator.admin("GET", "/_mock/requests?limit=1000")).body.items;
    const creates = log.filter((r: any) => r.method === "POST" && r.path === "/v1/chip-clusters");
    expect(creates.map((r: any) => r.status)).toEqual([202, 202]);
  });

  it("leaves no provider process behind when only the engine is killed", async () => {
    await emulator.admin("PUT", "/_mock/transitions", { ChipCluster: { mode: "duration", ms: 60_000 } });
    const before = (await clusters()).length;
    const first = run("up", "engine-killed");
    while ((await clusters()).length === before) {
      if (!alive(first.pid)) throw new Error(`pulumi up ended early:\n${(await first.done).output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const tree = descendants(first.pid);
    const providers = tree.filter((pid) => commandLine(pid).includes("dynamic-provider"));
    expect(providers.length).toBeGreaterThan(0);
    // What a cancelled CI job does to the engine: SIGKILL, no chance to stop its plugins.
    const engines = tree.filter((pid) => /(^|\/)pulumi /.test(commandLine(pid)));
    expect(engines.length).toBeGreaterThan(0);
    for (const pid of [first.pid, ...engines]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    await first.done;
    const until = Date.now() + 30_000;
    while (providers.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(providers.filter(alive).map(commandLine)).toEqual([]);

    await emulator.admin("PUT", "/_mock/transitions", { ChipCluster: { mode: "immediate" } });
    execFileSync(
      "pulumi",
      ["cancel", "--yes", "--stack", "engine-killed", "--cwd", "examples/chip-cluster"],
      {
        cwd: repoRoot,
        env: env(),
      },
    );
    const adopted = await run("up", "engine-killed").done;
    expect(adopted.code, adopted.output).toBe(0);
    const destroyed = await run("destroy", "engine-killed").done;
    expect(destroyed.code, destroyed.output).toBe(0);
  });
});
