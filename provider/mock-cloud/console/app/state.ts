import type {
  AccountQuotas,
  ChannelInbox,
  Fault,
  Kind,
  Limits,
  Listed,
  LoggedRequest,
  MemorySize,
  Quotas,
  SandboxInstance,
  Task,
  Transitions,
  UsageRow,
} from "./types.ts";

/** Where the tokens are kept: this tab's sessionStorage, nowhere else (never a URL, a cookie or the page). */
export const tokenKeys = {
  account: "agentcloud.console.accountToken",
  admin: "agentcloud.console.adminToken",
};

/** The views, each a section `#view-<name>` of the page; `runtime` is reached as `#runtime/<id>`. */
export const views = ["resources", "topology", "quotas", "usage", "requests", "drive", "runtime"] as const;
export type View = (typeof views)[number];

/** One account's metered tokens over the usage view's window, as the emulator answers them. */
export interface UsageOf {
  /** "this account" with the account token. */
  account: string;
  /** Per hour (`groupBy=hour`): only the hours that served something. */
  hours: UsageRow[];
  /** Per endpoint (`groupBy=endpoint`). */
  endpoints: UsageRow[];
  /** The window's total (no `groupBy`); null when the account served nothing. */
  total: UsageRow | null;
}

/** The usage view's figures: each account's over [from, to) on the emulator clock, 24 hours. */
export interface Usage {
  from: string;
  to: string;
  accounts: UsageOf[];
}

/** One agent runtime at work, as its account's token reads it (the runtime view, runtime.ts). */
export interface RuntimeAtWork {
  id: string;
  /** When it was read, on the emulator clock (ms): the charts end there. */
  readAtMs: number;
  /** `GET /v1/agent-runtimes/{id}/instances`: newest first, at most 500. */
  instances: SandboxInstance[];
  /** `GET /v1/agent-runtimes/{id}/tasks?limit=20`: newest first. */
  tasks: Task[];
  /** `GET /agents/{id}/invoke/inbox`. */
  inbox: ChannelInbox;
  /** `GET /v1/agent-runtimes/{id}/memory`. */
  memory: MemorySize;
}

/** Everything the console knows; the views render from it. */
export interface State {
  accountToken: string | null;
  adminToken: string | null;
  resources: Map<string, Listed>;
  /** The emulator's limits (`GET /_mock/limits`), read with the admin token. */
  limits: Limits | null;
  /** The account's quotas and usage (`GET /v1/quotas`), read with the account token. */
  quotas: Quotas | null;
  /** Every account's quotas and usage (`GET /_mock/quotas`), read with the admin token alone. */
  allQuotas: AccountQuotas[];
  /** Metered tokens (`GET /v1/usage` with the account token, `GET /_mock/usage` with the admin token alone). */
  usage: Usage | null;
  /** The agent runtime the runtime view shows (`#runtime/<id>`). */
  runtimeId: string | null;
  /** What was last read of it; null before, or without the account token. */
  runtime: RuntimeAtWork | null;
  /** Why it could not be read (it is gone, say); null when it was. */
  runtimeError: string | null;
  transitions: Transitions;
  faults: Fault[];
  /** Emulator time minus this browser's time, in ms. */
  clockOffset: number | null;
  requests: LoggedRequest[];
  feed: { at: string; text: string }[];
  selected: string | null;
  snapshots: { at: string; data: unknown }[];
  view: View;
}

export function createState(storage: Pick<Storage, "getItem">): State {
  return {
    accountToken: storage.getItem(tokenKeys.account),
    adminToken: storage.getItem(tokenKeys.admin),
    resources: new Map(),
    limits: null,
    quotas: null,
    allQuotas: [],
    usage: null,
    runtimeId: null,
    runtime: null,
    runtimeError: null,
    transitions: {},
    faults: [],
    clockOffset: null,
    requests: [],
    feed: [],
    selected: null,
    snapshots: [],
    view: "resources",
  };
}

/** The accounts of the resources read with the admin token, sorted. */
export const accounts = (state: State): string[] =>
  [
    ...new Set([...state.resources.values()].map((r) => r.account).filter((a): a is string => a !== null)),
  ].sort();

/** Every account's resources, as one reading with the admin token alone shows them. */
export const multiAccount = (state: State): boolean => !state.accountToken && Boolean(state.adminToken);

export const kindOrder: Record<Kind, number> = { ChipCluster: 0, ModelEndpoint: 1, AgentRuntime: 2 };
