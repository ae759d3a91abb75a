import type { Api } from "./api.ts";
import type { State, View } from "./state.ts";
import type { ConsoleConfig } from "./types.ts";

/** What a view gets: the state to render, the API to call, and the console's shared actions. */
export interface App {
  readonly config: ConsoleConfig;
  readonly state: State;
  readonly api: Api;
  /** Where the tokens are kept (sessionStorage). */
  readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  /** Aborted when the console stops: every listener a view adds is registered with it. */
  readonly signal: AbortSignal;
  /** Renders the side panel and the current view now. */
  render(): void;
  notice(text: string, error?: boolean): void;
  /** Says that `what` failed, with the API's error code and message. */
  failed(what: string, e: unknown): void;
  /** Runs a user's action: says it is done (or why it failed), then renders. */
  act(what: string, job: () => Promise<string | undefined>): Promise<void>;
  /** Opens a resource's detail (null closes it), on the resources view. */
  select(id: string | null, focus?: boolean): void;
  /** Goes to a view through the URL's fragment (so Back works). */
  navigate(view: View): void;
  /** Reads the emulator again with the current tokens: the change feed, or polling. */
  connect(): void;
  setClock(now: string, at?: number): void;
  readonly load: {
    all(): Promise<void>;
    faults(): Promise<void>;
    transitions(): Promise<void>;
  };
}
