import type { Api } from "./api.ts";
import { barChart, columnChart } from "./chart.ts";
import type { App } from "./context.ts";
import { byId, fill, fmt, h, money, time } from "./dom.ts";
import type { State, Usage, UsageOf } from "./state.ts";
import type { AccountUsage, UsageRow } from "./types.ts";

const hourMs = 3_600_000;

/** The usage view's window: the 24 hours of the emulator clock up to the end of its current hour. */
export function usageWindow(nowMs: number): { from: string; to: string } {
  const to = (Math.floor(nowMs / hourMs) + 1) * hourMs;
  return { from: new Date(to - 24 * hourMs).toISOString(), to: new Date(to).toISOString() };
}

/**
 * Each account's metered tokens over the window, as the emulator answers them: per hour, per
 * endpoint and in all. The account's own (`GET /v1/usage`) with the account token, every
 * account's (`GET /_mock/usage`, each as its own `GET /v1/usage`) with the admin token alone.
 */
export async function readUsage(
  api: Pick<Api, "usage" | "allUsage">,
  state: Pick<State, "accountToken" | "adminToken">,
  nowMs: number,
): Promise<Usage | null> {
  const accountToken = state.accountToken;
  if (!accountToken && !state.adminToken) return null;
  const window = usageWindow(nowMs);
  const read = async (groupBy?: "hour" | "endpoint"): Promise<AccountUsage[]> => {
    const query = new URLSearchParams(groupBy ? { ...window, groupBy } : window).toString();
    return accountToken ? [{ account: "this account", usage: await api.usage(query) }] : api.allUsage(query);
  };
  const [hours, endpoints, totals] = await Promise.all([read("hour"), read("endpoint"), read()]);
  const rowsOf = (list: AccountUsage[], account: string) =>
    list.find((u) => u.account === account)?.usage.rows ?? [];
  return {
    ...window,
    accounts: hours.map(({ account, usage }) => ({
      account,
      hours: usage.rows,
      endpoints: rowsOf(endpoints, account),
      total: rowsOf(totals, account)[0] ?? null,
    })),
  };
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const small = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumSignificantDigits: 3,
});
/** Dollars and cents; below a dollar, three significant digits ("$0.0128", "$0.000123"), at least cents. */
export function usd(n: number): string {
  if (n === 0 || Math.abs(n) >= 1) return money.format(n);
  const fine = small.format(n);
  return /\.\d\d/.test(fine) ? fine : money.format(n);
}

const noTokens = "no tokens served yet";

/** Tokens per hour over the window: input (not cached), cached input and output, stacked. */
function tokensChart(usage: Usage, u: UsageOf): SVGElement {
  const start = Date.parse(usage.from);
  const hours = Array.from({ length: Math.round((Date.parse(usage.to) - start) / hourMs) }, (_, i) =>
    new Date(start + i * hourMs).toISOString(),
  );
  const byHour = new Map(u.hours.map((r) => [new Date(r.group).toISOString(), r]));
  const of = (f: (r: UsageRow) => number) =>
    hours.map((at) => (byHour.has(at) ? f(byHour.get(at) as UsageRow) : 0));
  return columnChart({
    title: `Tokens per hour, ${u.account}`,
    categories: hours.map((at) => at.slice(11, 16)),
    series: [
      { key: "input", label: "input (not cached)", values: of((r) => r.inputTokens - r.cachedTokens) },
      { key: "cached", label: "cached input", values: of((r) => r.cachedTokens) },
      { key: "output", label: "output", values: of((r) => r.outputTokens) },
    ],
    categoryLabel: "hour (emulator clock, UTC)",
    valueLabel: "tokens",
    format: (n) => `${fmt.format(n)} tokens`,
    tickFormat: (n) => compact.format(n),
    empty: noTokens,
    labelEvery: 3,
  });
}

/** An endpoint as the console knows it: its name, or its id when it is gone. */
function endpointName(state: State, id: string): string {
  const r = state.resources.get(id);
  return r?.body.kind === "ModelEndpoint" ? r.body.name : id;
}

