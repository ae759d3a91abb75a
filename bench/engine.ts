/**
 * Engine benchmarks: the real `pulumi` CLI through the Automation API against the emulator, next
 * to three floors measured in the same run: no-op dynamic resources, no-op dynamic resources whose
 * provider has a `check` that returns its inputs (the cheapest validating dynamic provider), and
 * the same with a ChipCluster's inputs and outputs (what the engine charges for our state, whoever
 * the provider). Preview and up at several sizes, so the cost per resource shows how it grows.
 * Ratios, not absolute times, are the result.
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import {
  LocalWorkspace,
  type PulumiCommand,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation/index.js";
import { type RunningEmulator, startEmulator } from "../test/support/emulator.ts";
import { installBuiltPackage, repoRoot } from "../test/support/paths.ts";
import { pulumiEnv } from "../test/support/pulumi-env.ts";
import { type Row, row } from "./table.ts";

export const benchRoot = join(repoRoot, ".agentcloud", "bench");

const noop: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: `noop-${Math.random().toString(36).slice(2)}`, outs: inputs };
  },
};

/** The cheapest validating dynamic provider: check accepts its inputs as they are. */
const checked: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news };
  },
  async create(inputs) {
    return { id: `noop-${Math.random().toString(36).slice(2)}`, outs: inputs };
  },
};

/** The floors: dynamic resources that do nothing. */
class Noop extends pulumi.dynamic.Resource {}

export type Variant = "noop" | "checked" | "shaped" | "ours";
export const variantNames: Record<Variant, string> = {
  noop: "no-op dynamic resources",
  checked: "no-op + check returning its inputs",
  shaped: "no-op + check with a ChipCluster's inputs and outputs",
  ours: "ChipClusters",
};

const clusterArgs = {
  region: "cn-hangzhou",
  chipType: "zhenwu-810e",
  chipsPerHyperNode: 8,
  hyperNodeCount: 1,
} as const;

type Props = Record<string, unknown>;

/**
 * What one ChipCluster of the programs holds in state: the inputs our check returns and the outputs
 * our create returns, taken from one real check and create (runtime of the installed copy, against
 * the session's emulator), and the keys its class registers as outputs.
 */
async function clusterShape(pkg: string, session: EngineSession): Promise<{ inputs: Props; outputs: Props }> {
  const runtime = await import(pathToFileURL(join(pkg, "dist", "runtime", "index.js")).href);
  const config: Props = {
    "agentcloud:endpoint": session.emulator.url,
    "agentcloud:token": "agentcloud-dev-token",
  };
  await runtime.run("ChipCluster", "configure", [{ config: { get: (k: string) => config[k] } }]);
  const news = { ...clusterArgs, __scope: "agentcloud-bench/shape/c0" };
  const checked = await runtime.run("ChipCluster", "check", [{}, news]);
  const created = await runtime.run("ChipCluster", "create", [checked.inputs]);
  await runtime.run("ChipCluster", "delete", [created.id, created.outs]);
  return { inputs: checked.inputs, outputs: created.outs };
}

/**
 * The floor with our data: a trivial provider whose check and create return a ChipCluster's inputs
 * and outputs as fixed values, for resources that register the same output keys. What the engine
 * and the SDK charge for that much state per resource, whoever the provider is: ChipClusters
 * against it is what our provider and classes add. A module under benchRoot/node_modules, so that it
 * is serialized as a `require` of it, as ours is.
 */
function installShapedFloor(shape: { inputs: Props; outputs: Props }): pulumi.dynamic.ResourceProvider {
  const dir = join(benchRoot, "node_modules", "agentcloud-bench-shaped");
  const strip = (p: Props) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== "__provider"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "agentcloud-bench-shaped", main: "index.cjs" }),
  );
  writeFileSync(
    join(dir, "index.cjs"),
    `"use strict";
const inputs = ${JSON.stringify(strip(shape.inputs))};
const outputs = ${JSON.stringify(strip(shape.outputs))};
let n = 0;
module.exports = {
  async check(_olds, news) {
    return { inputs: { ...inputs, ...news } };
  },
  async create(props) {
    return { id: "shaped-" + process.pid + "-" + n++, outs: { ...outputs, ...props } };
  },
};
`,
  );
  return createRequire(join(benchRoot, "bench.js"))("agentcloud-bench-shaped");
}

/**
 * The programs. ChipCluster comes from this checkout's dist/ (`npm run build`), installed under
 * benchRoot as users get it from a registry (installBuiltPackage): the serialized provider is then
 * the one users store, and the provider process, working under benchRoot, resolves
 * `pulumi-agentcloud` to that copy (in a git worktree whose node_modules is another checkout's, it
 * would otherwise resolve to that checkout).
 */
