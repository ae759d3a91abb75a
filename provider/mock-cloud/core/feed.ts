import type { LoggedRequest } from "../../api/admin.ts";
import { type Operation, type ResourceKind, secretFields } from "../../api/common.ts";

/** What changed in the emulator, as the change feed (`GET /_mock/events`) tells it. */
export type ChangeEvent =
  | {
      type: "resource.created" | "resource.updated";
      account: string;
      kind: ResourceKind;
      id: string;
      /** The API view, with `apiKey` masked. */
      resource: Record<string, unknown>;
    }
  | { type: "resource.deleted"; account: string; kind: ResourceKind; id: string }
  | { type: "operation.started" | "operation.finished"; account: string; operation: Operation }
  | { type: "clock"; now: string }
  | { type: "settings"; what: "faults" | "transitions" | "limits" | "inference rules" | "mcp" | "approvals" }
  | { type: "store.reset"; account: string | null }
  | { type: "store.restored" }
  | { type: "request"; request: LoggedRequest };

export interface FeedEntry {
  seq: number;
  event: ChangeEvent;
}

/**
 * The emulator's change feed: every committed write (resources, operations), every admin change
 * and every answered request, in order, to whoever listens. Nothing is kept for late listeners: a
 * listener that (re)connects reads the current state first, then follows the feed.
 */
export class ChangeFeed {
  #seq = 0;
  readonly #listeners = new Set<(e: FeedEntry) => void>();

  emit(event: ChangeEvent): void {
    const entry = { seq: ++this.#seq, event };
    if (this.#listeners.size === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch {
        // A listener that fails (a closed stream) must not stop the others or the write.
      }
    }
  }

  /** Returns the function that stops listening. */
  subscribe(listener: (e: FeedEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get seq(): number {
    return this.#seq;
  }

  get listeners(): number {
    return this.#listeners.size;
  }
}

/** `ak-…1234` → `••••••••1234`: enough to tell keys apart, not enough to use one. */
function maskSecret(value: string): string {
  return `••••••••${value.slice(-4)}`;
}

/** A resource body with its secret outputs masked (`secretFields`: an endpoint's `apiKey`). */
export function masked(body: Record<string, unknown>): Record<string, unknown> {
  const fields = secretFields[body.kind as ResourceKind]?.outputs ?? [];
  const out = { ...body };
  for (const f of fields) if (typeof out[f] === "string") out[f] = maskSecret(out[f]);
  return out;
}
