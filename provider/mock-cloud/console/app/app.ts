import { type ApiError, createApi } from "./api.ts";
import { renderChanges } from "./changes.ts";
import type { App } from "./context.ts";
import { renderDetail, wireDetail } from "./detail.ts";
import { byId } from "./dom.ts";
import { renderDrive } from "./drive.ts";
import { editResource, wireEdit } from "./edit.ts";
import { wireFaults } from "./faults.ts";
import { describe, follow } from "./feed.ts";
import { renderAuth, renderClock, renderLive, wireAuth } from "./header.ts";
import { renderQuotas } from "./quotas.ts";
import { renderRequests, wireRequests } from "./requests.ts";
import { renderFilters, renderResources, wireResources } from "./resources.ts";
import { readRuntime, renderRuntime } from "./runtime.ts";
import { renderSide } from "./side.ts";
import { wireSnapshots } from "./snapshots.ts";
import { createState, type State, type View, views } from "./state.ts";
import { renderTopology, wireTopology } from "./topology.ts";
import { wireTransitions } from "./transitions.ts";
import type { Change, ConsoleConfig, Listed } from "./types.ts";
import { readUsage, renderUsage } from "./usage.ts";

export interface ConsoleOptions {
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
}

/** The page's data block (page.ts): what the console needs to know of the API. */
function readConfig(): ConsoleConfig {
  return JSON.parse(byId("console-config").textContent ?? "{}") as ConsoleConfig;
}

/**
 * The console on the page it is given (page.ts): reads the emulator with the tokens this tab
 * holds, follows its change feed (admin token) or polls (account token), renders the current view
 * and wires every control. `start` begins, `stop` ends every request, timer and listener.
 */
