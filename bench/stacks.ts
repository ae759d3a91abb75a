/**
 * Parallel stacks: N stacks of 25 ChipClusters each, every stack its own `pulumi up` process, all
 * against one emulator (on disk) at once, on the file:// backend and on PostgreSQL. Reported against
 * one stack of the same backend in the same run: the wall time of N stacks, the emulator's request
 * rate and p99 latency under that load (its request log), the CPU spent (/proc, by process kind);
 * and PostgreSQL against file:// for the same N.
 *
 * The stacks share one project folder and one PULUMI_HOME and are created one at a time before the
 * ups. Between runs everything is dropped, not destroyed: the emulator reset (resources, request
 * log) and configured again, the file backend's folder removed, PostgreSQL's `pulumi_state`
 * emptied, the stacks' config files deleted. The program is TypeScript, as users write it (the
 * language host runs every program under ts-node anyway: `runtime.options.typescript` reaches the
 * pinned v3.68 host as a command-line flag only, and the v3.274 engine passes none).
 * `node bench/stacks.ts [--small]` prints the table alone.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type RunningEmulator, startEmulator } from "../test/support/emulator.ts";
import { installBuiltPackage, repoRoot } from "../test/support/paths.ts";
import { type RunningPostgres, startPostgres } from "../test/support/postgres.ts";
import { pulumiEnv } from "../test/support/pulumi-env.ts";
import { printTable, type Row, row } from "./table.ts";

/** The engine bench's directory: the installed package is shared. */
const benchRoot = join(repoRoot, ".agentcloud", "bench");

type Env = Record<string, string>;
type Backend = "file" | "postgres";
const backendNames: Record<Backend, string> = { file: "file://", postgres: "PostgreSQL" };

const program = `import { ChipCluster } from "pulumi-agentcloud";
const n = Number(process.env.BENCH_RESOURCES);
for (let i = 0; i < n; i++) {
  new ChipCluster("c" + i, { region: "cn-hangzhou", chipType: "zhenwu-810e", chipsPerHyperNode: 8, hyperNodeCount: 1 });
}
`;

interface Logged {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  time: string;
}

/** What one run of N stacks measured. */
interface Run {
  wall: number;
  /** /v1 requests per second, from the first to the last of the run. */
  rate: number;
  /** p99 of the emulator's own time per /v1 request (its request log's durationMs). */
  p99: number;
  /** Share of all cores busy over the run (/proc/stat). */
  busy: number;
  /** CPU seconds by kind of process (/proc/<pid>/stat). */
  cpu: Map<string, number>;
}

function read(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } {
  const f = (read("/proc/stat").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  // idle and iowait
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/**
 * CPU time of the processes of the run, sampled from /proc every 200 ms: those working under the
 * run's directory (each `pulumi up`, its language host and program, its provider), the emulator and
 * PostgreSQL's server processes. A process's last < 200 ms before it exits are not seen.
 */
class ProcessCpu {
  readonly #ticks = new Map<string, { what: string; ticks: number }>();
  readonly #base = new Map<string, number>();
  readonly #kind = new Map<string, string | null>();
  readonly #timer: NodeJS.Timeout;
  #first = true;
  readonly dir: string;
  readonly emulatorPid: number | undefined;
  readonly pgDir: string | undefined;
  constructor(dir: string, emulatorPid: number | undefined, pgDir: string | undefined) {
    this.dir = dir;
    this.emulatorPid = emulatorPid;
    this.pgDir = pgDir;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 200);
  }
  #classify(pid: string): string | null {
    if (Number(pid) === this.emulatorPid) return "emulator";
    let cwd = "";
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      return null;
    }
    const cmd = read(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
    if (this.pgDir && cwd.startsWith(this.pgDir)) return "PostgreSQL";
    if (!cwd.startsWith(this.dir)) return null;
    if (/dynamic-provider|pulumi-resource-pulumi-nodejs/.test(cmd)) return "provider";
    if (cmd.includes("pulumi-language-nodejs")) return "language host";
    if (cmd.includes("cmd/run")) return "program (node)";
    if (/(^|\/)pulumi /.test(cmd)) return "engine";
    return "other";
  }
  #sample() {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      // Looked at again while "other": a fork becomes what it runs.
      if (!this.#kind.has(pid) || this.#kind.get(pid) === "other") this.#kind.set(pid, this.#classify(pid));
      const what = this.#kind.get(pid);
      if (!what) continue;
      const stat = read(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (!Number.isFinite(ticks)) continue;
      // Processes alive before the run (the emulator, PostgreSQL) count from their first sample.
      if (!this.#base.has(pid)) this.#base.set(pid, this.#first ? ticks : 0);
      this.#ticks.set(pid, { what, ticks: ticks - (this.#base.get(pid) ?? 0) });
    }
    this.#first = false;
  }
  stop(): Map<string, number> {
    clearInterval(this.#timer);
    this.#sample();
    const by = new Map<string, number>();
    for (const { what, ticks } of this.#ticks.values()) by.set(what, (by.get(what) ?? 0) + ticks / 100);
    return by;
  }
}

function pulumi(args: string[], cwd: string, env: Env): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      "pulumi",
      [...args, "--non-interactive"],
      { cwd, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : -1) : 0,
          out: stdout + stderr,
        }),
    );
  });
}

