import type { App } from "./context.ts";
import { badge, byId, fill, h, kindLabel, setOptions, time } from "./dom.ts";
import { accounts, kindOrder, multiAccount, type State } from "./state.ts";
import type { ConsoleConfig, Kind, Listed } from "./types.ts";

/** The filters' choices: accounts (admin token alone) and the statuses of the chosen kind. */
export function renderFilters(app: App): void {
  const { state, config } = app;
  const multi = multiAccount(state);
  for (const id of ["f-account", "topo-account"]) {
    setOptions(
      byId<HTMLSelectElement>(id),
      accounts(state).map((a) => ({ value: a, label: a })),
    );
  }
  byId("f-account-label").hidden = !multi;
  byId("topo-account-label").hidden = !multi;
  setOptions(
    byId<HTMLSelectElement>("f-status"),
    statusesOf(config, byId<HTMLSelectElement>("f-kind").value as Kind | "").map((v) => ({
      value: v,
      label: v,
    })),
  );
}

/** Every status of a kind, or of all kinds. */
export const statusesOf = (config: ConsoleConfig, kind: Kind | ""): string[] => [
  ...new Set((kind ? [kind] : config.kinds).flatMap((k): readonly string[] => config.states[k])),
];

interface ResourceFilter {
  kind: string;
  region: string;
  status: string;
  account: string;
  text: string;
}

/** The resources a filter keeps, by kind, region and name. */
function filtered(state: State, f: ResourceFilter): Listed[] {
  const text = f.text.trim().toLowerCase();
  return [...state.resources.values()]
    .filter(
      (r) =>
        (!f.kind || r.body.kind === f.kind) &&
        (!f.region || r.body.region === f.region) &&
        (!f.status || r.body.status === f.status) &&
        (!f.account || r.account === f.account) &&
        (!text || r.body.name.toLowerCase().includes(text) || r.body.id.toLowerCase().includes(text)),
    )
    .sort(
      (a, b) =>
        kindOrder[a.body.kind] - kindOrder[b.body.kind] ||
        a.body.region.localeCompare(b.body.region) ||
        a.body.name.localeCompare(b.body.name),
    );
}

const filterOfForm = (): ResourceFilter => ({
  kind: byId<HTMLSelectElement>("f-kind").value,
  region: byId<HTMLSelectElement>("f-region").value,
  status: byId<HTMLSelectElement>("f-status").value,
  account: byId<HTMLSelectElement>("f-account").value,
  text: byId<HTMLInputElement>("f-text").value,
});

/** An agent runtime's link to the runtime view (`#runtime/<id>`): its instances, tasks, inbox and memory. */
export const atWorkLink = (id: string, name: string, where: string) =>
  h(
    "a",
    {
      class: "at-work",
      href: `#runtime/${encodeURIComponent(id)}`,
      "aria-label": `${name} at work`,
      "data-focus": `${where}-work-${id}`,
    },
    "at work",
  );

/** One row of the resources table: its status as `data-status` and as a badge; an agent runtime's link to it at work. */
function resourceRow(tones: ConsoleConfig["tones"], r: Listed, selected: boolean): HTMLTableRowElement {
  const b = r.body;
  return h(
    "tr",
    { class: selected ? "selected" : null, "data-id": b.id, "data-status": b.status },
    h("td", {}, kindLabel[b.kind]),
    h(
      "td",
      {},
      h(
        "button",
        {
          type: "button",
          class: "link",
          "data-action": "select",
          "data-id": b.id,
          "data-focus": `row-${b.id}`,
          "aria-expanded": selected ? "true" : "false",
          "aria-controls": "detail",
        },
        b.name,
      ),
      b.kind === "AgentRuntime" ? atWorkLink(b.id, b.name, "row") : null,
    ),
    h("td", { class: "mono" }, b.id),
    h("td", {}, b.region),
    h("td", {}, badge(tones, b.status)),
    h("td", { class: "col-account" }, r.account ?? ""),
    h("td", { class: "col-updated" }, time(b.updatedAt)),
  );
}

/** The resources table, as filtered. */
export function renderResources(app: App): void {
  const { state } = app;
  const rows = filtered(state, filterOfForm());
  byId("resources-table").classList.toggle("hide-account", !rows.some((r) => r.account !== null));
  const connected = Boolean(state.accountToken || state.adminToken);
  byId("resources-caption").textContent = !connected
    ? "Connect with a token to see resources."
    : `${rows.length} of ${state.resources.size} resources${state.accountToken ? " of this account" : " in all accounts"}`;
  fill(
    byId("resources-body"),
    ...rows.map((r) => resourceRow(app.config.tones, r, r.body.id === state.selected)),
  );
}

export function wireResources(app: App): void {
  const { signal } = app;
  for (const id of ["f-kind", "f-region", "f-status", "f-account"])
    byId(id).addEventListener("change", () => app.render(), { signal });
  byId("f-text").addEventListener("input", () => app.render(), { signal });
  byId("filters").addEventListener("submit", (ev) => ev.preventDefault(), { signal });
  // A row's name opens its detail; again, closes it.
  byId("resources-body").addEventListener(
    "click",
    (ev) => {
      const target = (ev.target as Element).closest<HTMLElement>("[data-action=select]");
      const id = target?.dataset.id;
      if (id) app.select(id === app.state.selected ? null : id);
    },
    { signal },
  );
}
