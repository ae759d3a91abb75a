import type { App } from "./context.ts";
import { badge, byId, fill, h, kindLabel, mask, time } from "./dom.ts";
import { atWorkLink } from "./resources.ts";
import type { ConsoleConfig, Listed } from "./types.ts";

/** Fields every resource has, shown in the detail's header list rather than in spec or outputs. */
const meta = new Set([
  "id",
  "kind",
  "name",
  "region",
  "status",
  "statusReason",
  "etag",
  "createdAt",
  "updatedAt",
]);

/** A resource's spec (what was asked for) and outputs (what the cloud set), an apiKey masked. */
function specAndOutputs(
  config: ConsoleConfig,
  r: Listed,
): { spec: Record<string, unknown>; outputs: Record<string, unknown> } {
  const specKeys = config.specFields[r.body.kind].filter((k) => !meta.has(k));
  const spec: Record<string, unknown> = {};
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.body)) {
    if (meta.has(k)) continue;
    const shown = k === "apiKey" && typeof v === "string" ? mask(v) : v;
    if (specKeys.includes(k)) spec[k] = shown;
    else outputs[k] = shown;
  }
  return { spec, outputs };
}

/** The selected resource's detail, beside the table; hidden when none is selected. */
export function renderDetail(app: App): void {
  const { state } = app;
  const aside = byId("detail");
  const r = state.selected ? state.resources.get(state.selected) : undefined;
  byId("view-resources").querySelector(".split")?.classList.toggle("open", Boolean(r));
  if (!r) {
    aside.hidden = true;
    aside.replaceChildren();
    return;
  }
  const b = r.body;
  const { spec, outputs } = specAndOutputs(app.config, r);
  aside.hidden = false;
  fill(
    aside,
    h(
      "header",
      {},
      h(
        "h3",
        { id: "detail-h", tabindex: "-1" },
        b.name,
        h("br"),
        h("small", { class: "hint" }, kindLabel[b.kind]),
      ),
      h("button", { type: "button", class: "quiet", "data-action": "close-detail" }, "Close"),
    ),
    h(
      "dl",
      {},
      h("dt", {}, "Status"),
      h("dd", {}, badge(app.config.tones, b.status)),
      h("dt", {}, "Id"),
      h("dd", { class: "mono" }, b.id),
      h("dt", {}, "ETag"),
      h("dd", { class: "mono", "data-field": "etag" }, `"${b.etag}"`),
      h("dt", {}, "Region"),
      h("dd", {}, b.region),
      r.account ? h("dt", {}, "Account") : null,
      r.account ? h("dd", {}, r.account) : null,
      h("dt", {}, "Created"),
      h("dd", {}, time(b.createdAt)),
      h("dt", {}, "Updated"),
      h("dd", {}, time(b.updatedAt)),
    ),
    b.statusReason ? h("p", { class: "reason" }, h("strong", {}, "Status reason: "), b.statusReason) : null,
    h("h4", {}, "Spec"),
    h("pre", { tabindex: "0", "aria-label": "Spec as JSON" }, JSON.stringify(spec, null, 2)),
    h("h4", {}, "Outputs"),
    h(
      "pre",
      { tabindex: "0", "aria-label": "Outputs as JSON", "data-field": "outputs" },
      JSON.stringify(outputs, null, 2),
    ),
    h(
      "p",
      { class: "actions" },
      h("button", { type: "button", class: "quiet", "data-action": "show-topology" }, "Show in topology"),
      b.kind === "AgentRuntime" ? atWorkLink(b.id, b.name, "detail") : null,
      state.adminToken
        ? h("button", { type: "button", class: "quiet", "data-action": "edit-selected" }, "Edit out of band")
        : null,
    ),
  );
}

/** Closes the detail and gives the keyboard focus back to its row. */
function close(app: App): void {
  const back = app.state.selected;
  app.select(null, false);
  if (back) document.querySelector<HTMLElement>(`[data-focus="row-${CSS.escape(back)}"]`)?.focus();
}

/**
 * The detail's buttons (close, show in topology, edit out of band) and Escape. `edit` opens the
 * out-of-band edit of a resource (edit.ts).
 */
export function wireDetail(app: App, edit: (id: string) => void): void {
  const { state, signal } = app;
  byId("detail").addEventListener(
    "click",
    (ev) => {
      const action = (ev.target as Element).closest<HTMLElement>("[data-action]")?.dataset.action;
      if (action === "close-detail") close(app);
      if (action === "show-topology") {
        const back = state.selected;
        app.navigate("topology");
        setTimeout(
          () =>
            back && document.querySelector<SVGElement>(`[data-focus="node-${CSS.escape(back)}"]`)?.focus(),
          0,
        );
      }
      if (action === "edit-selected" && state.selected) edit(state.selected);
    },
    { signal },
  );
  document.addEventListener(
    "keydown",
    (ev) => {
      if (ev.key === "Escape" && state.selected && state.view === "resources") close(app);
    },
    { signal },
  );
}
