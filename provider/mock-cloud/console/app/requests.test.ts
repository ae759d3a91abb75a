// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from "vitest";
import { renderChanges } from "./changes.ts";
import { renderRequests } from "./requests.ts";
import { consoleWith, loadPage } from "./test-fixture.ts";
import type { LoggedRequest } from "./types.ts";

beforeEach(loadPage);

const request = (path: string, status: number, code: string | null = null): LoggedRequest => ({
  time: "2026-01-01T10:20:30.456Z",
  requestId: `req-${path}-${status}`,
  account: path.startsWith("/v1") ? "dev" : null,
  method: "GET",
  path,
  status,
  code,
  durationMs: 3,
});
const paths = () =>
  [...document.querySelectorAll("#requests tbody td.request .mono:first-child")].map((e) => e.textContent);

describe("the request log", () => {
  it("lists the newest first, without the admin plane and the console's files unless asked", () => {
    const { app } = consoleWith({ admin: "admin-token" });
    app.state.requests = [
      request("/v1/chip-clusters", 200),
      request("/_mock/faults", 200),
      request("/console/console.js", 200),
      request("/v1/model-endpoints", 503, "CapacityUnavailable"),
    ];
    renderRequests(app);
    expect(paths()).toEqual(["GET /v1/model-endpoints", "GET /v1/chip-clusters"]);
    const failed = document.querySelector("#requests tbody tr");
    expect(failed?.querySelector(".tone")?.className).toBe("tone bad");
    expect(failed?.textContent).toContain("503 CapacityUnavailable");
    expect(failed?.querySelector("td")?.textContent).toBe("10:20:30.456");

    (document.getElementById("r-errors") as HTMLInputElement).checked = true;
    renderRequests(app);
    expect(paths()).toEqual(["GET /v1/model-endpoints"]);
    (document.getElementById("r-errors") as HTMLInputElement).checked = false;
    (document.getElementById("r-hide-admin") as HTMLInputElement).checked = false;
    renderRequests(app);
    expect(paths()).toHaveLength(4);
  });

  it("needs the admin token, as the change feed does", () => {
    const { app } = consoleWith({ account: "acct-token" });
    renderRequests(app);
    renderChanges(app);
    expect(document.querySelector("#requests tbody")?.textContent).toBe(
      "The request log needs the admin token.",
    );
    expect(document.getElementById("feed")?.textContent).toBe("The change feed needs the admin token.");
  });
});

describe("the change feed list", () => {
  it("shows the changes this page received, newest first, with their time", () => {
    const { app } = consoleWith({ admin: "admin-token" });
    renderChanges(app);
    expect(document.getElementById("feed")?.textContent).toBe("Waiting for changes…");
    app.state.feed = [
      { at: "2026-01-01T10:00:02.000Z", text: "dev: ChipCluster cc-1 deleted" },
      { at: "2026-01-01T10:00:01.000Z", text: "faults changed" },
    ];
    renderChanges(app);
    expect([...document.querySelectorAll("#feed li")].map((li) => li.textContent)).toEqual([
      "10:00:02Z dev: ChipCluster cc-1 deleted",
      "10:00:01Z faults changed",
    ]);
  });
});
