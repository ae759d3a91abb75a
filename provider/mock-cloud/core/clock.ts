import { type Db, getMeta, setMeta } from "../store/db.ts";

/** The emulator's clock: wall time plus an offset that the admin plane advances; durable. */
export class Clock {
  readonly #db: Db;
  #offsetMs: number;

  constructor(db: Db) {
    this.#db = db;
    this.#offsetMs = getMeta(db, "clockOffsetMs", 0);
  }

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  advance(ms: number): Date {
    this.#offsetMs += ms;
    setMeta(this.#db, "clockOffsetMs", this.#offsetMs);
    return this.now();
  }

  reload(): void {
    this.#offsetMs = getMeta(this.#db, "clockOffsetMs", 0);
  }
}
