/**
 * Small SVG charts of the console's own: stacked columns (a value per category, one stack of
 * series each) and horizontal bars. Built from text only (dom.ts's `s`), no canvas, no style
 * attribute: colours come from the stylesheet (`.chart .s0`, `.s1`, …). Each chart is an image
 * named by its <title>, described by its <desc>; each bar has a <title> with its figure; the axes
 * are labelled; a chart without data says so.
 */
import { s } from "./dom.ts";

interface Series {
  /** The series' key (`data-series`); its colour is its place in the list (`s0`, `s1`, …). */
  key: string;
  label: string;
  /** One value per category. */
  values: readonly number[];
}

export interface ChartOptions {
  /** The chart's accessible name: its <title>. */
  title: string;
  /** One label per category: a column (columnChart) or a bar (barChart). */
  categories: readonly string[];
  /** Stacked in this order: bottom (or left) first. */
  series: readonly Series[];
  /** The category axis' label. */
  categoryLabel: string;
  /** The value axis' label. */
  valueLabel: string;
  /** A value as the bars' titles and the description say it. */
  format: (n: number) => string;
  /** A value as the value axis' ticks say it (shorter); `format` when absent. */
  tickFormat?: (n: number) => string;
  /** What the chart says when every value is 0 (or there is no category). */
  empty: string;
  /** Only every n-th category is labelled on the axis, counted back from the last (all when absent): columns only. */
  labelEvery?: number;
}

const width = 520;

