import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { devToken, type RunningEmulator } from "./emulator.ts";
import { scratchRoot } from "./paths.ts";
import { commandLine, descendants } from "./processes.ts";
import { cliEnv, type Result, run } from "./typed-cli.ts";

/**
 * A Pulumi project of its own in the run's scratch space, typed as a user does (`pulumi up` in the
 * folder, the Node language host running index.ts), whose `pulumi` commands can be SIGKILLed as a
 * whole process group mid-run, as a cancelled CI job or a closed terminal does. The engine starts
 * the dynamic-provider plugin in a process group of its own: it survives such a kill, as it does
 * in CI.
 */
export function killableProject(name: string, program: string, emulator: RunningEmulator) {
  const { env: base } = cliEnv(name);
  const env = { ...base, AGENTCLOUD_ENDPOINT: emulator.url, AGENTCLOUD_TOKEN: devToken };
  const dir = join(scratchRoot, "projects", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", main: "index.ts" }));
  writeFileSync(join(dir, "index.ts"), program);
  const stack = "dev";
  const args = (a: string[]) => [...a, "--stack", stack, "--non-interactive"];
  const pulumi = async (a: string[]): Promise<string> => {
    let r = await run("pulumi", args(a), { cwd: dir, env, timeout: 300_000 });
    // What README tells users to do when a kill cut the file backend's metadata sidecar.
    if (r.code !== 0 && /failed to load checkpoint: EOF/.test(r.stderr + r.stdout)) {
      removeEmptySidecars(
        ((env as Record<string, string>).PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, ""),
      );
      r = await run("pulumi", args(a), { cwd: dir, env, timeout: 300_000 });
    }
    if (r.code !== 0) throw new Error(`pulumi ${a.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  };
  return {
    dir,
    pulumi,
    /** `pulumi <a>` in a process group of its own: kill() SIGKILLs the group (CLI, language host, program). */
    start(a: string[]) {
      const child = spawn("pulumi", args(a), {
        cwd: dir,
        env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout?.on("data", (d) => {
        output += d;
      });
      child.stderr?.on("data", (d) => {
        output += d;
      });
      let exited = false;
      const done = new Promise<Result>((resolve) =>
        child.once("exit", (code) => {
          exited = true;
          resolve({ code: code ?? -1, stdout: output, stderr: "" });
        }),
      );
      return {
        done,
        exited: () => exited,
        kill: async () => {
          // The 2023 language host runs in a group of its own and would outlive the kill; the
          // provider plugin is left alive on purpose (as in CI).
          const hosts = descendants(child.pid as number).filter((pid) =>
            commandLine(pid).includes("pulumi-language-nodejs"),
          );
          try {
            process.kill(-(child.pid as number), "SIGKILL");
          } catch {}
          for (const pid of hosts) {
            try {
              process.kill(pid, "SIGKILL");
            } catch {}
          }
          return done;
        },
      };
    },
    async init() {
      await pulumi(["stack", "init"]);
    },
    /** The ids of AgentCloud resources the stack's state holds (with their URNs). */
    async stateIds(): Promise<Map<string, string>> {
      const out = await pulumi(["stack", "export"]);
      const state = JSON.parse(out.slice(out.indexOf("{"))) as {
        deployment: { resources?: { urn: string; id?: string; type: string; delete?: boolean }[] };
      };
      const ids = new Map<string, string>();
      for (const r of state.deployment.resources ?? []) {
        if (!r.type.startsWith("pulumi-nodejs:dynamic/agentcloud:") || !r.id) continue;
        expect(ids.has(r.id), `${r.id} is in state twice`).toBe(false);
        ids.set(r.id, r.urn);
      }
      return ids;
    },
  };
}

/** Every resource of the development account, by id. */
export async function census(
  emulator: RunningEmulator,
): Promise<Map<string, { name: string; kind: string }>> {
  const all = new Map<string, { name: string; kind: string }>();
  for (const c of ["chip-clusters", "model-endpoints", "agent-runtimes"]) {
    const res = await emulator.api("GET", `/v1/${c}?pageSize=500`);
    expect(res.status).toBe(200);
    for (const r of res.body.items) all.set(r.id, { name: r.name, kind: c });
  }
  return all;
}

/**
 * The file backend (gocloud's fileblob) writes a checkpoint atomically, but its metadata sidecar
 * (`<stack>.json.attrs`) in place: a kill in between leaves it empty, and every command then fails
 * with `failed to load checkpoint: EOF`. The checkpoint itself is intact; the sidecar holds only a
 * content type and a checksum, and a missing one is fine. Removes the empty ones.
 */
function removeEmptySidecars(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".attrs")) continue;
    const file = `${entry.parentPath}/${entry.name}`;
    if (statSync(file).size === 0) rmSync(file);
  }
}
