/**
 * Where the time of one preview and one up goes (`node bench/run.ts --only breakdown [--preview N]
 * [--up N]`, default 1,000 and 200 ChipClusters; bench/README.md, "Engine", says how to read it):
 *
 * - CPU seconds of each process (/proc polling): the engine (`pulumi` CLI), its language host, the
 *   provider process, the program (this process: Automation API inline program) and the emulator;
 * - the engine's spans (`--tracing file:`, read by the Go program in bench/trace);
 * - the provider process's CPU profile (`NODE_OPTIONS=--cpu-prof`, grouped by package) and the
 *   program's (node:inspector in this process);
 * - every engine→plugin gRPC call (`PULUMI_DEBUG_GRPC=<file>`, JSON lines): count, payload sizes
 *   (protobuf JSON, as logged), time; what a Check response is made of, key by key;
 * - the emulator's requests (`GET /_mock/requests`) per resource, and the checkpoint per resource.
 *
 * Every file it reads is kept in `.agentcloud/bench/breakdown-<date>/` (profiles open in Chrome
 * DevTools; `pulumi view-trace <file>` shows a trace).
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { repoRoot } from "../test/support/paths.ts";
import { benchRoot, engineSession, programs, timed, variantNames } from "./engine.ts";

interface Options {
  preview: number;
  up: number;
}

export async function breakdown(options: Options): Promise<void> {
  const out = join(benchRoot, `breakdown-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, "exit-on-signal.cjs"),
    // --cpu-prof writes its profile on exit only: the engine stops its plugins with a signal.
    "for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(0));\n",
  );
  const session = await engineSession("breakdown");
  const program = await programs(session);
  try {
    // Ours, then the cheapest validating dynamic provider (check returns its inputs) for comparison,
    // and for the preview the same with a ChipCluster's data (what the engine charges for our state).
    for (const [op, variant, n] of [
      ["preview", "ours", options.preview],
      ["preview", "checked", options.preview],
      ["preview", "shaped", options.preview],
      ["up", "ours", options.up],
      ["up", "checked", options.up],
    ] as const) {
      const dir = join(out, `${op}-${variant}`);
      mkdirSync(join(dir, "provider-cpu"), { recursive: true });
      const stack = await session.stack(
        `breakdown-${op}-${variant}`,
        program[variant](n),
        {
          PULUMI_DEBUG_GRPC: join(dir, "grpc.jsonl"),
          NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(dir, "provider-cpu")} --require ${join(out, "exit-on-signal.cjs")}`,
        },
        await profilingPulumi(join(dir, "engine-cpu")),
      );
      const cpu = new ProcessCpu(session.runDir, session.emulator.process.pid);
      const inspector = new Session();
      inspector.connect();
      await inspector.post("Profiler.enable");
      await inspector.post("Profiler.start");
      const started = new Date().toISOString();
      const programCpu = process.cpuUsage();
      const tracing = `file:${join(dir, "engine.trace")}`;
      const wall = await timed(async () => {
        if (op === "preview") await stack.preview({ tracing });
        else await stack.up({ parallel: 32, tracing });
      });
      const programUsage = process.cpuUsage(programCpu);
      const { profile } = await inspector.post("Profiler.stop");
      inspector.disconnect();
      cpu.stop();
      writeFileSync(join(dir, "program.cpuprofile"), JSON.stringify(profile));
      const requests = await session.emulator.admin("GET", "/_mock/requests?limit=10000");

      console.log(`\n=== pulumi ${op}, ${n} ${variantNames[variant]}: ${wall.toFixed(2)} s wall ===`);
      console.log("\n-- CPU seconds by process (/proc, sampled every 250 ms) --");
      const procs = cpu.summary();
      procs.push({
        what: "program (this process: Automation API + inline program)",
        cpu: (programUsage.user + programUsage.system) / 1e6,
        pids: 1,
      });
      table(
        ["process", "CPU s", "per resource", "processes"],
        procs.map((p) => [p.what, p.cpu.toFixed(2), ms(p.cpu / n), String(p.pids)]),
      );
      console.log("\n-- engine spans (--tracing) --");
      traceSummary(join(dir, "engine.trace"), n);
      console.log("\n-- engine CPU profile (pulumi --profiling, go tool pprof -top) --");
      engineProfile(join(dir, "engine-cpu"));
      console.log("\n-- engine → plugin gRPC calls (PULUMI_DEBUG_GRPC) --");
      grpcSummary(join(dir, "grpc.jsonl"), n);
      console.log("\n-- provider process CPU profile (--cpu-prof), by package --");
      const providerProfile = largestProfile(join(dir, "provider-cpu"));
      if (providerProfile) profileSummary(JSON.parse(readFileSync(providerProfile, "utf8")), n);
      else console.log("(no profile written)");
      console.log("\n-- program process CPU profile (node:inspector), by package --");
      profileSummary(profile as Profile, n);
      console.log("\n-- emulator requests (GET /_mock/requests) --");
      // The emulator serves every run of the session: this run's requests only.
      const items: { time: string; method: string; path: string }[] =
        requests.body?.items ?? requests.body ?? [];
      httpSummary(
        items.filter((r) => r.time >= started),
        n,
        items.length,
      );
      const checkpoint = checkpointSize(session.env.PULUMI_BACKEND_URL ?? "", `breakdown-${op}-${variant}`);
      if (checkpoint)
        console.log(`\ncheckpoint: ${checkpoint} bytes, ${(checkpoint / n).toFixed(0)} bytes per resource`);
    }
  } finally {
    await session.close();
  }
  console.log(`\nfiles: ${out}`);
}

/**
 * The CLI with `--profiling <prefix>` (Go CPU profile, `<prefix>.<pid>.cpu`), which the Automation
 * API has no option for: a wrapper script as the workspace's PulumiCommand.
 */
