export interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  baselineName?: string;
  /** value / baseline: > 1 means slower or bigger than the baseline. */
  ratio?: number;
  /** How many resources (or calls) the value is for: the table adds the value per item in ms. */
  count?: number;
}

export function row(
  name: string,
  value: number,
  unit: string,
  baseline?: number,
  baselineName?: string,
  count?: number,
): Row {
  const r: Row =
    baseline === undefined
      ? { name, value, unit }
      : { name, value, unit, baseline, baselineName, ratio: value / baseline };
  if (count !== undefined) r.count = count;
  return r;
}

const fmt = (n: number | undefined) => (n === undefined ? "" : n >= 100 ? n.toFixed(0) : n.toFixed(2));

/** Value per item in milliseconds, for rows in seconds with a count. */
function perItem(r: Pick<Row, "value" | "unit" | "count">): string {
  if (r.count === undefined || r.unit !== "s") return "";
  return `${((r.value * 1000) / r.count).toFixed(2)} ms`;
}

function print(lines: string[][]): void {
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length))) ?? [];
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
}

export function printTable(rows: Row[]): void {
  print([
    ["measure", "value", "unit", "per resource", "baseline", "ratio"],
    ...rows.map((r) => [
      r.name,
      fmt(r.value),
      r.unit,
      perItem(r),
      r.baseline === undefined ? "" : `${fmt(r.baseline)} (${r.baselineName ?? "baseline"})`,
      r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    ]),
  ]);
}

/**
 * The new rows beside the same rows of an earlier run (matched by name): value and ratio then and
 * now. Absolute values move with the machine and its load; the ratios are what compare.
 */
export function printComparison(rows: Row[], previous: Row[], previousLabel: string): void {
  const byName = new Map(previous.map((r) => [r.name, r]));
  const ratio = (r: Row | undefined) => (r?.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`);
  print([
    ["measure", "unit", `value (${previousLabel})`, "value (now)", "ratio (then)", "ratio (now)", "change"],
    ...rows.map((r) => {
      const p = byName.get(r.name);
      const change =
        p?.ratio !== undefined && r.ratio !== undefined
          ? `${(((r.ratio - p.ratio) / p.ratio) * 100).toFixed(0)}% ratio`
          : p
            ? `${(((r.value - p.value) / p.value) * 100).toFixed(0)}% value`
            : "new";
      return [r.name, r.unit, p ? fmt(p.value) : "", fmt(r.value), ratio(p), ratio(r), change];
    }),
    ...previous
      .filter((p) => !rows.some((r) => r.name === p.name))
      .map((p) => [p.name, p.unit, fmt(p.value), "", ratio(p), "", "not measured now"]),
  ]);
}
