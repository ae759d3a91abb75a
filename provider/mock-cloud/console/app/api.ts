import type {
  AccountQuotas,
  AccountUsage,
  ChannelInbox,
  ConsoleConfig,
  Fault,
  Kind,
  Limits,
  Listed,
  LoggedRequest,
  MemorySize,
  Quotas,
  Resource,
  SandboxInstance,
  Task,
  Transitions,
  UsageReport,
} from "./types.ts";

/** An answer that was not 2xx: its status and the API's error code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  constructor(status: number, code: string | null, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The tokens to send, read when each request is made (they change when the user connects again). */
export interface Tokens {
  account: string | null;
  admin: string | null;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/**
 * The emulator's API as the console uses it. Tokens travel only in the Authorization header; the
 * browser sends no cookie (`credentials: "omit"`) and caches nothing.
 */
export function createApi(tokens: () => Tokens, collections: ConsoleConfig["collections"], fetchFn: Fetch) {
  async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetchFn(path, {
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
  const account = <T>(method: string, path: string) => call<T>(method, path, tokens().account);
  const admin = <T>(method: string, path: string, body?: unknown) =>
    call<T>(method, `/_mock${path}`, tokens().admin, body);

  return {
    /** One kind's resources, every page, read with the account token. */
    async listKind(kind: Kind): Promise<Resource[]> {
      const out: Resource[] = [];
      let pageToken: string | null = null;
      do {
        const q: string = pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : "";
        const page: { items: Resource[]; nextPageToken: string | null } = await account(
          "GET",
          `/v1/${collections[kind]}?pageSize=500${q}`,
        );
        out.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return out;
    },
    /** The account's quotas and what it uses of them. */
    quotas: () => account<Quotas>("GET", "/v1/quotas"),
    /** Every account's quotas and usage, each as its own GET /v1/quotas answers them (admin token). */
    allQuotas: async (): Promise<AccountQuotas[]> =>
      (await admin<{ items: AccountQuotas[] }>("GET", "/quotas")).items,
    /** The account's metered tokens for a query (`GET /v1/usage?…`). */
    usage: (query: string) => account<UsageReport>("GET", `/v1/usage?${query}`),
    /** Every account's metered tokens, each as its own GET /v1/usage answers the query (admin token). */
    allUsage: async (query: string): Promise<AccountUsage[]> =>
      (await admin<{ items: AccountUsage[] }>("GET", `/usage?${query}`)).items,
    /** An agent runtime's sandbox instances, newest first (account token). */
    instances: async (id: string): Promise<SandboxInstance[]> =>
      (
        await account<{ items: SandboxInstance[] }>(
          "GET",
          `/v1/agent-runtimes/${encodeURIComponent(id)}/instances`,
        )
      ).items,
    /** An agent runtime's latest tasks, newest first (account token). */
    runtimeTasks: async (id: string, limit: number): Promise<Task[]> =>
      (
        await account<{ items: Task[] }>(
          "GET",
          `/v1/agent-runtimes/${encodeURIComponent(id)}/tasks?limit=${limit}`,
        )
      ).items,
    /** How much an agent runtime's memory holds (account token). */
    memorySize: (id: string) =>
      account<MemorySize>("GET", `/v1/agent-runtimes/${encodeURIComponent(id)}/memory`),
    /** The depth of an agent runtime's channel inbox: the data plane's, with the account token. */
    inbox: (id: string) => account<ChannelInbox>("GET", `/agents/${encodeURIComponent(id)}/invoke/inbox`),
    /** Every account's resources (admin token). */
    allResources: async (): Promise<Listed[]> =>
      (await admin<{ items: { account: string; resource: Resource }[] }>("GET", "/resources")).items.map(
        (i) => ({ account: i.account, body: i.resource }),
      ),
    /** The emulator's time: from the admin clock, or from the health check without the admin token. */
    now: async (): Promise<string> =>
      tokens().admin
        ? (await admin<{ now: string }>("GET", "/clock")).now
        : (await call<{ time: string }>("GET", "/_mock/health", null)).time,
    advanceClock: async (ms: number) =>
      (await admin<{ now: string }>("POST", "/clock/advance", { ms: Math.round(ms) })).now,
    faults: async () => (await admin<{ items: Fault[] }>("GET", "/faults")).items,
    addFault: (rule: Record<string, unknown>) => admin<Fault>("POST", "/faults", rule),
    deleteFault: (id: string) => admin("DELETE", `/faults/${encodeURIComponent(id)}`),
    clearFaults: () => admin("DELETE", "/faults"),
    transitions: () => admin<Transitions>("GET", "/transitions"),
    putTransitions: (t: Transitions) => admin<Transitions>("PUT", "/transitions", t),
    limits: () => admin<Limits>("GET", "/limits"),
    requests: async (limit: number) =>
      (await admin<{ items: LoggedRequest[] }>("GET", `/requests?limit=${limit}`)).items,
    snapshot: () => admin<unknown>("POST", "/snapshot"),
    restore: (data: unknown) => admin("POST", "/restore", data),
    reset: (account: string | null) => admin("POST", "/reset", account ? { account } : {}),
    /** Changes a resource out of band (drift). */
    edit: (r: Resource, patch: Record<string, unknown>) =>
      admin("PATCH", `/resources/${collections[r.kind]}/${encodeURIComponent(r.id)}`, patch),
    /** The change feed's event stream (admin token); the caller reads the body. */
    events: (signal: AbortSignal) =>
      fetchFn("/_mock/events", {
        headers: { authorization: `Bearer ${tokens().admin}`, accept: "text/event-stream" },
        signal,
        cache: "no-store",
        credentials: "omit",
      }),
  };
}

export type Api = ReturnType<typeof createApi>;