async function profilingPulumi(prefix: string): Promise<PulumiCommand> {
  const root = join(prefix, "..", "pulumi-wrapper");
  mkdirSync(join(root, "bin"), { recursive: true });
  const real = execFileSync("sh", ["-c", "command -v pulumi"], { env: process.env }).toString().trim();
  writeFileSync(join(root, "bin", "pulumi"), `#!/bin/sh\nexec "${real}" --profiling "${prefix}" "$@"\n`, {
    mode: 0o755,
  });
  return PulumiCommand.get({ root, skipVersionCheck: true });
}

/** Top functions of the engine's CPU profile (cumulative), by `go tool pprof`. */
function engineProfile(prefix: string): void {
  const dir = join(prefix, "..");
  const base = prefix.slice(dir.length + 1);
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`) && f.endsWith(".cpu"))
    .map((f) => join(dir, f));
  const profile = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!profile) return void console.log("(no engine profile written)");
  try {
    const top = execFileSync("go", ["tool", "pprof", "-top", "-cum", "-nodecount=30", profile], {
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 1 << 26,
    }).toString();
    console.log(top.split("\n").slice(0, 40).join("\n"));
  } catch (e) {
    console.log(`(go tool pprof failed: ${(e as Error).message.split("\n")[0]}; the profile is ${profile})`);
  }
}

const ms = (s: number) => `${(s * 1000).toFixed(2)} ms`;
const kb = (b: number) =>
  b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`;

function table(header: string[], rows: string[][]): void {
  const lines = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)));
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
}

