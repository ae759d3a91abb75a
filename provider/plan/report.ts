/**
 * The plan report: what a `pulumi preview --json` of AgentCloud resources changes, in chips and in
 * (illustrative) monthly USD, from the `estimate` each resource carries in its old and new state.
 * Pure: the CLI (cli.ts) reads the preview and prints this as Markdown or JSON.
 */

import { agentRuntimeApi } from "../api/agent-runtime.ts";
import { chipClusterApi } from "../api/chip-cluster.ts";
import type { ResourceKind } from "../api/common.ts";
import { specDefaults } from "../api/defaults.ts";
import { kindOfType, unknownValue } from "../api/engine.ts";
import type { Estimate } from "../api/estimate.ts";
import { modelEndpointApi } from "../api/model-endpoint.ts";
import { countQuotas, type Quotas } from "../api/quotas.ts";
import type { PlanReport, ResourceReport } from "./schema.ts";

type Props = Record<string, unknown>;
interface State {
  type?: string;
  id?: string;
  inputs?: Props;
  outputs?: Props;
}
interface Step {
  op: string;
  urn: string;
  oldState?: State;
  newState?: State;
  replaceReasons?: string[];
}
export interface Preview {
  steps?: Step[];
}

type Action = ResourceReport["action"] | "same";
type Usd = PlanReport["monthlyUsd"]["before"];

/** The account's quotas for `planReport`, as `GET /v1/quotas` answered, or why it did not. */
export type QuotaSource = { endpoint: string } & ({ quotas: Quotas } | { error: string });

const quotaEntries = Object.entries(countQuotas) as [
  keyof typeof countQuotas,
  (typeof countQuotas)[keyof typeof countQuotas],
][];
const round = (n: number) => Math.round(n * 100) / 100;

function estimateOf(state: State | undefined, preferInputs: boolean): Estimate | null {
  const sources = preferInputs ? [state?.inputs, state?.outputs] : [state?.outputs, state?.inputs];
  for (const s of sources) {
    const e = s?.estimate as Estimate | undefined;
    if (e && typeof e === "object" && e.monthlyUsd) return e;
  }
  return null;
}

/** Chips billed to the resource (a dedicated endpoint's are its cluster's: not counted). */
const billedChips = (e: Estimate | null) => (e && e.shareOf !== "cluster" ? e.chips : {});

const apis = { ChipCluster: chipClusterApi, ModelEndpoint: modelEndpointApi, AgentRuntime: agentRuntimeApi };

/**
 * Spec keys whose value changes, with defaults applied: state keeps a field only when it is not
 * its default, and state of older releases holds the defaults, so either shape compares equal.
 */
function changedKeys(kind: ResourceKind, olds: Props | undefined, news: Props | undefined): string[] {
  const spec = specDefaults(apis[kind]);
  const keys = new Set([...Object.keys(olds ?? {}), ...Object.keys(news ?? {})]);
  return [...keys]
    .filter((k) => !k.startsWith("__") && k !== "estimate" && k !== "timeouts")
    .filter((k) => !spec.same(k, olds?.[k], news?.[k]))
    .sort();
}

const actionOf = (op: string): Action | null =>
  op === "create"
    ? "create"
    : op === "update"
      ? "update"
      : op === "delete"
        ? "delete"
        : op === "same"
          ? "same"
          : ["replace", "create-replacement", "delete-replaced"].includes(op)
            ? "replace"
            : null;

function risksOf(kind: string, action: Action, step: Step): string[] {
  const risks: string[] = [];
  const oldOut = step.oldState?.outputs ?? {};
  const newIn = step.newState?.inputs ?? {};
  const serving = kind === "ModelEndpoint" && oldOut.status === "IN_SERVICE";
  if (action === "replace" && serving)
    risks.push(
      "replaces a serving endpoint: its url and apiKey change, and clients must move to the new ones",
    );
  if (action === "delete" && serving) risks.push("deletes a serving endpoint");
  if (action === "replace" && kind === "AgentRuntime" && oldOut.status === "READY")
    risks.push("replaces a ready agent runtime: its invokeUrl changes");
  // A chosen name is in the inputs; an automatic one is not.
  if (
    action === "replace" &&
    typeof newIn.name === "string" &&
    newIn.name === oldOut.name &&
    newIn.region === oldOut.region
  ) {
    risks.push("delete-before-replace (a chosen name): the old one is deleted before the new one exists");
  }
  if (action === "replace" && kind === "ChipCluster")
    risks.push("replaces a chip cluster: dedicated endpoints on it are replaced or fail");
  return risks;
}

