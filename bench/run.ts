/**
 * `npm run bench`: every benchmark, each measured against a baseline in the same run, printed as a
 * table of ratios. `--small` runs reduced sizes (a quick sanity pass). Not a test: nothing asserts.
 */
import { parseArgs } from "node:util";
import { benchEngine } from "./engine.ts";
import { printTable, type Row } from "./table.ts";

const { values } = parseArgs({
  options: { small: { type: "boolean", default: false }, only: { type: "string" } },
});
const rows: Row[] = [];
if (!values.only || values.only === "emulator") {
  const { benchEmulator } = await import("./http.ts");
  rows.push(...(await benchEmulator()));
}
if (!values.only || values.only === "engine") rows.push(...(await benchEngine({ small: values.small })));
// Last: setMocks takes over this process's Pulumi runtime.
if (!values.only || values.only === "mocks") {
  const { benchMocks } = await import("./mocks.ts");
  rows.push(...(await benchMocks()));
}
printTable(rows);
