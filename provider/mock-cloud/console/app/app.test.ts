// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConsole } from "./app.ts";
import { tokenKeys } from "./state.ts";
import { type Call, cluster, endpoint, fakeEmulator, loadPage, storageWith } from "./test-fixture.ts";
import type { Quotas } from "./types.ts";

const quotas: Quotas = {
  chips: [
    { region: "cn-hangzhou", chipType: "zhenwu-m890", limit: 2048, used: 256 },
    { region: "cn-hangzhou", chipType: "zhenwu-810e", limit: 2048, used: 0 },
  ],
  endpoints: [{ region: "cn-hangzhou", limit: 20, used: 1 }],
  runtimes: [{ region: "cn-hangzhou", limit: 50, used: 0 }],
  tokensPerMinute: [{ region: "cn-hangzhou", limit: 10_000_000, used: 200_000 }],
};
const page = (items: unknown[]) => ({ items, nextPageToken: null });
const accountAnswers = {
  "GET /v1/chip-clusters": page([cluster("cc-1", "pool")]),
  "GET /v1/model-endpoints": page([endpoint("ep-1", "glm")]),
  "GET /v1/agent-runtimes": page([]),
  "GET /v1/quotas": quotas,
  "GET /v1/usage": { currency: "USD", rows: [] },
  "GET /_mock/health": { status: "ok", time: "2026-01-01T00:00:00.000Z" },
};

let stop: (() => void) | undefined;
beforeEach(loadPage);
afterEach(() => stop?.());

/** Waits until `check` passes (the console reads asynchronously). */
async function until(check: () => void): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      check();
      return;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function start(tokens: { account?: string; admin?: string }, answers: Record<string, unknown>) {
  const emulator = fakeEmulator(answers);
  const app = createConsole({ fetch: emulator.fetch, storage: storageWith(tokens) });
  app.start();
  stop = () => app.stop();
  return { app, calls: emulator.calls };
}

