/**
 * What each resource keeps in state, from a real `pulumi up` (Automation API, the pinned CLI, the
 * emulator) of one resource of each kind: a ChipCluster, a dedicated ModelEndpoint given its
 * `cluster`, a pooled ModelEndpoint and an AgentRuntime, beside a trivial dynamic resource (check
 * returns its inputs, create its props: the floor) in the same stack. After the up, `pulumi stack
 * export`; for each resource (and the stack's default provider and Stack resources) the bytes and
 * property nodes of its inputs and of its outputs, its whole entry, and its five biggest top-level
 * keys of each; then the checkpoint file's bytes per resource. How bytes and nodes are counted:
 * bench/state-size.ts. Nothing is timed: the figures do not depend on the machine's load.
 *
 * `node bench/state.ts` prints the table alone (after `npm run build`); `node bench/state.ts
 * --self-check` checks the counters on a hand-made bag and exits 1 if one is wrong (the bench part
 * runs the same check first).
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { agentRuntimeApi } from "../provider/api/agent-runtime.ts";
import { chipClusterApi } from "../provider/api/chip-cluster.ts";
import type { KindApi } from "../provider/api/common.ts";
import { modelEndpointApi } from "../provider/api/model-endpoint.ts";
import { installBuiltPackage } from "../test/support/paths.ts";
import { benchRoot, engineSession } from "./engine.ts";
import { type Bag, countNodes, jsonBytes, keySizes, sameJson, selfCheck } from "./state-size.ts";
import { printTable, type Row, row } from "./table.ts";

const run = promisify(execFile);
const region = "cn-hangzhou";
/** The program's arguments, as examples/agent-stack declares them (smaller). */
const clusterArgs = { region, chipType: "zhenwu-m890", chipsPerHyperNode: 128, hyperNodeCount: 1 } as const;
const dedicatedArgs = {
  region,
  model: "qwen3.7-max",
  deployment: { mode: "dedicated", chipsPerReplica: 32, minReplicas: 1, maxReplicas: 2 },
  throughput: { tokensPerMinute: 400_000, elastic: true },
} as const;
const pooledArgs = {
  region,
  model: "glm-5.1",
  deployment: { mode: "pooled" },
  throughput: { tokensPerMinute: 200_000 },
} as const;
const agentArgs = { region, artifact: { image: "agents/reviewer:1.0.0" }, protocol: "a2a" } as const;

/** The resources measured: ours and the floor by logical name, the engine's own by type. */
const subjects = [
  { name: "floor", label: "trivial dynamic resource", api: null },
  { name: "cluster", label: "ChipCluster", api: chipClusterApi },
  { name: "dedicated", label: "ModelEndpoint, dedicated (cluster)", api: modelEndpointApi },
  { name: "pooled", label: "ModelEndpoint, pooled", api: modelEndpointApi },
  { name: "agent", label: "AgentRuntime", api: agentRuntimeApi },
  { type: "pulumi:providers:pulumi-nodejs", label: "default provider (pulumi-nodejs)", api: null },
  { type: "pulumi:pulumi:Stack", label: "Stack resource", api: null },
] as const;
const floorName = "trivial dynamic resource";

/** A dynamic resource that does nothing, for the floor. */
class Floor extends pulumi.dynamic.Resource {}

/**
 * The floor's provider: check returns its inputs, create its props. A module under
 * benchRoot/node_modules, so that it is stored as a `require` of it, as ours is (bench/engine.ts).
 */
function installFloor(): pulumi.dynamic.ResourceProvider {
  const dir = join(benchRoot, "node_modules", "agentcloud-bench-state-floor");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "agentcloud-bench-state-floor", main: "index.cjs" }),
  );
  writeFileSync(
    join(dir, "index.cjs"),
    `"use strict";
let n = 0;
module.exports = {
  async check(_olds, news) {
    return { inputs: news };
  },
  async create(props) {
    return { id: "floor-" + process.pid + "-" + n++, outs: props };
  },
};
`,
  );
  return createRequire(join(benchRoot, "bench.js"))("agentcloud-bench-state-floor");
}

interface Entry extends Bag {
  urn: string;
  type: string;
  inputs?: Bag;
  outputs?: Bag;
}

interface Measured {
  label: string;
  api: KindApi | null;
  entry: Entry;
  inputs: Bag;
  outputs: Bag;
}

/**
 * The spec keys of a kind whose stored value is what the field is when left out: the schema's
 * default, or null for a field without one (`nullish`), which the cloud answers as null.
 */
function defaultEchoes(api: KindApi, bag: Bag): string[] {
  const shape = api.spec.shape as Record<string, z.ZodType>;
  return Object.keys(shape).filter((k) => {
    if (!(k in bag)) return false;
    const parsed = shape[k]?.safeParse(undefined);
    if (parsed?.success !== true) return false;
    return parsed.data === undefined ? bag[k] === null : sameJson(parsed.data, bag[k]);
  });
}

