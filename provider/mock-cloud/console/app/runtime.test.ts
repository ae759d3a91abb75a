// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConsole } from "./app.ts";
import { instanceSeries, readRuntime, renderRuntime, spansOf, taskLimit } from "./runtime.ts";
import type { RuntimeAtWork } from "./state.ts";
import { consoleWith, fakeEmulator, listed, loadPage, runtime, storageWith } from "./test-fixture.ts";
import type { ChannelInbox, SandboxInstance, Task } from "./types.ts";

const ms = (iso: string) => Date.parse(iso);
/** 2026-01-02 13:mm:ss on the emulator clock. */
const at = (mmss: string) => `2026-01-02T13:${mmss}.000Z`;
const now = ms(at("20:15"));

const instance = (over: Partial<SandboxInstance>): SandboxInstance => ({
  id: "si-1",
  runtimeId: "ar-1",
  state: "IDLE",
  draining: false,
  runtimeVersion: 1,
  tasksInFlight: 0,
  tasksServed: 0,
  coldStartMs: 200,
  startedAt: at("10:00"),
  lastActiveAt: at("10:00"),
  pausedAt: null,
  stoppedAt: null,
  stopReason: null,
  billedSeconds: 0,
  billingSince: null,
  ...over,
});

const task = (id: string, over: Partial<Task>): Task => ({
  id,
  runtimeId: "ar-1",
  status: "SUCCEEDED",
  input: "hello",
  placement: { instanceId: "si-1", start: "warm", startMs: 0, runMs: 12 },
  output: { text: "hi", routedTo: "ep-1", hops: "ep-1:200" },
  error: null,
  createdAt: at("19:00"),
  finishedAt: at("19:01"),
  ...over,
});

const inbox: ChannelInbox = {
  runtimeId: "ar-1",
  ready: 3,
  inFlight: 1,
  deadLetters: 2,
  oldestEnqueuedAt: at("19:45"),
  oldestAgeSeconds: 30.5,
  peers: [],
  maxDeliveries: 5,
  defaultVisibilityTimeoutSeconds: 30,
};
const memory = { entries: 12, bytes: 34_567, namespaces: 2 };

describe("what an instance's record says of its past", () => {
  const s = ms(at("10:00"));
  it("a cold start, then warm (running or idle: the record cannot tell) up to now", () => {
    expect(spansOf(instance({ billingSince: at("10:00") }), now)).toEqual([
      ["starting", s, s + 200],
      ["warm", s + 200, now],
    ]);
    // Still starting: the whole span so far.
    const starting = instance({ state: "STARTING", startedAt: at("20:14"), billingSince: at("20:14") });
    expect(spansOf(starting, now)).toEqual([["starting", ms(at("20:14")), now]]);
  });

  it("its current pause, and its stop", () => {
    const paused = instance({ state: "PAUSED", pausedAt: at("15:00"), billedSeconds: 300 });
    expect(spansOf(paused, now)).toEqual([
      ["starting", s, s + 200],
      ["warm", s + 200, ms(at("15:00"))],
      ["paused", ms(at("15:00")), now],
    ]);
    const stopped = {
      ...paused,
      state: "STOPPED" as const,
      stoppedAt: at("18:00"),
      stopReason: "idle" as const,
    };
    expect(spansOf(stopped, now)).toEqual([
      ["starting", s, s + 200],
      ["warm", s + 200, ms(at("15:00"))],
      ["paused", ms(at("15:00")), ms(at("18:00"))],
    ]);
    const neverPaused = instance({ state: "STOPPED", stoppedAt: at("12:00"), billedSeconds: 120 });
    expect(spansOf(neverPaused, now)).toEqual([
      ["starting", s, s + 200],
      ["warm", s + 200, ms(at("12:00"))],
    ]);
  });

  it("a pause since resumed is not recorded: from the cold start to the last resume it is warm or paused, not warm", () => {
    // Resumed at 13:12 (its billed span opened again then): paused for a while before, when unknown.
    const resumed = instance({ state: "RUNNING", tasksInFlight: 1, billingSince: at("12:00") });
    expect(spansOf(resumed, now)).toEqual([
      ["starting", s, s + 200],
      ["unknown", s + 200, ms(at("12:00"))],
      ["warm", ms(at("12:00")), now],
    ]);
    // Paused now, and 60 s less billed than it was up before this pause: an earlier pause, resumed.
    const pausedAgain = instance({ state: "PAUSED", pausedAt: at("15:00"), billedSeconds: 240 });
    expect(spansOf(pausedAgain, now)).toEqual([
      ["starting", s, s + 200],
      ["unknown", s + 200, ms(at("15:00"))],
      ["paused", ms(at("15:00")), now],
    ]);
    // Resuming now: starting again since its last start.
    const resuming = instance({ state: "STARTING", billingSince: at("20:15") });
    expect(spansOf(resuming, now + 10)).toEqual([
      ["starting", s, s + 200],
      ["unknown", s + 200, now],
      ["starting", now, now + 10],
    ]);
  });
});