describe("the console on its page", () => {
  it("with an account token, reads the account's resources and GET /v1/quotas, the token in headers only", async () => {
    const { calls } = start({ account: "acct-secret" }, accountAnswers);
    await until(() => expect(document.querySelectorAll("#resources-body tr")).toHaveLength(2));
    expect(document.getElementById("live")?.textContent).toBe("polling (5 s)");
    expect(document.getElementById("auth-state")?.textContent).toBe("account");
    const read = (path: string) => calls.find((c: Call) => c.url.split("?")[0] === path);
    expect(read("/v1/quotas")).toMatchObject({ method: "GET", authorization: "Bearer acct-secret" });
    expect(read("/v1/chip-clusters")?.url).toBe("/v1/chip-clusters?pageSize=500");
    // The account's own quotas, not every account's.
    expect(read("/_mock/quotas")).toBeUndefined();
    for (const c of calls) expect(c.url).not.toContain("acct-secret");
    // The health check needs no token.
    expect(read("/_mock/health")?.authorization).toBeNull();

    location.hash = "#quotas";
    await until(() => expect(document.getElementById("view-quotas")?.hidden).toBe(false));
    expect(document.querySelector("#chip-gauges [data-gauge]")?.getAttribute("data-gauge")).toBe(
      "this account · cn-hangzhou · zhenwu-m890",
    );
    expect(document.querySelector("#chip-gauges [role=meter]")?.getAttribute("aria-valuenow")).toBe("256");
    expect(document.querySelector('nav a[data-view="quotas"]')?.getAttribute("aria-current")).toBe("page");
  });

  it("with the admin token, follows the change feed: a created resource shows, the feed lists it, the quotas are read again", async () => {
    const change = {
      type: "resource.created",
      account: "dev",
      kind: "ChipCluster",
      id: "cc-9",
      resource: cluster("cc-9", "fresh", "PROVISIONING"),
    };
    const events = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            const send = (text: string) => controller.enqueue(new TextEncoder().encode(text));
            send("event: hello\ndata: {}\n\n");
            // After the reading that hello starts, as the emulator would.
            setTimeout(() => {
              send(`id: 1\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
              controller.close();
            }, 30);
          },
        }),
        { status: 200, headers: { "content-type": "text/event-stream" } },
      );
    // Every account's quotas as the emulator answers them: dev's chips once the cluster is created.
    let quotaReads = 0;
    const allQuotas = () => {
      quotaReads++;
      const used = quotaReads > 1 ? 256 : 0;
      return {
        items: [
          { account: "dev", quotas: { ...quotas, chips: [{ ...quotas.chips[0], used }] } },
          { account: "other", quotas },
        ],
      };
    };
    const { calls } = start(
      { admin: "admin-secret" },
      {
        "GET /_mock/events": events,
        "GET /_mock/quotas": allQuotas,
        "GET /_mock/resources": { items: [] },
        "GET /_mock/clock": { now: "2026-01-01T00:00:00.000Z" },
        "GET /_mock/faults": { items: [] },
        "GET /_mock/transitions": {},
        "GET /_mock/limits": {},
        "GET /_mock/requests": { items: [] },
        "GET /_mock/usage": { items: [] },
      },
    );
    await until(() =>
      expect(document.querySelector('#resources-body tr[data-id="cc-9"]')?.getAttribute("data-status")).toBe(
        "PROVISIONING",
      ),
    );
    expect(calls.find((c) => c.url === "/_mock/events")?.authorization).toBe("Bearer admin-secret");
    expect(calls.find((c) => c.url === "/_mock/requests?limit=300")?.authorization).toBe(
      "Bearer admin-secret",
    );
    expect(document.getElementById("auth-state")?.textContent).toBe("admin");
    // Quotas: read from the admin plane with the admin token, read again after the change.
    expect(calls.find((c) => c.url === "/_mock/quotas")?.authorization).toBe("Bearer admin-secret");
    expect(calls.some((c) => c.url === "/v1/quotas")).toBe(false);
    await until(() => expect(quotaReads).toBe(2));
    location.hash = "#quotas";
    await until(() =>
      expect(
        [...document.querySelectorAll("#chip-gauges [data-gauge]")].map((g) => [
          g.getAttribute("data-gauge"),
          g.querySelector("[role=meter]")?.getAttribute("aria-valuenow"),
        ]),
      ).toEqual([
        ["dev · cn-hangzhou · zhenwu-m890", "256"],
        ["other · cn-hangzhou · zhenwu-m890", "256"],
      ]),
    );
    location.hash = "#requests";
    await until(() =>
      expect(document.getElementById("feed")?.textContent).toContain(
        "dev: ChipCluster fresh (cc-9) created, PROVISIONING",
      ),
    );
  });

  it("keeps tokens in sessionStorage from the form, empties the inputs, and forgets them", async () => {
    start({}, accountAnswers);
    expect(document.getElementById("live")?.textContent).toBe("not connected");
    (document.getElementById("account-token") as HTMLInputElement).value = " acct-secret ";
    document.getElementById("auth")?.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(sessionStorage.getItem(tokenKeys.account)).toBe("acct-secret");
    expect((document.getElementById("account-token") as HTMLInputElement).value).toBe("");
    await until(() => expect(document.querySelectorAll("#resources-body tr")).toHaveLength(2));
    expect(document.body.innerHTML).not.toContain("acct-secret");

    (document.getElementById("forget") as HTMLButtonElement).click();
    expect(sessionStorage.getItem(tokenKeys.account)).toBeNull();
    expect(document.getElementById("notice")?.textContent).toBe("Tokens forgotten.");
    expect(document.querySelectorAll("#resources-body tr")).toHaveLength(0);
  });

  it("says so when a token is refused, and when a reading fails", async () => {
    const refused = () =>
      new Response(JSON.stringify({ error: { code: "Unauthenticated", message: "unknown token" } }), {
        status: 401,
      });
    start({ account: "wrong" }, { "*": refused });
    await until(() =>
      expect(document.getElementById("notice")?.textContent).toBe(
        "A token was refused: check it and connect again.",
      ),
    );
    expect(document.getElementById("notice")?.classList.contains("error")).toBe(true);
    stop?.();
    loadPage();
    start({ account: "acct-secret" }, { ...accountAnswers, "GET /v1/quotas": undefined });
    await until(() =>
      expect(document.getElementById("notice")?.textContent).toBe(
        "Loading failed: NotFound: no GET /v1/quotas",
      ),
    );
  });

  it("opens a resource's detail from its row, and closes it with Escape, focus back on the row", async () => {
    start({ account: "acct-secret" }, accountAnswers);
    await until(() => expect(document.querySelectorAll("#resources-body tr")).toHaveLength(2));
    (document.querySelector('#resources-body button[data-id="ep-1"]') as HTMLButtonElement).click();
    expect(document.getElementById("detail")?.hidden).toBe(false);
    expect(document.activeElement?.id).toBe("detail-h");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(document.getElementById("detail")?.hidden).toBe(true);
    expect(document.activeElement?.getAttribute("data-id")).toBe("ep-1");
  });
});
