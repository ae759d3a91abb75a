import type { App } from "./context.ts";
import { byId, fill, h, part, time } from "./dom.ts";
import type { LoggedRequest } from "./types.ts";

interface RequestFilter {
  /** Leave out the admin plane (`/_mock`) and the console's own files. */
  hideAdmin: boolean;
  errorsOnly: boolean;
}

/** The last 200 requests a filter keeps, newest first. */
const requestsShown = (requests: LoggedRequest[], f: RequestFilter): LoggedRequest[] =>
  requests
    .filter((r) => !f.hideAdmin || !(r.path.startsWith("/_mock") || r.path.startsWith("/console")))
    .filter((r) => !f.errorsOnly || r.status >= 400)
    .slice(-200)
    .reverse();

function requestRow(r: LoggedRequest): HTMLTableRowElement {
  return h(
    "tr",
    { "data-request": r.requestId },
    h("td", { title: time(r.time) }, r.time.slice(11, 23)),
    h(
      "td",
      { class: "request" },
      h("span", { class: "mono" }, `${r.method} ${r.path}`),
      h("br"),
      h("span", { class: "hint mono" }, r.requestId),
    ),
    h(
      "td",
      {},
      h(
        "span",
        { class: `tone ${r.status >= 500 ? "bad" : r.status >= 400 ? "warn" : "ok"}` },
        String(r.status),
      ),
      r.code ? ` ${r.code}` : "",
    ),
    h("td", { class: "num" }, String(r.durationMs)),
    h("td", {}, r.account ?? "–"),
  );
}

/** The request log (admin token). */
export function renderRequests(app: App): void {
  const body = part(byId("requests"), "tbody");
  if (!app.state.adminToken) {
    fill(body, h("tr", {}, h("td", { colspan: 5 }, "The request log needs the admin token.")));
    return;
  }
  const rows = requestsShown(app.state.requests, {
    hideAdmin: byId<HTMLInputElement>("r-hide-admin").checked,
    errorsOnly: byId<HTMLInputElement>("r-errors").checked,
  });
  fill(
    body,
    ...(rows.length ? rows.map(requestRow) : [h("tr", {}, h("td", { colspan: 5 }, "No requests yet."))]),
  );
}

export function wireRequests(app: App): void {
  for (const id of ["r-hide-admin", "r-errors"])
    byId(id).addEventListener("change", () => app.render(), { signal: app.signal });
}