/** CPU time of the processes working in the session's directory (and the emulator), from /proc. */
class ProcessCpu {
  readonly #seen = new Map<string, { what: string; ticks: number }>();
  /** Ticks a process had used before the run (the emulator lives for the whole session). */
  readonly #base = new Map<string, number>();
  #first = true;
  /** Pids looked at once: null when not ours (another worktree's, the machine's). */
  readonly #kind = new Map<string, string | null>();
  readonly #timer: NodeJS.Timeout;
  readonly dir: string;
  readonly emulatorPid: number | undefined;
  constructor(dir: string, emulatorPid: number | undefined) {
    this.dir = dir;
    this.emulatorPid = emulatorPid;
    this.#timer = setInterval(() => this.#sample(), 250);
    this.#sample();
  }
  #classify(pid: string): string | null {
    if (Number(pid) === process.pid) return null;
    if (Number(pid) === this.emulatorPid) return "emulator (agentcloud-mock)";
    let cwd = "";
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      return null;
    }
    if (!cwd.startsWith(this.dir)) return null;
    const cmd = read(`/proc/${pid}/cmdline`).split("\0");
    if (cmd.some((c) => c.includes("dynamic-provider"))) return "provider (node dynamic-provider)";
    if (cmd[0]?.endsWith("pulumi")) return "engine (pulumi CLI)";
    return `other: ${cmd.slice(0, 2).join(" ").slice(0, 60)}`;
  }
  #sample() {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      // Classified again while "other": the plugin script becomes the provider when it runs node.
      if (!this.#kind.has(pid) || this.#kind.get(pid)?.startsWith("other"))
        this.#kind.set(pid, this.#classify(pid));
      const what = this.#kind.get(pid);
      if (!what) continue;
      const stat = read(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (!Number.isFinite(ticks)) continue;
      if (!this.#base.has(pid)) this.#base.set(pid, this.#first ? ticks : 0);
      this.#seen.set(pid, { what, ticks: ticks - (this.#base.get(pid) ?? 0) });
    }
    this.#first = false;
  }
  stop() {
    this.#sample();
    clearInterval(this.#timer);
  }
  summary(): { what: string; cpu: number; pids: number }[] {
    const by = new Map<string, { what: string; cpu: number; pids: number }>();
    for (const { what, ticks } of this.#seen.values()) {
      const e = by.get(what) ?? { what, cpu: 0, pids: 0 };
      e.cpu += ticks / 100; // USER_HZ
      e.pids++;
      by.set(what, e);
    }
    return [...by.values()].sort((a, b) => b.cpu - a.cpu);
  }
}

function read(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

interface Span {
  id: string;
  parent: string;
  name: string;
  start: string;
  end: string;
}

/** Spans by name: how many, their summed time, and the wall time covered by at least one. */
function traceSummary(file: string, n: number): void {
  if (!existsSync(file)) return void console.log("(no trace written)");
  let text: string;
  try {
    text = execFileSync("go", ["run", ".", file], {
      cwd: join(repoRoot, "bench", "trace"),
      env: { ...process.env, GOFLAGS: "-mod=readonly", GOPROXY: "off" },
      maxBuffer: 1 << 30,
    }).toString();
  } catch (e) {
    return void console.log(
      `(cannot read the trace without Go: ${(e as Error).message.split("\n")[0]}; \`pulumi view-trace ${file}\` shows it)`,
    );
  }
  const spans = text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Span);
  const by = new Map<string, { count: number; sum: number; intervals: [number, number][] }>();
  for (const s of spans) {
    const [a, b] = [Date.parse(s.start), Date.parse(s.end)];
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    const e = by.get(s.name) ?? { count: 0, sum: 0, intervals: [] };
    e.count++;
    e.sum += (b - a) / 1000;
    e.intervals.push([a, b]);
    by.set(s.name, e);
  }
  const union = (iv: [number, number][]) => {
    iv.sort((x, y) => x[0] - y[0]);
    let total = 0;
    let [cs, ce] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const [a, b] of iv) {
      if (a > ce) {
        if (ce > cs) total += ce - cs;
        [cs, ce] = [a, b];
      } else ce = Math.max(ce, b);
    }
    if (ce > cs) total += ce - cs;
    return total / 1000;
  };
  const rows = [...by.entries()]
    .map(([name, e]) => ({ name, count: e.count, sum: e.sum, wall: union(e.intervals) }))
    .sort((a, b) => b.wall - a.wall)
    .slice(0, 25);
  console.log(`${spans.length} spans`);
  table(
    ["span", "count", "summed s", "wall s (union)", "summed per resource"],
    rows.map((r) => [
      r.name.slice(0, 70),
      String(r.count),
      r.sum.toFixed(2),
      r.wall.toFixed(2),
      ms(r.sum / n),
    ]),
  );
}