async function ok(args: string[], cwd: string, env: Env): Promise<void> {
  const r = await pulumi(args, cwd, env);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")}: exit ${r.code}\n${r.out}`);
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.99 * (xs.length - 1))] ?? 0;

export async function benchStacks(options: { small?: boolean } = {}): Promise<Row[]> {
  const counts = options.small ? [1, 2] : [1, 4, 8, 16];
  const resources = options.small ? 5 : 25;
  const runDir = join(benchRoot, `stacks-${process.pid}`);
  const projectDir = join(runDir, "project");
  mkdirSync(projectDir, { recursive: true });
  // The program resolves `pulumi-agentcloud` to this checkout's build, installed as users get it.
  installBuiltPackage(benchRoot);
  writeFileSync(join(projectDir, "Pulumi.yaml"), "name: stacksbench\nruntime: nodejs\n");
  writeFileSync(join(projectDir, "package.json"), JSON.stringify({ type: "module", main: "index.ts" }));
  writeFileSync(join(projectDir, "index.ts"), program);

  const emulator: RunningEmulator = await startEmulator({
    compiled: true,
    dataDir: join(runDir, "emulator"),
  });
  let pg: RunningPostgres | undefined;
  const configure = async () => {
    // Room for 16 × 25 clusters of 8 chips (default: 2,048 chips per type); creates settle at once.
    await emulator.admin("PUT", "/_mock/limits", { chipsPerType: 1_000_000, capacityPerRegion: 1_000_000 });
    await emulator.admin("PUT", "/_mock/transitions", {
      ChipCluster: { mode: "immediate" },
      ModelEndpoint: { mode: "immediate" },
    });
  };
  const env: Env = {
    ...(process.env as Env),
    ...pulumiEnv(join(runDir, "state")),
    // One PULUMI_HOME for every stack, as a team's CI runner has.
    PULUMI_HOME: join(runDir, "home"),
    PULUMI_DIY_BACKEND_PARALLEL: "1",
    AGENTCLOUD_ENDPOINT: emulator.url,
    AGENTCLOUD_TOKEN: "agentcloud-dev-token",
    BENCH_RESOURCES: String(resources),
  };
  mkdirSync(env.PULUMI_HOME as string, { recursive: true });

  /** N stacks initialized one at a time, then N `pulumi up`s at once; everything dropped after. */
  async function once(backend: Backend, n: number): Promise<Run> {
    const stateDir = join(runDir, "state", `${backend}-${n}`);
    mkdirSync(stateDir, { recursive: true });
    const e: Env = {
      ...env,
      PULUMI_BACKEND_URL: backend === "file" ? `file://${stateDir}` : (pg?.url ?? ""),
    };
    const stacks = Array.from({ length: n }, (_, i) => `s${i + 1}`);
    try {
      await emulator.admin("POST", "/_mock/reset", {});
      await configure();
      const initStarted = performance.now();
      for (const s of stacks) await ok(["stack", "init", s], projectDir, e);
      const init = (performance.now() - initStarted) / 1000;
      const before = machineTicks();
      const cpu = new ProcessCpu(runDir, emulator.process.pid, pg?.dir);
      const started = performance.now();
      const results = await Promise.all(
        stacks.map((s) => pulumi(["up", "--yes", "--skip-preview", "--stack", s], projectDir, e)),
      );
      const wall = (performance.now() - started) / 1000;
      const byKind = cpu.stop();
      const after = machineTicks();
      for (const [i, r] of results.entries())
        if (r.code !== 0) throw new Error(`pulumi up --stack ${stacks[i]}: exit ${r.code}\n${r.out}`);
      // The reset emptied the log: all of it is this run's (it keeps 1,000; 16 × 25 creates make ~800).
      const log: Logged[] = (await emulator.admin("GET", "/_mock/requests?limit=10000")).body.items;
      const v1 = log.filter((l) => l.path.startsWith("/v1/"));
      const created = v1.filter(
        (l) => l.method === "POST" && l.path === "/v1/chip-clusters" && l.status < 300,
      );
      if (created.length !== n * resources)
        throw new Error(
          `${created.length} ChipClusters created for ${n} × ${resources}` +
            (log.length >= 1000 ? " (the request log, 1,000 long, is full: figures cut)" : ""),
        );
      const times = v1.map((l) => Date.parse(l.time));
      const span = (Math.max(...times) - Math.min(...times)) / 1000;
      const perSecond = new Map<number, number>();
      for (const t of times)
        perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
      const paths = new Map<string, number>();
      for (const l of v1) {
        const k = `${l.method} ${l.path.replace(/\/[^/]*\d[^/]*/g, "/:id")}`;
        paths.set(k, (paths.get(k) ?? 0) + 1);
      }
      const run: Run = {
        wall,
        rate: v1.length / Math.max(span, 1),
        p99: p99(v1.map((l) => l.durationMs)),
        busy: (after.busy - before.busy) / Math.max(1, after.total - before.total),
        cpu: byKind,
      };
      const kinds = [...byKind].sort((a, b) => b[1] - a[1]);
      console.error(
        `[stacks] ${backendNames[backend]}, ${n} × ${resources}: init ${init.toFixed(1)} s, up ${wall.toFixed(1)} s; ` +
          `${v1.length} requests in ${span.toFixed(1)} s (${v1.filter((l) => l.status >= 400).length} >= 400; ` +
          `${[...paths].map(([k, c]) => `${k} ×${c}`).join(", ")}), ${run.rate.toFixed(1)} req/s, ` +
          `busiest second ${Math.max(...perSecond.values())}, p99 ${run.p99} ms; machine busy ` +
          `${(run.busy * 100).toFixed(0)}%; CPU s: ${kinds.map(([k, c]) => `${k} ${c.toFixed(1)}`).join(", ")}`,
      );
      return run;
    } finally {
      // Dropped, not destroyed: the cloud reset, the state gone, the stacks' config files removed.
      await emulator.admin("POST", "/_mock/reset", {});
      rmSync(stateDir, { recursive: true, force: true });
      if (backend === "postgres") await pg?.query("DELETE FROM pulumi_state").catch(() => "");
      for (const f of readdirSync(projectDir))
        if (/^Pulumi\..+\.yaml$/.test(f)) rmSync(join(projectDir, f), { force: true });
    }
  }

  const rows: Row[] = [];
  const cores = cpus().length;
  const cpuTotal = (r: Run) => [...r.cpu.values()].reduce((a, b) => a + b, 0);
  const runs: Record<Backend, Map<number, Run>> = { file: new Map(), postgres: new Map() };
  const stacksOf = (n: number) => `${n} stack${n > 1 ? "s" : ""} × ${resources} ChipClusters`;
  try {
    pg = await startPostgres("stacksbench");
    // Both backends at each N, one after the other (in turn first), so that a change in the machine's
    // load between sizes weighs on both alike.
    for (const [i, n] of counts.entries()) {
      const order: Backend[] = i % 2 ? ["postgres", "file"] : ["file", "postgres"];
      for (const backend of order) runs[backend].set(n, await once(backend, n));
    }
    for (const backend of ["file", "postgres"] as const) {
      const one = runs[backend].get(1) as Run;
      for (const n of counts) {
        const r = runs[backend].get(n) as Run;
        const name = `${stacksOf(n)}, ${backendNames[backend]}`;
        const base = n > 1 ? one : undefined;
        rows.push(row(`${name}: pulumi up wall`, r.wall, "s", base?.wall, "1 stack", n * resources));
        // With every core busy, N stacks cannot take less than N times one stack's CPU over the cores.
        if (base) {
          const bound = Math.max(one.wall, (n * cpuTotal(one)) / cores);
          rows.push(
            row(`${name}: wall vs CPU-bound limit`, r.wall, "s", bound, `N × 1 stack's CPU / ${cores}`),
          );
        }
        rows.push(
          row(`${name}: emulator requests/s`, r.rate, "req/s", base?.rate, "1 stack"),
          row(`${name}: emulator p99 latency`, r.p99, "ms", base?.p99, "1 stack"),
          row(`${name}: CPU s per stack`, cpuTotal(r) / n, "s", base && cpuTotal(base), "1 stack"),
          row(`${name}: its processes' CPU, of ${cores} cores`, (cpuTotal(r) / (r.wall * cores)) * 100, "%"),
          row(`${name}: machine busy (every process)`, r.busy * 100, "%"),
        );
      }
    }
    for (const n of counts) {
      const [f, p] = [runs.file.get(n) as Run, runs.postgres.get(n) as Run];
      rows.push(row(`${stacksOf(n)}: PostgreSQL vs file://, wall`, p.wall, "s", f.wall, "file://"));
    }
  } finally {
    await emulator.stop();
    if (pg) {
      await pg.stop().catch(() => {});
      rmSync(pg.dir, { recursive: true, force: true });
    }
    rmSync(runDir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { small: { type: "boolean", default: false } } });
  printTable(await benchStacks({ small: values.small }));
}
