import type { Tone } from "../page.ts";
import type { Api } from "./api.ts";
import { type ChartOptions, columnChart } from "./chart.ts";
import type { App } from "./context.ts";
import { badge, byId, fill, h, time } from "./dom.ts";
import type { RuntimeAtWork, State } from "./state.ts";
import type { SandboxInstance, Task } from "./types.ts";

/** How many of the latest tasks the view lists. */
export const taskLimit = 20;

/**
 * An agent runtime at work, as its account's token reads it: its sandbox instances, its latest
 * tasks, its channel inbox's depth and its memory's size. Every one of these is the account's own
 * (`/v1/agent-runtimes/{id}/…` and the data plane's `/agents/{id}/invoke/inbox`): the admin token
 * alone reads none of them, so without the account token there is nothing to read (null).
 */
export async function readRuntime(
  api: Pick<Api, "instances" | "runtimeTasks" | "inbox" | "memorySize">,
  state: Pick<State, "accountToken">,
  id: string,
  nowMs: number,
): Promise<RuntimeAtWork | null> {
  if (!state.accountToken) return null;
  const [instances, tasks, inbox, memory] = await Promise.all([
    api.instances(id),
    api.runtimeTasks(id, taskLimit),
    api.inbox(id),
    api.memorySize(id),
  ]);
  return { id, readAtMs: nowMs, instances, tasks, inbox, memory };
}

// ---- instances over time ------------------------------------------------------------------------

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** What the chart says an instance was doing over a span of the emulator clock. */
type Phase = "starting" | "warm" | "unknown" | "paused";
/** A phase, from and to (ms, emulator clock). */
export type Span = [phase: Phase, from: number, to: number];

/**
 * Billing is kept to the millisecond (rounded each time a span closes): a shortfall beyond this
 * between the seconds billed and the seconds the instance was up is a pause that was not recorded.
 */
const billingSlackMs = 50;

/**
 * What an instance's record says of its past, as spans on the emulator clock (up to `nowMs`).
 *
 * The record is not a history. It keeps when the instance started (`startedAt`, its cold start
 * `coldStartMs` long), its current pause (`pausedAt`), when it stopped (`stoppedAt`), the start of
 * its open billed span (`billingSince`: its start or its last resume) and the seconds billed. A
 * pause that was since resumed is NOT recorded: a resume sets `pausedAt` back to null. So:
 * - `starting`: the documented cold start after `startedAt` (a code artifact's process may take a
 *   little longer: the record does not say), or the start or resume in progress now;
 * - `paused`: from `pausedAt` (the current, or last, pause) to the stop or now;
 * - `warm` (running or idle; the record cannot tell which, nor could it in the past): up the rest of
 *   the time, where the record is sure no pause happened;
 * - `unknown`: warm or paused, we cannot tell. An instance that was resumed (`billingSince` after
 *   `startedAt`, or fewer seconds billed than it was up) paused somewhere between its cold start
 *   and its last resume (or, that resume unknown too, its pause or stop): that whole span is
 *   `unknown` rather than drawn as warm. How long it was paused in all is known (the seconds it was
 *   not billed), when is not.
 * A 25 ms resume is drawn as warm. Instances past the 500 newest are not listed, so not charted.
 */
export function spansOf(i: SandboxInstance, nowMs: number): Span[] {
  const start = Date.parse(i.startedAt);
  const end = Math.max(start, i.stoppedAt ? Date.parse(i.stoppedAt) : nowMs);
  const pausedAt = i.pausedAt ? Math.min(end, Math.max(start, Date.parse(i.pausedAt))) : null;
  // Set only while the instance is billed: up (not paused, not stopped).
  const lastStart = i.billingSince ? Date.parse(i.billingSince) : null;
  if (i.state === "STARTING" && (lastStart === null || lastStart <= start)) return [["starting", start, end]];
  const upTo = pausedAt ?? end;
  const coldEnd = Math.min(upTo, start + i.coldStartMs);
  // From this instant on, the record misses no pause.
  let knownFrom = start;
  if (lastStart !== null) knownFrom = Math.min(upTo, Math.max(start, lastStart));
  else if (upTo - start - i.billedSeconds * 1000 > billingSlackMs) knownFrom = upTo;
  // STARTING again after its cold start: a resume, in progress since its last start.
  const resuming = i.state === "STARTING";
  const spans: Span[] = [
    ["starting", start, coldEnd],
    ["unknown", coldEnd, Math.min(knownFrom, upTo)],
    ["warm", Math.max(coldEnd, knownFrom), resuming ? knownFrom : upTo],
  ];
  if (resuming) spans.push(["starting", knownFrom, end]);
  if (pausedAt !== null) spans.push(["paused", pausedAt, end]);
  return spans.filter(([, from, to]) => to > from);
}

