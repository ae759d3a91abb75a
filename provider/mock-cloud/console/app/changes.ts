import type { App } from "./context.ts";
import { byId, fill, h, time } from "./dom.ts";

/** The change feed as this page received it, newest first (feed.ts reads it). */
export function renderChanges(app: App): void {
  const { state } = app;
  const list = byId("feed");
  if (state.feed.length === 0) {
    fill(
      list,
      h("li", {}, state.adminToken ? "Waiting for changes…" : "The change feed needs the admin token."),
    );
    return;
  }
  fill(
    list,
    ...state.feed
      .slice(0, 100)
      .map((f) => h("li", {}, h("span", { class: "hint" }, `${time(f.at).slice(11)} `), f.text)),
  );
}