export async function programs(session: EngineSession): Promise<Record<Variant, (n: number) => PulumiFn>> {
  const pkg = installBuiltPackage(benchRoot);
  const { ChipCluster } = (await import(
    pathToFileURL(join(pkg, "dist", "index.js")).href
  )) as typeof import("pulumi-agentcloud");
  const shape = await clusterShape(pkg, session);
  const shaped = installShapedFloor(shape);
  const registered = Object.keys(shape.outputs).filter((k) => !k.startsWith("__") && !(k in clusterArgs));
  return {
    noop: (n) => async () => {
      for (let i = 0; i < n; i++) new Noop(noop, `n${i}`, { value: i }, {});
    },
    checked: (n) => async () => {
      for (let i = 0; i < n; i++) new Noop(checked, `n${i}`, { value: i }, {});
    },
    shaped: (n) => async () => {
      for (let i = 0; i < n; i++) {
        const props: Props = { ...clusterArgs, __scope: `agentcloud-bench/${pulumi.getStack()}/s${i}` };
        for (const k of registered) props[k] = undefined;
        new Noop(shaped, `s${i}`, props, {});
      }
    },
    ours: (n) => async () => {
      for (let i = 0; i < n; i++) new ChipCluster(`c${i}`, clusterArgs);
    },
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/**
 * Peak resident memory (MiB) of this session's dynamic-provider processes seen while fn runs (Linux
 * /proc): those working in the session's directory, not another run's on the same machine.
 */
async function peakProviderMemory(dir: string, fn: () => Promise<unknown>): Promise<number> {
  let peak = 0;
  const timer = setInterval(() => {
    for (const pid of providerPids(dir)) {
      const m = /VmHWM:\s+(\d+) kB/.exec(safeRead(`/proc/${pid}/status`));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    }
  }, 100);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return peak;
}

function providerPids(dir: string): string[] {
  return readdirSync("/proc").filter(
    (p) =>
      /^\d+$/.test(p) &&
      safeRead(`/proc/${p}/cmdline`).includes("dynamic-provider") &&
      cwdOf(p).startsWith(dir),
  );
}

function cwdOf(pid: string): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return "";
  }
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

export interface EngineSession {
  /** This session's directory: state, emulator data, the stacks' work directories. */
  runDir: string;
  env: Record<string, string>;
  emulator: RunningEmulator;
  /** A stack of its own work directory, configured for the emulator. */
  stack(
    name: string,
    program: PulumiFn,
    envVars?: Record<string, string>,
    pulumiCommand?: PulumiCommand,
  ): Promise<Stack>;
  close(): Promise<void>;
}

/** A fresh emulator and a fresh state directory, removed by close(). */
export async function engineSession(label: string): Promise<EngineSession> {
  const runDir = join(benchRoot, `${label}-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  const env = pulumiEnv(join(runDir, "state"));
  Object.assign(process.env, env);
  const emulator = await startEmulator({ compiled: true, dataDir: join(runDir, "emulator") });
  // The engine starts the provider in the inline program's directory, this process's working
  // directory: from here, `pulumi-agentcloud` resolves through benchRoot/node_modules (installBuiltPackage).
  const cwd = process.cwd();
  process.chdir(runDir);
  // Room for 1,000+ clusters of 8 chips (default: 2,048 chips per type, 4,096 per region).
  await emulator.admin("PUT", "/_mock/limits", { chipsPerType: 1_000_000, capacityPerRegion: 1_000_000 });
  return {
    runDir,
    env,
    emulator,
    async stack(name, program, envVars = {}, pulumiCommand) {
      const workDir = join(runDir, "work", name);
      mkdirSync(workDir, { recursive: true });
      const s = await LocalWorkspace.createOrSelectStack(
        { projectName: "agentcloud-bench", stackName: name, program },
        { workDir, envVars: { ...env, ...envVars }, ...(pulumiCommand ? { pulumiCommand } : {}) },
      );
      await s.setConfig("agentcloud:endpoint", { value: emulator.url });
      await s.setConfig("agentcloud:token", { value: "agentcloud-dev-token", secret: true });
      return s;
    },
    async close() {
      process.chdir(cwd);
      await emulator.stop();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

const variants: Variant[] = ["noop", "checked", "shaped", "ours"];

/** Each measure on stderr as it comes: a run that fails half-way still leaves its figures. */
function progress(op: string, n: number, v: Variant, seconds: number, peakMiB: number): void {
  console.error(
    `[engine] ${op} ${n} ${variantNames[v]}: ${seconds.toFixed(2)} s, provider peak RSS ${peakMiB.toFixed(0)} MiB`,
  );
}

/** Each size runs the variants in a rotated order, so drift in the machine's load spreads over all. */
function rotated(i: number): Variant[] {
  const k = i % variants.length;
  return [...variants.slice(k), ...variants.slice(0, k)];
}

export async function benchEngine(options: { small?: boolean } = {}): Promise<Row[]> {
  const sizes = options.small
    ? { preview: [10, 50], up: [10] }
    : { preview: [100, 500, 1000], up: [100, 200, 500, 1000] };
  const nSlow = options.small ? 10 : 100;
  const session = await engineSession("engine");
  const program = await programs(session);
  const rows: Row[] = [];
  /** The rows of one operation at one size: each floor, and ours against both. */
  const report = (op: string, n: number, t: Record<Variant, number>) => {
    rows.push(row(`${op}, ${n} ${variantNames.noop}`, t.noop, "s", undefined, undefined, n));
    rows.push(row(`${op}, ${n} ${variantNames.checked}`, t.checked, "s", t.noop, "no-op", n));
    rows.push(row(`${op}, ${n} ChipClusters`, t.ours, "s", t.checked, "no-op + check", n));
    rows.push(row(`${op}, ${n} ChipClusters vs no-op`, t.ours, "s", t.noop, "no-op", n));
    rows.push(row(`${op}, ${n} ${variantNames.shaped}`, t.shaped, "s", t.checked, "no-op + check", n));
    rows.push(row(`${op}, ${n} ChipClusters vs the same data`, t.ours, "s", t.shaped, "same data", n));
  };
  /** The cost of one more resource between the smallest and the largest size: fixed costs cancel. */
  const marginal = (op: string, ns: number[], times: Record<Variant, number>[]) => {
    const [n0, n1] = [ns[0] ?? 0, ns.at(-1) ?? 0];
    const [t0, t1] = [times[0], times.at(-1)];
    if (!t0 || !t1 || n1 <= n0) return;
    const per = (v: Variant) => ((t1[v] - t0[v]) / (n1 - n0)) * 1000;
    const name = `${op}, each resource more from ${n0} to ${n1}:`;
    rows.push(row(`${name} ${variantNames.noop}`, per("noop"), "ms"));
    rows.push(row(`${name} ${variantNames.checked}`, per("checked"), "ms", per("noop"), "no-op"));
    rows.push(row(`${name} ChipClusters`, per("ours"), "ms", per("checked"), "no-op + check"));
    rows.push(row(`${name} ChipClusters vs no-op`, per("ours"), "ms", per("noop"), "no-op"));
    rows.push(row(`${name} ChipClusters vs the same data`, per("ours"), "ms", per("shaped"), "same data"));
  };
  try {
    // Preview of a new stack: every resource is a create (check, no diff). The stacks stay empty.
    const previewStacks = {} as Record<Variant, Stack>;
    for (const v of variants) previewStacks[v] = await session.stack(`preview-${v}`, program[v](1));
    const previewPeak: Partial<Record<Variant, number>> = {};
    const previewTimes: Record<Variant, number>[] = [];
    for (const [i, n] of sizes.preview.entries()) {
      const t = {} as Record<Variant, number>;
      previewTimes.push(t);
      for (const v of rotated(i)) {
        const peak = await peakProviderMemory(session.runDir, async () => {
          t[v] = await timed(() => previewStacks[v].preview({ program: program[v](n) }));
        });
        progress("preview", n, v, t[v], peak);
        if (i === sizes.preview.length - 1) previewPeak[v] = peak;
      }
      report("pulumi preview", n, t);
    }

    // Up of a new stack each time: check and create per resource, instant transitions.
    const upPeak: Partial<Record<Variant, number>> = {};
    const upTimes: Record<Variant, number>[] = [];
    for (const [i, n] of sizes.up.entries()) {
      const t = {} as Record<Variant, number>;
      upTimes.push(t);
      for (const v of rotated(i)) {
        const s = await session.stack(`up-${v}-${n}`, program[v](n));
        const peak = await peakProviderMemory(session.runDir, async () => {
          t[v] = await timed(() => s.up({ parallel: 32 }));
        });
        progress("up", n, v, t[v], peak);
        if (i === sizes.up.length - 1) upPeak[v] = peak;
      }
      report("pulumi up (instant transitions)", n, t);
    }
    marginal("pulumi preview", sizes.preview, previewTimes);
    marginal("pulumi up (instant transitions)", sizes.up, upTimes);
    const nPreview = sizes.preview.at(-1);
    const nUp = sizes.up.at(-1);
    rows.push(
      row(
        `provider peak RSS, preview of ${nPreview} ChipClusters`,
        previewPeak.ours ?? 0,
        "MiB",
        previewPeak.noop,
        "no-op",
      ),
      row(`provider peak RSS, up of ${nUp} ChipClusters`, upPeak.ours ?? 0, "MiB", upPeak.noop, "no-op"),
    );

    // 2 s of provisioning per cluster at --parallel 32: the ideal is ceil(n/32) × 2 s.
    const set = await session.emulator.admin("PUT", "/_mock/transitions", {
      ChipCluster: { mode: "duration", ms: 2000 },
    });
    if (set.status < 300) {
      const slowFloor = await session.stack("slow-noop", program.noop(nSlow));
      const floorTime = await timed(() => slowFloor.up({ parallel: 32 }));
      const slow = await session.stack("slow", program.ours(nSlow));
      const slowUp = await timed(() => slow.up({ parallel: 32 }));
      // Ideal: the engine's own time for as many no-op resources, plus 2 s per wave of 32.
      const ideal = floorTime + Math.ceil(nSlow / 32) * 2;
      rows.push(
        row(
          `pulumi up, ${nSlow} ChipClusters with 2 s provisioning, --parallel 32`,
          slowUp,
          "s",
          ideal,
          "ideal",
        ),
      );
      await session.emulator.admin("PUT", "/_mock/transitions", { ChipCluster: { mode: "immediate" } });
    }
  } finally {
    await session.close();
  }
  return rows;
}
