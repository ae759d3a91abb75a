/**
 * The Python interpreter a `python3.12` or `python3.13` code artifact runs with: `AGENTCLOUD_PYTHON`
 * when set (a command on PATH or a path), else the runtime's own command (`python3.12`) when it
 * runs, else `python3`. Any Python 3.9 or later is accepted: the emulator does not insist on the
 * runtime's minor version, so on a host with only `python3` (3.11, say) a `python3.12` runtime runs
 * with it. Each command is tried once (it is run, not just looked up on PATH: a pyenv shim of a
 * version that is not installed is on PATH but does not run) and the answer kept for the process.
 */
import { spawnSync } from "node:child_process";

/** A Python that runs: the path of its executable (what the sandbox starts) and its version. */
export interface Python {
  executable: string;
  version: string;
}

/** The oldest Python the harness (sandbox/harness.py) runs on. */
const minimum = [3, 9] as const;

/** Each command tried: the Python it is, or why it is none. */
const tried = new Map<string, Python | string>();

const probeScript = "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])";

function probe(command: string): Python | string {
  const known = tried.get(command);
  if (known !== undefined) return known;
  const run = spawnSync(command, ["-I", "-c", probeScript], { encoding: "utf8", timeout: 10_000 });
  let found: Python | string;
  if (run.error)
    found = `${command}: ${(run.error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : run.error.message}`;
  else if (run.status !== 0)
    found = `${command}: exited ${run.status ?? run.signal}${run.stderr ? ` (${run.stderr.trim().split("\n")[0]})` : ""}`;
  else {
    const [executable = "", version = ""] = run.stdout.trim().split("\n");
    const [major = 0, minor = 0] = version.split(".").map(Number);
    found =
      major === minimum[0] && minor >= minimum[1]
        ? { executable: executable || command, version }
        : `${command}: Python ${version}, older than ${minimum.join(".")}`;
  }
  tried.set(command, found);
  return found;
}

/** The interpreter a code artifact of `runtime` (`python3.12`…) runs with, or why there is none. */
export function findPython(runtime: string): { python: Python } | { missing: string } {
  const chosen = process.env.AGENTCLOUD_PYTHON;
  const commands = chosen ? [chosen] : [runtime, "python3"];
  const why: string[] = [];
  for (const command of commands) {
    const found = probe(command);
    if (typeof found !== "string") return { python: found };
    why.push(found);
  }
  return {
    missing: `${runtime} needs Python ${minimum.join(".")} or later on the emulator's host, and none runs (${why.join("; ")}): install python3, or set AGENTCLOUD_PYTHON to an interpreter`,
  };
}
