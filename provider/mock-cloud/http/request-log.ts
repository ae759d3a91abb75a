import type { LoggedRequest } from "../../api/admin.ts";

/** The last requests the emulator answered: no headers, no bodies, so nothing secret to redact. */
export class RequestLog {
  readonly #items: LoggedRequest[] = [];
  readonly #capacity: number;

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  push(r: LoggedRequest): void {
    this.#items.push(r);
    if (this.#items.length > this.#capacity) this.#items.shift();
  }

  recent(limit = 100): LoggedRequest[] {
    return this.#items.slice(-limit);
  }

  clear(): void {
    this.#items.length = 0;
  }
}
