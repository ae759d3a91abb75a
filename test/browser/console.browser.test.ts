import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageWindow } from "../../provider/mock-cloud/console/app/usage.ts";
import { startTestCloud, type TestCloud } from "../../provider/testing/index.ts";
import { type Client, client } from "../support/cloud-client.ts";
import { adminToken, pooledEndpoint, cluster as spec } from "../support/fixtures.ts";
import { repoRoot } from "../support/paths.ts";

/**
 * The console in a real browser: Debian's Chromium, headless, driven by playwright-core. A missing
 * Chromium fails these tests (scripts/setup.sh installs it as root); they never skip.
 */
const chromiumPath = "/usr/bin/chromium";
const shots = join(repoRoot, ".agentcloud", "screenshots");
const wait = { timeout: 10_000 };

let cloud: TestCloud;
let context: BrowserContext;
let page: Page;
let profile: string;
const requested: string[] = [];
const pageErrors: string[] = [];
let navigations = 0;

let http: Client;
const api = (method: string, path: string, body?: unknown, token = cloud.token) =>
  http.call(method, path, body, { token });

const cluster = (name: string) => spec(name, { chipsPerHyperNode: 128 });

async function view(name: string): Promise<void> {
  await page.click(`nav a[data-view="${name}"]`);
  await page.waitForSelector(`#view-${name}:not([hidden])`, wait);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is missing at ${chromiumPath}: the console's browser tests need it. ` +
        "Install it with `bash scripts/setup.sh` as root, or `apt-get update && apt-get install -y chromium`.",
    );
  }
  cloud = await startTestCloud();
  http = client(cloud.url, cloud.token, { conformance: false });
  mkdirSync(shots, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), "agentcloud-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("request", (r) => requested.push(r.url()));
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) navigations++;
  });
  await page.goto(cloud.consoleUrl);
  await page.fill("#admin-token", adminToken);
  await page.click("#auth button[type=submit]");
  await page.waitForSelector("#live.on", wait);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await http?.close();
  await cloud?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe("the console in Chromium", () => {
  it("shows resources created through the API as they happen, without a reload", async () => {
    const loads = navigations;
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "same page";
    });
    const created = await api("POST", "/v1/chip-clusters", cluster("live-a"));
    expect(created.status).toBe(202);
    const id = created.body.resource.id;
    await page.waitForSelector(`#resources-body tr[data-id="${id}"][data-status="ACTIVE"]`, wait);
    const ep = await api("POST", "/v1/model-endpoints", pooledEndpoint("live-ep", 200_000));
    const epId = ep.body.resource.id;
    await page.waitForSelector(`#resources-body tr[data-id="${epId}"]`, wait);
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same page");
    expect(navigations).toBe(loads);
    await shot("resources");

    // Detail: spec, outputs with the apiKey masked, ETag.
    await page.click(`#resources-body button[data-id="${epId}"]`);
    await page.waitForSelector("#detail:not([hidden])", wait);
    const outputs = await page.textContent("#detail [data-field=outputs]");
    const apiKey: string = ep.body.resource.apiKey;
    expect(outputs).toContain(`••••••••${apiKey.slice(-4)}`);
    expect(await page.content()).not.toContain(apiKey);
    const current = await api("GET", `/v1/model-endpoints/${epId}`);
    await page.waitForFunction(
      (etag) => document.querySelector("#detail [data-field=etag]")?.textContent === `"${etag}"`,
      current.body.etag,
      wait,
    );
    await shot("detail");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail[hidden]", { state: "attached", ...wait });

    // Deletes go away live too.
    await api("DELETE", `/v1/chip-clusters/${id}`);
    await page.waitForSelector(`#resources-body tr[data-id="${id}"]`, { state: "detached", ...wait });
  });

  it("injects a fault that the API then answers, and clears it", async () => {
    await view("drive");
    await page.selectOption("#fault-kind", "ChipCluster");
    await page.selectOption("#fault-operation", "create");
    await page.selectOption("#fault-code", "CapacityUnavailable");
    await page.fill("#fault-remaining", "1");
    await page.fill("#fault-message", "no chips today");
    await page.click("#fault-form button[type=submit]");
    await page.waitForSelector("#faults tr[data-fault]", wait);
    await shot("drive");

    const refused = await api("POST", "/v1/chip-clusters", cluster("fault-a"));
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: "CapacityUnavailable", message: "no chips today" });
    expect(refused.headers["retry-after"]).toBe("5");
    // remaining: 1 — the next create goes through.
    expect((await api("POST", "/v1/chip-clusters", cluster("fault-a"))).status).toBe(202);

    await page.selectOption("#fault-operation", "list");
    await page.fill("#fault-remaining", "");
    await page.click("#fault-form button[type=submit]");
    await page.waitForFunction(
      () => document.querySelectorAll("#faults tr[data-fault]").length === 2,
      null,
      wait,
    );
    expect((await api("GET", "/v1/chip-clusters")).status).toBe(503);
    await page.click("#faults tr[data-fault] >> nth=-1 >> button");
    await page.waitForFunction(
      () => document.querySelectorAll("#faults tr[data-fault]").length === 1,
      null,
      wait,
    );
    expect((await api("GET", "/v1/chip-clusters")).status).toBe(200);
    await page.click('[data-action="clear-faults"]');
    await page.waitForSelector("#faults tr[data-fault]", { state: "detached", ...wait });
    expect((await api("GET", "/_mock/faults", undefined, adminToken)).body.items).toEqual([]);
  });

  it("moves a PROVISIONING cluster to ACTIVE on screen when the console advances the clock", async () => {
    await view("drive");
    await page.selectOption("#t-mode-ChipCluster", "duration");
    await page.fill("#t-seconds-ChipCluster", "600");
    await page.click('button[data-action="transition"][data-kind="ChipCluster"]');
    await page.waitForFunction(
      () => document.getElementById("t-current-ChipCluster")?.textContent?.includes("600 s"),
      null,
      wait,
    );
    expect((await api("GET", "/_mock/transitions", undefined, adminToken)).body).toMatchObject({
      ChipCluster: { mode: "duration", ms: 600_000 },
    });

    const slow = await api("POST", "/v1/chip-clusters", cluster("slow"));
    const id = slow.body.resource.id;
    await view("resources");
    const row = `#resources-body tr[data-id="${id}"]`;
    await page.waitForSelector(`${row}[data-status="PROVISIONING"]`, wait);
    expect(await page.textContent(`${row} .tone`)).toBe("PROVISIONING");
    await shot("provisioning");

    await view("drive");
    await page.fill("#clock-amount", "10");
    await page.selectOption("#clock-unit", "60000");
    await page.click("#clock-form button[type=submit]");
    await view("resources");
    await page.waitForSelector(`${row}[data-status="ACTIVE"]`, wait);
    expect(await page.textContent(`${row} .tone`)).toBe("ACTIVE");
    expect((await api("GET", `/v1/chip-clusters/${id}`)).body.status).toBe("ACTIVE");
    await api("PUT", "/_mock/transitions", { ChipCluster: { mode: "immediate" } }, adminToken);
  });

  it("draws an agent stack's topology: cluster ← endpoint ← runtime, spillover and a runtime channel", async () => {
    const cc = (await api("POST", "/v1/chip-clusters", cluster("stack"))).body.resource.id;
    expect((await api("GET", `/v1/chip-clusters/${cc}`)).body.status).toBe("ACTIVE");
    const qwen = (
      await api("POST", "/v1/model-endpoints", {
        name: "qwen",
        region: "cn-hangzhou",
        model: "qwen3.7-max",
        deployment: { mode: "dedicated", clusterId: cc, chipsPerReplica: 32, minReplicas: 1, maxReplicas: 2 },
        throughput: { tokensPerMinute: 400_000, elastic: true },
      })
    ).body.resource.id;
    const glm = (await api("POST", "/v1/model-endpoints", pooledEndpoint("glm", 200_000))).body.resource.id;
    expect((await api("GET", `/v1/model-endpoints/${qwen}`)).body.status).toBe("IN_SERVICE");
    expect((await api("PATCH", `/v1/model-endpoints/${qwen}`, { spilloverEndpointId: glm })).status).toBe(
      202,
    );
    const reviewer = (
      await api("POST", "/v1/agent-runtimes", {
        name: "reviewer",
        region: "cn-hangzhou",
        artifact: { image: "agents/reviewer:1.0.0" },
        protocol: "a2a",
        models: [{ endpointId: glm, role: "primary" }],
      })
    ).body.resource.id;
    const assistant = (
      await api("POST", "/v1/agent-runtimes", {
        name: "assistant",
        region: "cn-hangzhou",
        artifact: { image: "agents/assistant:1.4.0" },
        protocol: "a2a",
        models: [
          { endpointId: qwen, role: "primary" },
          { endpointId: glm, role: "fallback" },
        ],
        channels: [{ peerRuntimeId: reviewer, mode: "a2a" }],
      })
    ).body.resource.id;

    await view("topology");
    const edge = (type: string, from: string, to: string) =>
      `#topology path[data-edge="${type}"][data-from="${from}"][data-to="${to}"]`;
    for (const selector of [
      edge("deployment", qwen, cc),
      edge("model", assistant, qwen),
      edge("model", assistant, glm),
      edge("model", reviewer, glm),
      edge("spillover", qwen, glm),
      edge("channel", assistant, reviewer),
    ])
      await page.waitForSelector(selector, { state: "attached", ...wait });
    for (const id of [cc, qwen, glm, reviewer, assistant])
      await page.waitForSelector(`#topology g.node[data-id="${id}"]`, wait);
    const connections = await page.textContent("#topology-edges");
    expect(connections).toContain("qwen runs on stack");
    expect(connections).toContain("assistant A2A channel to reviewer");
    await page.waitForSelector(`#topology g.node[data-id="${assistant}"][data-status="READY"]`, wait);
    await shot("topology");

    // The quota gauges and the cost estimate count the stack: with the admin token alone, every
    // account's quotas as the emulator answers them (GET /_mock/quotas), dev's as its GET /v1/quotas.
    await view("quotas");
    await page.waitForSelector(`#cost tr[data-id="${qwen}"]`, wait);
    const own = (await api("GET", "/v1/quotas")).body.chips.find(
      (q: { region: string; chipType: string }) => q.region === "cn-hangzhou" && q.chipType === "zhenwu-m890",
    );
    const meter = '#chip-gauges [data-gauge="dev · cn-hangzhou · zhenwu-m890"] [role=meter]';
    await page.waitForFunction(
      ([selector, used]) =>
        document.querySelector(selector as string)?.getAttribute("aria-valuenow") === used,
      [meter, String(own.used)],
      wait,
    );
    expect(await page.getAttribute(meter, "aria-valuemax")).toBe(String(own.limit));
    expect(await page.textContent("#limits-source")).toContain("GET /_mock/quotas");
    expect(requested.some((url) => new URL(url).pathname === "/_mock/quotas")).toBe(true);
    expect(requested.some((url) => new URL(url).pathname === "/v1/quotas")).toBe(false);
    await shot("quotas");
    await view("requests");
    await page.waitForSelector("#requests tbody tr td.request", wait);
    expect(await page.textContent("#requests")).toContain("POST /v1/agent-runtimes");
    await shot("requests");
  });

  it("charts the tokens an endpoint served and their cost in the usage view, and follows new requests", async () => {
    const made = await api("POST", "/v1/model-endpoints", pooledEndpoint("usage-ep", 200_000));
    const id: string = made.body.resource.id;
    const { apiKey } = (await api("GET", `/v1/model-endpoints/${id}`)).body;
    const chat = async (content: string) => {
      const done = await api(
        "POST",
        `/inference/${id}/v1/chat/completions`,
        { model: "glm-5.1", messages: [{ role: "user", content }] },
        apiKey,
      );
      expect(done.status).toBe(200);
    };
    await chat("How many chips does the cluster hold?");
    await chat("And how many tokens per minute may the endpoint serve?");

    /** What the emulator answers for dev over the view's window: the total and this endpoint's row. */
    const expected = async () => {
      const now = Date.parse((await api("GET", "/_mock/clock", undefined, adminToken)).body.now);
      const q = new URLSearchParams({ account: "dev", ...usageWindow(now) }).toString();
      const read = async (more = "") =>
        (await api("GET", `/_mock/usage?${q}${more}`, undefined, adminToken)).body.items[0].usage.rows;
      const total = (await read())[0];
      const ep = (await read("&groupBy=endpoint")).find((r: { group: string }) => r.group === id);
      return { total, ep };
    };
    const mine = '#usage section[data-account="dev"]';
    const figure = (field: string) => `${mine} tfoot td[data-field="${field}"]`;
    const shows = (field: string, value: number) =>
      page.waitForFunction(
        ([selector, text]) => document.querySelector(selector as string)?.textContent === text,
        [figure(field), value.toLocaleString("en-US")],
        wait,
      );

    await view("usage");
    let want = await expected();
    expect(want.total.requests).toBe(2);
    await shows("requests", 2);
    await shows("inputTokens", want.total.inputTokens);
    await shows("outputTokens", want.total.outputTokens);
    expect(await page.textContent("#usage-source")).toContain("GET /_mock/usage");
    // The tokens per hour: input and output drawn, summing to what was served; axes labelled.
    const tokens = `${mine} [data-chart="tokens"] svg`;
    await page.waitForSelector(`${tokens}[data-empty="false"] rect[data-series="input"]`, {
      state: "attached",
      ...wait,
    });
    await page.waitForSelector(`${tokens} rect[data-series="output"]`, { state: "attached", ...wait });
    const drawn = await page.$$eval(`${tokens} .bars rect`, (rects) =>
      rects.reduce((sum, r) => sum + Number(r.getAttribute("data-value")), 0),
    );
    expect(drawn).toBe(want.total.inputTokens + want.total.outputTokens);
    expect(await page.textContent(`${tokens} title`)).toBe("Tokens per hour, dev");
    expect(await page.textContent(`${tokens} .axis`)).toContain("hour (emulator clock, UTC)");
    // The cost per endpoint: this endpoint's bar, at its cost.
    const bar = `${mine} [data-chart="cost"] svg rect[data-category="usage-ep"]`;
    await page.waitForSelector(bar, { state: "attached", ...wait });
    expect(Number(await page.getAttribute(bar, "data-value"))).toBe(want.ep.costUsd);
    expect(await page.textContent(`${mine} tbody tr[data-endpoint="${id}"] th`)).toContain("usage-ep");
    await shot("usage");

    // A request served while the view is open shows up without a reload.
    await chat("One more question.");
    want = await expected();
    expect(want.total.requests).toBe(3);
    await shows("requests", 3);
    await shows("outputTokens", want.total.outputTokens);
    expect(requested.some((url) => new URL(url).pathname === "/_mock/usage")).toBe(true);
    expect(requested.some((url) => new URL(url).pathname === "/v1/usage")).toBe(false);
  });

  it("can be used from the keyboard, with every control labelled", async () => {
    await view("resources");
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>("input, select, textarea")]
        .filter(
          (el) => el.type !== "hidden" && (el.labels?.length ?? 0) === 0 && !el.getAttribute("aria-label"),
        )
        .map((el) => el.id || el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    expect(await page.locator("header, nav, main").count()).toBe(3);

    const first = page.locator("#resources-body button[data-action=select]").first();
    await first.focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector("#detail:not([hidden])", wait);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("detail-h");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail[hidden]", { state: "attached", ...wait });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-action"))).toBe("select");

    await page.focus('nav a[data-view="topology"]');
    await page.keyboard.press("Enter");
    await page.waitForSelector("#view-topology:not([hidden])", wait);
    await page.focus("#topology g.node >> nth=0");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#view-resources:not([hidden]) #detail:not([hidden])", wait);
  });

  it("shows the account's quotas as GET /v1/quotas answers them once the account token is given too", async () => {
    await page.fill("#account-token", cloud.token);
    await page.click("#auth button[type=submit]");
    await page.waitForFunction(
      () => document.getElementById("auth-state")?.textContent === "account + admin",
      null,
      wait,
    );
    await view("quotas");
    const quotas = (await api("GET", "/v1/quotas")).body;
    const chips = quotas.chips.find(
      (q: { region: string; chipType: string }) => q.region === "cn-hangzhou" && q.chipType === "zhenwu-m890",
    );
    expect(chips.used).toBeGreaterThan(0);
    const meter = '#chip-gauges [data-gauge="this account · cn-hangzhou · zhenwu-m890"] [role=meter]';
    await page.waitForFunction(
      ([selector, used]) =>
        document.querySelector(selector as string)?.getAttribute("aria-valuenow") === used,
      [meter, String(chips.used)],
      wait,
    );
    expect(await page.getAttribute(meter, "aria-valuemax")).toBe(String(chips.limit));
    expect(await page.textContent("#limits-source")).toContain("GET /v1/quotas");
    expect(requested.some((url) => new URL(url).pathname === "/v1/quotas")).toBe(true);
    for (const url of requested) expect(url).not.toContain(cloud.token);
    expect(await page.content()).not.toContain(cloud.token);
    await shot("quotas-account");
  });

  it("never puts the admin token in the page URL, the HTML, a request URL or the log", async () => {
    expect(page.url()).not.toContain(adminToken);
    expect(page.url()).not.toContain(cloud.token);
    expect(await page.content()).not.toContain(adminToken);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    for (const url of requested) expect(url).not.toContain(adminToken);
    // It was used: the console read and drove the emulator with it, from sessionStorage.
    expect(await page.evaluate(() => Object.values(sessionStorage))).toContain(adminToken);
    expect(await page.evaluate(() => Object.values(localStorage))).not.toContain(adminToken);
    const served = (await http.call("GET", new URL(cloud.consoleUrl).pathname, undefined, { token: null }))
      .text;
    expect(served).not.toContain(adminToken);
    const log = await api("GET", "/_mock/requests?limit=1000", undefined, adminToken);
    expect(JSON.stringify(log.body)).not.toContain(adminToken);
    expect(log.body.items.some((r: { path: string }) => r.path === "/_mock/events")).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