export function planReport(
  preview: Preview,
  options: { maxMonthlyUsd?: number; quotas?: QuotaSource } = {},
): PlanReport {
  const byUrn = new Map<string, ResourceReport>();
  const before: Usd = { min: 0, max: 0 };
  const after: Usd = { min: 0, max: 0 };
  const chips = new Map<string, { region: string; chipType: string; before: number; after: number }>();
  const unestimated: string[] = [];
  const counted = new Set<string>();
  /** Chips dedicated endpoints can hold after the plan, by region/chipType. */
  const shares = new Map<string, number>();
  /** Net change of what count quotas count, by quota and region: endpoints, runtimes, tokens per minute. */
  const counts = {
    endpoints: new Map<string, number>(),
    runtimes: new Map<string, number>(),
    tokensPerMinute: new Map<string, number>(),
  };
  const add = (m: Map<string, number>, r: string | undefined, n: number) => {
    if (r && r !== unknownValue && n !== 0) m.set(r, (m.get(r) ?? 0) + n);
  };

  for (const step of preview.steps ?? []) {
    const type = step.newState?.type ?? step.oldState?.type ?? "";
    const kind = kindOfType(type);
    if (!kind) continue;
    const action = actionOf(step.op);
    if (!action || counted.has(step.urn)) continue;
    counted.add(step.urn);
    const name = step.urn.split("::").pop() ?? step.urn;
    const had = action !== "create";
    const will = action !== "delete";
    const old = had ? estimateOf(step.oldState, false) : null;
    // Preview knows the checked inputs (with their estimate); outputs may be the old ones.
    const next = will
      ? action === "same"
        ? (old ?? estimateOf(step.newState, true))
        : estimateOf(step.newState, true)
      : null;
    if ((had && !old) || (will && !next)) unestimated.push(name);
    const oldRegion = (step.oldState?.outputs?.region ?? step.oldState?.inputs?.region) as string | undefined;
    const newRegion = step.newState?.inputs?.region as string | undefined;
    const region = (newRegion ?? oldRegion ?? null) as string | null;

    if (old) {
      before.min += old.monthlyUsd.min;
      before.max += old.monthlyUsd.max;
    }
    if (next) {
      after.min += next.monthlyUsd.min;
      after.max += next.monthlyUsd.max;
    }
    const delta: Record<string, number> = {};
    const shareDelta: Record<string, number> = {};
    for (const [e, sign] of [
      [old, -1],
      [next, 1],
    ] as const) {
      if (e?.shareOf !== "cluster") continue;
      const r = (sign > 0 ? (newRegion ?? oldRegion) : oldRegion) ?? "(unknown region)";
      for (const [chipType, n] of Object.entries(e.chips)) {
        shareDelta[chipType] = (shareDelta[chipType] ?? 0) + sign * n;
        // What the cloud reserves for it: its minimum on a task-scheduled cluster, else its maximum.
        const reserved = e.exclusiveChips ?? n;
        if (sign > 0) shares.set(`${r}/${chipType}`, (shares.get(`${r}/${chipType}`) ?? 0) + reserved);
      }
    }
    const tally = (r: string | undefined, e: Estimate | null, side: "before" | "after") => {
      for (const [chipType, n] of Object.entries(billedChips(e))) {
        const regionName = r && r !== unknownValue ? r : "(unknown region)";
        const key = `${regionName}/${chipType}`;
        const row = chips.get(key) ?? { region: regionName, chipType, before: 0, after: 0 };
        row[side] += n;
        chips.set(key, row);
        delta[chipType] = (delta[chipType] ?? 0) + (side === "after" ? n : -n);
      }
    };
    tally(oldRegion, old, "before");
    tally(newRegion ?? oldRegion, next, "after");
    if (action === "same") continue;
    for (const [quota, { kind: counted, use }] of quotaEntries) {
      if (kind !== counted) continue;
      if (had) add(counts[quota], oldRegion, -use(step.oldState?.outputs ?? step.oldState?.inputs ?? {}));
      if (will) add(counts[quota], newRegion ?? oldRegion, use(step.newState?.inputs ?? {}));
    }

    byUrn.set(step.urn, {
      urn: step.urn,
      name,
      kind,
      region,
      action,
      changedKeys:
        action === "update" || action === "replace"
          ? changedKeys(kind, step.oldState?.inputs, step.newState?.inputs)
          : [],
      replaceKeys: step.replaceReasons ?? [],
      chipsDelta: Object.fromEntries(Object.entries(delta).filter(([, n]) => n !== 0)),
      clusterShareDelta: Object.fromEntries(Object.entries(shareDelta).filter(([, n]) => n !== 0)),
      monthlyUsd: { before: old?.monthlyUsd ?? null, after: next?.monthlyUsd ?? null },
      risks: risksOf(kind, action, step),
    });
  }

  const total = {
    before: { min: round(before.min), max: round(before.max) },
    after: { min: round(after.min), max: round(after.max) },
  };
  const budget =
    options.maxMonthlyUsd === undefined
      ? null
      : { maxMonthlyUsd: options.maxMonthlyUsd, over: total.after.max > options.maxMonthlyUsd };
  const resources = [...byUrn.values()];
  const risks = resources.flatMap((r) => r.risks.map((x) => `${r.kind} "${r.name}": ${x}`));
  // Only meaningful when every cluster is in the preview (a create, a change, or `--show-sames`).
  for (const [key, held] of shares) {
    const [region, chipType] = key.split("/") as [string, string];
    const row = chips.get(key);
    if (row && held > row.after)
      risks.push(
        `dedicated endpoints in ${region} reserve up to ${held} ${chipType} chips (max replicas, min replicas on task-scheduled clusters), more than the ${row.after} of the clusters`,
      );
  }
  if (budget?.over)
    risks.push(`over budget: up to ${total.after.max} USD a month, more than ${budget.maxMonthlyUsd}`);
  const source = options.quotas;
  if (source && "quotas" in source) {
    const over = (what: string, q: { used: number; limit: number } | undefined, delta: number) => {
      if (q && delta > 0 && q.used + delta > q.limit)
        risks.push(
          `quota: ${what} would be ${q.used + delta}, over the account's quota of ${q.limit} (${q.used} in use, ${signed(delta)} by this change)`,
        );
    };
    for (const c of chips.values())
      over(
        `${c.chipType} chips in ${c.region}`,
        source.quotas.chips.find((q) => q.region === c.region && q.chipType === c.chipType),
        c.after - c.before,
      );
    for (const [key, { label }] of quotaEntries) {
      for (const [r, delta] of counts[key])
        over(
          `${label} in ${r}`,
          source.quotas[key].find((q) => q.region === r),
          delta,
        );
    }
  }
  return {
    resources,
    chipsDelta: [...chips.values()]
      .map((c) => ({ ...c, delta: c.after - c.before }))
      .sort((a, b) => a.region.localeCompare(b.region) || a.chipType.localeCompare(b.chipType)),
    monthlyUsd: total,
    unestimated,
    budget,
    quotas: source
      ? {
          endpoint: source.endpoint,
          checked: "quotas" in source,
          error: "error" in source ? source.error : null,
        }
      : null,
    risks,
  };
}

