// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from "vitest";
import { renderDrive } from "./drive.ts";
import { wireFaults } from "./faults.ts";
import { consoleWith, loadPage } from "./test-fixture.ts";
import { wireTransitions } from "./transitions.ts";
import type { Fault } from "./types.ts";

beforeEach(loadPage);

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const input = (id: string) => document.getElementById(id) as HTMLInputElement & HTMLSelectElement;
const submit = (id: string) =>
  document.getElementById(id)?.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
const click = (selector: string) => (document.querySelector(selector) as HTMLElement).click();

describe("the faults card", () => {
  const stored: Fault = {
    id: "f-1",
    kind: "ChipCluster",
    operation: "create",
    code: "CapacityUnavailable",
    status: 503,
    probability: 1,
    remaining: 1,
  };

  it("injects the rule the form describes, with the admin token in the Authorization header", async () => {
    const { app, calls } = consoleWith(
      { admin: "admin-token" },
      { "POST /_mock/faults": stored, "GET /_mock/faults": { items: [stored] } },
    );
    wireFaults(app);
    input("fault-kind").value = "ChipCluster";
    input("fault-operation").value = "create";
    input("fault-code").value = "CapacityUnavailable";
    input("fault-remaining").value = "1";
    input("fault-message").value = "no chips today";
    submit("fault-form");
    await settle();
    expect(calls[0]).toEqual({
      method: "POST",
      url: "/_mock/faults",
      authorization: "Bearer admin-token",
      body: {
        kind: "ChipCluster",
        operation: "create",
        code: "CapacityUnavailable",
        status: 503,
        remaining: 1,
        probability: 1,
        message: "no chips today",
      },
    });
    expect(calls[1]).toMatchObject({ method: "GET", url: "/_mock/faults" });
    expect(app.state.faults).toEqual([stored]);
    expect(document.getElementById("notice")?.textContent).toBe("Fault f-1 injected.");
  });

  it("lists the rules, and a rule's Clear deletes it; Clear all deletes them all", async () => {
    const { app, calls } = consoleWith(
      { admin: "admin-token" },
      {
        "DELETE /_mock/faults/f-1": { deleted: "f-1" },
        "DELETE /_mock/faults": { items: [] },
        "GET /_mock/faults": { items: [] },
      },
    );
    app.state.faults = [{ ...stored, drop: true, latencyMs: 200, probability: 0.5 }];
    app.state.view = "drive";
    renderDrive(app);
    wireFaults(app);
    const row = document.querySelector("#faults tr[data-fault=f-1]");
    expect([...(row?.querySelectorAll("td") ?? [])].slice(0, 4).map((td) => td.textContent)).toEqual([
      "f-1",
      "ChipCluster, create",
      "drop connection, 503 CapacityUnavailable, +200 ms, p=0.5",
      "1",
    ]);
    click("#faults tr[data-fault=f-1] button[data-action=clear-fault]");
    await settle();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "DELETE /_mock/faults/f-1",
      "GET /_mock/faults",
    ]);
    click('[data-action="clear-faults"]');
    await settle();
    expect(calls.slice(2).map((c) => `${c.method} ${c.url}`)).toEqual([
      "DELETE /_mock/faults",
      "GET /_mock/faults",
    ]);
    expect(document.querySelector("#faults tbody")?.textContent).toBe("No fault rules.");
  });

  it("is disabled without the admin token", () => {
    const { app } = consoleWith({ account: "acct-token" });
    renderDrive(app);
    expect(document.getElementById("drive-note")?.textContent).toBe(
      "Driving the emulator needs the admin token.",
    );
    expect(input("fault-kind").disabled).toBe(true);
    expect((document.querySelector('[data-action="clear-faults"]') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("the clock and transitions card", () => {
  it("sets a kind's transition from its row", async () => {
    const transitions = { ChipCluster: { mode: "duration", ms: 600_000 } };
    const { app, calls } = consoleWith(
      { admin: "admin-token" },
      { "PUT /_mock/transitions": transitions, "GET /_mock/transitions": transitions },
    );
    wireTransitions(app);
    input("t-mode-ChipCluster").value = "duration";
    input("t-mode-ChipCluster").dispatchEvent(new Event("change"));
    expect(input("t-seconds-ChipCluster").disabled).toBe(false);
    expect(input("t-reads-ChipCluster").disabled).toBe(true);
    input("t-seconds-ChipCluster").value = "600";
    click('button[data-action="transition"][data-kind="ChipCluster"]');
    await settle();
    expect(calls[0]).toMatchObject({
      method: "PUT",
      url: "/_mock/transitions",
      authorization: "Bearer admin-token",
      body: { ChipCluster: { mode: "duration", ms: 600_000 } },
    });
    app.state.view = "drive";
    renderDrive(app);
    expect(document.getElementById("t-current-ChipCluster")?.textContent).toBe("now: 600 s");
    expect(document.getElementById("notice")?.textContent).toBe("ChipCluster operations now take: 600 s.");
  });

  it("advances the clock by the form's amount, and by the quick buttons", async () => {
    const { app, calls } = consoleWith(
      { admin: "admin-token" },
      { "POST /_mock/clock/advance": { now: "2026-01-01T00:10:00.000Z" } },
    );
    wireTransitions(app);
    input("clock-amount").value = "10";
    input("clock-unit").value = "60000";
    submit("clock-form");
    await settle();
    click('button[data-action="advance"][data-ms="3600000"]');
    await settle();
    expect(calls.map((c) => c.body)).toEqual([{ ms: 600_000 }, { ms: 3_600_000 }]);
    expect(document.getElementById("clock-now")?.textContent).toMatch(/^2026-01-01 0[01]:/);
    expect(document.getElementById("notice")?.textContent).toBe(
      "Clock advanced by 3,600 s to 2026-01-01 00:10:00Z.",
    );
  });
});