export function createConsole(options: ConsoleOptions): App & { start(): void; stop(): void } {
  const config = readConfig();
  const state = createState(options.storage);
  const api = createApi(
    () => ({ account: state.accountToken, admin: state.adminToken }),
    config.collections,
    options.fetch,
  );
  const lifetime = new AbortController();
  const { signal } = lifetime;

  // ---- reading the emulator ---------------------------------------------------------------------
  async function loadResources(): Promise<void> {
    const next = new Map<string, Listed>();
    if (state.accountToken) {
      for (const kind of config.kinds)
        for (const body of await api.listKind(kind)) next.set(body.id, { account: null, body });
    } else if (state.adminToken) {
      for (const item of await api.allResources()) next.set(item.body.id, item);
    }
    state.resources = next;
  }
  /**
   * The quotas, as the emulator answers them: the account's (GET /v1/quotas) with the account
   * token, every account's (GET /_mock/quotas) with the admin token alone.
   */
  async function loadQuotas(): Promise<void> {
    const accountToken = state.accountToken;
    const [quotas, allQuotas] = await Promise.all([
      accountToken ? api.quotas() : null,
      !accountToken && state.adminToken ? api.allQuotas() : [],
    ]);
    state.quotas = quotas;
    state.allQuotas = allQuotas;
  }
  /** When the usage was last read, whether requests were served since, and the reading planned. */
  let usageReadAt = 0;
  let usageStale = false;
  let usageTimer: ReturnType<typeof setTimeout> | undefined;
  /** The usage view's figures over the emulator clock's last 24 h (read the clock first). */
  async function loadUsage(): Promise<void> {
    usageReadAt = Date.now();
    usageStale = false;
    state.usage = await readUsage(api, state, Date.now() + (state.clockOffset ?? 0));
  }
  /** When the runtime view's runtime was last read, whether it worked since, and the reading planned. */
  let runtimeReadAt = 0;
  let runtimeStale = false;
  let runtimeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The runtime view's runtime at work, with the account token (nothing without it). */
  async function loadRuntime(): Promise<void> {
    runtimeReadAt = Date.now();
    runtimeStale = false;
    const id = state.runtimeId;
    if (!id) return;
    let runtime: State["runtime"] = null;
    let error: string | null = null;
    try {
      runtime = await readRuntime(api, state, id, Date.now() + (state.clockOffset ?? 0));
    } catch (e) {
      // Gone, or not this account's: said in the view, not as a failure of the whole console.
      if ((e as ApiError).status !== 404) throw e;
      error = `AgentRuntime ${id} is not found with this account's token: ${(e as ApiError).message}`;
    }
    // Another runtime was chosen meanwhile: this reading is not its.
    if (state.runtimeId !== id) return;
    state.runtime = runtime;
    state.runtimeError = error;
  }
  async function loadClock(): Promise<void> {
    const before = Date.now();
    const now = await api.now();
    setClock(now, (before + Date.now()) / 2);
  }
  const load = {
    faults: async () => {
      state.faults = await api.faults();
    },
    transitions: async () => {
      state.transitions = await api.transitions();
    },
    limits: async () => {
      state.limits = await api.limits();
    },
    requests: async () => {
      state.requests = await api.requests(300);
    },
    all: loadAll,
  };
  async function loadAll(): Promise<void> {
    try {
      const clock = loadClock();
      const jobs: Promise<void>[] = [loadResources(), clock];
      if (state.accountToken || state.adminToken) jobs.push(loadQuotas(), clock.then(loadUsage));
      if (state.view === "runtime" && state.accountToken) jobs.push(clock.then(loadRuntime));
      if (state.adminToken) jobs.push(load.faults(), load.transitions(), load.limits(), load.requests());
      await Promise.all(jobs);
      if (byId("notice").classList.contains("error")) notice("");
    } catch (e) {
      if ((e as ApiError).status === 401) notice("A token was refused: check it and connect again.", true);
      else failed("Loading", e);
    }
    render();
  }

  /** Reads again shortly, once for a burst of changes; every reading asked for in the meantime is made. */
  const pending = new Set<() => Promise<void>>();
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  function reloadSoon(what: () => Promise<void>): void {
    pending.add(what);
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      const jobs = [...pending];
      pending.clear();
      Promise.all(jobs.map((job) => job())).then(render, (e) => failed("Refreshing", e));
    }, 120);
  }
  /**
   * Reads the usage again once requests were served (or the clock moved): at most once a second,
   * and only while the usage view shows (otherwise when it is next shown).
   */
  function reloadUsageSoon(): void {
    usageStale = true;
    if (state.view !== "usage" || usageTimer !== undefined) return;
    usageTimer = setTimeout(
      () => {
        usageTimer = undefined;
        loadUsage().then(render, (e) => failed("Refreshing", e));
      },
      Math.max(200, usageReadAt + 1000 - Date.now()),
    );
  }
  /**
   * Reads the runtime view's runtime again once it worked (or the clock moved, or a few seconds
   * passed: instances pause and background tasks end with no request): at most once a second, and
   * only while the runtime view shows (otherwise when it is next shown).
   */
  function reloadRuntimeSoon(): void {
    runtimeStale = true;
    if (state.view !== "runtime" || runtimeTimer !== undefined) return;
    runtimeTimer = setTimeout(
      () => {
        runtimeTimer = undefined;
        loadRuntime().then(render, (e) => failed("Refreshing", e));
      },
      Math.max(200, runtimeReadAt + 1000 - Date.now()),
    );
  }
  /**
   * A request that may change what the runtime view shows: one that is not a read (the console's
   * own readings are reads) and names the runtime, as its own (`/agents/{id}/invoke/…`), as a
   * channel's peer, or as a resource (`/v1/agent-runtimes/{id}`).
   */
  const worksRuntime = (r: { method: string; path: string }) =>
    state.runtimeId !== null && r.method !== "GET" && r.path.split("/").includes(state.runtimeId);
  /** A chat completion (an endpoint's, or through an agent runtime's gateway): what the emulator meters. */
  const metered = (path: string) => !path.startsWith("/_mock/") && path.endsWith("/chat/completions");
  const resourcesAndQuotas = () => Promise.all([loadResources(), loadQuotas()]).then(() => undefined);

  // ---- the change feed ----------------------------------------------------------------------------
  function onChange(c: Change): void {
    const text = describe(c);
    if (text) {
      state.feed.unshift({ at: new Date().toISOString(), text });
      state.feed.length = Math.min(state.feed.length, 200);
    }
    switch (c.type) {
      case "resource.created":
      case "resource.updated":
        if (c.id === state.runtimeId) reloadRuntimeSoon();
        if (state.accountToken) reloadSoon(resourcesAndQuotas);
        else {
          state.resources.set(c.id, { account: c.account, body: c.resource as unknown as Listed["body"] });
          reloadSoon(loadQuotas);
        }
        break;
      case "resource.deleted":
        if (c.id === state.runtimeId) reloadRuntimeSoon();
        if (state.accountToken) reloadSoon(resourcesAndQuotas);
        else {
          state.resources.delete(c.id);
          reloadSoon(loadQuotas);
        }
        break;
      case "clock":
        setClock(c.now);
        reloadUsageSoon();
        reloadRuntimeSoon();
        break;
      case "settings":
        if (c.what === "faults") reloadSoon(load.faults);
        else if (c.what === "transitions") reloadSoon(load.transitions);
        else if (c.what === "limits") {
          reloadSoon(load.limits);
          reloadSoon(loadQuotas);
        }
        break;
      case "store.reset":
      case "store.restored":
        void loadAll();
        break;
      case "request":
        state.requests.push(c.request);
        if (state.requests.length > 500) state.requests.splice(0, state.requests.length - 500);
        if (metered(c.request.path)) reloadUsageSoon();
        if (worksRuntime(c.request)) reloadRuntimeSoon();
        break;
    }
    scheduleRender();
  }

  let feed: AbortController | null = null;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  function connect(): void {
    feed?.abort();
    feed = null;
    clearInterval(pollTimer);
    document.body.classList.toggle("admin", Boolean(state.adminToken));
    if (state.adminToken) {
      feed = new AbortController();
      void follow(api, { live: renderLive, hello: () => void loadAll(), change: onChange }, feed.signal);
    } else if (state.accountToken) {
      // Without the admin token there is no feed: read again every few seconds.
      renderLive("polling", "polling (5 s)");
      void loadAll();
      pollTimer = setInterval(() => void loadAll(), 5000);
    } else {
      renderLive("off", "not connected");
      state.resources.clear();
      state.quotas = null;
      state.allQuotas = [];
      state.usage = null;
      state.runtime = null;
      render();
    }
    renderAuth(app);
  }

  // ---- rendering ----------------------------------------------------------------------------------
  let renderQueued = false;
  function scheduleRender(): void {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      render();
    });
  }
  function render(): void {
    if (signal.aborted) return;
    const active = document.activeElement as HTMLElement | null;
    const focusKey = active?.dataset.focus;
    renderSide(app);
    renderFilters(app);
    if (state.view === "resources") {
      renderResources(app);
      renderDetail(app);
    }
    if (state.view === "topology") renderTopology(app);
    if (state.view === "quotas") renderQuotas(app);
    if (state.view === "usage") renderUsage(app);
    if (state.view === "requests") {
      renderRequests(app);
      renderChanges(app);
    }
    if (state.view === "drive") renderDrive(app);
    if (state.view === "runtime") renderRuntime(app);
    // A re-rendered row keeps the keyboard focus it had.
    if (focusKey && !document.body.contains(active)) {
      document.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focusKey)}"]`)?.focus();
    }
  }
  function setClock(now: string, at = Date.now()): void {
    state.clockOffset = Date.parse(now) - at;
    renderClock(app);
  }
  function notice(text: string, error = false): void {
    const el = byId("notice");
    el.textContent = text;
    el.classList.toggle("error", error);
  }
  function failed(what: string, e: unknown): void {
    const err = e as ApiError;
    notice(`${what} failed: ${err.code ? `${err.code}: ` : ""}${err.message}`, true);
  }
  async function act(what: string, job: () => Promise<string | undefined>): Promise<void> {
    try {
      notice((await job()) ?? `${what}: done`);
    } catch (e) {
      failed(what, e);
    }
    render();
  }

  // ---- views --------------------------------------------------------------------------------------
  /** Shows the view a URL fragment names: `usage`, or `runtime/<id>` (an agent runtime at work). */
  function show(fragment: string): void {
    const [view = "", ...rest] = fragment.split("/");
    const next: View = (views as readonly string[]).includes(view) ? (view as View) : "resources";
    if (next !== state.view) notice("");
    if (next === "runtime") {
      let id: string | null = rest.join("/") || null;
      try {
        id = id && decodeURIComponent(id);
      } catch {
        // A fragment typed by hand: the id as it is.
      }
      if (id !== state.runtimeId) {
        state.runtimeId = id;
        state.runtime = null;
        state.runtimeError = null;
        runtimeReadAt = 0;
        runtimeStale = true;
      }
    }
    state.view = next;
    for (const v of views) byId(`view-${v}`).hidden = v !== state.view;
    for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a[data-view]")) {
      if (a.dataset.view === state.view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    render();
    if (state.view === "usage" && usageStale) reloadUsageSoon();
    if (state.view === "runtime" && runtimeStale) reloadRuntimeSoon();
  }
  function navigate(view: View): void {
    location.hash = `#${view}`;
    show(view);
  }
  function select(id: string | null, focus = true): void {
    state.selected = id;
    if (id && state.view !== "resources") navigate("resources");
    else render();
    if (focus && id) byId("detail-h").focus();
  }

  const timers: ReturnType<typeof setInterval>[] = [];
  const app = {
    config,
    state,
    api,
    storage: options.storage,
    signal,
    render,
    notice,
    failed,
    act,
    select,
    navigate,
    connect,
    setClock,
    load,
    start(): void {
      wireAuth(app);
      wireResources(app);
      wireDetail(app, (id) => editResource(app, id));
      wireTopology(app);
      wireRequests(app);
      wireFaults(app);
      wireTransitions(app);
      wireEdit(app);
      wireSnapshots(app);
      window.addEventListener("hashchange", () => show(location.hash.slice(1)), { signal });
      timers.push(setInterval(() => renderClock(app), 1000));
      // The runtime view reads again every 5 s at least: instances pause, stop and end tasks by the clock.
      timers.push(
        setInterval(() => {
          if (state.view === "runtime" && Date.now() - runtimeReadAt >= 4500) reloadRuntimeSoon();
        }, 1000),
      );
      show(location.hash.slice(1));
      renderAuth(app);
      connect();
    },
    stop(): void {
      lifetime.abort();
      feed?.abort();
      clearInterval(pollTimer);
      clearTimeout(reloadTimer);
      clearTimeout(usageTimer);
      clearTimeout(runtimeTimer);
      for (const t of timers) clearInterval(t);
    },
  };
  return app;
}
