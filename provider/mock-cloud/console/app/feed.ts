import type { Api } from "./api.ts";
import { time } from "./dom.ts";
import { sseParser } from "./sse.ts";
import type { Change } from "./types.ts";

export type LiveMode = "off" | "connecting" | "on" | "polling" | "error";

export interface FeedHandlers {
  live(mode: LiveMode, text: string): void;
  /** The stream is (again) open: what happened before it is to be read afresh. */
  hello(): void;
  change(c: Change): void;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Follows the change feed (`GET /_mock/events`, server-sent events read with fetch so the admin
 * token stays in a header) until `signal` aborts: reconnects after 0.5 s, doubling to 10 s, and
 * stops for good when the token is refused.
 */
export async function follow(
  api: Pick<Api, "events">,
  on: FeedHandlers,
  signal: AbortSignal,
  sleep: (ms: number) => Promise<void> = wait,
): Promise<void> {
  let delay = 500;
  while (!signal.aborted) {
    on.live("connecting", "connecting…");
    try {
      const res = await api.events(signal);
      if (res.status === 401) {
        on.live("error", "admin token refused");
        return;
      }
      if (!res.ok || !res.body) throw new Error(`feed answered ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = sseParser();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const e of parser.push(value)) {
          if (e.event === "hello") {
            delay = 500;
            on.live("on", "live");
            on.hello();
          } else if (e.event === "change") on.change(JSON.parse(e.data) as Change);
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    on.live("connecting", "reconnecting…");
    await sleep(delay);
    delay = Math.min(delay * 2, 10_000);
  }
}

/** A change as one line of the change feed; null for those it does not list. */
export function describe(c: Change): string | null {
  switch (c.type) {
    case "resource.created":
    case "resource.updated":
      return `${c.account}: ${c.kind} ${String(c.resource.name)} (${c.id}) ${c.type === "resource.created" ? "created" : "updated"}, ${String(c.resource.status)}`;
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
