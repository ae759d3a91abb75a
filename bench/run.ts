/**
 * `npm run bench`: every benchmark, each measured against a baseline in the same run, printed as a
 * table of ratios and written as JSON (bench/results.ts) to `.agentcloud/bench/results-<date>.json`
 * or `--json <path>`. `--compare <file>` prints an earlier run's figures beside the new ones.
 * `--small` runs reduced sizes (a quick sanity pass). `--only emulator|tokens|engine|state|stacks|mocks`
 * runs one part; `--only breakdown` runs the engine breakdown instead (bench/breakdown.ts, not part of the default).
 * Not a test: nothing asserts.
 */
import { parseArgs } from "node:util";
import { readResults, writeResults } from "./results.ts";
import { printComparison, printTable, type Row } from "./table.ts";

const { values } = parseArgs({
  options: {
    small: { type: "boolean", default: false },
    only: { type: "string" },
    json: { type: "string" },
    compare: { type: "string" },
    // breakdown only: sizes of its preview and up
    preview: { type: "string" },
    up: { type: "string" },
  },
});
if (values.only === "breakdown") {
  const { breakdown } = await import("./breakdown.ts");
  await breakdown({
    preview: Number(values.preview ?? (values.small ? 100 : 1000)),
    up: Number(values.up ?? (values.small ? 20 : 200)),
  });
  process.exit(0);
}
const previous = values.compare ? readResults(values.compare) : null;
const rows: Row[] = [];
if (!values.only || values.only === "emulator") {
  const { benchEmulator } = await import("./http.ts");
  rows.push(...(await benchEmulator()));
}
if (!values.only || values.only === "tokens") {
  const { benchTokens } = await import("./tokens.ts");
  rows.push(...(await benchTokens(values.small ? { streams: 32, tokens: 200 } : {})));
}
if (!values.only || values.only === "engine") {
  const { benchEngine } = await import("./engine.ts");
  rows.push(...(await benchEngine({ small: values.small })));
}
if (!values.only || values.only === "state") {
  const { benchState } = await import("./state.ts");
  rows.push(...(await benchState()));
}
if (!values.only || values.only === "stacks") {
  const { benchStacks } = await import("./stacks.ts");
  rows.push(...(await benchStacks({ small: values.small })));
}
// Last: setMocks takes over this process's Pulumi runtime.
if (!values.only || values.only === "mocks") {
  const { benchMocks } = await import("./mocks.ts");
  rows.push(...(await benchMocks()));
}
printTable(rows);
const file = writeResults(rows, { small: values.small, only: values.only ?? null }, values.json);
console.log(`\nresults: ${file}`);
if (previous) {
  console.log(`\ncompared with ${values.compare} (${previous.date}, ${previous.machine.cpu}):`);
  printComparison(rows, previous.rows, previous.date.slice(0, 10));
}