const money = (u: Usd | null) =>
  u === null
    ? "—"
    : u.min === u.max
      ? `$${u.min.toLocaleString("en-US")}`
      : `$${u.min.toLocaleString("en-US")}–${u.max.toLocaleString("en-US")}`;
const signed = (n: number) => (n > 0 ? `+${n}` : `${n}`);

/** The report as Markdown: one table row per changed resource, then chips, totals and risks. */
export function toMarkdown(r: PlanReport): string {
  const lines = ["# AgentCloud plan", ""];
  if (r.resources.length === 0) lines.push("No AgentCloud resource changes.", "");
  else {
    lines.push(
      "| resource | action | changed keys | chips Δ | monthly USD before → after |",
      "|---|---|---|---|---|",
    );
    for (const x of r.resources) {
      const keys = x.changedKeys.map((k) => (x.replaceKeys.includes(k) ? `**${k}**` : k)).join(", ");
      const d = [
        ...Object.entries(x.chipsDelta).map(([t, n]) => `${signed(n)} ${t}`),
        ...Object.entries(x.clusterShareDelta).map(([t, n]) => `${signed(n)} ${t} (share of its cluster)`),
      ].join(", ");
      lines.push(
        `| ${x.kind} \`${x.name}\` | ${x.action} | ${keys || "—"} | ${d || "—"} | ${money(x.monthlyUsd.before)} → ${money(x.monthlyUsd.after)} |`,
      );
    }
    lines.push("");
  }
  const moved = r.chipsDelta.filter((c) => c.delta !== 0);
  if (moved.length > 0) {
    lines.push("## Chips", "", "| region | chip | before | after | Δ |", "|---|---|---:|---:|---:|");
    for (const c of moved)
      lines.push(`| ${c.region} | ${c.chipType} | ${c.before} | ${c.after} | ${signed(c.delta)} |`);
    lines.push("");
  }
  lines.push(
    `**Monthly (illustrative prices, docs/pricing.md; the whole stack with \`preview --show-sames\`):** ${money(r.monthlyUsd.before)} → ${money(r.monthlyUsd.after)}`,
  );
  if (r.budget)
    lines.push(`**Budget:** ${r.budget.maxMonthlyUsd} USD — ${r.budget.over ? "OVER" : "within"}`);
  if (r.unestimated.length > 0) lines.push(`No estimate for: ${r.unestimated.join(", ")} (not counted).`);
  if (r.quotas)
    lines.push(
      r.quotas.checked
        ? `**Quotas:** checked against ${r.quotas.endpoint}`
        : `**Quotas:** not checked (${r.quotas.endpoint}: ${r.quotas.error})`,
    );
  lines.push("");
  if (r.risks.length > 0) {
    lines.push("## Risks", "");
    for (const x of r.risks) lines.push(`- ${x}`);
    lines.push("");
  }
  return lines.join("\n");
}