/** The chart's windows (30 columns or more): the shortest that holds every instance up in the last 24 h. */
const windows = [
  { spanMs: 30 * minute, bucketMs: minute, labelEvery: 5, bucket: "minute" },
  { spanMs: 3 * hour, bucketMs: 5 * minute, labelEvery: 6, bucket: "5 minutes" },
  { spanMs: 12 * hour, bucketMs: 15 * minute, labelEvery: 8, bucket: "15 minutes" },
  { spanMs: day, bucketMs: 30 * minute, labelEvery: 8, bucket: "30 minutes" },
] as const;

export interface InstanceSeries {
  /** The window, on the emulator clock: whole buckets, the last one holding `nowMs`. */
  fromMs: number;
  toMs: number;
  bucketMs: number;
  /** "minute": what one column is. */
  bucket: string;
  labelEvery: number;
  /** Each bucket's start. */
  starts: number[];
  /** Per bucket, the instances in each phase, averaged over the bucket (up to `nowMs`). */
  phases: Record<Phase, number[]>;
  /** Per bucket, the instances that started in it: each was a cold start. */
  coldStarts: number[];
}

/** The instances over the window that holds them, per bucket: what `spansOf` says, and cold starts. */
export function instanceSeries(instances: readonly SandboxInstance[], nowMs: number): InstanceSeries {
  const recent = instances.filter((i) => (i.stoppedAt ? Date.parse(i.stoppedAt) : nowMs) > nowMs - day);
  const earliest = Math.min(nowMs, ...recent.map((i) => Date.parse(i.startedAt)));
  const endOf = (bucketMs: number) => (Math.floor(nowMs / bucketMs) + 1) * bucketMs;
  const w = windows.find((x) => endOf(x.bucketMs) - x.spanMs <= earliest) ?? windows[3];
  const toMs = endOf(w.bucketMs);
  const fromMs = toMs - w.spanMs;
  const count = Math.round(w.spanMs / w.bucketMs);
  const starts = Array.from({ length: count }, (_, k) => fromMs + k * w.bucketMs);
  const zeros = () => starts.map(() => 0);
  const phases: Record<Phase, number[]> = {
    starting: zeros(),
    warm: zeros(),
    unknown: zeros(),
    paused: zeros(),
  };
  const coldStarts = zeros();
  for (const i of instances) {
    const started = Date.parse(i.startedAt);
    if (started >= fromMs && started < toMs) {
      const k = Math.floor((started - fromMs) / w.bucketMs);
      coldStarts[k] = (coldStarts[k] ?? 0) + 1;
    }
    for (const [phase, from, to] of spansOf(i, nowMs)) {
      if (to <= fromMs || from >= toMs) continue;
      const first = Math.max(0, Math.floor((from - fromMs) / w.bucketMs));
      const last = Math.min(count - 1, Math.floor((to - 1 - fromMs) / w.bucketMs));
      for (let k = first; k <= last; k++) {
        const b0 = fromMs + k * w.bucketMs;
        const overlap = Math.min(to, b0 + w.bucketMs) - Math.max(from, b0);
        // The bucket holding now is averaged over its past part only.
        const length = Math.min(b0 + w.bucketMs, nowMs) - b0;
        if (overlap > 0 && length > 0) phases[phase][k] = (phases[phase][k] ?? 0) + overlap / length;
      }
    }
  }
  // Sums of fractions: 0.30000000000000004 says nothing more than 0.3.
  for (const values of Object.values(phases))
    for (let k = 0; k < values.length; k++) values[k] = Math.round((values[k] ?? 0) * 1e6) / 1e6;
  return {
    fromMs,
    toMs,
    bucketMs: w.bucketMs,
    bucket: w.bucket,
    labelEvery: w.labelEvery,
    starts,
    phases,
    coldStarts,
  };
}

