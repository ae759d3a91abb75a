import { type Db, sql } from "./db.ts";

/** Where a message is (the API's names): waiting, leased to a receive, or a dead letter. */
type MessageState = "ready" | "inFlight" | "deadLetter";

/**
 * A message as stored. `seq` orders the publishes (the order of a key, and of lists). `visibleMs`:
 * in flight, when the lease ends; ready, since when it can be delivered. `receipt`: the last
 * delivery's lease (kept after it ends, so that a late ack of it can be told apart).
 */
export interface ChannelMessageRow {
  seq: number;
  id: string;
  fromId: string;
  toId: string;
  key: string | null;
  /** The body as JSON text. */
  body: string;
  bytes: number;
  state: MessageState;
  attempts: number;
  enqueuedMs: number;
  visibleMs: number;
  receipt: string | null;
  deadMs: number | null;
}

/** The depth of an inbox, by state, and when its oldest message ready or in flight was published. */
interface InboxDepth {
  ready: number;
  inFlight: number;
  deadLetters: number;
  oldestEnqueuedMs: number | null;
}

const columns = `seq, id, from_id AS fromId, to_id AS toId, key, body, bytes, state, attempts,
  enqueued_ms AS enqueuedMs, visible_ms AS visibleMs, receipt, dead_ms AS deadMs`;

/**
 * The SQL of the channels between agent runtimes: every message in its receiver's inbox (account,
 * `to_id`). Leases end on the emulator clock: `settle` moves the messages whose lease ended back to
 * ready, or to the dead letters once they have had their deliveries; every read of an inbox settles
 * it first (inside the same `tx`).
 */
export class ChannelStore {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Ends the leases of an inbox that ended at or before `nowMs`. Call inside `tx`. */
  settle(account: string, toId: string, nowMs: number, maxDeliveries: number): void {
    sql(
      this.db,
      `UPDATE channel_messages
         SET state = CASE WHEN attempts >= ? THEN 'deadLetter' ELSE 'ready' END,
             dead_ms = CASE WHEN attempts >= ? THEN visible_ms ELSE NULL END
         WHERE account = ? AND to_id = ? AND state = 'inFlight' AND visible_ms <= ?`,
    ).run(maxDeliveries, maxDeliveries, account, toId, nowMs);
  }

  /** Puts a message in its receiver's inbox, ready now. Call inside `tx`. */
  publish(
    account: string,
    message: { id: string; fromId: string; toId: string; key: string | null; body: string },
    nowMs: number,
  ): ChannelMessageRow {
    const bytes = Buffer.byteLength(message.body);
    const { lastInsertRowid } = sql(
      this.db,
      `INSERT INTO channel_messages
         (id, account, from_id, to_id, key, body, bytes, state, attempts, enqueued_ms, visible_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'ready', 0, ?, ?)`,
    ).run(message.id, account, message.fromId, message.toId, message.key, message.body, bytes, nowMs, nowMs);
    return {
      seq: Number(lastInsertRowid),
      ...message,
      bytes,
      state: "ready",
      attempts: 0,
      enqueuedMs: nowMs,
      visibleMs: nowMs,
      receipt: null,
      deadMs: null,
    };
  }

  /**
   * Leases up to `limit` messages of a settled inbox, oldest first, until `untilMs`: each a new
   * receipt from `receiptOf` and one more attempt. A keyed message only when it is its key's oldest
   * ready or in flight: one of a key at a time, in the order published. Call inside `tx`.
   */
  lease(
    account: string,
    toId: string,
    limit: number,
    untilMs: number,
    receiptOf: () => string,
  ): ChannelMessageRow[] {
    const rows = sql(
      this.db,
      `SELECT ${columns} FROM channel_messages AS m
         WHERE account = ? AND to_id = ? AND state = 'ready'
           AND (m.key IS NULL OR NOT EXISTS (
             SELECT 1 FROM channel_messages AS o
               WHERE o.account = m.account AND o.to_id = m.to_id AND o.key = m.key AND o.seq <> m.seq
                 AND (o.state = 'inFlight' OR (o.state = 'ready' AND o.seq < m.seq))))
         ORDER BY seq LIMIT ?`,
    ).all(account, toId, limit) as unknown as ChannelMessageRow[];
    const update = sql(
      this.db,
      `UPDATE channel_messages SET state = 'inFlight', attempts = attempts + 1, visible_ms = ?, receipt = ?
         WHERE seq = ?`,
    );
    return rows.map((row) => {
      const receipt = receiptOf();
      update.run(untilMs, receipt, row.seq);
      return { ...row, state: "inFlight", attempts: row.attempts + 1, visibleMs: untilMs, receipt };
    });
  }

  /** A message of an inbox, whatever its state. */
  get(account: string, toId: string, id: string): ChannelMessageRow | null {
    const row = sql(
      this.db,
      `SELECT ${columns} FROM channel_messages WHERE id = ? AND account = ? AND to_id = ?`,
    ).get(id, account, toId) as ChannelMessageRow | undefined;
    return row ?? null;
  }

  /** Removes an acked message. Call inside `tx`. */
  remove(seq: number): void {
    sql(this.db, "DELETE FROM channel_messages WHERE seq = ?").run(seq);
  }

  /** How many messages of a settled inbox are in each state, and its oldest one not a dead letter. */
  depth(account: string, toId: string): InboxDepth {
    const rows = sql(
      this.db,
      `SELECT state, COUNT(*) AS n, MIN(enqueued_ms) AS oldest FROM channel_messages
         WHERE account = ? AND to_id = ? GROUP BY state`,
    ).all(account, toId) as unknown as { state: MessageState; n: number; oldest: number }[];
    const of = (state: MessageState) => rows.find((r) => r.state === state);
    const live = [of("ready")?.oldest, of("inFlight")?.oldest].filter((v) => v !== undefined);
    return {
      ready: of("ready")?.n ?? 0,
      inFlight: of("inFlight")?.n ?? 0,
      deadLetters: of("deadLetter")?.n ?? 0,
      oldestEnqueuedMs: live.length > 0 ? Math.min(...live) : null,
    };
  }

  /** The dead letters of a settled inbox, in the order published, from the one after `afterSeq`. */
  deadLetters(account: string, toId: string, afterSeq: number, limit: number): ChannelMessageRow[] {
    return sql(
      this.db,
      `SELECT ${columns} FROM channel_messages
         WHERE account = ? AND to_id = ? AND state = 'deadLetter' AND seq > ?
         ORDER BY seq LIMIT ?`,
    ).all(account, toId, afterSeq, limit) as unknown as ChannelMessageRow[];
  }
}