interface GrpcEntry {
  method: string;
  request?: unknown;
  response?: unknown;
  errors?: string[];
  progress?: string;
  /** Nanoseconds; a garbage value (near 2^63) on calls the engine serves (ResourceMonitor). */
  duration?: number;
}

/** Per method: calls, request/response bytes (protobuf JSON as logged), time; a Check response key by key. */
function grpcSummary(file: string, n: number): void {
  if (!existsSync(file)) return void console.log("(no gRPC log written: PULUMI_DEBUG_GRPC unsupported?)");
  const entries = readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as GrpcEntry)
    // One line when a call starts, one when it completes (with the response and the duration).
    .filter((e) => e.progress === undefined || e.progress === "response_completed");
  const by = new Map<string, { count: number; req: number; res: number; dur: number[] }>();
  for (const e of entries) {
    const m = by.get(e.method) ?? { count: 0, req: 0, res: 0, dur: [] };
    m.count++;
    m.req += e.request === undefined ? 0 : JSON.stringify(e.request).length;
    m.res += e.response === undefined ? 0 : JSON.stringify(e.response).length;
    if (typeof e.duration === "number" && e.duration < 1e13) m.dur.push(e.duration / 1e6);
    by.set(e.method, m);
  }
  const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)] ?? 0;
  table(
    [
      "method",
      "calls",
      "per resource",
      "request avg",
      "response avg",
      "total bytes",
      "ms p50",
      "ms p90",
      "ms summed",
    ],
    [...by.entries()]
      .sort((a, b) => b[1].req + b[1].res - (a[1].req + a[1].res))
      .map(([method, m]) => [
        method.replace(/^\/pulumirpc\./, ""),
        String(m.count),
        (m.count / n).toFixed(2),
        kb(Math.round(m.req / m.count)),
        kb(Math.round(m.res / m.count)),
        kb(m.req + m.res),
        pct(m.dur, 0.5).toFixed(1),
        pct(m.dur, 0.9).toFixed(1),
        m.dur.reduce((a, b) => a + b, 0).toFixed(0),
      ]),
  );
  for (const [method, side, path] of [
    ["/pulumirpc.ResourceProvider/Check", "request", "news"],
    ["/pulumirpc.ResourceProvider/Check", "response", "inputs"],
    ["/pulumirpc.ResourceProvider/Create", "response", "properties"],
  ] as const) {
    const e = entries.find(
      (x) => x.method === method && (x[side] as Record<string, unknown> | undefined)?.[path],
    );
    const bag = (e?.[side] as Record<string, Record<string, unknown>> | undefined)?.[path];
    if (!bag) continue;
    const total = JSON.stringify(bag).length;
    const keys = Object.entries(bag)
      .map(([k, v]) => ({ k, size: JSON.stringify(v).length + k.length + 3 }))
      .sort((a, b) => b.size - a.size);
    console.log(
      `\n${method.split("/").at(-1)} ${side}.${path} of one resource: ${total} bytes, ${keys.length} keys; largest: ${keys
        .slice(0, 8)
        .map(({ k, size }) => `${k} ${size} B (${((size / total) * 100).toFixed(0)}%)`)
        .join(", ")}`,
    );
  }
}

interface Profile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

function largestProfile(dir: string): string | null {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")) : [];
  const sized = files.map((f) => ({ f: join(dir, f), size: statSync(join(dir, f)).size }));
  return sized.sort((a, b) => b.size - a.size)[0]?.f ?? null;
}

