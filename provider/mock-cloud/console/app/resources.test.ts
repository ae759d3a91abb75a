// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from "vitest";
import { renderDetail } from "./detail.ts";
import { renderFilters, renderResources, statusesOf } from "./resources.ts";
import { cluster, consoleWith, endpoint, listed, loadPage, runtime } from "./test-fixture.ts";
import { graph, renderTopology } from "./topology.ts";

beforeEach(loadPage);

const rows = () =>
  [...document.querySelectorAll<HTMLElement>("#resources-body tr")].map((tr) => ({
    id: tr.dataset.id,
    status: tr.dataset.status,
    badge: tr.querySelector(".tone")?.className,
  }));

describe("the resources table", () => {
  it("shows each resource's status as data-status and as a toned badge, ordered by kind", () => {
    const { app } = consoleWith({ admin: "admin-token" });
    app.state.resources = new Map([
      ...listed(
        "dev",
        runtime("ar-1", "agent", []),
        endpoint("ep-1", "glm", { status: "ROLLING_BACK" }),
        cluster("cc-1", "pool", "PROVISIONING"),
        cluster("cc-2", "dead", "FAILED"),
      ),
    ]);
    renderResources(app);
    expect(rows()).toEqual([
      { id: "cc-2", status: "FAILED", badge: "tone bad" },
      { id: "cc-1", status: "PROVISIONING", badge: "tone busy" },
      { id: "ep-1", status: "ROLLING_BACK", badge: "tone warn" },
      { id: "ar-1", status: "READY", badge: "tone ok" },
    ]);
    expect(document.getElementById("resources-caption")?.textContent).toBe(
      "4 of 4 resources in all accounts",
    );
    expect(document.getElementById("resources-table")?.classList.contains("hide-account")).toBe(false);
  });

  it("filters by status, among the statuses of the chosen kind", () => {
    const { app } = consoleWith({ account: "acct-token" });
    app.state.resources = new Map(
      listed(null, cluster("cc-1", "a", "ACTIVE"), cluster("cc-2", "b", "DEGRADED")),
    );
    const kind = document.getElementById("f-kind") as HTMLSelectElement;
    kind.value = "ChipCluster";
    renderFilters(app);
    const status = document.getElementById("f-status") as HTMLSelectElement;
    expect([...status.options].map((o) => o.value)).toEqual(["", ...statusesOf(app.config, "ChipCluster")]);
    expect(status.options).toHaveLength(1 + app.config.states.ChipCluster.length);
    status.value = "DEGRADED";
    renderResources(app);
    expect(rows().map((r) => r.id)).toEqual(["cc-2"]);
    expect(document.getElementById("resources-caption")?.textContent).toBe(
      "1 of 2 resources of this account",
    );
    // Read with an account token: no account column, no account filter.
    expect(document.getElementById("resources-table")?.classList.contains("hide-account")).toBe(true);
    expect(document.getElementById("f-account-label")?.hidden).toBe(true);
  });

  it("asks for a token before there is one", () => {
    const { app } = consoleWith({});
    renderResources(app);
    expect(document.getElementById("resources-caption")?.textContent).toBe(
      "Connect with a token to see resources.",
    );
  });
});

describe("the resource detail", () => {
  it("shows spec and outputs, the apiKey masked, and the ETag", () => {
    const { app } = consoleWith({ account: "acct-token" });
    app.state.resources = new Map(listed(null, endpoint("ep-1", "glm", { apiKey: "sk-very-secret-9f3c" })));
    app.state.selected = "ep-1";
    renderDetail(app);
    const detail = document.getElementById("detail") as HTMLElement;
    expect(detail.hidden).toBe(false);
    expect(detail.querySelector("[data-field=etag]")?.textContent).toBe('"etag-ep-1"');
    const outputs = JSON.parse(detail.querySelector("[data-field=outputs]")?.textContent ?? "");
    expect(outputs.apiKey).toBe("••••••••9f3c");
    expect(detail.textContent).not.toContain("sk-very-secret");
    const spec = JSON.parse(detail.querySelector("pre[aria-label='Spec as JSON']")?.textContent ?? "");
    expect(Object.keys(spec)).toEqual(expect.arrayContaining(["model", "deployment", "throughput"]));
    expect(spec.apiKey).toBeUndefined();
    // Without the admin token, nothing to edit out of band.
    expect(detail.querySelector("[data-action=edit-selected]")).toBeNull();
  });

  it("is hidden when nothing is selected", () => {
    const { app } = consoleWith({ account: "acct-token" });
    renderDetail(app);
    expect(document.getElementById("detail")?.hidden).toBe(true);
  });
});

describe("the topology", () => {
  const stack = [
    cluster("cc-1", "pool"),
    endpoint("ep-1", "qwen", { clusterId: "cc-1" }),
    endpoint("ep-2", "glm"),
    runtime("ar-1", "reviewer", [{ endpointId: "ep-2", role: "primary" }]),
    runtime("ar-2", "assistant", [{ endpointId: "ep-1", role: "primary" }], [{ peerRuntimeId: "ar-1" }]),
  ];

  it("connects endpoints to their cluster and runtimes to their models and peers", () => {
    const edges = graph(stack.map((body) => ({ account: "dev", body })));
    expect(edges.map((e) => `${e.from} ${e.type} ${e.to}`)).toEqual([
      "ep-1 deployment cc-1",
      "ar-1 model ep-2",
      "ar-2 model ep-1",
      "ar-2 channel ar-1",
    ]);
  });

  it("draws a node per resource, each a button with its status, and lists the connections", () => {
    const { app } = consoleWith({ admin: "admin-token" });
    app.state.resources = new Map(listed("dev", ...stack));
    renderTopology(app);
    expect(document.querySelectorAll("#topology g.node[data-action=select]")).toHaveLength(5);
    expect(document.querySelector('#topology g.node[data-id="ar-2"]')?.getAttribute("data-status")).toBe(
      "READY",
    );
    expect(
      document.querySelector('#topology path[data-edge="channel"][data-from="ar-2"][data-to="ar-1"]'),
    ).not.toBeNull();
    expect(document.getElementById("topology-edges")?.textContent).toContain("qwen runs on pool");
  });
});