describe("instances over time", () => {
  it("averages each state over each bucket of the shortest window that holds the instances, and counts cold starts", () => {
    const series = instanceSeries(
      [
        instance({ id: "si-2", startedAt: at("20:05"), billingSince: at("20:05") }),
        instance({ state: "PAUSED", pausedAt: at("15:00"), billedSeconds: 300 }),
      ],
      now,
    );
    // 30 minutes of 1-minute buckets, the last holding now (13:20:15).
    expect([series.fromMs, series.toMs, series.bucketMs, series.bucket]).toEqual([
      ms("2026-01-02T12:51:00.000Z"),
      ms(at("21:00")),
      60_000,
      "minute",
    ]);
    expect(series.starts).toHaveLength(30);
    const k = (mmss: string) => (ms(at(mmss)) - series.fromMs) / 60_000;
    expect(series.coldStarts[k("10:00")]).toBe(1);
    expect(series.coldStarts[k("20:00")]).toBe(1);
    expect(series.coldStarts.reduce((a, b) => a + b, 0)).toBe(2);
    // The bucket of a cold start: 200 ms starting, the rest of its minute warm.
    expect(series.phases.starting[k("10:00")]).toBeCloseTo(0.2 / 60, 6);
    expect(series.phases.warm[k("10:00")]).toBeCloseTo(59.8 / 60, 6);
    expect(series.phases.paused[k("15:00")]).toBe(1);
    expect(series.phases.warm[k("15:00")]).toBe(0);
    // The bucket holding now: averaged over its 15 s past: one paused throughout, one started 5 s in.
    expect(series.phases.paused[k("20:00")]).toBe(1);
    expect(series.phases.starting[k("20:00")]).toBeCloseTo(0.2 / 15, 6);
    expect(series.phases.warm[k("20:00")]).toBeCloseTo(9.8 / 15, 6);
  });

  it("takes 3 hours, 12 or a day for older instances, and leaves out those stopped over a day ago", () => {
    const started = (iso: string) => instanceSeries([instance({ startedAt: iso, billingSince: iso })], now);
    expect(started("2026-01-02T13:00:00.000Z").bucket).toBe("minute");
    expect(started("2026-01-02T12:45:00.000Z").bucket).toBe("5 minutes");
    expect(started("2026-01-02T09:00:00.000Z").bucket).toBe("15 minutes");
    expect(started("2026-01-01T16:00:00.000Z").bucket).toBe("30 minutes");
    expect(started("2025-12-25T16:00:00.000Z").bucket).toBe("30 minutes");
    const long = instanceSeries(
      [
        instance({
          state: "STOPPED",
          startedAt: "2025-12-30T00:00:00.000Z",
          stoppedAt: "2025-12-30T01:00:00.000Z",
        }),
      ],
      now,
    );
    expect(long.bucket).toBe("minute");
    expect(
      Object.values(long.phases)
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    expect(instanceSeries([], now).bucket).toBe("minute");
  });
});

describe("reading a runtime at work", () => {
  it("reads its instances, latest tasks, memory and inbox with the account token", async () => {
    const { app, calls } = consoleWith(
      { account: "acct-token", admin: "admin-token" },
      {
        "GET /v1/agent-runtimes/ar-1/instances": { items: [instance({})] },
        "GET /v1/agent-runtimes/ar-1/tasks": { items: [task("task-1", {})] },
        "GET /v1/agent-runtimes/ar-1/memory": memory,
        "GET /agents/ar-1/invoke/inbox": inbox,
      },
    );
    const read = await readRuntime(app.api, app.state, "ar-1", now);
    expect(read).toEqual({
      id: "ar-1",
      readAtMs: now,
      instances: [instance({})],
      tasks: [task("task-1", {})],
      inbox,
      memory,
    });
    expect(calls.map((c) => [c.url, c.authorization]).sort()).toEqual([
      ["/agents/ar-1/invoke/inbox", "Bearer acct-token"],
      ["/v1/agent-runtimes/ar-1/instances", "Bearer acct-token"],
      ["/v1/agent-runtimes/ar-1/memory", "Bearer acct-token"],
      [`/v1/agent-runtimes/ar-1/tasks?limit=${taskLimit}`, "Bearer acct-token"],
    ]);
    // The admin token alone reads none of it.
    const admin = consoleWith({ admin: "admin-token" });
    expect(await readRuntime(admin.app.api, admin.app.state, "ar-1", now)).toBeNull();
    expect(admin.calls).toEqual([]);
  });
});

const text = (selector: string) => document.querySelector(selector)?.textContent ?? "";
const cells = (tr: Element | null) => [...(tr?.querySelectorAll("th, td") ?? [])].map((c) => c.textContent);

let stop: (() => void) | undefined;
beforeEach(loadPage);
afterEach(() => stop?.());

describe("the runtime view", () => {
  const atWork: RuntimeAtWork = {
    id: "ar-1",
    readAtMs: now,
    instances: [
      instance({
        id: "si-2",
        state: "RUNNING",
        tasksInFlight: 2,
        tasksServed: 7,
        startedAt: at("20:05"),
        billingSince: at("20:05"),
        billedSeconds: 310.25,
        draining: true,
      }),
      instance({
        state: "STOPPED",
        pausedAt: at("15:00"),
        stoppedAt: at("18:00"),
        stopReason: "idle",
        billedSeconds: 300,
      }),
    ],
    tasks: [
      task("task-2", {
        status: "FAILED",
        placement: { instanceId: "si-2", start: "cold", startMs: 210, runMs: 1500 },
        error: { code: "TaskTimeout", message: "too long" },
        output: null,
      }),
      task("task-1", { placement: { instanceId: "si-1", start: "resumed", startMs: 25, runMs: 40 } }),
      task("task-0", { status: "RUNNING", placement: null, output: null, finishedAt: null }),
    ],
    inbox,
    memory,
  };

  it("charts the instances over time and lists them, the latest tasks, the inbox's depth and the memory's size", () => {
    const { app } = consoleWith({ account: "acct-token" });
    app.state.resources = new Map(listed(null, runtime("ar-1", "planner", [])));
    app.state.runtimeId = "ar-1";
    app.state.runtime = atWork;
    renderRuntime(app);
    expect(text("#runtime-name")).toBe("planner");
    expect(text("#runtime-source")).toContain("GET /agents/ar-1/invoke/inbox");
    const figure = (k: string) => text(`#runtime [data-figure="${k}"]`);
    expect(["ready", "inFlight", "deadLetters", "oldestAgeSeconds"].map(figure)).toEqual([
      "3",
      "1",
      "2",
      "30.5",
    ]);
    expect(["entries", "bytes", "namespaces"].map(figure)).toEqual(["12", "34,567", "2"]);

    const chart = document.querySelector('#runtime [data-chart="instances"] svg') as SVGElement;
    expect(chart.querySelector("title")?.textContent).toBe("Instances of planner, mean per minute");
    const series = new Set(
      [...chart.querySelectorAll(".bars rect")].map((r) => r.getAttribute("data-series")),
    );
    expect(series).toEqual(new Set(["starting", "warm", "paused"]));
    expect(chart.querySelector('.bars rect[data-series="paused"]')?.getAttribute("data-category")).toBe(
      "13:15",
    );
    // What the chart cannot know is said beside it.
    expect(text('#runtime [data-chart="instances"] .hint')).toContain(
      "A pause since resumed is not recorded",
    );
    const cold = document.querySelector('#runtime [data-chart="cold-starts"] svg') as SVGElement;
    expect([...cold.querySelectorAll(".bars rect")].map((r) => r.getAttribute("data-category"))).toEqual([
      "13:10",
      "13:20",
    ]);

    expect(cells(document.querySelector('#runtime-instances tr[data-instance="si-2"]'))).toEqual([
      "si-2",
      "RUNNING draining",
      "",
      "7",
      "2",
      "200",
      "310.25",
      "2026-01-02 13:20:05Z",
      "2026-01-02 13:10:00Z",
    ]);
    expect(cells(document.querySelector('#runtime-instances tr[data-instance="si-1"]')).slice(1, 3)).toEqual([
      "STOPPED",
      "idle",
    ]);
    expect(text("#runtime-instances caption")).toBe("2 instances, newest first");
    expect(text("#runtime-tasks caption")).toBe("The latest 3 tasks (at most 20), newest first");
    expect(
      [...document.querySelectorAll("#runtime-tasks tbody tr")].map((tr) => cells(tr).slice(0, 6)),
    ).toEqual([
      ["task-2", "FAILED", "cold", "210", "1,500", "TaskTimeout"],
      ["task-1", "SUCCEEDED", "resumed", "25", "40", ""],
      ["task-0", "RUNNING", "–", "–", "–", ""],
    ]);
  });

  it("asks for the account token with the admin token alone, and says when the runtime is not found", () => {
    const { app } = consoleWith({ admin: "admin-token" });
    app.state.resources = new Map(listed("dev", runtime("ar-1", "planner", [])));
    app.state.runtimeId = "ar-1";
    renderRuntime(app);
    expect(text("#runtime-source")).toContain("read with its account's API token (dev)");
    expect(document.querySelector("#runtime table")).toBeNull();

    const mine = consoleWith({ account: "acct-token" });
    mine.app.state.runtimeId = "ar-gone";
    mine.app.state.runtimeError = "AgentRuntime ar-gone is not found with this account's token: gone";
    renderRuntime(mine.app);
    expect(text("#runtime-source")).toContain("ar-gone is not found");
    expect(document.querySelector("#runtime svg")).toBeNull();
  });
});

describe("the runtime view, live", () => {
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

  it("is reached from the runtime's row, and reads it again when the feed says it worked, at most once a second, only while shown", async () => {
    let feed: ReadableStreamDefaultController<Uint8Array> | undefined;
    let seq = 0;
    const send = (...requests: [string, string][]) => {
      for (const [method, path] of requests) {
        const request = {
          time: new Date().toISOString(),
          requestId: `req-${++seq}`,
          account: "dev",
          method,
          path,
          status: 200,
          code: null,
          durationMs: 1,
        };
        const data = `id: ${seq}\nevent: change\ndata: ${JSON.stringify({ type: "request", request })}\n\n`;
        feed?.enqueue(new TextEncoder().encode(data));
      }
    };
    const reads: number[] = [];
    const page = (items: unknown[]) => ({ items, nextPageToken: null });
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
      "GET /v1/chip-clusters": page([]),
      "GET /v1/model-endpoints": page([]),
      "GET /v1/agent-runtimes": page([runtime("ar-1", "planner", []), runtime("ar-2", "critic", [])]),
      "GET /v1/quotas": { chips: [], endpoints: [], runtimes: [], tokensPerMinute: [] },
      "GET /v1/usage": { currency: "USD", rows: [] },
      "GET /_mock/clock": { now: new Date(now).toISOString() },
      "GET /_mock/faults": { items: [] },
      "GET /_mock/transitions": {},
      "GET /_mock/limits": {},
      "GET /_mock/requests": { items: [] },
      "GET /v1/agent-runtimes/ar-1/instances": () => {
        reads.push(Date.now());
        return { items: [instance({ tasksServed: reads.length })] };
      },
      "GET /v1/agent-runtimes/ar-1/tasks": { items: [] },
      "GET /v1/agent-runtimes/ar-1/memory": memory,
      "GET /agents/ar-1/invoke/inbox": inbox,
    });
    const app = createConsole({
      fetch: emulator.fetch,
      storage: storageWith({ account: "acct-token", admin: "admin-token" }),
    });
    app.start();
    stop = () => app.stop();

    // The runtime's row links to it at work; an endpoint's or a cluster's would not.
    await until(() => expect(document.querySelectorAll("#resources-body a.at-work")).toHaveLength(2));
    const link = document.querySelector<HTMLAnchorElement>('#resources-body tr[data-id="ar-1"] a.at-work');
    expect(link?.getAttribute("href")).toBe("#runtime/ar-1");
    expect(reads).toHaveLength(0);
    location.hash = link?.getAttribute("href") ?? "";
    await until(() => expect(document.getElementById("view-runtime")?.hidden).toBe(false));
    await until(() => expect(text('#runtime-instances td[data-field="tasksServed"]')).toBe("1"));
    expect(document.getElementById("view-resources")?.hidden).toBe(true);
    expect(text("#runtime-name")).toBe("planner");

    // The console's own readings, another runtime's work and reads by others change nothing here.
    await until(() => expect(feed).toBeDefined());
    send(
      ["GET", "/v1/agent-runtimes/ar-1/instances"],
      ["GET", "/agents/ar-1/invoke/inbox"],
      ["POST", "/agents/ar-2/invoke/invocations"],
    );
    await sleep(1200);
    expect(reads).toHaveLength(1);
    // Its work (a task, a message published to it by a peer): one reading.
    send(["POST", "/agents/ar-1/invoke/invocations"], ["POST", "/agents/ar-2/invoke/channels/ar-1/messages"]);
    await until(() => expect(reads).toHaveLength(2));
    await until(() => expect(text('#runtime-instances td[data-field="tasksServed"]')).toBe("2"));
    await sleep(300);
    expect(reads).toHaveLength(2);

    // On another view its work only marks it stale, read when it is shown again.
    location.hash = "#resources";
    await until(() => expect(document.getElementById("view-resources")?.hidden).toBe(false));
    send(["POST", "/agents/ar-1/invoke/invocations"]);
    await sleep(1100);
    expect(reads).toHaveLength(2);
    location.hash = "#runtime/ar-1";
    await until(() => expect(reads).toHaveLength(3));
    expect(
      emulator.calls
        .filter((c) => c.url.startsWith("/agents/ar-1/"))
        .every((c) => c.authorization === "Bearer acct-token"),
    ).toBe(true);
  });
});
