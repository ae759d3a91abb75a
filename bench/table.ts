export interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  baselineName?: string;
  /** value / baseline: > 1 means slower or bigger than the baseline. */
  ratio?: number;
}

export function row(
  name: string,
  value: number,
  unit: string,
  baseline?: number,
  baselineName?: string,
): Row {
  return baseline === undefined
    ? { name, value, unit }
    : { name, value, unit, baseline, baselineName, ratio: value / baseline };
}

export function printTable(rows: Row[]): void {
  const fmt = (n: number | undefined) => (n === undefined ? "" : n >= 100 ? n.toFixed(0) : n.toFixed(2));
  const lines = [
    ["measure", "value", "unit", "baseline", "ratio"],
    ...rows.map((r) => [
      r.name,
      fmt(r.value),
      r.unit,
      r.baseline === undefined ? "" : `${fmt(r.baseline)} (${r.baselineName ?? "baseline"})`,
      r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    ]),
  ];
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length))) ?? [];
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
}
