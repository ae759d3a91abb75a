import type { App } from "./context.ts";
import { badge, byId, fill, fmt, h, money, part } from "./dom.ts";
import type { State } from "./state.ts";
import type { ConsoleConfig, Limits, Listed, Quotas, Resource } from "./types.ts";

/** An account's quotas as `GET /v1/quotas` answers them; `account` is how the view names it. */
interface AccountQuotas {
  account: string;
  quotas: Quotas;
}

/**
 * Every account's quotas when only the admin token is held. `GET /v1/quotas` answers one account,
 * for its own token, and the admin plane has no per-account quotas route: so here, and only here,
 * the console counts from every account's resources as the emulator does (core/quotas.ts, with
 * countQuotas of provider/api/quotas.ts): chips of clusters in a chip-holding status, endpoints and
 * runtimes in any status, and the declared tokensPerMinute of endpoints; every region (and chip
 * type) listed, as `GET /v1/quotas` lists them.
 */
function quotasFromResources(
  resources: Iterable<Listed>,
  limits: Limits,
  config: Pick<ConsoleConfig, "regions" | "chipTypes" | "chipHoldingStates">,
): AccountQuotas[] {
  const { regions, chipTypes } = config;
  const holding: readonly string[] = config.chipHoldingStates;
  const empty = (): Quotas => ({
    chips: regions.flatMap((region) =>
      chipTypes.map((chipType) => ({ region, chipType, limit: limits.chipsPerType, used: 0 })),
    ),
    endpoints: regions.map((region) => ({ region, limit: limits.endpointsPerRegion, used: 0 })),
    runtimes: regions.map((region) => ({ region, limit: limits.runtimesPerRegion, used: 0 })),
    tokensPerMinute: regions.map((region) => ({ region, limit: limits.tokensPerMinutePerRegion, used: 0 })),
  });
  const add = (usage: { used: number } | undefined, n: number) => {
    if (usage) usage.used += n;
  };
  const byAccount = new Map<string, Quotas>();
  for (const { account, body } of resources) {
    const key = account ?? "this account";
    const q = byAccount.get(key) ?? empty();
    byAccount.set(key, q);
    const inRegion = <T extends { region: string }>(list: T[]) => list.find((u) => u.region === body.region);
    if (body.kind === "ChipCluster" && holding.includes(body.status))
      add(
        q.chips.find((u) => u.region === body.region && u.chipType === body.chipType),
        body.totalChips,
      );
    if (body.kind === "ModelEndpoint") {
      add(inRegion(q.endpoints), 1);
      add(inRegion(q.tokensPerMinute), body.throughput.tokensPerMinute);
    }
    if (body.kind === "AgentRuntime") add(inRegion(q.runtimes), 1);
  }
  return [...byAccount].map(([account, quotas]) => ({ account, quotas }));
}

/** The quotas the view shows: the account's answer with the account token, else every account's. */
function quotasToShow(state: State, config: ConsoleConfig): AccountQuotas[] {
  if (state.accountToken) return state.quotas ? [{ account: "this account", quotas: state.quotas }] : [];
  return quotasFromResources(state.resources.values(), state.limits ?? config.defaultLimits, config);
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
    : state.limits
      ? "Limits as configured on the emulator (GET /_mock/limits); usage counted from every account's resources."
      : "Default limits: enter the admin token to read the emulator's configured ones.";
  const all = quotasToShow(state, config);
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
