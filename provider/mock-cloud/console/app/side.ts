import type { App } from "./context.ts";
import { byId, fill, h } from "./dom.ts";
import { transitionText } from "./transitions.ts";

/** The side panel: each kind's transition and how many fault rules are in force. */
export function renderSide(app: App): void {
  const { state, config } = app;
  const dl = byId("transitions-summary");
  if (!state.adminToken) {
    fill(dl, h("dt", {}, "–"), h("dd", {}, "admin token needed"));
    byId("faults-summary").textContent = "admin token needed";
    return;
  }
  fill(
    dl,
    ...config.kinds.flatMap((k) => [h("dt", {}, k), h("dd", {}, transitionText(state.transitions[k]))]),
  );
  const live = state.faults.filter((f) => f.remaining === undefined || f.remaining > 0);
  byId("faults-summary").textContent = live.length === 0 ? "none" : `${live.length} active`;
}
