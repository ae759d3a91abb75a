/**
 * The figures of one `npm run bench` as JSON, to compare runs across commits and machines:
 *
 * {
 *   "format": "agentcloud-bench/1",
 *   "date": ISO 8601,
 *   "args": { "small": boolean, "only": string | null },
 *   "git": { "commit": string | null, "branch": string | null, "dirty": boolean | null } when the run started,
 *   "machine": { "cpu": string, "cores": number, "memoryGiB": number, "os": string, "loadavg": [1, 5, 15 min] at the end },
 *   "versions": { "node": string, "pulumi": string | null, "@pulumi/pulumi": string | null, "pulumi-agentcloud": string },
 *   "rows": Row[] (bench/table.ts: name, value, unit, baseline?, baselineName?, ratio?, count?)
 * }
 *
 * Rows are matched by name across runs; absolute values move with the machine and its load, the
 * ratios (to a baseline of the same run) are what compare.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { repoRoot } from "../test/support/paths.ts";
import { pulumiEnv } from "../test/support/pulumi-env.ts";
import type { Row } from "./table.ts";

const format = "agentcloud-bench/1";

interface Results {
  format: typeof format;
  date: string;
  args: Record<string, unknown>;
  git: { commit: string | null; branch: string | null; dirty: boolean | null };
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; loadavg: number[] };
  versions: Record<string, string | null>;
  rows: Row[];
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string | null {
  try {
    return execFileSync(cmd, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

function packageVersion(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return null;
  }
}

/** The commit measured: read when the bench starts (a run takes long enough for commits to land). */
const gitAtStart = (() => {
  const status = run("git", ["status", "--porcelain", "--untracked-files=no"]);
  return {
    commit: run("git", ["rev-parse", "HEAD"]),
    branch: run("git", ["rev-parse", "--abbrev-ref", "HEAD"]),
    dirty: status === null ? null : status !== "",
  };
})();

export function writeResults(rows: Row[], args: Record<string, unknown>, path?: string): string {
  const date = new Date();
  const env = { ...process.env, PATH: pulumiEnv(join(repoRoot, ".agentcloud", "bench", "state")).PATH };
  const results: Results = {
    format,
    date: date.toISOString(),
    args,
    git: gitAtStart,
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: `${platform()} ${release()} ${arch()}`,
      loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    versions: {
      node: process.version,
      pulumi: run("pulumi", ["version"], env),
      "@pulumi/pulumi": packageVersion(join(repoRoot, "node_modules", "@pulumi", "pulumi")),
      "pulumi-agentcloud": packageVersion(repoRoot),
    },
    rows,
  };
  const file = resolve(
    path ??
      join(repoRoot, ".agentcloud", "bench", `results-${date.toISOString().replace(/[:.]/g, "-")}.json`),
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export function readResults(path: string): Results {
  const r = JSON.parse(readFileSync(path, "utf8")) as Results;
  if (r.format !== format) throw new Error(`${path}: not a ${format} file (format: ${String(r.format)})`);
  return r;
}
