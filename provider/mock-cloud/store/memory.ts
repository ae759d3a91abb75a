import { type Db, sql } from "./db.ts";

/**
 * The words of a text, as the keyword search reads them: runs of letters and digits (any script),
 * NFKC-normalized and lower-cased.
 */
export function wordsOf(text: string): string[] {
  return (
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * The `words` column: every word with a space either side (" a  b  a "), so that `instr` finds a
 * whole word by " a " and the occurrences of one never overlap (`replace` counts them).
 */
const indexed = (words: string[]) => words.map((w) => ` ${w} `).join("");

/** An entry as stored. `id` orders the writes: each write takes a new one. */
export interface MemoryRow {
  id: number;
  namespace: string;
  key: string;
  /** The value as JSON text. */
  value: string;
  text: string | null;
  bytes: number;
  createdMs: number;
  updatedMs: number;
}

/** A listed key: the row without its value and text. */
export type MemoryKeyRow = Omit<MemoryRow, "value" | "text">;

const columns = "id, namespace, key, value, text, bytes, created_ms AS createdMs, updated_ms AS updatedMs";

/**
 * The SQL of agent runtimes' memory. Every read takes `aliveAfterMs`: an entry last written at or
 * before it is past its retention, and is neither read, listed nor found (`purge` removes them).
 */
export class MemoryStore {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Removes a runtime's entries last written at or before `cutoffMs`. */
  purge(account: string, runtimeId: string, cutoffMs: number): void {
    sql(this.db, "DELETE FROM memory WHERE account = ? AND runtime_id = ? AND updated_ms <= ?").run(
      account,
      runtimeId,
      cutoffMs,
    );
  }

  get(
    account: string,
    runtimeId: string,
    namespace: string,
    key: string,
    aliveAfterMs: number,
  ): MemoryRow | null {
    const row = sql(
      this.db,
      `SELECT ${columns} FROM memory
         WHERE account = ? AND runtime_id = ? AND namespace = ? AND key = ? AND updated_ms > ?`,
    ).get(account, runtimeId, namespace, key, aliveAfterMs) as MemoryRow | undefined;
    return row ?? null;
  }

  /**
   * Writes an entry (a new id: it is the newest), keeping its creation time when it is there and
   * alive. The searchable text is `text` and the value when that is a string. Call inside `tx`.
   */
  put(
    account: string,
    runtimeId: string,
    entry: { namespace: string; key: string; value: unknown; text: string | null },
    nowMs: number,
    aliveAfterMs: number,
  ): MemoryRow {
    const { namespace, key, text } = entry;
    const before = this.get(account, runtimeId, namespace, key, aliveAfterMs);
    const value = JSON.stringify(entry.value);
    const bytes = Buffer.byteLength(value) + (text === null ? 0 : Buffer.byteLength(text));
    const words = indexed([
      ...wordsOf(text ?? ""),
      ...(typeof entry.value === "string" ? wordsOf(entry.value) : []),
    ]);
    const createdMs = before?.createdMs ?? nowMs;
    sql(this.db, "DELETE FROM memory WHERE account = ? AND runtime_id = ? AND namespace = ? AND key = ?").run(
      account,
      runtimeId,
      namespace,
      key,
    );
    const { lastInsertRowid } = sql(
      this.db,
      `INSERT INTO memory (account, runtime_id, namespace, key, value, text, words, bytes, created_ms, updated_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(account, runtimeId, namespace, key, value, text, words, bytes, createdMs, nowMs);
    return { id: Number(lastInsertRowid), namespace, key, value, text, bytes, createdMs, updatedMs: nowMs };
  }

  /** Deletes an entry; whether an alive one was there. Call inside `tx`. */
  delete(account: string, runtimeId: string, namespace: string, key: string, aliveAfterMs: number): boolean {
    const gone = sql(
      this.db,
      `DELETE FROM memory WHERE account = ? AND runtime_id = ? AND namespace = ? AND key = ?
         RETURNING updated_ms AS updatedMs`,
    ).get(account, runtimeId, namespace, key) as { updatedMs: number } | undefined;
    return gone !== undefined && gone.updatedMs > aliveAfterMs;
  }

  /** How many entries alive, their bytes, and the namespaces holding them. */
  size(
    account: string,
    runtimeId: string,
    aliveAfterMs: number,
  ): { entries: number; bytes: number; namespaces: number } {
    const row = sql(
      this.db,
      `SELECT COUNT(*) AS entries, COALESCE(SUM(bytes), 0) AS bytes, COUNT(DISTINCT namespace) AS namespaces
         FROM memory WHERE account = ? AND runtime_id = ? AND updated_ms > ?`,
    ).get(account, runtimeId, aliveAfterMs) as { entries: number; bytes: number; namespaces: number };
    return { entries: Number(row.entries), bytes: Number(row.bytes), namespaces: Number(row.namespaces) };
  }

  /** A namespace's keys, newest write first, from the one written before `beforeId` (a page's last). */
  list(
    account: string,
    runtimeId: string,
    namespace: string,
    aliveAfterMs: number,
    beforeId: number | null,
    limit: number,
  ): MemoryKeyRow[] {
    return sql(
      this.db,
      `SELECT id, namespace, key, bytes, created_ms AS createdMs, updated_ms AS updatedMs FROM memory
         WHERE account = ? AND runtime_id = ? AND namespace = ? AND id < ? AND updated_ms > ?
         ORDER BY id DESC LIMIT ?`,
    ).all(
      account,
      runtimeId,
      namespace,
      beforeId ?? Number.MAX_SAFE_INTEGER,
      aliveAfterMs,
      limit,
    ) as unknown as MemoryKeyRow[];
  }

  /**
   * The entries whose searchable text holds every one of `words` (as `wordsOf` gives them), with
   * how many times they occur in all: the most first, then the newest; at most `limit`.
   */
  search(
    account: string,
    runtimeId: string,
    namespace: string | null,
    words: string[],
    aliveAfterMs: number,
    limit: number,
  ): (MemoryRow & { matches: number })[] {
    const needles = JSON.stringify([...new Set(words)].map((w) => ` ${w} `));
    return sql(
      this.db,
      `SELECT ${columns},
         (SELECT SUM((length(m.words) - length(replace(m.words, w.value, ''))) / length(w.value))
            FROM json_each(?) AS w) AS matches
       FROM memory AS m
       WHERE account = ? AND runtime_id = ? AND (? IS NULL OR namespace = ?) AND updated_ms > ?
         AND NOT EXISTS (SELECT 1 FROM json_each(?) AS w WHERE instr(m.words, w.value) = 0)
       ORDER BY matches DESC, id DESC LIMIT ?`,
    ).all(
      needles,
      account,
      runtimeId,
      namespace,
      namespace,
      aliveAfterMs,
      needles,
      limit,
    ) as unknown as (MemoryRow & { matches: number })[];
  }
}
