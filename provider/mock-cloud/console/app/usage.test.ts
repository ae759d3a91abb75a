// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConsole } from "./app.ts";
import {
  type Call,
  consoleWith,
  endpoint,
  fakeEmulator,
  listed,
  loadPage,
  storageWith,
} from "./test-fixture.ts";
import type { UsageReport, UsageRow } from "./types.ts";
import { readUsage, renderUsage, usageWindow, usd } from "./usage.ts";

const row = (group: string, figures: Partial<UsageRow> = {}): UsageRow => ({
  group,
  requests: 0,
  throttledRequests: 0,
  inputTokens: 0,
  cachedTokens: 0,
  outputTokens: 0,
  elasticTokens: 0,
  sandboxSeconds: 0,
  costUsd: 0,
  ...figures,
});
const report = (...rows: UsageRow[]): UsageReport => ({ currency: "USD", rows });

// 2026-01-02 13:20 on the emulator clock: the window is 2026-01-01 14:00 to 2026-01-02 14:00.
const now = Date.parse("2026-01-02T13:20:00.000Z");
const window = { from: "2026-01-01T14:00:00.000Z", to: "2026-01-02T14:00:00.000Z" };

/** What dev served: 2 requests at 09:00 and 1 at 13:00, on two endpoints. */
const dev = {
  hours: report(
    row("2026-01-02T09:00:00.000Z", {
      requests: 2,
      inputTokens: 1200,
      cachedTokens: 1024,
      outputTokens: 300,
    }),
    row("2026-01-02T13:00:00.000Z", { requests: 1, inputTokens: 40, outputTokens: 64 }),
  ),
  endpoints: report(
    row("ep-1", { requests: 2, inputTokens: 1200, cachedTokens: 1024, outputTokens: 300, costUsd: 0.0021 }),
    row("ep-gone", { requests: 1, throttledRequests: 1, inputTokens: 40, outputTokens: 64, costUsd: 0.03 }),
  ),
  total: report(
    row("total", {
      requests: 3,
      throttledRequests: 1,
      inputTokens: 1240,
      cachedTokens: 1024,
      outputTokens: 364,
      elasticTokens: 5,
      costUsd: 0.032145678,
    }),
  ),
};
const groupOf = (c: Call) => new URL(c.url, "http://x").searchParams.get("groupBy");
/** GET /_mock/usage as the emulator answers it: dev's usage, and an account that served nothing. */
const allUsage = (c: Call) => {
  const g = groupOf(c);
  const mine = g === "hour" ? dev.hours : g === "endpoint" ? dev.endpoints : dev.total;
  return {
    items: [
      { account: "dev", usage: mine },
      { account: "idle", usage: report() },
    ],
  };
};

const text = (selector: string) => document.querySelector(selector)?.textContent ?? "";

let stop: (() => void) | undefined;
beforeEach(loadPage);
afterEach(() => stop?.());

describe("reading the usage", () => {
  it("covers the emulator clock's last 24 hours, up to the end of its current hour", () => {
    expect(usageWindow(now)).toEqual(window);
    expect(usageWindow(Date.parse("2026-01-02T14:00:00.000Z")).to).toBe("2026-01-02T15:00:00.000Z");
  });

  it("reads the account's own GET /v1/usage with the account token: per hour, per endpoint, in all", async () => {
    const { app, calls } = consoleWith(
      { account: "acct-token", admin: "admin-token" },
      {
        "GET /v1/usage": (c: Call) =>
          groupOf(c) === "hour" ? dev.hours : groupOf(c) === "endpoint" ? dev.endpoints : dev.total,
      },
    );
    const usage = await readUsage(app.api, app.state, now);
    expect(usage).toEqual({
      ...window,
      accounts: [
        {
          account: "this account",
          hours: dev.hours.rows,
          endpoints: dev.endpoints.rows,
          total: dev.total.rows[0],
        },
      ],
    });
    const q = new URLSearchParams(window).toString();
    expect(calls.map((c) => [c.url, c.authorization])).toEqual([
      [`/v1/usage?${q}&groupBy=hour`, "Bearer acct-token"],
      [`/v1/usage?${q}&groupBy=endpoint`, "Bearer acct-token"],
      [`/v1/usage?${q}`, "Bearer acct-token"],
    ]);
  });

  it("reads every account's with the admin token alone (GET /_mock/usage); nothing without a token", async () => {
    const { app, calls } = consoleWith({ admin: "admin-token" }, { "GET /_mock/usage": allUsage });
    const usage = await readUsage(app.api, app.state, now);
    expect(
      usage?.accounts.map((u) => [u.account, u.hours.length, u.endpoints.length, u.total?.requests]),
    ).toEqual([
      ["dev", 2, 2, 3],
      ["idle", 0, 0, undefined],
    ]);
    expect(
      calls.every((c) => c.url.startsWith("/_mock/usage?") && c.authorization === "Bearer admin-token"),
    ).toBe(true);
    expect(await readUsage(app.api, { accountToken: null, adminToken: null }, now)).toBeNull();
  });
});

