/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The console's script. It runs in the browser, not here: the server sends this function's source
 * (`consoleClient.toString()`), so it must not use anything from outside its own body. Tokens live
 * in sessionStorage and travel only in Authorization headers, never in a URL or the page.
 */
export function consoleClient(): void {
  type Kind = "ChipCluster" | "ModelEndpoint" | "AgentRuntime";
  interface Body {
    id: string;
    kind: Kind;
    name: string;
    region: string;
    status: string;
    statusReason: string | null;
    etag: string;
    createdAt: string;
    updatedAt: string;
    [field: string]: unknown;
  }
  interface Res {
    /** null: read with an account token (the account is the token's). */
    account: string | null;
    body: Body;
  }
  interface Limits {
    chipsPerType: number;
    capacityPerRegion: number;
    endpointsPerRegion: number;
    runtimesPerRegion: number;
    tokensPerMinutePerRegion: number;
  }
  interface Transition {
    mode: "immediate" | "duration" | "reads";
    ms?: number;
    reads?: number;
  }
  interface Fault {
    id: string;
    kind?: string;
    operation?: string;
    region?: string;
    account?: string;
    probability: number;
    remaining?: number;
    status?: number;
    code?: string;
    message?: string;
    retryAfterSeconds?: number;
    latencyMs?: number;
    drop?: boolean;
  }
  interface LoggedRequest {
    time: string;
    requestId: string;
    account: string | null;
    method: string;
    path: string;
    status: number;
    code: string | null;
    durationMs: number;
  }
  interface Config {
    regions: string[];
    chipTypes: string[];
    kinds: Kind[];
    collections: Record<Kind, string>;
    states: Record<Kind, string[]>;
    specFields: Record<Kind, string[]>;
    errorCodes: Record<string, number>;
    defaultLimits: Limits;
  }
  type Change =
    | {
        type: "resource.created" | "resource.updated";
        account: string;
        kind: Kind;
        id: string;
        resource: Body;
      }
    | { type: "resource.deleted"; account: string; kind: Kind; id: string }
    | {
        type: "operation.started" | "operation.finished";
        account: string;
        operation: {
          id: string;
          kind: Kind;
          resourceId: string;
          action: string;
          status: string;
          error: { code: string; message: string } | null;
        };
      }
    | { type: "clock"; now: string }
    | { type: "settings"; what: "faults" | "transitions" | "limits" }
    | { type: "store.reset"; account: string | null }
    | { type: "store.restored" }
    | { type: "request"; request: LoggedRequest };

  const config = JSON.parse(document.getElementById("console-config")?.textContent ?? "{}") as Config;
  const keys = { account: "agentcloud.console.accountToken", admin: "agentcloud.console.adminToken" };
  const kindLabel: Record<Kind, string> = {
    ChipCluster: "Chip cluster",
    ModelEndpoint: "Model endpoint",
    AgentRuntime: "Agent runtime",
  };

  const state = {
    accountToken: sessionStorage.getItem(keys.account),
    adminToken: sessionStorage.getItem(keys.admin),
    resources: new Map<string, Res>(),
    limits: null as Limits | null,
    transitions: {} as Partial<Record<Kind, Transition>>,
    faults: [] as Fault[],
    /** Emulator time minus this browser's time, in ms. */
    clockOffset: null as number | null,
    requests: [] as LoggedRequest[],
    feed: [] as { at: string; text: string }[],
    selected: null as string | null,
    snapshots: [] as { at: string; data: unknown }[],
    view: "resources",
  };

  // ---- small DOM helpers: text only, never HTML from data -------------------------------------
  type Child = Node | string | number | null | undefined | false;
  type Attrs = Record<string, string | number | boolean | null | undefined>;
  function h<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attrs: Attrs = {},
    ...children: Child[]
  ): HTMLElementTagNameMap[K] {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function setAttrs(el: Element, attrs: Attrs): void {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  function append(el: Element, children: Child[]): void {
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      el.append(typeof c === "number" ? String(c) : c);
    }
  }
  function byId<T extends HTMLElement = HTMLElement>(id: string): T {
    const el = document.getElementById(id);
    if (!el) throw new Error(`console: no element #${id}`);
    return el as T;
  }
  function fill(el: Element, ...children: Child[]): void {
    el.replaceChildren();
    append(el, children);
  }
  const fmt = new Intl.NumberFormat("en-US");
  const money = new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    maximumFractionDigits: 2,
  });
  const time = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
  const mask = (v: string) => (v.startsWith("••") ? v : `••••••••${v.slice(-4)}`);

  function tone(status: string): string {
    if (["ACTIVE", "IN_SERVICE", "READY"].includes(status)) return "ok";
    if (["FAILED", "CREATE_FAILED", "UPDATE_FAILED"].includes(status)) return "bad";
    if (["DEGRADED", "WAITING_FOR_CAPACITY", "ROLLING_BACK"].includes(status)) return "warn";
    if (status === "DELETING") return "gone";
    return "busy";
  }
  const toneColor: Record<string, string> = {
    ok: "#1a7f37",
    busy: "#0969da",
    warn: "#9a6700",
    bad: "#cf222e",
    gone: "#6e7781",
  };
  const badge = (status: string) => h("span", { class: `tone ${tone(status)}` }, status);

  // ---- talking to the emulator ----------------------------------------------------------------
  class ApiError extends Error {
    status: number;
    code: string | null;
    constructor(status: number, code: string | null, message: string) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }
  async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, e?.code ?? null, e?.message ?? `${res.status} ${res.statusText}`);
    }
    return data as T;
  }
  const admin = <T>(method: string, path: string, body?: unknown) =>
    call<T>(method, `/_mock${path}`, state.adminToken, body);

  function notice(text: string, error = false): void {
    const el = byId("notice");
    el.textContent = text;
    el.classList.toggle("error", error);
  }
  function failed(what: string, e: unknown): void {
    const err = e as ApiError;
    notice(`${what} failed: ${err.code ? `${err.code}: ` : ""}${err.message}`, true);
  }

  async function loadResources(): Promise<void> {
    const next = new Map<string, Res>();
    if (state.accountToken) {
      for (const kind of config.kinds) {
        let pageToken: string | null = null;
        do {
          const q: string = pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : "";
          const page: { items: Body[]; nextPageToken: string | null } = await call(
            "GET",
            `/v1/${config.collections[kind]}?pageSize=500${q}`,
            state.accountToken,
          );
          for (const body of page.items) next.set(body.id, { account: null, body });
          pageToken = page.nextPageToken;
        } while (pageToken);
      }
    } else if (state.adminToken) {
      const all = await admin<{ items: { account: string; resource: Body }[] }>("GET", "/resources");
      for (const item of all.items)
        next.set(item.resource.id, { account: item.account, body: item.resource });
    }
    state.resources = next;
  }
  async function loadClock(): Promise<void> {
    const before = Date.now();
    const now = state.adminToken
      ? (await admin<{ now: string }>("GET", "/clock")).now
      : (await call<{ time: string }>("GET", "/_mock/health", null)).time;
    setClock(now, (before + Date.now()) / 2);
  }
  function setClock(now: string, at = Date.now()): void {
    state.clockOffset = Date.parse(now) - at;
    renderClock();
  }
  const loadFaults = async () => {
    state.faults = (await admin<{ items: Fault[] }>("GET", "/faults")).items;
  };
  const loadTransitions = async () => {
    state.transitions = await admin("GET", "/transitions");
  };
  const loadLimits = async () => {
    state.limits = await admin("GET", "/limits");
  };
  const loadRequests = async () => {
    state.requests = (await admin<{ items: LoggedRequest[] }>("GET", "/requests?limit=300")).items;
  };

  async function loadAll(): Promise<void> {
    try {
      const jobs: Promise<void>[] = [loadResources(), loadClock()];
      if (state.adminToken) jobs.push(loadFaults(), loadTransitions(), loadLimits(), loadRequests());
      await Promise.all(jobs);
      if (byId("notice").classList.contains("error")) notice("");
    } catch (e) {
      if ((e as ApiError).status === 401) notice("A token was refused: check it and connect again.", true);
      else failed("Loading", e);
    }
    render();
  }

  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  function reloadSoon(what: () => Promise<void>): void {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      what().then(render, (e) => failed("Refreshing", e));
    }, 120);
  }

  // ---- the change feed: server-sent events read with fetch, so the token stays in a header ----
  let feedController: AbortController | null = null;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  function setLive(mode: "off" | "connecting" | "on" | "polling" | "error", text: string): void {
    const el = byId("live");
    el.className = `live ${mode}`;
    el.textContent = text;
  }
  async function follow(token: string, controller: AbortController): Promise<void> {
    let delay = 500;
    while (!controller.signal.aborted) {
      setLive("connecting", "connecting…");
      try {
        const res = await fetch("/_mock/events", {
          headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
          signal: controller.signal,
          cache: "no-store",
          credentials: "omit",
        });
        if (res.status === 401) {
          setLive("error", "admin token refused");
          return;
        }
        if (!res.ok || !res.body) throw new Error(`feed answered ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = "message";
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trimStart();
            }
            if (event === "hello") {
              delay = 500;
              setLive("on", "live");
              void loadAll();
            } else if (event === "change" && data) onChange(JSON.parse(data) as Change);
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      setLive("connecting", "reconnecting…");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
  function connect(): void {
    feedController?.abort();
    feedController = null;
    clearInterval(pollTimer);
    document.body.classList.toggle("admin", Boolean(state.adminToken));
    if (state.adminToken) {
      feedController = new AbortController();
      void follow(state.adminToken, feedController);
    } else if (state.accountToken) {
      // Without the admin token there is no feed: read again every few seconds.
      setLive("polling", "polling (5 s)");
      void loadAll();
      pollTimer = setInterval(() => void loadAll(), 5000);
    } else {
      setLive("off", "not connected");
      state.resources.clear();
      render();
    }
    renderAuth();
  }

  function describe(c: Change): string | null {
    switch (c.type) {
      case "resource.created":
      case "resource.updated":
        return `${c.account}: ${c.kind} ${c.resource.name} (${c.id}) ${c.type === "resource.created" ? "created" : "updated"}, ${c.resource.status}`;
      case "resource.deleted":
        return `${c.account}: ${c.kind} ${c.id} deleted`;
      case "operation.finished":
        return `${c.account}: ${c.operation.action} of ${c.operation.resourceId} ${c.operation.status}${c.operation.error ? ` (${c.operation.error.code}: ${c.operation.error.message})` : ""}`;
      case "clock":
        return `clock now ${time(c.now)}`;
      case "settings":
        return `${c.what} changed`;
      case "store.reset":
        return c.account ? `account ${c.account} reset` : "emulator reset";
      case "store.restored":
        return "snapshot restored";
      default:
        return null;
    }
  }
  function onChange(c: Change): void {
    const text = describe(c);
    if (text) {
      state.feed.unshift({ at: new Date().toISOString(), text });
      state.feed.length = Math.min(state.feed.length, 200);
    }
    switch (c.type) {
      case "resource.created":
      case "resource.updated":
        if (state.accountToken) reloadSoon(loadResources);
        else state.resources.set(c.id, { account: c.account, body: c.resource });
        break;
      case "resource.deleted":
        if (state.accountToken) reloadSoon(loadResources);
        else state.resources.delete(c.id);
        break;
      case "clock":
        setClock(c.now);
        break;
      case "settings":
        reloadSoon(
          c.what === "faults" ? loadFaults : c.what === "transitions" ? loadTransitions : loadLimits,
        );
        break;
      case "store.reset":
      case "store.restored":
        void loadAll();
        break;
      case "request":
        state.requests.push(c.request);
        if (state.requests.length > 500) state.requests.splice(0, state.requests.length - 500);
        break;
    }
    scheduleRender();
  }

  // ---- rendering ------------------------------------------------------------------------------
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
    const active = document.activeElement as HTMLElement | null;
    const focusKey = active?.dataset.focus;
    renderSide();
    renderFilters();
    if (state.view === "resources") renderResources();
    if (state.view === "topology") renderTopology();
    if (state.view === "quotas") renderQuotas();
    if (state.view === "requests") renderRequests();
    if (state.view === "drive") renderDrive();
    // A re-rendered row keeps the keyboard focus it had.
    if (focusKey && !document.body.contains(active)) {
      const again = document.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focusKey)}"]`);
      again?.focus();
    }
  }
  function renderAuth(): void {
    const parts = [state.accountToken ? "account" : null, state.adminToken ? "admin" : null].filter(Boolean);
    byId("auth-state").textContent = parts.length ? parts.join(" + ") : "none";
  }
  function renderClock(): void {
    const text =
      state.clockOffset === null ? "–" : time(new Date(Date.now() + state.clockOffset).toISOString());
    byId("clock").textContent = text;
    byId("clock-now").textContent = text;
  }
  const transitionText = (t: Transition | undefined) =>
    !t || t.mode === "immediate"
      ? "immediate"
      : t.mode === "duration"
        ? `${fmt.format((t.ms ?? 0) / 1000)} s`
        : `after ${t.reads} reads`;
  function renderSide(): void {
    const dl = byId("transitions-summary");
    if (!state.adminToken) {
      fill(dl, h("dt", {}, "–"), h("dd", {}, "admin token needed"));
      byId("faults-summary").textContent = "admin token needed";
      return;
    }
    fill(
      dl,
      ...config.kinds.flatMap((k) => [h("dt", {}, k), h("dd", {}, transitionText(state.transitions[k]))]),
    );
    const live = state.faults.filter((f) => f.remaining === undefined || f.remaining > 0);
    byId("faults-summary").textContent = live.length === 0 ? "none" : `${live.length} active`;
  }

  const accounts = () =>
    [
      ...new Set([...state.resources.values()].map((r) => r.account).filter((a): a is string => a !== null)),
    ].sort();
  function setOptions(select: HTMLSelectElement, values: { value: string; label: string }[]): void {
    const current = select.value;
    const first = select.options[0]?.value === "" ? select.options[0] : null;
    select.replaceChildren(
      ...(first ? [first] : []),
      ...values.map((v) => h("option", { value: v.value }, v.label)),
    );
    if ([...select.options].some((o) => o.value === current)) select.value = current;
  }
  function renderFilters(): void {
    const multi = !state.accountToken && Boolean(state.adminToken);
    for (const id of ["f-account", "topo-account"]) {
      setOptions(
        byId<HTMLSelectElement>(id),
        accounts().map((a) => ({ value: a, label: a })),
      );
    }
    byId("f-account-label").hidden = !multi;
    byId("topo-account-label").hidden = !multi;
    const kind = byId<HTMLSelectElement>("f-kind").value as Kind | "";
    const statuses = [...new Set((kind ? [kind] : config.kinds).flatMap((k) => config.states[k]))];
    setOptions(
      byId<HTMLSelectElement>("f-status"),
      statuses.map((v) => ({ value: v, label: v })),
    );
  }

  function filtered(): Res[] {
    const kind = byId<HTMLSelectElement>("f-kind").value;
    const region = byId<HTMLSelectElement>("f-region").value;
    const status = byId<HTMLSelectElement>("f-status").value;
    const account = byId<HTMLSelectElement>("f-account").value;
    const text = byId<HTMLInputElement>("f-text").value.trim().toLowerCase();
    const order: Record<string, number> = { ChipCluster: 0, ModelEndpoint: 1, AgentRuntime: 2 };
    return [...state.resources.values()]
      .filter(
        (r) =>
          (!kind || r.body.kind === kind) &&
          (!region || r.body.region === region) &&
          (!status || r.body.status === status) &&
          (!account || r.account === account) &&
          (!text || r.body.name.toLowerCase().includes(text) || r.body.id.toLowerCase().includes(text)),
      )
      .sort(
        (a, b) =>
          (order[a.body.kind] ?? 0) - (order[b.body.kind] ?? 0) ||
          a.body.region.localeCompare(b.body.region) ||
          a.body.name.localeCompare(b.body.name),
      );
  }

  function renderResources(): void {
    const rows = filtered();
    const multi = rows.some((r) => r.account !== null);
    byId("resources-table").classList.toggle("hide-account", !multi);
    const connected = Boolean(state.accountToken || state.adminToken);
    byId("resources-caption").textContent = !connected
      ? "Connect with a token to see resources."
      : `${rows.length} of ${state.resources.size} resources${state.accountToken ? " of this account" : " in all accounts"}`;
    fill(
      byId("resources-body"),
      ...rows.map((r) =>
        h(
          "tr",
          {
            class: r.body.id === state.selected ? "selected" : null,
            "data-id": r.body.id,
            "data-status": r.body.status,
          },
          h("td", {}, kindLabel[r.body.kind]),
          h(
            "td",
            {},
            h(
              "button",
              {
                type: "button",
                class: "link",
                "data-action": "select",
                "data-id": r.body.id,
                "data-focus": `row-${r.body.id}`,
                "aria-expanded": r.body.id === state.selected ? "true" : "false",
                "aria-controls": "detail",
              },
              r.body.name,
            ),
          ),
          h("td", { class: "mono" }, r.body.id),
          h("td", {}, r.body.region),
          h("td", {}, badge(r.body.status)),
          h("td", { class: "col-account" }, r.account ?? ""),
          h("td", { class: "col-updated" }, time(r.body.updatedAt)),
        ),
      ),
    );
    renderDetail();
  }

  function renderDetail(): void {
    const aside = byId("detail");
    const r = state.selected ? state.resources.get(state.selected) : undefined;
    byId("view-resources").querySelector(".split")?.classList.toggle("open", Boolean(r));
    if (!r) {
      aside.hidden = true;
      aside.replaceChildren();
      return;
    }
    const b = r.body;
    const meta = new Set([
      "id",
      "kind",
      "name",
      "region",
      "status",
      "statusReason",
      "etag",
      "createdAt",
      "updatedAt",
    ]);
    const specKeys = config.specFields[b.kind].filter((k) => !meta.has(k));
    const spec: Record<string, unknown> = {};
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(b)) {
      if (meta.has(k)) continue;
      const shown = k === "apiKey" && typeof v === "string" ? mask(v) : v;
      if (specKeys.includes(k)) spec[k] = shown;
      else outputs[k] = shown;
    }
    aside.hidden = false;
    fill(
      aside,
      h(
        "header",
        {},
        h(
          "h3",
          { id: "detail-h", tabindex: "-1" },
          `${b.name}`,
          h("br"),
          h("small", { class: "hint" }, kindLabel[b.kind]),
        ),
        h("button", { type: "button", class: "quiet", "data-action": "close-detail" }, "Close"),
      ),
      h(
        "dl",
        {},
        h("dt", {}, "Status"),
        h("dd", {}, badge(b.status)),
        h("dt", {}, "Id"),
        h("dd", { class: "mono" }, b.id),
        h("dt", {}, "ETag"),
        h("dd", { class: "mono", "data-field": "etag" }, `"${b.etag}"`),
        h("dt", {}, "Region"),
        h("dd", {}, b.region),
        r.account ? h("dt", {}, "Account") : null,
        r.account ? h("dd", {}, r.account) : null,
        h("dt", {}, "Created"),
        h("dd", {}, time(b.createdAt)),
        h("dt", {}, "Updated"),
        h("dd", {}, time(b.updatedAt)),
      ),
      b.statusReason ? h("p", { class: "reason" }, h("strong", {}, "Status reason: "), b.statusReason) : null,
      h("h4", {}, "Spec"),
      h("pre", { tabindex: "0", "aria-label": "Spec as JSON" }, JSON.stringify(spec, null, 2)),
      h("h4", {}, "Outputs"),
      h(
        "pre",
        { tabindex: "0", "aria-label": "Outputs as JSON", "data-field": "outputs" },
        JSON.stringify(outputs, null, 2),
      ),
      h(
        "p",
        { class: "actions" },
        h("button", { type: "button", class: "quiet", "data-action": "show-topology" }, "Show in topology"),
        state.adminToken
          ? h(
              "button",
              { type: "button", class: "quiet", "data-action": "edit-selected" },
              "Edit out of band",
            )
          : null,
      ),
    );
  }

  // ---- topology -------------------------------------------------------------------------------
  interface Edge {
    type: "deployment" | "model" | "spillover" | "channel";
    from: string;
    to: string;
    label: string;
  }
  function graph(list: Res[]): Edge[] {
    const edges: Edge[] = [];
    for (const { body: b } of list) {
      if (b.kind === "ModelEndpoint") {
        const d = b.deployment as { mode: string; clusterId?: string };
        if (d.mode === "dedicated" && d.clusterId)
          edges.push({ type: "deployment", from: b.id, to: d.clusterId, label: "runs on" });
        if (typeof b.spilloverEndpointId === "string")
          edges.push({ type: "spillover", from: b.id, to: b.spilloverEndpointId, label: "spills over to" });
      }
      if (b.kind === "AgentRuntime") {
        for (const m of (b.models as { endpointId: string; role: string }[]) ?? [])
          edges.push({ type: "model", from: b.id, to: m.endpointId, label: `uses (${m.role})` });
        for (const c of (b.channels as { peerRuntimeId: string }[]) ?? [])
          edges.push({ type: "channel", from: b.id, to: c.peerRuntimeId, label: "A2A channel to" });
      }
    }
    return edges;
  }
  function renderTopology(): void {
    const region = byId<HTMLSelectElement>("topo-region").value;
    const account = byId<HTMLSelectElement>("topo-account").value;
    const list = [...state.resources.values()].filter(
      (r) => (!region || r.body.region === region) && (!account || r.account === account),
    );
    const byIdMap = new Map(list.map((r) => [r.body.id, r]));
    const edges = graph(list);
    const columns: Kind[] = ["ChipCluster", "ModelEndpoint", "AgentRuntime"];
    const nodeW = 230;
    const nodeH = 50;
    const gap = 14;
    const colX = [20, 370, 720];
    const top = 40;
    // Order: clusters by region and name; endpoints near their cluster; runtimes near their endpoints.
    const pos = new Map<string, { x: number; y: number }>();
    const rank = new Map<string, number>();
    const placed: Res[][] = [[], [], []];
    columns.forEach((kind, col) => {
      const items = list.filter((r) => r.body.kind === kind);
      const score = (r: Res) => {
        const targets = edges.filter(
          (e) => e.from === r.body.id && e.type !== "spillover" && e.type !== "channel",
        );
        const ranks = targets.map((e) => rank.get(e.to)).filter((n): n is number => n !== undefined);
        return ranks.length ? ranks.reduce((a, n) => a + n, 0) / ranks.length : Number.MAX_SAFE_INTEGER;
      };
      items.sort(
        (a, b) =>
          (col === 0 ? 0 : score(a) - score(b)) ||
          a.body.region.localeCompare(b.body.region) ||
          a.body.name.localeCompare(b.body.name),
      );
      items.forEach((r, i) => {
        rank.set(r.body.id, i);
        pos.set(r.body.id, { x: colX[col] ?? 0, y: top + i * (nodeH + gap) });
      });
      placed[col] = items;
    });
    // Clusters that serve endpoints move up beside the first of them; idle ones go below.
    const firstUser = (c: Res) =>
      Math.min(
        ...edges
          .filter((e) => e.type === "deployment" && e.to === c.body.id)
          .map((e) => rank.get(e.from) ?? Number.MAX_SAFE_INTEGER),
      );
    const clusterColumn = [...(placed[0] ?? [])].sort((a, b) => firstUser(a) - firstUser(b));
    clusterColumn.forEach((r, i) => {
      pos.set(r.body.id, { x: colX[0] ?? 0, y: top + i * (nodeH + gap) });
    });
    const rows = Math.max(1, ...placed.map((p) => p.length));
    const width = 1030;
    const height = top + rows * (nodeH + gap) + 20;
    const multi = list.some((r) => r.account !== null) && accounts().length > 1;
    const svg = s(
      "svg",
      {
        width,
        height,
        viewBox: `0 0 ${width} ${height}`,
        role: "group",
        "aria-label": `Topology: ${placed[0]?.length} clusters, ${placed[1]?.length} endpoints, ${placed[2]?.length} runtimes, ${edges.length} connections`,
      },
      s(
        "defs",
        {},
        ...Object.entries({
          deployment: "#57606a",
          model: "#0969da",
          spillover: "#8250df",
          channel: "#bf3989",
        }).map(([type, color]) =>
          s(
            "marker",
            {
              id: `arrow-${type}`,
              viewBox: "0 0 10 10",
              refX: 9,
              refY: 5,
              markerWidth: 7,
              markerHeight: 7,
              orient: "auto-start-reverse",
            },
            s("path", { d: "M0,0 L10,5 L0,10 z", fill: color }),
          ),
        ),
      ),
      ...columns.map((k, i) => s("text", { x: colX[i] ?? 0, y: 22, class: "col" }, `${kindLabel[k]}s`)),
    );
    const style: Record<Edge["type"], Attrs> = {
      deployment: { stroke: "#57606a", "stroke-width": 2 },
      model: { stroke: "#0969da", "stroke-width": 2 },
      spillover: { stroke: "#8250df", "stroke-width": 2, "stroke-dasharray": "6 4" },
      channel: { stroke: "#bf3989", "stroke-width": 2, "stroke-dasharray": "2 4" },
    };
    const edgeLayer = s("g", { class: "edges-layer" });
    for (const e of edges) {
      const a = pos.get(e.from);
      const b = pos.get(e.to);
      if (!a || !b) continue;
      let d: string;
      if (a.x === b.x) {
        // Same column (spillover, channel): a loop out to the right of the column.
        // It leaves and arrives off-centre, so it does not meet the edges that end mid-node.
        const x = a.x + nodeW;
        const bend = 36 + Math.abs(a.y - b.y) / 5;
        const y1 = a.y + (a.y < b.y ? nodeH * 0.8 : nodeH * 0.2);
        const y2 = b.y + (a.y < b.y ? nodeH * 0.2 : nodeH * 0.8);
        d = `M${x},${y1} C${x + bend},${y1} ${x + bend},${y2} ${x + 2},${y2}`;
      } else {
        const x1 = a.x;
        const x2 = b.x + nodeW + 2;
        const mid = (x1 + x2) / 2;
        d = `M${x1},${a.y + nodeH / 2} C${mid},${a.y + nodeH / 2} ${mid},${b.y + nodeH / 2} ${x2},${b.y + nodeH / 2}`;
      }
      const fromName = byIdMap.get(e.from)?.body.name ?? e.from;
      const toName = byIdMap.get(e.to)?.body.name ?? e.to;
      edgeLayer.append(
        s(
          "path",
          {
            d,
            fill: "none",
            class: `edge ${e.type}`,
            "data-edge": e.type,
            "data-from": e.from,
            "data-to": e.to,
            "marker-end": `url(#arrow-${e.type})`,
            ...style[e.type],
          },
          s("title", {}, `${fromName} ${e.label} ${toName}`),
        ),
      );
    }
    svg.append(edgeLayer);
    for (const r of list) {
      const p = pos.get(r.body.id);
      if (!p) continue;
      const t = tone(r.body.status);
      const label = `${kindLabel[r.body.kind]} ${r.body.name}, ${r.body.status}${r.account && multi ? `, account ${r.account}` : ""}`;
      svg.append(
        s(
          "g",
          {
            class: `node ${t}`,
            transform: `translate(${p.x},${p.y})`,
            tabindex: 0,
            role: "button",
            "aria-label": label,
            "data-id": r.body.id,
            "data-action": "select",
            "data-focus": `node-${r.body.id}`,
            "data-status": r.body.status,
          },
          s("rect", {
            class: "box",
            width: nodeW,
            height: nodeH,
            rx: 6,
            fill: "#fff",
            stroke: toneColor[t],
            "stroke-width": 2,
          }),
          s("rect", { width: 6, height: nodeH, rx: 2, fill: toneColor[t] }),
          s("text", { x: 14, y: 20 }, r.body.name.length > 28 ? `${r.body.name.slice(0, 27)}…` : r.body.name),
          s(
            "text",
            { x: 14, y: 38, class: "sub" },
            `${r.body.status} · ${r.body.region}${r.account && multi ? ` · ${r.account}` : ""}`,
          ),
          s("title", {}, `${label} (${r.body.id})`),
        ),
      );
    }
    fill(byId("topology"), list.length ? svg : h("p", { class: "hint" }, "No resources to draw."));
    fill(
      byId("topology-edges"),
      ...edges.map((e) =>
        h(
          "li",
          { "data-edge": e.type, "data-from": e.from, "data-to": e.to },
          `${byIdMap.get(e.from)?.body.name ?? e.from} ${e.label} ${byIdMap.get(e.to)?.body.name ?? `${e.to} (not shown)`}`,
        ),
      ),
    );
    if (edges.length === 0) fill(byId("topology-edges"), h("li", {}, "No connections."));
  }

  // ---- quotas and cost ------------------------------------------------------------------------
  function gauge(label: string, used: number, limit: number, unit: string): HTMLElement {
    const pct = limit > 0 ? Math.min(100, (used / limit) * 100) : used > 0 ? 100 : 0;
    const bar = h("span");
    bar.style.width = `${pct}%`;
    return h(
      "div",
      { class: "gauge", "data-gauge": label },
      h(
        "div",
        { class: "label" },
        h("span", {}, label),
        h("span", {}, `${fmt.format(used)} of ${fmt.format(limit)} ${unit} (${Math.round(pct)}%)`),
      ),
      h(
        "div",
        {
          class: `bar${pct >= 100 ? " full" : pct >= 80 ? " high" : ""}`,
          role: "meter",
          "aria-label": label,
          "aria-valuemin": 0,
          "aria-valuemax": limit,
          "aria-valuenow": used,
          "aria-valuetext": `${fmt.format(used)} of ${fmt.format(limit)} ${unit}`,
        },
        bar,
      ),
    );
  }
  function renderQuotas(): void {
    const limits = state.limits ?? config.defaultLimits;
    byId("limits-source").textContent = state.limits
      ? "Limits as configured on the emulator (GET /_mock/limits)."
      : "Default limits: enter the admin token to read the emulator's configured ones.";
    const all = [...state.resources.values()];
    const who = (r: Res) => r.account ?? "this account";
    const clusters = all.filter((r) => r.body.kind === "ChipCluster");
    const sum = (items: Res[], pick: (r: Res) => number) => items.reduce((n, r) => n + pick(r), 0);
    const chips = (r: Res) => Number(r.body.totalChips ?? 0);
    // As the emulator counts: every cluster but a FAILED one holds quota.
    const quota = new Map<string, Res[]>();
    for (const r of clusters.filter((c) => c.body.status !== "FAILED")) {
      const key = `${who(r)} · ${r.body.region} · ${String(r.body.chipType)}`;
      quota.set(key, [...(quota.get(key) ?? []), r]);
    }
    fill(
      byId("chip-gauges"),
      ...[...quota.entries()]
        .sort()
        .map(([key, items]) => gauge(key, sum(items, chips), limits.chipsPerType, "chips")),
    );
    if (quota.size === 0) fill(byId("chip-gauges"), h("p", { class: "hint" }, "No chips in use."));
    const running = ["ACCEPTED", "PROVISIONING", "ACTIVE", "SCALING", "DEGRADED"];
    const capacity = new Map<string, Res[]>();
    for (const r of clusters.filter((c) => running.includes(c.body.status))) {
      const key = `${r.body.region} · ${String(r.body.chipType)}`;
      capacity.set(key, [...(capacity.get(key) ?? []), r]);
    }
    if (state.accountToken) {
      fill(
        byId("capacity-gauges"),
        h("p", { class: "hint" }, "Shared by all accounts: read with the admin token alone to see it."),
      );
    } else {
      fill(
        byId("capacity-gauges"),
        ...[...capacity.entries()]
          .sort()
          .map(([key, items]) => gauge(key, sum(items, chips), limits.capacityPerRegion, "chips")),
      );
      if (capacity.size === 0)
        fill(byId("capacity-gauges"), h("p", { class: "hint" }, "No capacity in use."));
    }
    const groups = new Map<string, Res[]>();
    for (const r of all) {
      const key = `${who(r)}\u0000${r.body.region}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const cell = (used: number, limit: number) =>
      h("td", { class: used > limit ? "num over" : "num" }, `${fmt.format(used)} / ${fmt.format(limit)}`);
    fill(
      byId("other-quotas").querySelector("tbody") as HTMLElement,
      ...[...groups.entries()].sort().map(([key, items]) => {
        const [acct, region] = key.split("\u0000");
        const endpoints = items.filter((r) => r.body.kind === "ModelEndpoint");
        return h(
          "tr",
          {},
          h("td", {}, acct),
          h("td", {}, region),
          cell(endpoints.length, limits.endpointsPerRegion),
          cell(items.filter((r) => r.body.kind === "AgentRuntime").length, limits.runtimesPerRegion),
          cell(
            sum(endpoints, (r) => Number((r.body.throughput as { tokensPerMinute: number }).tokensPerMinute)),
            limits.tokensPerMinutePerRegion,
          ),
        );
      }),
    );
    // Cost: endpoints that serve (or are changing while serving).
    const serving = all.filter(
      (r) =>
        r.body.kind === "ModelEndpoint" &&
        ["IN_SERVICE", "SCALING", "UPDATING", "ROLLING_BACK"].includes(r.body.status),
    );
    let low = 0;
    let high = 0;
    const costRows = serving.map((r) => {
      const p = r.body.pricing as { inputPerMTokens: number; outputPerMTokens: number };
      const tpm = Number(r.body.effectiveTokensPerMinute ?? 0);
      const perHour = (tpm * 60) / 1_000_000;
      low += perHour * p.inputPerMTokens;
      high += perHour * p.outputPerMTokens;
      return h(
        "tr",
        { "data-id": r.body.id },
        h("td", {}, r.body.name, r.account ? h("span", { class: "hint" }, ` (${r.account})`) : null),
        h("td", {}, String(r.body.model)),
        h("td", {}, r.body.region),
        h("td", {}, badge(r.body.status)),
        h("td", { class: "num" }, fmt.format(tpm)),
        h("td", { class: "num" }, `${money.format(p.inputPerMTokens)} · ${money.format(p.outputPerMTokens)}`),
        h(
          "td",
          { class: "num" },
          `${money.format(perHour * p.inputPerMTokens)} – ${money.format(perHour * p.outputPerMTokens)}`,
        ),
      );
    });
    const costTable = byId("cost");
    fill(costTable.querySelector("tbody") as HTMLElement, ...costRows);
    fill(
      costTable.querySelector("tfoot") as HTMLElement,
      h(
        "tr",
        {},
        h(
          "th",
          { scope: "row", colspan: 6 },
          serving.length ? `Total, ${serving.length} endpoints` : "No endpoint serving",
        ),
        h("td", { class: "num", "data-total": "" }, `${money.format(low)} – ${money.format(high)}`),
      ),
    );
  }

  // ---- requests and feed ----------------------------------------------------------------------
  function renderRequests(): void {
    const body = byId("requests").querySelector("tbody") as HTMLElement;
    if (!state.adminToken) {
      fill(body, h("tr", {}, h("td", { colspan: 5 }, "The request log needs the admin token.")));
    } else {
      const hideAdmin = byId<HTMLInputElement>("r-hide-admin").checked;
      const errors = byId<HTMLInputElement>("r-errors").checked;
      const rows = state.requests
        .filter((r) => !hideAdmin || !(r.path.startsWith("/_mock") || r.path.startsWith("/console")))
        .filter((r) => !errors || r.status >= 400)
        .slice(-200)
        .reverse();
      fill(
        body,
        ...rows.map((r) =>
          h(
            "tr",
            {},
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
          ),
        ),
      );
      if (rows.length === 0) fill(body, h("tr", {}, h("td", { colspan: 5 }, "No requests yet.")));
    }
    fill(
      byId("feed"),
      ...state.feed
        .slice(0, 100)
        .map((f) => h("li", {}, h("span", { class: "hint" }, `${time(f.at).slice(11)} `), f.text)),
    );
    if (state.feed.length === 0)
      fill(
        byId("feed"),
        h("li", {}, state.adminToken ? "Waiting for changes…" : "The change feed needs the admin token."),
      );
  }

  // ---- drive ----------------------------------------------------------------------------------
  function renderDrive(): void {
    const enabled = Boolean(state.adminToken);
    byId("drive-note").textContent = enabled ? "" : "Driving the emulator needs the admin token.";
    for (const el of byId("view-drive").querySelectorAll<
      HTMLInputElement | HTMLButtonElement | HTMLSelectElement
    >("input, button, select, textarea"))
      el.disabled = !enabled;
    if (enabled) for (const k of config.kinds) syncTransition(k);
    const body = byId("faults").querySelector("tbody") as HTMLElement;
    fill(
      body,
      ...state.faults.map((f) => {
        const match =
          [f.kind, f.operation, f.region, f.account && `account ${f.account}`].filter(Boolean).join(", ") ||
          "every API call";
        const answer =
          [
            f.drop ? "drop connection" : null,
            f.code || f.status
              ? `${f.status ?? config.errorCodes[f.code ?? ""] ?? 500} ${f.code ?? ""}`.trim()
              : null,
            f.latencyMs ? `+${f.latencyMs} ms` : null,
            f.probability < 1 ? `p=${f.probability}` : null,
          ]
            .filter(Boolean)
            .join(", ") || "no change";
        return h(
          "tr",
          { "data-fault": f.id },
          h("td", { class: "mono nowrap" }, f.id),
          h("td", {}, match),
          h("td", {}, answer),
          h("td", {}, f.remaining === undefined ? "∞" : String(f.remaining)),
          h(
            "td",
            {},
            h(
              "button",
              {
                type: "button",
                class: "quiet",
                "data-action": "clear-fault",
                "data-id": f.id,
                "aria-label": `Clear fault ${f.id}`,
                disabled: !enabled,
              },
              "Clear",
            ),
          ),
        );
      }),
    );
    if (state.faults.length === 0) fill(body, h("tr", {}, h("td", { colspan: 5 }, "No fault rules.")));
    for (const k of config.kinds) {
      const t = state.transitions[k];
      byId(`t-current-${k}`).textContent = `now: ${transitionText(t)}`;
    }
    // Out-of-band edit: every resource, and the fields of the chosen one.
    const select = byId<HTMLSelectElement>("edit-resource");
    setOptions(
      select,
      [...state.resources.values()].map((r) => ({
        value: r.body.id,
        label: `${r.body.kind} ${r.body.name} (${r.body.id})${r.account ? ` · ${r.account}` : ""}`,
      })),
    );
    renderEditFields(false);
    const reset = byId<HTMLSelectElement>("reset-scope");
    setOptions(
      reset,
      accounts().map((a) => ({ value: a, label: `account ${a} only` })),
    );
    fill(
      byId("snapshots"),
      ...state.snapshots.map((snap, i) =>
        h(
          "li",
          {},
          `Snapshot at ${time(snap.at)}`,
          h(
            "button",
            { type: "button", class: "quiet", "data-action": "restore", "data-index": i, disabled: !enabled },
            "Restore",
          ),
          h(
            "button",
            { type: "button", class: "quiet", "data-action": "download", "data-index": i },
            "Download",
          ),
        ),
      ),
    );
  }
  const notEditable = new Set(["id", "kind", "etag", "secretEnvKeys", "secretEnvDigest"]);
  function renderEditFields(prefill: boolean): void {
    const r = state.resources.get(byId<HTMLSelectElement>("edit-resource").value);
    const field = byId<HTMLSelectElement>("edit-field");
    const before = field.value;
    const names = r ? Object.keys(r.body).filter((k) => !notEditable.has(k)) : [];
    field.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
    if (names.includes(before)) field.value = before;
    const value = byId<HTMLTextAreaElement>("edit-value");
    if (r && (prefill || value.value === "")) {
      const v = r.body[field.value];
      value.value = JSON.stringify(field.value === "apiKey" && typeof v === "string" ? mask(v) : v);
    }
  }

  // ---- views and events -----------------------------------------------------------------------
  function show(view: string): void {
    const views = ["resources", "topology", "quotas", "requests", "drive"];
    const next = views.includes(view) ? view : "resources";
    if (next !== state.view) notice("");
    state.view = next;
    for (const v of views) byId(`view-${v}`).hidden = v !== state.view;
    for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a[data-view]")) {
      if (a.dataset.view === state.view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    render();
  }
  function select(id: string | null, focus = true): void {
    state.selected = id;
    if (id && state.view !== "resources") {
      location.hash = "#resources";
      show("resources");
    } else render();
    if (focus && id) byId("detail-h").focus();
  }

  async function act(what: string, job: () => Promise<string | undefined>): Promise<void> {
    try {
      const done = await job();
      notice(done ?? `${what}: done`);
    } catch (e) {
      failed(what, e);
    }
    render();
  }
  const num = (id: string): number | undefined => {
    const v = byId<HTMLInputElement>(id).value.trim();
    return v === "" ? undefined : Number(v);
  };
  const text = (id: string): string | undefined => byId<HTMLInputElement>(id).value.trim() || undefined;

  document.addEventListener("click", (ev) => {
    const target = (ev.target as Element).closest<HTMLElement | SVGElement>("[data-action]");
    if (!target) return;
    const action = target.dataset.action;
    const id = target.dataset.id ?? null;
    if (action === "select") select(id === state.selected && target.tagName === "BUTTON" ? null : id);
    if (action === "close-detail") {
      const back = state.selected;
      select(null, false);
      if (back) document.querySelector<HTMLElement>(`[data-focus="row-${CSS.escape(back)}"]`)?.focus();
    }
    if (action === "show-topology") {
      location.hash = "#topology";
      const back = state.selected;
      setTimeout(
        () => back && document.querySelector<SVGElement>(`[data-focus="node-${CSS.escape(back)}"]`)?.focus(),
        0,
      );
    }
    if (action === "edit-selected" && state.selected) {
      location.hash = "#drive";
      setTimeout(() => {
        byId<HTMLSelectElement>("edit-resource").value = state.selected ?? "";
        renderEditFields(true);
        byId("edit-field").focus();
      }, 0);
    }
    if (action === "clear-fault" && id)
      void act("Clearing the fault", async () => {
        await admin("DELETE", `/faults/${encodeURIComponent(id)}`);
        await loadFaults();
        return `Fault ${id} cleared.`;
      });
    if (action === "clear-faults")
      void act("Clearing faults", async () => {
        await admin("DELETE", "/faults");
        await loadFaults();
        return "All faults cleared.";
      });
    if (action === "advance") advance(Number(target.dataset.ms));
    if (action === "transition") {
      const kind = target.dataset.kind as Kind;
      const mode = byId<HTMLSelectElement>(`t-mode-${kind}`).value as Transition["mode"];
      const t: Transition =
        mode === "duration"
          ? { mode, ms: Math.round((num(`t-seconds-${kind}`) ?? 0) * 1000) }
          : mode === "reads"
            ? { mode, reads: num(`t-reads-${kind}`) ?? 0 }
            : { mode };
      void act("Setting the transition", async () => {
        await admin("PUT", "/transitions", { [kind]: t });
        await loadTransitions();
        return `${kind} operations now take: ${transitionText(t)}.`;
      });
    }
    if (action === "snapshot")
      void act("Snapshot", async () => {
        const data = await admin<unknown>("POST", "/snapshot");
        state.snapshots.unshift({ at: new Date().toISOString(), data });
        state.snapshots.length = Math.min(state.snapshots.length, 5);
        return "Snapshot taken (kept in this page until it is closed).";
      });
    if (action === "restore") {
      const snap = state.snapshots[Number(target.dataset.index)];
      if (snap) restore(snap.data, `the snapshot of ${time(snap.at)}`);
    }
    if (action === "download") {
      const snap = state.snapshots[Number(target.dataset.index)];
      if (!snap) return;
      const url = URL.createObjectURL(new Blob([JSON.stringify(snap.data)], { type: "application/json" }));
      const a = h("a", { href: url, download: `agentcloud-snapshot-${snap.at.replace(/[:.]/g, "-")}.json` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    }
  });
  document.addEventListener("keydown", (ev) => {
    const target = ev.target as Element;
    if (
      (ev.key === "Enter" || ev.key === " ") &&
      target instanceof SVGElement &&
      target.dataset.action === "select"
    ) {
      ev.preventDefault();
      select(target.dataset.id ?? null);
    }
    if (ev.key === "Escape" && state.selected && state.view === "resources") {
      const back = state.selected;
      select(null, false);
      document.querySelector<HTMLElement>(`[data-focus="row-${CSS.escape(back)}"]`)?.focus();
    }
  });

  function advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      notice("Advance by a positive amount.", true);
      return;
    }
    void act("Advancing the clock", async () => {
      const out = await admin<{ now: string }>("POST", "/clock/advance", { ms: Math.round(ms) });
      setClock(out.now);
      return `Clock advanced by ${fmt.format(ms / 1000)} s to ${time(out.now)}.`;
    });
  }
  function restore(data: unknown, what: string): void {
    void act("Restore", async () => {
      await admin("POST", "/restore", data);
      await loadAll();
      return `Restored ${what}.`;
    });
  }

  byId("auth").addEventListener("submit", (ev) => {
    ev.preventDefault();
    for (const [input, key] of [
      ["account-token", keys.account],
      ["admin-token", keys.admin],
    ] as const) {
      const el = byId<HTMLInputElement>(input);
      const value = el.value.trim();
      if (value) sessionStorage.setItem(key, value);
      el.value = "";
    }
    state.accountToken = sessionStorage.getItem(keys.account);
    state.adminToken = sessionStorage.getItem(keys.admin);
    notice("");
    connect();
  });
  byId("forget").addEventListener("click", () => {
    sessionStorage.removeItem(keys.account);
    sessionStorage.removeItem(keys.admin);
    state.accountToken = null;
    state.adminToken = null;
    state.faults = [];
    state.requests = [];
    state.limits = null;
    notice("Tokens forgotten.");
    connect();
  });
  for (const id of [
    "f-kind",
    "f-region",
    "f-status",
    "f-account",
    "topo-region",
    "topo-account",
    "r-hide-admin",
    "r-errors",
  ])
    byId(id).addEventListener("change", () => render());
  byId("f-text").addEventListener("input", () => render());
  byId("filters").addEventListener("submit", (ev) => ev.preventDefault());
  byId("edit-resource").addEventListener("change", () => renderEditFields(true));
  byId("edit-field").addEventListener("change", () => renderEditFields(true));
  function syncTransition(k: Kind): void {
    const mode = byId<HTMLSelectElement>(`t-mode-${k}`).value;
    byId<HTMLInputElement>(`t-seconds-${k}`).disabled = mode !== "duration";
    byId<HTMLInputElement>(`t-reads-${k}`).disabled = mode !== "reads";
  }
  for (const k of config.kinds) {
    byId(`t-mode-${k}`).addEventListener("change", () => syncTransition(k));
    syncTransition(k);
  }

  byId("fault-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const rule: Record<string, unknown> = {
      kind: text("fault-kind"),
      operation: text("fault-operation"),
      region: text("fault-region"),
      account: text("fault-account"),
      code: text("fault-code"),
      status:
        num("fault-status") ?? (text("fault-code") ? config.errorCodes[text("fault-code") ?? ""] : undefined),
      remaining: num("fault-remaining"),
      probability: num("fault-probability"),
      latencyMs: num("fault-latency"),
      retryAfterSeconds: num("fault-retry"),
      message: text("fault-message"),
      drop: byId<HTMLInputElement>("fault-drop").checked || undefined,
    };
    for (const k of Object.keys(rule)) if (rule[k] === undefined) delete rule[k];
    void act("Injecting the fault", async () => {
      const stored = await admin<Fault>("POST", "/faults", rule);
      await loadFaults();
      return `Fault ${stored.id} injected.`;
    });
  });
  byId("clock-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    advance((num("clock-amount") ?? 0) * Number(byId<HTMLSelectElement>("clock-unit").value));
  });
  byId("edit-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const r = state.resources.get(byId<HTMLSelectElement>("edit-resource").value);
    const field = byId<HTMLSelectElement>("edit-field").value;
    if (!r || !field) {
      notice("Choose a resource and a field.", true);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(byId<HTMLTextAreaElement>("edit-value").value);
    } catch {
      notice("The new value is not valid JSON (strings need quotes).", true);
      return;
    }
    void act("Out-of-band edit", async () => {
      await admin("PATCH", `/resources/${config.collections[r.body.kind]}/${encodeURIComponent(r.body.id)}`, {
        [field]: value,
      });
      return `${r.body.name}: ${field} changed out of band.`;
    });
  });
  byId("restore-file").addEventListener("change", async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      restore(JSON.parse(await file.text()), file.name);
    } catch {
      notice(`${file.name} is not a JSON snapshot.`, true);
    }
    (ev.target as HTMLInputElement).value = "";
  });
  byId("reset-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const account = byId<HTMLSelectElement>("reset-scope").value;
    const what = account
      ? `every resource of account ${account}`
      : "every resource of every account, all faults and the request log";
    if (!confirm(`Reset deletes ${what}. Continue?`)) return;
    void act("Reset", async () => {
      await admin("POST", "/reset", account ? { account } : {});
      await loadAll();
      return account ? `Account ${account} reset.` : "Emulator reset.";
    });
  });

  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  setInterval(renderClock, 1000);
  show(location.hash.slice(1));
  renderAuth();
  connect();
}
