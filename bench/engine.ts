/**
 * Engine benchmarks: the real `pulumi` CLI through the Automation API against the emulator, next
 * to no-op dynamic resources measured in the same run. Ratios, not absolute times, are the result.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, type PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { ChipCluster } from "pulumi-agentcloud";
import { startEmulator } from "../test/support/emulator.ts";
import { repoRoot } from "../test/support/paths.ts";
import { pulumiEnv } from "../test/support/pulumi-env.ts";
import { type Row, row } from "./table.ts";

const noop: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: `noop-${Math.random().toString(36).slice(2)}`, outs: inputs };
  },
};

const clusters = (n: number) => async () => {
  for (let i = 0; i < n; i++) {
    new ChipCluster(`c${i}`, {
      region: "cn-hangzhou",
      chipType: "zhenwu-810e",
      chipsPerHyperNode: 8,
      hyperNodeCount: 1,
    });
  }
};
/** The floor: a dynamic resource that does nothing. */
class Noop extends pulumi.dynamic.Resource {}
const noops = (n: number) => async () => {
  for (let i = 0; i < n; i++) new Noop(noop, `n${i}`, { value: i }, {});
};

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Peak resident memory of the dynamic-provider processes seen while fn runs (Linux /proc). */
async function peakProviderMemory(fn: () => Promise<unknown>): Promise<number> {
  let peak = 0;
  const timer = setInterval(() => {
    for (const pid of providerPids()) {
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

function providerPids(): string[] {
  return readdirSync("/proc").filter(
    (p) => /^\d+$/.test(p) && safeRead(`/proc/${p}/cmdline`).includes("dynamic-provider"),
  );
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

export async function benchEngine(options: { small?: boolean } = {}): Promise<Row[]> {
  const n = options.small ? 20 : 200;
  const nSlow = options.small ? 10 : 100;
  const nPreview = options.small ? 100 : 1000;
  const env = pulumiEnv(join(repoRoot, ".agentcloud", "bench", "state"));
  Object.assign(process.env, env);
  const emulator = await startEmulator({ compiled: true });
  const stackFor = async (name: string, program: PulumiFn) => {
    const workDir = join(repoRoot, ".agentcloud", "bench", name);
    mkdirSync(workDir, { recursive: true });
    const s = await LocalWorkspace.createOrSelectStack(
      { projectName: "agentcloud-bench", stackName: name, program },
      { workDir, envVars: env },
    );
    await s.setConfig("agentcloud:endpoint", { value: emulator.url });
    await s.setConfig("agentcloud:token", { value: "agentcloud-dev-token", secret: true });
    return s;
  };
  const rows: Row[] = [];
  try {
    const floor = await stackFor("noop", noops(n));
    const ours = await stackFor("clusters", clusters(n));
    const floorUp = await timed(() => floor.up({ parallel: 32 }));
    let upTime = 0;
    const peak = await peakProviderMemory(async () => {
      upTime = await timed(() => ours.up({ parallel: 32 }));
    });
    rows.push(
      row(
        `pulumi up, ${n} ChipClusters (instant transitions)`,
        upTime,
        "s",
        floorUp,
        `${n} no-op dynamic resources`,
      ),
    );
    rows.push(row(`provider process peak RSS during that up`, peak, "MiB"));
    await ours.destroy({ parallel: 32 });
    await floor.destroy({ parallel: 32 });

    // 2 s of provisioning per cluster at --parallel 32: the ideal is ceil(n/32) × 2 s.
    const set = await emulator.admin("PUT", "/_mock/transitions", {
      ChipCluster: { mode: "duration", ms: 2000 },
    });
    if (set.status < 300) {
      const slow = await stackFor("slow", clusters(nSlow));
      const slowFloor = await stackFor("slow-noop", noops(nSlow));
      const floorTime = await timed(() => slowFloor.up({ parallel: 32 }));
      await slowFloor.destroy({ parallel: 32 });
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
      await emulator.admin("PUT", "/_mock/transitions", { ChipCluster: { mode: "immediate" } });
      await slow.destroy({ parallel: 32 });
    }

    const previewFloor = await stackFor("noop-preview", noops(nPreview));
    const previewOurs = await stackFor("preview", clusters(nPreview));
    const floorPreview = await timed(() => previewFloor.preview());
    const oursPreview = await timed(() => previewOurs.preview());
    rows.push(
      row(
        `pulumi preview, ${nPreview} ChipClusters`,
        oursPreview,
        "s",
        floorPreview,
        `${nPreview} no-op resources`,
      ),
    );
  } finally {
    await emulator.stop();
  }
  return rows;
}