describe("the usage view", () => {
  it("charts each account's tokens per hour and cost per endpoint, with a table of the figures", () => {
    const { app } = consoleWith({ admin: "admin-token" });
    app.state.resources = new Map(listed("dev", endpoint("ep-1", "glm-chat")));
    app.state.usage = {
      ...window,
      accounts: [
        {
          account: "dev",
          hours: dev.hours.rows,
          endpoints: dev.endpoints.rows,
          total: dev.total.rows[0] ?? null,
        },
        { account: "idle", hours: [], endpoints: [], total: null },
      ],
    };
    renderUsage(app);
    expect(text("#usage-source")).toContain("GET /_mock/usage");
    expect(text("#usage-source")).toContain("from 2026-01-01 14:00:00Z to 2026-01-02 14:00:00Z");
    const sections = [...document.querySelectorAll<HTMLElement>("#usage section.usage-account")];
    expect(sections.map((s) => s.dataset.account)).toEqual(["dev", "idle"]);
    const [mine, idle] = sections as [HTMLElement, HTMLElement];
    expect(mine.querySelector("h3")?.textContent).toBe("dev");

    // Tokens per hour: 24 columns; 09:00 holds input not cached (176), cached input (1,024), output (300).
    const tokens = mine.querySelector('[data-chart="tokens"] svg') as SVGElement;
    expect(tokens.querySelector("title")?.textContent).toBe("Tokens per hour, dev");
    expect(tokens.getAttribute("data-empty")).toBe("false");
    const bars = [...tokens.querySelectorAll(".bars rect")].map((r) => [
      r.getAttribute("data-category"),
      r.getAttribute("data-series"),
      r.getAttribute("data-value"),
    ]);
    expect(bars).toEqual([
      ["09:00", "input", "176"],
      ["09:00", "cached", "1024"],
      ["09:00", "output", "300"],
      ["13:00", "input", "40"],
      ["13:00", "output", "64"],
    ]);
    expect(tokens.querySelector('.bars rect[data-series="cached"] title')?.textContent).toBe(
      "09:00: cached input 1,024 tokens",
    );
    const hourLabels = [...tokens.querySelectorAll(".axis text")].map((t) => t.textContent);
    // Every third hour labelled, back from the current one (13:00).
    expect(hourLabels).toEqual(expect.arrayContaining(["13:00", "10:00", "16:00", "tokens"]));
    expect(hourLabels).not.toContain("14:00");

    // Cost per endpoint, most costly first; a deleted endpoint keeps its id.
    const cost = mine.querySelector('[data-chart="cost"] svg') as SVGElement;
    expect(
      [...cost.querySelectorAll(".bars rect")].map((r) => [
        r.getAttribute("data-category"),
        r.getAttribute("data-value"),
      ]),
    ).toEqual([
      ["ep-gone", "0.03"],
      ["glm-chat", "0.0021"],
    ]);
    expect([...cost.querySelectorAll(".bars text.value")].map((t) => t.textContent)).toEqual([
      "$0.03",
      "$0.0021",
    ]);

    // The figures: one row per endpoint, the window's total below.
    const cells = (tr: Element | null) =>
      [...(tr?.querySelectorAll("th, td") ?? [])].map((c) => c.textContent);
    expect(cells(mine.querySelector('tbody tr[data-endpoint="ep-1"]'))).toEqual([
      "glm-chat (ep-1)",
      "2",
      "0",
      "1,200",
      "1,024",
      "300",
      "0",
      "$0.0021",
    ]);
    expect(cells(mine.querySelector("tbody tr[data-endpoint=ep-gone]"))[0]).toBe("ep-gone");
    expect(cells(mine.querySelector("tfoot tr"))).toEqual([
      "Total",
      "3",
      "1",
      "1,240",
      "1,024",
      "364",
      "5",
      "$0.0321",
    ]);
    // The exact figure in the cell's title.
    expect(mine.querySelector('tfoot td[data-field="costUsd"]')?.getAttribute("title")).toBe("$0.032145678");
    expect(mine.querySelector("table caption")?.textContent).toBe(
      "Usage of dev, 2026-01-01 14:00:00Z to 2026-01-02 14:00:00Z",
    );

    // An account that served nothing: both charts say so, the total is zero.
    for (const chart of idle.querySelectorAll("svg")) {
      expect(chart.getAttribute("data-empty")).toBe("true");
      expect(chart.querySelector("text.empty")?.textContent).toBe("no tokens served yet");
    }
    expect(cells(idle.querySelector("tfoot tr"))).toEqual([
      "Total: no tokens served yet",
      "0",
      "0",
      "0",
      "0",
      "0",
      "0",
      "$0.00",
    ]);
  });

  it("names the account's own usage with the account token, and asks for a token without one", () => {
    const { app } = consoleWith({ account: "acct-token" });
    renderUsage(app);
    expect(text("#usage-source")).toBe("Reading the usage…");
    app.state.usage = {
      ...window,
      accounts: [{ account: "this account", hours: [], endpoints: [], total: null }],
    };
    renderUsage(app);
    expect(text("#usage-source")).toContain("GET /v1/usage");
    expect(document.querySelector("#usage section")?.getAttribute("data-account")).toBe("this account");
    const none = consoleWith({});
    none.app.state.usage = null;
    renderUsage(none.app);
    expect(text("#usage-source")).toContain("Enter the account token");
    expect(document.querySelector("#usage")?.children).toHaveLength(0);
  });

  it("says costs below a dollar in three significant digits, at least in cents", () => {
    expect([0, 0.0000234, 0.01282, 0.01, 0.5, 12.5, 1234.567].map(usd)).toEqual([
      "$0.00",
      "$0.0000234",
      "$0.0128",
      "$0.01",
      "$0.50",
      "$12.50",
      "$1,234.57",
    ]);
  });
});