const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** A column chart over the series' window (emulator clock, UTC). */
const chartOf = (
  x: InstanceSeries,
  o: Pick<ChartOptions, "title" | "series" | "valueLabel" | "empty">,
): SVGElement =>
  columnChart({
    ...o,
    categories: x.starts.map((ms) => new Date(ms).toISOString().slice(11, 16)),
    categoryLabel: `${x.bucket} (emulator clock, UTC)`,
    format: (n) => `${decimal.format(n)} ${o.valueLabel}`,
    tickFormat: (n) => decimal.format(n),
    labelEvery: x.labelEvery,
  });

// ---- tables and figures -------------------------------------------------------------------------

/** An instance's or a task's state as a badge, in the console's tones. */
const stateTones: Record<string, Tone> = {
  STARTING: "busy",
  RUNNING: "ok",
  IDLE: "ok",
  PAUSED: "warn",
  STOPPED: "gone",
  SUCCEEDED: "ok",
  FAILED: "bad",
};

/** A cell: `data-field` names the API's field; a number or "–" is right-aligned. */
const td = (field: string, ...value: (Node | string)[]) =>
  h("td", { "data-field": field, class: /^[\d,.–]+$/.test(String(value[0])) ? "num" : null }, ...value);
const count = (k: number, what: string) => `${k} ${what}${k === 1 ? "" : "s"}`;
const n = (v: number | null | undefined) => (v === null || v === undefined ? "–" : decimal.format(v));

/** A table: its caption, its column heads ("#…": a number's), a head cell then cells per row. */
function table(id: string, caption: string, head: string[], rows: HTMLElement[]): HTMLElement {
  const th = (t: string) => h("th", { scope: "col", class: t[0] === "#" ? "num" : null }, t.replace("#", ""));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ...head.map(th))),
      h("tbody", {}, ...rows),
    ),
  );
}

const instanceRow = (i: SandboxInstance) =>
  h(
    "tr",
    { "data-instance": i.id, "data-state": i.state },
    h("th", { scope: "row", class: "mono" }, i.id),
    td("state", badge(stateTones, i.state), i.draining ? " draining" : ""),
    td("stopReason", i.stopReason ?? ""),
    td("tasksServed", n(i.tasksServed)),
    td("tasksInFlight", n(i.tasksInFlight)),
    td("coldStartMs", n(i.coldStartMs)),
    td("billedSeconds", n(i.billedSeconds)),
    td("startedAt", time(i.startedAt)),
    td("lastActiveAt", time(i.lastActiveAt)),
  );

const taskRow = (t: Task) =>
  h(
    "tr",
    { "data-task": t.id, "data-status": t.status },
    h("th", { scope: "row", class: "mono" }, t.id),
    td("status", badge(stateTones, t.status)),
    td("start", t.placement?.start ?? "–"),
    td("startMs", n(t.placement?.startMs)),
    td("runMs", n(t.placement?.runMs)),
    td("error", t.error?.code ?? ""),
    td("createdAt", time(t.createdAt)),
  );

/** A card of figures: [the API's field, its name, its value]. */
const card = (title: string, figures: [string, string, string][]) =>
  h(
    "section",
    { class: "card" },
    h("h3", {}, title),
    h(
      "dl",
      { class: "kv" },
      ...figures.flatMap(([k, label, v]) => [h("dt", {}, label), h("dd", { "data-figure": k }, v)]),
    ),
  );

