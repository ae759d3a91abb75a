/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most time of their own,
 * and the emulator's functions by inclusive time, in percent of all samples.
 * `node bench/profile.ts <file.cpuprofile> [regexp of the functions to list inclusive, default: mock-cloud|hono]`
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, pattern = "mock-cloud|hono"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/profile.ts <file.cpuprofile> [regexp]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n: ProfileNode) =>
  `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*?\/(node_modules|provider|bench)\//, "$1/")}:${n.callFrame.lineNumber + 1}`;

const timeOf = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  timeOf.set(id, (timeOf.get(id) ?? 0) + dt);
  total += dt;
});
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, t] of timeOf) {
  const node = byId.get(id) as ProfileNode;
  self.set(name(node), (self.get(name(node)) ?? 0) + t);
  // Each function once per stack, however often it recurses.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = name(byId.get(at) as ProfileNode);
    if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    seen.add(key);
  }
}
const print = (title: string, entries: [string, number][]) => {
  console.log(title);
  for (const [key, t] of entries) console.log(`${((100 * t) / total).toFixed(1).padStart(6)}%  ${key}`);
};
const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
print(`self time (of ${(total / 1000).toFixed(0)} ms sampled)`, top(self).slice(0, 25));
const wanted = new RegExp(pattern);
print(
  `inclusive time, /${pattern}/`,
  top(inclusive)
    .filter(([k]) => wanted.test(k))
    .slice(0, 40),
);
