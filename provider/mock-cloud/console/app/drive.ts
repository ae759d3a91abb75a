import type { App } from "./context.ts";
import { byId } from "./dom.ts";
import { renderEdit } from "./edit.ts";
import { renderFaults } from "./faults.ts";
import { renderSnapshots } from "./snapshots.ts";
import { renderTransitions } from "./transitions.ts";

/** The drive view: its four cards, every control disabled without the admin token. */
export function renderDrive(app: App): void {
  const enabled = Boolean(app.state.adminToken);
  byId("drive-note").textContent = enabled ? "" : "Driving the emulator needs the admin token.";
  for (const el of byId("view-drive").querySelectorAll<
    HTMLInputElement | HTMLButtonElement | HTMLSelectElement | HTMLTextAreaElement
  >("input, button, select, textarea"))
    el.disabled = !enabled;
  renderTransitions(app, enabled);
  renderFaults(app, enabled);
  renderEdit(app);
  renderSnapshots(app, enabled);
}