/** Where a frame's code lives: our package, a dependency (by package name), node itself, or the VM. */
function packageOf(url: string, fn: string): string {
  if (url === "node:inspector" || url.endsWith("/bench/breakdown.ts")) return "(measurement)";
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm !== -1) {
    const rest = path.slice(nm + "/node_modules/".length).split("/");
    const pkg = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
    if (pkg === "@pulumi/pulumi") return `@pulumi/pulumi/${rest[2] ?? ""}`;
    return pkg;
  }
  if (path.startsWith(repoRoot))
    return `pulumi-agentcloud ${path
      .slice(repoRoot.length + 1)
      .split("/")
      .slice(0, 3)
      .join("/")}`;
  return path;
}

/**
 * Self time by package, the top functions by self time, and the time with our package anywhere on
 * the stack (our code and everything it calls: zod, JSON, undici).
 */
function profileSummary(profile: Profile, n: number): void {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const ours = new Map<number, boolean>();
  const isOurs = (id: number): boolean => {
    const cached = ours.get(id);
    if (cached !== undefined) return cached;
    const x = byId.get(id);
    const p = parent.get(id);
    const url = x?.callFrame.url ?? "";
    const v =
      url.includes(`${repoRoot}/dist/`) ||
      url.includes(`${repoRoot}/provider/`) ||
      url.includes("/node_modules/pulumi-agentcloud/") ||
      (p !== undefined && isOurs(p));
    ours.set(id, v);
    return v;
  };
  const self = new Map<number, number>();
  let total = 0;
  let underOurs = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1e6;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
    if (isOurs(id)) underOurs += dt;
  });
  const byPkg = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const [id, t] of self) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const pkg = packageOf(cf.url, cf.functionName);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t);
    const fn = `${cf.functionName || "(anonymous)"} ${cf.url.replace(/^.*node_modules\//, "").replace(`file://${repoRoot}/`, "")}:${cf.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
  }
  const idle = (byPkg.get("(idle)") ?? 0) + (byPkg.get("(measurement)") ?? 0);
  console.log(
    `sampled ${total.toFixed(2)} s, of which busy (not idle, not this breakdown's own sampling) ${(total - idle).toFixed(2)} s (${ms((total - idle) / n)} per resource); with pulumi-agentcloud on the stack: ${underOurs.toFixed(2)} s (${ms(underOurs / n)} per resource)`,
  );
  const top = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .filter(
        ([name]) =>
          name !== "(idle)" &&
          name !== "(measurement)" &&
          !name.includes("node:inspector") &&
          !name.includes("bench/breakdown.ts"),
      )
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, t]) => [
        name.slice(0, 90),
        t.toFixed(2),
        `${((t / (total - idle)) * 100 || 0).toFixed(1)}%`,
      ]);
  table(["package (self time)", "s", "of busy"], top(byPkg, 14));
  console.log("");
  table(["function (self time)", "s", "of busy"], top(byFn, 12));
}

/** Requests by method and path (ids replaced), per resource. */
function httpSummary(items: { method: string; path: string }[], n: number, logged: number): void {
  const by = new Map<string, number>();
  for (const r of items) {
    if (r.path.startsWith("/_mock")) continue;
    const path = r.path
      .replace(/\?.*$/, "")
      .split("/")
      .map((seg) => (/\d/.test(seg) && !/^v\d+$/.test(seg) ? ":id" : seg))
      .join("/");
    const key = `${r.method} ${path}`;
    by.set(key, (by.get(key) ?? 0) + 1);
  }
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${total} requests, ${(total / n).toFixed(2)} per resource${logged >= 1000 ? " (the log holds the last 1,000 only: counts may be cut)" : ""}`,
  );
  table(
    ["request", "count", "per resource"],
    [...by.entries()].sort((a, b) => b[1] - a[1]).map(([k, c]) => [k, String(c), (c / n).toFixed(2)]),
  );
}

/** Size of the stack's checkpoint in the file backend. */
function checkpointSize(backendUrl: string, stack: string): number | null {
  const dir = join(backendUrl.replace(/^file:\/\//, ""), ".pulumi", "stacks", "agentcloud-bench");
  for (const f of [`${stack}.json`, `${stack}.json.gz`]) {
    if (existsSync(join(dir, f))) return statSync(join(dir, f)).size;
  }
  return null;
}