/** Round ticks from 0 to at least `max`: steps of 1, 2, 2.5 or 5 × 10ⁿ, about `count` of them. */
export function ticks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const n = Math.ceil(max / step - 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** The stack's total per category. */
const totals = (o: ChartOptions): number[] =>
  o.categories.map((_, i) => o.series.reduce((sum, x) => sum + Math.max(0, x.values[i] ?? 0), 0));

/** "input 1,200, output 300" for one category; only the series with a value. */
function figures(o: ChartOptions, i: number): string {
  const parts = o.series
    .filter((x) => (x.values[i] ?? 0) > 0)
    .map((x) => `${x.label} ${o.format(x.values[i] ?? 0)}`);
  return parts.length ? parts.join(", ") : "none";
}

/** The <desc>: the total and each category that has a value (what the picture shows, as text). */
function description(o: ChartOptions, sums: number[]): string {
  const total = sums.reduce((a, n) => a + n, 0);
  if (total <= 0) return o.empty;
  const shown = o.categories
    .map((c, i) => ({ c, i }))
    .filter(({ i }) => (sums[i] ?? 0) > 0)
    .map(({ c, i }) => `${c}: ${figures(o, i)}`);
  return `Total ${o.format(total)}. ${shown.join("; ")}.`;
}

/** The legend, in a row at the top; nothing for one series (the title says what it is). */
function legend(series: readonly Series[]): SVGElement | null {
  if (series.length < 2) return null;
  let x = 0;
  const items = series.map((x0, i) => {
    const at = x;
    x += 24 + x0.label.length * 7;
    return s(
      "g",
      { class: "legend-item", "data-series": x0.key, transform: `translate(${at} 0)` },
      s("rect", { class: `s${i}`, x: 0, y: 0, width: 10, height: 10, rx: 2 }),
      s("text", { x: 14, y: 9 }, x0.label),
    );
  });
  return s("g", { class: "legend", transform: `translate(${width - x - 4} 6)` }, ...items);
}

function frame(o: ChartOptions, height: number, sums: number[]): SVGElement {
  const empty = sums.every((n) => n <= 0);
  return s(
    "svg",
    {
      class: "chart-svg",
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: "img",
      "data-empty": empty ? "true" : "false",
    },
    s("title", {}, o.title),
    s("desc", {}, description(o, sums)),
  );
}

/** The note in the plot's middle when there is nothing to draw. */
const emptyNote = (o: ChartOptions, x: number, y: number) =>
  s("text", { class: "empty", x, y, "text-anchor": "middle" }, o.empty);

/** Stacked columns: categories along the bottom, values up the left. */
export function columnChart(o: ChartOptions): SVGElement {
  const height = 260;
  const left = 58;
  const right = 12;
  const top = 26;
  const bottom = 46;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const sums = totals(o);
  const scale = ticks(Math.max(0, ...sums));
  const max = scale[scale.length - 1] || 1;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const slot = plotW / Math.max(1, o.categories.length);
  const barW = Math.max(2, slot * 0.72);
  const tick = o.tickFormat ?? o.format;
  const svg = frame(o, height, sums);
  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (const v of scale) {
    grid.append(s("line", { x1: left, x2: left + plotW, y1: y(v), y2: y(v) }));
    axis.append(s("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, tick(v)));
  }
  axis.append(s("line", { x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH }));
  const every = Math.max(1, o.labelEvery ?? 1);
  o.categories.forEach((c, i) => {
    if ((o.categories.length - 1 - i) % every !== 0) return;
    axis.append(
      s("text", { x: left + slot * i + slot / 2, y: top + plotH + 16, "text-anchor": "middle" }, c),
    );
  });
  axis.append(
    s(
      "text",
      { class: "axis-label", x: left + plotW / 2, y: height - 6, "text-anchor": "middle" },
      o.categoryLabel,
    ),
    s(
      "text",
      {
        class: "axis-label",
        x: -(top + plotH / 2),
        y: 12,
        transform: "rotate(-90)",
        "text-anchor": "middle",
      },
      o.valueLabel,
    ),
  );
  const bars = s("g", { class: "bars" });
  o.categories.forEach((c, i) => {
    let base = 0;
    o.series.forEach((x, k) => {
      const v = Math.max(0, x.values[i] ?? 0);
      if (v <= 0) return;
      const y0 = y(base);
      const y1 = y(base + v);
      base += v;
      bars.append(
        s(
          "rect",
          {
            class: `s${k}`,
            "data-series": x.key,
            "data-category": c,
            "data-value": v,
            x: left + slot * i + (slot - barW) / 2,
            y: y1,
            width: barW,
            height: Math.max(0.5, y0 - y1),
          },
          s("title", {}, `${c}: ${x.label} ${o.format(v)}`),
        ),
      );
    });
  });
  svg.append(grid, axis, bars);
  const key = legend(o.series);
  if (key) svg.append(key);
  if (sums.every((n) => n <= 0)) svg.append(emptyNote(o, left + plotW / 2, top + plotH / 2));
  return svg;
}

/** A label cut to `n` characters, with an ellipsis. */
const cut = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** Horizontal bars: categories down the left (largest first is the caller's choice), values along the bottom. */
export function barChart(o: ChartOptions): SVGElement {
  const left = 170;
  const right = 84;
  const top = 26;
  const row = 26;
  const bottom = 44;
  const rows = Math.max(1, o.categories.length);
  const plotW = width - left - right;
  const plotH = rows * row;
  const height = top + plotH + bottom;
  const sums = totals(o);
  const scale = ticks(Math.max(0, ...sums));
  const max = scale[scale.length - 1] || 1;
  const x = (v: number) => left + (v / max) * plotW;
  const tick = o.tickFormat ?? o.format;
  const svg = frame(o, height, sums);
  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (const v of scale) {
    grid.append(s("line", { x1: x(v), x2: x(v), y1: top, y2: top + plotH }));
    axis.append(s("text", { x: x(v), y: top + plotH + 16, "text-anchor": "middle" }, tick(v)));
  }
  axis.append(s("line", { x1: left, x2: left, y1: top, y2: top + plotH }));
  axis.append(
    s(
      "text",
      { class: "axis-label", x: left + plotW / 2, y: height - 6, "text-anchor": "middle" },
      o.valueLabel,
    ),
    s("text", { class: "axis-label", x: 4, y: 14 }, o.categoryLabel),
  );
  const bars = s("g", { class: "bars" });
  o.categories.forEach((c, i) => {
    const mid = top + row * i + row / 2;
    axis.append(s("text", { x: left - 8, y: mid + 4, "text-anchor": "end" }, s("title", {}, c), cut(c, 26)));
    let base = 0;
    o.series.forEach((series, k) => {
      const v = Math.max(0, series.values[i] ?? 0);
      if (v <= 0) return;
      bars.append(
        s(
          "rect",
          {
            class: `s${k}`,
            "data-series": series.key,
            "data-category": c,
            "data-value": v,
            x: x(base),
            y: mid - row * 0.34,
            width: Math.max(0.5, x(base + v) - x(base)),
            height: row * 0.68,
          },
          s("title", {}, `${c}: ${series.label} ${o.format(v)}`),
        ),
      );
      base += v;
    });
    if ((sums[i] ?? 0) > 0)
      bars.append(s("text", { class: "value", x: x(base) + 6, y: mid + 4 }, o.format(sums[i] ?? 0)));
  });
  svg.append(grid, axis, bars);
  const key = legend(o.series);
  if (key) svg.append(key);
  if (sums.every((n) => n <= 0)) svg.append(emptyNote(o, left + plotW / 2, top + plotH / 2 + 4));
  return svg;
}
