import type { App } from "./context.ts";
import { badge, byId, fill, fmt, h, money, part } from "./dom.ts";
import type { State } from "./state.ts";
import type { AccountQuotas, ConsoleConfig, Listed, Resource } from "./types.ts";

/**
 * The quotas the view shows, as the emulator answers them: the account's (`GET /v1/quotas`) with
 * the account token, every account's (`GET /_mock/quotas`) with the admin token alone.
 */
function quotasToShow(state: State): AccountQuotas[] {
  if (state.accountToken) return state.quotas ? [{ account: "this account", quotas: state.quotas }] : [];
  return state.allQuotas;
}

/** A labelled meter: used of limit, amber from 80 %, red when full. */
function gauge(label: string, used: number, limit: number, unit: string): HTMLElement {
  const pct = limit > 0 ? Math.min(100, (used / limit) * 100) : used > 0 ? 100 : 0;
  const bar = h("span");
  bar.style.width = `${pct}%`;
  return h(
    "div",
    { class: "gauge", "data-gauge": label },
    h(
      "div",
      { class: "label" },
      h("span", {}, label),
      h("span", {}, `${fmt.format(used)} of ${fmt.format(limit)} ${unit} (${Math.round(pct)}%)`),
    ),
    h(
      "div",
      {
        class: `bar${pct >= 100 ? " full" : pct >= 80 ? " high" : ""}`,
        role: "meter",
        "aria-label": label,
        "aria-valuemin": 0,
        "aria-valuemax": limit,
        "aria-valuenow": used,
        "aria-valuetext": `${fmt.format(used)} of ${fmt.format(limit)} ${unit}`,
      },
      bar,
    ),
  );
}

const byLabel = <T extends { label: string }>(a: T, b: T) =>
  a.label < b.label ? -1 : a.label > b.label ? 1 : 0;

/** One gauge per account, region and chip type that has chips in use. */
function chipGauges(all: AccountQuotas[]): HTMLElement[] {
  return all
    .flatMap(({ account, quotas }) =>
      quotas.chips
        .filter((c) => c.used > 0)
        .map((c) => ({ label: `${account} · ${c.region} · ${c.chipType}`, c })),
    )
    .sort(byLabel)
    .map(({ label, c }) => gauge(label, c.used, c.limit, "chips"));
}

/** One row per account and region where anything counts: endpoints, runtimes, tokens per minute. */
function otherQuotaRows(all: AccountQuotas[]): HTMLTableRowElement[] {
  const cell = (u: { used: number; limit: number } | undefined) =>
    u
      ? h(
          "td",
          { class: u.used > u.limit ? "num over" : "num" },
          `${fmt.format(u.used)} / ${fmt.format(u.limit)}`,
        )
      : h("td", { class: "num" }, "–");
  const rows: { label: string; row: HTMLTableRowElement }[] = [];
  for (const { account, quotas: q } of all) {
    const regions = [
      ...new Set(
        [...q.chips, ...q.endpoints, ...q.runtimes, ...q.tokensPerMinute]
          .filter((u) => u.used > 0)
          .map((u) => u.region),
      ),
    ];
    for (const region of regions) {
      const of = <T extends { region: string }>(list: T[]) => list.find((u) => u.region === region);
      rows.push({
        label: `${account}\u0000${region}`,
        row: h(
          "tr",
          { "data-account": account, "data-region": region },
          h("td", {}, account),
          h("td", {}, region),
          cell(of(q.endpoints)),
          cell(of(q.runtimes)),
          cell(of(q.tokensPerMinute)),
        ),
      });
    }
  }
  return rows.sort(byLabel).map((r) => r.row);
}

/** On-demand capacity used per region and chip type (clusters in a capacity status), all accounts together. */
function capacityGauges(config: ConsoleConfig, resources: Iterable<Listed>, limit: number): HTMLElement[] {
  const running: readonly string[] = config.capacityStates;
  const used = new Map<string, number>();
  for (const { body } of resources) {
    if (body.kind !== "ChipCluster" || !running.includes(body.status)) continue;
    const key = `${body.region} · ${body.chipType}`;
    used.set(key, (used.get(key) ?? 0) + body.totalChips);
  }
  return [...used]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, n]) => gauge(key, n, limit, "chips"));
}

type Endpoint = Extract<Resource, { kind: "ModelEndpoint" }>;

/** Endpoints that serve (or are changing while serving) and what an hour of each would cost. */
function costRows(
  config: ConsoleConfig,
  resources: Iterable<Listed>,
): {
  rows: HTMLTableRowElement[];
  serving: number;
  low: number;
  high: number;
} {
  const serving = [...resources].filter(
    (r): r is Listed & { body: Endpoint } =>
      r.body.kind === "ModelEndpoint" && (config.servingStates as readonly string[]).includes(r.body.status),
  );
  let low = 0;
  let high = 0;
  const rows = serving.map((r) => {
    const p = r.body.pricing;
    const tpm = r.body.effectiveTokensPerMinute ?? 0;
    const perHour = (tpm * 60) / 1_000_000;
    low += perHour * p.inputPerMTokens;
    high += perHour * p.outputPerMTokens;
    return h(
      "tr",
      { "data-id": r.body.id },
      h("td", {}, r.body.name, r.account ? h("span", { class: "hint" }, ` (${r.account})`) : null),
      h("td", {}, r.body.model),
      h("td", {}, r.body.region),
      h("td", {}, badge(config.tones, r.body.status)),
      h("td", { class: "num" }, fmt.format(tpm)),
      h("td", { class: "num" }, `${money.format(p.inputPerMTokens)} · ${money.format(p.outputPerMTokens)}`),
      h(
        "td",
        { class: "num" },
        `${money.format(perHour * p.inputPerMTokens)} – ${money.format(perHour * p.outputPerMTokens)}`,
      ),
    );
  });
  return { rows, serving: serving.length, low, high };
}

/** The quotas & cost view. */
export function renderQuotas(app: App): void {
  const { state, config } = app;
  byId("limits-source").textContent = state.accountToken
    ? "Limits and usage of this account as the emulator answers them (GET /v1/quotas)."
    : state.adminToken
      ? "Limits and usage of every account as the emulator answers them (GET /_mock/quotas)."
      : "Enter the account token to read its quotas, or the admin token to read every account's.";
  const all = quotasToShow(state);
  const chips = chipGauges(all);
  fill(byId("chip-gauges"), ...(chips.length ? chips : [h("p", { class: "hint" }, "No chips in use.")]));
  if (state.accountToken) {
    fill(
      byId("capacity-gauges"),
      h("p", { class: "hint" }, "Shared by all accounts: read with the admin token alone to see it."),
    );
  } else {
    const capacity = capacityGauges(
      config,
      state.resources.values(),
      (state.limits ?? config.defaultLimits).capacityPerRegion,
    );
    fill(
      byId("capacity-gauges"),
      ...(capacity.length ? capacity : [h("p", { class: "hint" }, "No capacity in use.")]),
    );
  }
  fill(part(byId("other-quotas"), "tbody"), ...otherQuotaRows(all));
  const cost = costRows(config, state.resources.values());
  const costTable = byId("cost");
  fill(part(costTable, "tbody"), ...cost.rows);
  fill(
    part(costTable, "tfoot"),
    h(
      "tr",
      {},
      h(
        "th",
        { scope: "row", colspan: 6 },
        cost.serving ? `Total, ${cost.serving} endpoints` : "No endpoint serving",
      ),
      h("td", { class: "num", "data-total": "" }, `${money.format(cost.low)} – ${money.format(cost.high)}`),
    ),
  );
}