/** The runtime view (`#runtime/<id>`): its instances over time, its instances and tasks, its inbox and memory. */
export function renderRuntime(app: App): void {
  const { state } = app;
  const id = state.runtimeId ?? "";
  const listed = state.resources.get(id);
  const name = listed?.body.name ?? id;
  const r = state.runtime?.id === id ? state.runtime : null;
  byId("runtime-name").textContent = name;
  byId("runtime-source").textContent = !state.accountToken
    ? `Its instances, tasks, inbox and memory are read with its account's API token${listed?.account ? ` (${listed.account})` : ""}: enter it to see them; the admin token alone reads none of them.`
    : (state.runtimeError ??
      (r
        ? `Read with the account token (GET /v1/agent-runtimes/${id}/instances, /tasks?limit=${taskLimit}, /memory and GET /agents/${id}/invoke/inbox), again as it works; at ${time(new Date(r.readAtMs).toISOString())} on the emulator clock.`
        : "Reading the runtime…"));
  const box = byId("runtime");
  const head = listed
    ? h(
        "p",
        {},
        h("span", { class: "mono" }, id),
        " ",
        badge(app.config.tones, listed.body.status),
        " ",
        listed.account,
      )
    : null;
  if (!r || state.runtimeError || !state.accountToken) {
    fill(box, head);
    return;
  }
  const x = instanceSeries(r.instances, r.readAtMs);
  const { inbox, memory } = r;
  fill(
    box,
    head,
    h(
      "div",
      { class: "runtime-figures" },
      card("Channel inbox", [
        ["ready", "Ready", n(inbox.ready)],
        ["inFlight", "In flight", n(inbox.inFlight)],
        ["deadLetters", "Dead letters", n(inbox.deadLetters)],
        ["oldestAgeSeconds", "Oldest waiting (s)", n(inbox.oldestAgeSeconds)],
      ]),
      card("Memory", [
        ["entries", "Entries", n(memory.entries)],
        ["bytes", "Bytes", n(memory.bytes)],
        ["namespaces", "Namespaces", n(memory.namespaces)],
      ]),
    ),
    h(
      "div",
      { class: "charts" },
      h(
        "figure",
        { class: "chart", "data-chart": "instances" },
        h("figcaption", {}, `Instances, mean per ${x.bucket}`),
        chartOf(x, {
          title: `Instances of ${name}, mean per ${x.bucket}`,
          series: [
            { key: "starting", label: "starting", values: x.phases.starting },
            { key: "warm", label: "warm (running or idle)", values: x.phases.warm },
            { key: "unknown", label: "warm or paused", values: x.phases.unknown },
            { key: "paused", label: "paused", values: x.phases.paused },
          ],
          valueLabel: "instances",
          empty: "no instance in this window",
        }),
        // What the chart cannot know, said where it is shown.
        h(
          "p",
          { class: "hint" },
          'A pause since resumed is not recorded (an instance keeps its current pause only): a resumed instance is "warm or paused" from its cold start to its last resume (or its pause or stop).',
        ),
      ),
      h(
        "figure",
        { class: "chart", "data-chart": "cold-starts" },
        h("figcaption", {}, `Cold starts per ${x.bucket}`),
        chartOf(x, {
          title: `Cold starts of ${name}, per ${x.bucket}`,
          series: [{ key: "cold", label: "cold starts", values: x.coldStarts }],
          valueLabel: "cold starts",
          empty: "no cold start in this window",
        }),
      ),
    ),
    table(
      "runtime-instances",
      `${count(r.instances.length, "instance")}, newest first`,
      [
        "Instance",
        "State",
        "Why stopped",
        "#Tasks served",
        "#In flight",
        "#Cold start (ms)",
        "#Billed (s)",
        "Started",
        "Last active",
      ],
      r.instances.map(instanceRow),
    ),
    table(
      "runtime-tasks",
      `The latest ${count(r.tasks.length, "task")} (at most ${taskLimit}), newest first`,
      ["Task", "Status", "Start", "#Start (ms)", "#Run (ms)", "Error", "Created"],
      r.tasks.map(taskRow),
    ),
  );
}