describe("the usage view, live", () => {
  /** Waits until `check` passes (the console reads asynchronously). */
  async function until(check: () => void, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      try {
        check();
        return;
      } catch (e) {
        if (Date.now() > end) throw e;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("reads the usage again when the feed says an endpoint served requests, at most once a second, only while shown", async () => {
    let feed: ReadableStreamDefaultController<Uint8Array> | undefined;
    let seq = 0;
    const send = (...paths: string[]) => {
      for (const path of paths) {
        const request = {
          time: new Date().toISOString(),
          requestId: `req-${++seq}`,
          account: "dev",
          method: path.startsWith("/inference/") ? "POST" : "GET",
          path,
          status: 200,
          code: null,
          durationMs: 1,
        };
        const text = `id: ${seq}\nevent: change\ndata: ${JSON.stringify({ type: "request", request })}\n\n`;
        feed?.enqueue(new TextEncoder().encode(text));
      }
    };
    const served = "/inference/ep-1/v1/chat/completions";
    const reads: number[] = [];
    const emulator = fakeEmulator({
      "GET /_mock/events": () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              feed = controller;
              controller.enqueue(new TextEncoder().encode("event: hello\ndata: {}\n\n"));
            },
          }),
          { status: 200, headers: { "content-type": "text/event-stream" } },
        ),
      "GET /_mock/usage": (c: Call) => {
        if (groupOf(c) === "hour") reads.push(Date.now());
        return allUsage(c);
      },
      "GET /_mock/quotas": { items: [] },
      "GET /_mock/resources": { items: [] },
      "GET /_mock/clock": { now: new Date(now).toISOString() },
      "GET /_mock/faults": { items: [] },
      "GET /_mock/transitions": {},
      "GET /_mock/limits": {},
      "GET /_mock/requests": { items: [] },
    });
    const app = createConsole({ fetch: emulator.fetch, storage: storageWith({ admin: "admin-token" }) });
    app.start();
    stop = () => app.stop();
    await until(() => expect(reads).toHaveLength(1));

    // On another view, served requests only mark the figures stale: nothing is read…
    await until(() => expect(feed).toBeDefined());
    send(served, served, served);
    await sleep(300);
    expect(reads).toHaveLength(1);
    // …until the usage view is shown: read then, a second after the last reading at the soonest.
    location.hash = "#usage";
    await until(() => expect(reads).toHaveLength(2));
    expect((reads[1] ?? 0) - (reads[0] ?? 0)).toBeGreaterThanOrEqual(990);
    await until(() =>
      expect(document.querySelector("#usage section")?.getAttribute("data-account")).toBe("dev"),
    );
    expect(text('#usage [data-account="dev"] tfoot td[data-field="requests"]')).toBe("3");

    // Requests that meter nothing (the console's own readings among them) read nothing.
    send("/_mock/usage", "/v1/chip-clusters", "/_mock/quotas", "/inference/ep-1/v1/models");
    await sleep(1200);
    expect(reads).toHaveLength(2);
    // A burst of served requests: one reading.
    send(served, served, served, served);
    await until(() => expect(reads).toHaveLength(3));
    await sleep(400);
    expect(reads).toHaveLength(3);
    expect(emulator.calls.some((c) => c.url.startsWith("/v1/usage"))).toBe(false);
  });
});