const kib = (n: number) => (n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} B`);

/** Every key of one resource, inputs beside outputs, on stderr: the reading in bench/README.md comes from it. */
function printKeys(m: Measured): void {
  const ins = new Map(keySizes(m.inputs).map((k) => [k.key, k]));
  const outs = new Map(keySizes(m.outputs).map((k) => [k.key, k]));
  const defaults = new Set(m.api ? defaultEchoes(m.api, m.outputs) : []);
  const specKeys = new Set(m.api ? Object.keys(m.api.spec.shape) : []);
  const keys = [...new Set([...outs.keys(), ...ins.keys()])].sort(
    (a, b) =>
      (outs.get(b)?.bytes ?? 0) +
      (ins.get(b)?.bytes ?? 0) -
      (outs.get(a)?.bytes ?? 0) -
      (ins.get(a)?.bytes ?? 0),
  );
  console.error(
    `[state] ${m.label}: inputs ${jsonBytes(m.inputs)} B / ${countNodes(m.inputs)} nodes, outputs ${jsonBytes(m.outputs)} B / ${countNodes(m.outputs)} nodes, entry ${jsonBytes(m.entry)} B`,
  );
  const rest = keySizes(m.entry).filter((k) => k.key !== "inputs" && k.key !== "outputs");
  console.error(
    `[state]   the rest of the entry, ${jsonBytes({ ...m.entry, inputs: undefined, outputs: undefined })} B: ${rest.map((k) => `${k.key} ${k.bytes}`).join(", ")}`,
  );
  const lines = [["key", "inputs B", "nodes", "outputs B", "nodes", "where"]];
  for (const k of keys) {
    const i = ins.get(k);
    const o = outs.get(k);
    const where =
      i && o
        ? sameJson(m.inputs[k], m.outputs[k])
          ? "both, same value"
          : "both, values differ"
        : i
          ? "inputs only"
          : "outputs only";
    const notes = [
      where,
      ...(defaults.has(k) ? [m.outputs[k] === null ? "null: left out" : "schema default"] : []),
      ...(m.api && !specKeys.has(k) && !k.startsWith("__") && o && !i ? ["cloud output"] : []),
    ];
    lines.push([
      k,
      String(i?.bytes ?? ""),
      String(i?.nodes ?? ""),
      String(o?.bytes ?? ""),
      String(o?.nodes ?? ""),
      notes.join(", "),
    ]);
  }
  const widths = lines[0]?.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? "").length))) ?? [];
  for (const l of lines) console.error(`[state]   ${l.map((c, j) => c.padEnd(widths[j] ?? 0)).join("  ")}`);
}

/** The file backend's checkpoint of one stack: `<state>/.pulumi/stacks/<project>/<stack>.json`. */
function checkpointFile(stateDir: string, stack: string): string {
  const stacks = join(stateDir, ".pulumi", "stacks");
  for (const project of readdirSync(stacks)) {
    const file = join(stacks, project, `${stack}.json`);
    try {
      if (statSync(file).isFile()) return file;
    } catch {}
  }
  throw new Error(`no checkpoint of ${stack} under ${stacks}`);
}

export async function benchState(): Promise<Row[]> {
  const wrong = selfCheck();
  if (wrong.length > 0) throw new Error(`state-size counters are wrong:\n${wrong.join("\n")}`);
  const session = await engineSession("state");
  const rows: Row[] = [];
  try {
    const pkg = installBuiltPackage(benchRoot);
    const { AgentRuntime, ChipCluster, ModelEndpoint } = (await import(
      pathToFileURL(join(pkg, "dist", "index.js")).href
    )) as typeof import("pulumi-agentcloud");
    const floor = installFloor();
    const stack = await session.stack("state", async () => {
      new Floor(floor, "floor", { value: 0 }, {});
      const cluster = new ChipCluster("cluster", clusterArgs);
      new ModelEndpoint("dedicated", {
        ...dedicatedArgs,
        deployment: { ...dedicatedArgs.deployment, cluster },
      });
      const pooled = new ModelEndpoint("pooled", pooledArgs);
      new AgentRuntime("agent", { ...agentArgs, models: [{ endpointId: pooled.id, role: "primary" }] });
    });
    await stack.up();
    // `pulumi stack export` as a user runs it: secrets as ciphertext, as the checkpoint holds them
    // (the Automation API's exportStack adds --show-secrets).
    const { stdout } = await run("pulumi", ["stack", "export", "--stack", "state"], {
      cwd: join(session.runDir, "work", "state"),
      env: { ...process.env, ...session.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    const exported = JSON.parse(stdout) as { deployment: { resources: Entry[] } };
    const resources = exported.deployment.resources;
    const measured: Measured[] = subjects.map((s) => {
      const entry = resources.find((r) => ("type" in s ? r.type === s.type : r.urn.endsWith(`::${s.name}`)));
      if (!entry) throw new Error(`${s.label} is not in the exported state`);
      return { label: s.label, api: s.api, entry, inputs: entry.inputs ?? {}, outputs: entry.outputs ?? {} };
    });
    for (const m of measured) printKeys(m);

    const base = measured.find((m) => m.label === floorName);
    const vsFloor = (
      name: string,
      value: number,
      unit: string,
      floorValue: number | undefined,
      own: boolean,
    ) =>
      rows.push(
        own ? row(name, value, unit) : row(name, value, unit, floorValue, "trivial dynamic resource"),
      );
    for (const m of measured) {
      const own = m === base;
      const p = `state, ${m.label}:`;
      vsFloor(`${p} inputs`, jsonBytes(m.inputs), "B", base && jsonBytes(base.inputs), own);
      vsFloor(`${p} outputs`, jsonBytes(m.outputs), "B", base && jsonBytes(base.outputs), own);
      vsFloor(`${p} input nodes`, countNodes(m.inputs), "nodes", base && countNodes(base.inputs), own);
      vsFloor(`${p} output nodes`, countNodes(m.outputs), "nodes", base && countNodes(base.outputs), own);
      vsFloor(`${p} whole checkpoint entry`, jsonBytes(m.entry), "B", base && jsonBytes(base.entry), own);
      // The five biggest keys of each bag, as a share of it.
      for (const [bagName, bag] of [
        ["inputs", m.inputs],
        ["outputs", m.outputs],
      ] as const) {
        const total = jsonBytes(bag);
        for (const k of keySizes(bag).slice(0, 5)) {
          rows.push(row(`${p} ${bagName}, key ${k.key} (${k.nodes} nodes)`, k.bytes, "B", total, bagName));
        }
      }
      const twice = Object.keys(m.outputs).filter(
        (k) => k in m.inputs && sameJson(m.inputs[k], m.outputs[k]),
      );
      const bytesOf = (bag: Bag, keys: string[]) =>
        keySizes(bag).reduce((n, k) => n + (keys.includes(k.key) ? k.bytes : 0), 0);
      const nodesOf = (bag: Bag, keys: string[]) => keys.reduce((n, k) => n + countNodes(bag[k]), 0);
      if (twice.length > 0) {
        rows.push(
          row(
            `${p} outputs that repeat the inputs (${twice.length} keys, ${nodesOf(m.outputs, twice)} nodes)`,
            bytesOf(m.outputs, twice),
            "B",
            jsonBytes(m.outputs),
            "outputs",
          ),
        );
      }
      const internal = (bag: Bag) => Object.keys(bag).filter((k) => k.startsWith("__"));
      for (const [bagName, bag] of [
        ["inputs", m.inputs],
        ["outputs", m.outputs],
      ] as const) {
        const keys = internal(bag);
        if (m.api && keys.length > 0) {
          rows.push(
            row(
              `${p} __ keys in the ${bagName} (${keys.length}, ${nodesOf(bag, keys)} nodes)`,
              bytesOf(bag, keys),
              "B",
              jsonBytes(bag),
              bagName,
            ),
          );
        }
      }
      if (m.api) {
        const echoes = defaultEchoes(m.api, m.outputs);
        rows.push(
          row(
            `${p} outputs holding what a left-out field is (${echoes.length} keys, ${nodesOf(m.outputs, echoes)} nodes)`,
            bytesOf(m.outputs, echoes),
            "B",
            jsonBytes(m.outputs),
            "outputs",
          ),
        );
      }
    }

    // The checkpoint as the file backend wrote it (compact JSON), per resource.
    const file = checkpointFile(join(session.runDir, "state"), "state");
    const fileBytes = statSync(file).size;
    const checkpoint = JSON.parse(readFileSync(file, "utf8")) as {
      checkpoint: { latest: { resources: Entry[] } };
    };
    const stored = checkpoint.checkpoint.latest.resources;
    const entries = stored.reduce((n, r) => n + jsonBytes(r), 0);
    const same = sameJson(stored, resources);
    console.error(`[state] the checkpoint's resources ${same ? "are" : "are NOT"} those of the export`);
    rows.push(
      row(`state, checkpoint file (${stored.length} resources)`, fileBytes, "B"),
      row(
        "state, checkpoint file per resource",
        fileBytes / stored.length,
        "B",
        base && jsonBytes(base.entry),
        "trivial dynamic resource's entry",
      ),
      row(
        "state, checkpoint file outside the resources' entries",
        fileBytes - entries,
        "B",
        fileBytes,
        "file",
      ),
    );
    console.error(`[state] checkpoint ${file}: ${kib(fileBytes)} for ${stored.length} resources`);
  } finally {
    await session.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { "self-check": { type: "boolean", default: false } } });
  if (values["self-check"]) {
    const wrong = selfCheck();
    for (const w of wrong) console.error(`state-size: ${w}`);
    console.log(wrong.length === 0 ? "state-size: counters right" : `state-size: ${wrong.length} wrong`);
    process.exit(wrong.length === 0 ? 0 : 1);
  }
  printTable(await benchState());
}