/** Per endpoint, most costly first. */
const byCost = (rows: UsageRow[]) =>
  [...rows].sort((a, b) => b.costUsd - a.costUsd || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));

function costChart(state: State, u: UsageOf): SVGElement {
  const rows = byCost(u.endpoints);
  return barChart({
    title: `Cost per endpoint, ${u.account}`,
    categories: rows.map((r) => endpointName(state, r.group)),
    series: [{ key: "cost", label: "cost", values: rows.map((r) => r.costUsd) }],
    categoryLabel: "endpoint",
    valueLabel: "cost (USD, catalog prices)",
    format: usd,
    empty: noTokens,
  });
}

const figureCells = (r: UsageRow | null) => {
  const n = (field: keyof Omit<UsageRow, "group" | "costUsd">) =>
    h("td", { class: "num", "data-field": field }, fmt.format(r ? r[field] : 0));
  return [
    n("requests"),
    n("throttledRequests"),
    n("inputTokens"),
    n("cachedTokens"),
    n("outputTokens"),
    n("elasticTokens"),
    h(
      "td",
      { class: "num", "data-field": "costUsd", title: r ? `$${r.costUsd}` : null },
      usd(r?.costUsd ?? 0),
    ),
  ];
};

function figuresTable(state: State, usage: Usage, u: UsageOf): HTMLElement {
  const rows = byCost(u.endpoints).map((r) =>
    h(
      "tr",
      { "data-endpoint": r.group },
      h(
        "th",
        { scope: "row" },
        endpointName(state, r.group),
        state.resources.has(r.group) ? h("span", { class: "hint" }, ` (${r.group})`) : null,
      ),
      ...figureCells(r),
    ),
  );
  const head = [
    "Endpoint",
    "Requests",
    "Throttled",
    "Input tokens",
    "Cached input",
    "Output tokens",
    "Elastic tokens",
    "Cost",
  ];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "usage-figures", "data-account": u.account },
      h("caption", {}, `Usage of ${u.account}, ${time(usage.from)} to ${time(usage.to)}`),
      h(
        "thead",
        {},
        h("tr", {}, ...head.map((t, i) => h("th", { scope: "col", class: i ? "num" : null }, t))),
      ),
      h("tbody", {}, ...rows),
      h(
        "tfoot",
        {},
        h(
          "tr",
          { "data-total": "" },
          h("th", { scope: "row" }, u.total ? "Total" : `Total: ${noTokens}`),
          ...figureCells(u.total),
        ),
      ),
    ),
  );
}

const figure = (key: string, caption: string, chart: SVGElement) =>
  h("figure", { class: "chart", "data-chart": key }, h("figcaption", {}, caption), chart);

/** The usage view: per account, tokens per hour, cost per endpoint and the figures. */
export function renderUsage(app: App): void {
  const { state } = app;
  const usage = state.usage;
  const source = byId("usage-source");
  const box = byId("usage");
  if (!usage) {
    source.textContent =
      state.accountToken || state.adminToken
        ? "Reading the usage…"
        : "Enter the account token to read its usage, or the admin token to read every account's.";
    fill(box);
    return;
  }
  const window = `from ${time(usage.from)} to ${time(usage.to)} on the emulator clock`;
  source.textContent = state.accountToken
    ? `Tokens this account's endpoints served and what they cost, ${window}, as GET /v1/usage answers them.`
    : `Tokens every account's endpoints served and what they cost, ${window}, as GET /_mock/usage answers them (each account as its own GET /v1/usage).`;
  fill(
    box,
    ...(usage.accounts.length
      ? usage.accounts.map((u, i) =>
          h(
            "section",
            { class: "usage-account", "data-account": u.account, "aria-labelledby": `usage-h-${i}` },
            h("h3", { id: `usage-h-${i}` }, u.account),
            h(
              "div",
              { class: "charts" },
              figure("tokens", "Tokens per hour", tokensChart(usage, u)),
              figure("cost", "Cost per endpoint", costChart(state, u)),
            ),
            figuresTable(state, usage, u),
          ),
        )
      : [h("p", { class: "hint" }, "No account holds resources or has a token yet.")]),
  );
}
