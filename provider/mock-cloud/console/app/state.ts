import type {
  AccountQuotas,
  Fault,
  Kind,
  Limits,
  Listed,
  LoggedRequest,
  Quotas,
  Transitions,
  UsageRow,
} from "./types.ts";

/** Where the tokens are kept: this tab's sessionStorage, nowhere else (never a URL, a cookie or the page). */
export const tokenKeys = {
  account: "agentcloud.console.accountToken",
  admin: "agentcloud.console.adminToken",
};

export const views = ["resources", "topology", "quotas", "usage", "requests", "drive"] as const;
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
