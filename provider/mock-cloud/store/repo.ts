import type { StatementSync } from "node:sqlite";
import type { Operation, ResourceKind } from "../../api/common.ts";
import { type ChangeEvent, masked } from "../core/feed.ts";
import { afterCommit, type Db, sql } from "./db.ts";

/** Where the store tells of its writes (the change feed). */
export interface ChangeSink {
  listening(): boolean;
  changed(e: ChangeEvent): void;
}

/** A stored resource: the API view (`body`) plus what the API never shows (`secret`). */
export interface StoredResource {
  id: string;
  account: string;
  kind: ResourceKind;
  body: Record<string, unknown> & { id: string; name: string; region: string; status: string; etag: string };
  secret: Record<string, string> | null;
}

export interface StoredOperation {
  account: string;
  op: Operation;
  startedMs: number;
  reads: number;
  /** For updates: the resource before the change (body and secret), to roll back to. */
  previous?: { body: StoredResource["body"]; secret: StoredResource["secret"] } | null;
}

interface ResourceRow {
  id: string;
  account: string;
  kind: string;
  body: string;
  secret: string | null;
}

interface OperationRow {
  id: string;
  account: string;
  kind: string;
  resource_id: string;
  action: string;
  status: string;
  error: string | null;
  started_ms: number;
  reads: number;
  previous: string | null;
  created_at: string;
  updated_at: string;
}

/** The tables a snapshot holds, in the order a restore fills them. */
export const snapshotTables = ["resources", "operations", "idempotency", "meta"] as const;
export type SnapshotTables = Record<(typeof snapshotTables)[number], Record<string, unknown>[]>;

/** Columns kept beside the body so that quota and capacity sums read an index (migration 2). */
export function indexColumns(body: Record<string, unknown>): {
  chip_type: string | null;
  chips: number;
  status: string;
} {
  return {
    chip_type: typeof body.chipType === "string" ? body.chipType : null,
    chips: typeof body.totalChips === "number" ? body.totalChips : 0,
    status: String(body.status),
  };
}

const toResource = (r: ResourceRow): StoredResource => ({
  id: r.id,
  account: r.account,
  kind: r.kind as ResourceKind,
  body: JSON.parse(r.body),
  secret: r.secret ? JSON.parse(r.secret) : null,
});

const toOperation = (r: OperationRow): StoredOperation => ({
  account: r.account,
  startedMs: r.started_ms,
  reads: r.reads,
  previous: r.previous ? JSON.parse(r.previous) : null,
  op: {
    id: r.id,
    kind: r.kind as ResourceKind,
    resourceId: r.resource_id,
    action: r.action as Operation["action"],
    status: r.status as Operation["status"],
    error: r.error ? JSON.parse(r.error) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  },
});

/** Typed statements over the emulator's tables. Every read is scoped to an account unless it says so. */
export class Repo {
  readonly db: Db;
  readonly #sink: ChangeSink | undefined;
  /**
   * False once a look outside any transaction found no operation running; writing a running one
   * (or a restore) sets it again. Every request ticks the lifecycle: while nothing runs, that costs no statement. This
   * process is the store's only writer, and every write of an operation passes here.
   */
  #mayRun = true;

  /** `sink` hears of every resource and operation write, once its transaction commits. */
  constructor(db: Db, sink?: ChangeSink) {
    this.db = db;
    this.#sink = sink;
  }

  #sql(text: string): StatementSync {
    return sql(this.db, text);
  }

  /** Whether anyone listens: if not, writes skip the work of telling. */
  get #telling(): boolean {
    return this.#sink?.listening() ?? false;
  }

  #changed(e: ChangeEvent): void {
    const sink = this.#sink;
    if (sink) afterCommit(this.db, () => sink.changed(e));
  }

  /**
   * A resource's body as stored (JSON text) and its etag, read by SQLite: what a GET answers, with
   * no parse and no serialization of the body in between.
   */
  getResourceJson(account: string, kind: ResourceKind, id: string): { json: string; etag: string } | null {
    const row = this.#sql(
      "SELECT body AS json, json_extract(body, '$.etag') AS etag FROM resources WHERE account = ? AND kind = ? AND id = ?",
    ).get(account, kind, id) as { json: string; etag: string } | undefined;
    return row ?? null;
  }

  getResource(account: string, kind: ResourceKind, id: string): StoredResource | null {
    const row = this.#sql("SELECT * FROM resources WHERE account = ? AND kind = ? AND id = ?").get(
      account,
      kind,
      id,
    ) as ResourceRow | undefined;
    return row ? toResource(row) : null;
  }

  /**
   * A model endpoint whatever its account, for the data plane, which authenticates by the endpoint's
   * own key: the endpoint the URL names, and the account that holds a key (null: no endpoint has it).
   */
  getEndpointAnyAccount(id: string): StoredResource | null {
    const row = this.#sql("SELECT * FROM resources WHERE kind = 'ModelEndpoint' AND id = ?").get(id) as
      | ResourceRow
      | undefined;
    return row ? toResource(row) : null;
  }

  accountOfEndpointKey(apiKey: string): string | null {
    const row = this.#sql(
      "SELECT account FROM resources WHERE kind = 'ModelEndpoint' AND json_extract(body, '$.apiKey') = ? LIMIT 1",
    ).get(apiKey) as { account: string } | undefined;
    return row?.account ?? null;
  }

  /** For the admin plane, which sees every account. */
  /** How many resources there are: of an account's kind in a region, or in the whole store. */
  countResources(filter?: { account: string; kind: ResourceKind; region: string }): number {
    const row = filter
      ? this.#sql("SELECT COUNT(*) AS n FROM resources WHERE account = ? AND kind = ? AND region = ?").get(
          filter.account,
          filter.kind,
          filter.region,
        )
      : this.#sql("SELECT COUNT(*) AS n FROM resources").get();
    return (row as { n: number }).n;
  }

  getAnyResource(kind: ResourceKind, id: string): StoredResource | null {
    const row = this.#sql("SELECT * FROM resources WHERE kind = ? AND id = ?").get(kind, id) as
      | ResourceRow
      | undefined;
    return row ? toResource(row) : null;
  }

  findByName(account: string, kind: ResourceKind, region: string, name: string): StoredResource | null {
    const row = this.#sql(
      "SELECT * FROM resources WHERE account = ? AND kind = ? AND region = ? AND name = ?",
    ).get(account, kind, region, name) as ResourceRow | undefined;
    return row ? toResource(row) : null;
  }

  listResources(
    account: string,
    kind: ResourceKind,
    after: { createdAt: string; id: string } | null,
    limit: number,
    region?: string,
  ): StoredResource[] {
    // The cursor is a position, not a row: it still holds when the row it names was deleted.
    const rows = this.#sql(
      `SELECT * FROM resources WHERE account = ? AND kind = ? AND (? IS NULL OR region = ?)
         AND (? IS NULL OR (created_at, id) > (?, ?))
         ORDER BY created_at, id LIMIT ?`,
    ).all(
      account,
      kind,
      region ?? null,
      region ?? null,
      after ? 1 : null,
      after?.createdAt ?? null,
      after?.id ?? null,
      limit,
    ) as unknown as ResourceRow[];
    return rows.map(toResource);
  }

  /** Every resource of every account (the admin plane's view), oldest first. */
  everyResource(filter: { account?: string; kind?: ResourceKind } = {}): StoredResource[] {
    const rows = this.#sql(
      `SELECT * FROM resources WHERE (? IS NULL OR account = ?) AND (? IS NULL OR kind = ?)
         ORDER BY created_at, id`,
    ).all(
      filter.account ?? null,
      filter.account ?? null,
      filter.kind ?? null,
      filter.kind ?? null,
    ) as unknown as ResourceRow[];
    return rows.map(toResource);
  }

  /** Every agent runtime that keeps instances warm (`scaling.minInstances` above 0), any account. */
  runtimesKeptWarm(): StoredResource[] {
    const rows = this.#sql(
      `SELECT * FROM resources WHERE kind = 'AgentRuntime'
         AND json_extract(body, '$.scaling.minInstances') > 0 ORDER BY created_at, id`,
    ).all() as unknown as ResourceRow[];
    return rows.map(toResource);
  }

  /** The accounts that hold a resource, sorted (the admin plane's view). */
  accounts(): string[] {
    const rows = this.#sql("SELECT DISTINCT account FROM resources ORDER BY account").all() as {
      account: string;
    }[];
    return rows.map((r) => r.account);
  }

  allResources(account: string, kind?: ResourceKind): StoredResource[] {
    const rows = this.#sql("SELECT * FROM resources WHERE account = ? AND (? IS NULL OR kind = ?)").all(
      account,
      kind ?? null,
      kind ?? null,
    ) as unknown as ResourceRow[];
    return rows.map(toResource);
  }

  putResource(r: StoredResource): void {
    const index = indexColumns(r.body);
    const body = JSON.stringify(r.body);
    const telling = this.#telling;
    const before = telling
      ? (this.#sql("SELECT body FROM resources WHERE id = ?").get(r.id) as { body: string } | undefined)
      : undefined;
    this.#sql(
      `INSERT INTO resources (id, account, kind, region, name, body, secret, created_at, chip_type, chips, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, secret = excluded.secret, chip_type = excluded.chip_type,
           chips = excluded.chips, status = excluded.status`,
    ).run(
      r.id,
      r.account,
      r.kind,
      r.body.region,
      r.body.name,
      body,
      r.secret ? JSON.stringify(r.secret) : null,
      String(r.body.createdAt),
      index.chip_type,
      index.chips,
      index.status,
    );
    if (telling && before?.body !== body) {
      this.#changed({
        type: before ? "resource.updated" : "resource.created",
        account: r.account,
        kind: r.kind,
        id: r.id,
        resource: masked(r.body),
      });
    }
  }

  /** Chips in ChipClusters of a type in a region (of one account, or all), from the sums (migration 6). */
  chipsInUse(filter: {
    region: string;
    chipType: string;
    statuses: readonly string[];
    account?: string;
    except?: string;
  }): number {
    const where = `region = ? AND chip_type = ? AND status IN (${filter.statuses.map(() => "?").join(", ")})${
      filter.account === undefined ? "" : " AND account = ?"
    }`;
    const args = [
      filter.region,
      filter.chipType,
      ...filter.statuses,
      ...(filter.account === undefined ? [] : [filter.account]),
    ];
    const { n } = this.#sql(`SELECT COALESCE(SUM(chips), 0) AS n FROM chip_usage WHERE ${where}`).get(
      ...args,
    ) as { n: number };
    if (filter.except === undefined) return n;
    // Less what the excepted cluster counts in that sum (its row, by primary key).
    const excepted = this.#sql(
      `SELECT chips FROM resources WHERE id = ? AND kind = 'ChipCluster' AND ${where}`,
    ).get(filter.except, ...args) as { chips: number } | undefined;
    return n - (excepted?.chips ?? 0);
  }

  deleteResource(id: string): void {
    const gone = this.#sql("DELETE FROM resources WHERE id = ? RETURNING account, kind").get(id) as
      | { account: string; kind: ResourceKind }
      | undefined;
    if (gone && this.#telling)
      this.#changed({ type: "resource.deleted", account: gone.account, kind: gone.kind, id });
  }

  getOperation(account: string, id: string): StoredOperation | null {
    const row = this.#sql("SELECT * FROM operations WHERE account = ? AND id = ?").get(account, id) as
      | OperationRow
      | undefined;
    return row ? toOperation(row) : null;
  }

  runningOperations(resourceId?: string): StoredOperation[] {
    if (!this.#mayRun) return [];
    const rows = this.#sql(
      "SELECT * FROM operations WHERE status = 'RUNNING' AND (? IS NULL OR resource_id = ?) ORDER BY started_ms",
    ).all(resourceId ?? null, resourceId ?? null) as unknown as OperationRow[];
    // Only what is committed counts: a transaction still open (a group commit's batch) may roll back.
    if (rows.length === 0 && resourceId === undefined && !this.db.isTransaction) this.#mayRun = false;
    return rows.map(toOperation);
  }

  putOperation(s: StoredOperation): void {
    const o = s.op;
    if (o.status === "RUNNING") this.#mayRun = true;
    const telling = this.#telling;
    const before = telling
      ? (this.#sql("SELECT status FROM operations WHERE id = ?").get(o.id) as { status: string } | undefined)
      : undefined;
    this.#sql(
      `INSERT INTO operations (id, account, kind, resource_id, action, status, error, started_ms, reads, created_at, updated_at, previous)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, error = excluded.error, reads = excluded.reads,
           updated_at = excluded.updated_at`,
    ).run(
      o.id,
      s.account,
      o.kind,
      o.resourceId,
      o.action,
      o.status,
      o.error ? JSON.stringify(o.error) : null,
      s.startedMs,
      s.reads,
      o.createdAt,
      o.updatedAt,
      s.previous ? JSON.stringify(s.previous) : null,
    );
    if (!telling) return;
    if (!before) this.#changed({ type: "operation.started", account: s.account, operation: o });
    else if (before.status === "RUNNING" && o.status !== "RUNNING")
      this.#changed({ type: "operation.finished", account: s.account, operation: o });
  }

  getIdempotency(account: string, key: string) {
    return this.#sql("SELECT * FROM idempotency WHERE account = ? AND key = ?").get(account, key) as
      | {
          body_hash: string;
          resource_id: string;
          operation_id: string;
          stored_at: string;
          kind: ResourceKind | null;
          released_at: string | null;
          owner: string | null;
        }
      | undefined;
  }

  /** An account's keys, newest first; `released`: only released (true) or only unreleased (false) ones. */
  listIdempotency(account: string, released: boolean | null, limit: number): { key: string }[] {
    return this.#sql(
      `SELECT key FROM idempotency WHERE account = ?
         AND (? IS NULL OR (released_at IS NOT NULL) = ?)
         ORDER BY stored_at DESC, key LIMIT ?`,
    ).all(account, released === null ? null : 1, released ? 1 : 0, limit) as { key: string }[];
  }

  /**
   * Deletes the keys that answer nothing any more: unreleased ones stored before `expiredBefore`,
   * and any whose resource is gone.
   */
  purgeIdempotency(expiredBefore: string): void {
    this.#sql(
      `DELETE FROM idempotency WHERE (released_at IS NULL AND stored_at < ?)
         OR NOT EXISTS (SELECT 1 FROM resources WHERE resources.id = idempotency.resource_id)`,
    ).run(expiredBefore);
  }

  /** Marks a key released, or binds an unknown one, released, to an existing resource (adoption). */
  releaseIdempotency(
    account: string,
    key: string,
    at: string,
    bind?: { kind: ResourceKind; resourceId: string },
  ): void {
    if (bind) {
      this.#sql(
        `INSERT INTO idempotency (account, key, body_hash, resource_id, operation_id, stored_at, kind, released_at)
           VALUES (?, ?, ?, ?, '-', ?, ?, ?)`,
      ).run(account, key, "0".repeat(64), bind.resourceId, at, bind.kind, at);
      return;
    }
    this.#sql(
      "UPDATE idempotency SET released_at = COALESCE(released_at, ?) WHERE account = ? AND key = ?",
    ).run(at, account, key);
  }

  /** Stores a key (replacing one of the same account and name), stamped with the emulator time. */
  putIdempotency(
    account: string,
    key: string,
    bodyHash: string,
    resourceId: string,
    operationId: string,
    storedAt: string,
    kind: ResourceKind,
    owner: string | null = null,
  ): void {
    this.#sql(
      `INSERT INTO idempotency (account, key, body_hash, resource_id, operation_id, stored_at, kind, released_at, owner)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)
         ON CONFLICT (account, key) DO UPDATE SET body_hash = excluded.body_hash, resource_id = excluded.resource_id,
           operation_id = excluded.operation_id, stored_at = excluded.stored_at, kind = excluded.kind,
           released_at = NULL, owner = excluded.owner`,
    ).run(account, key, bodyHash, resourceId, operationId, storedAt, kind, owner);
  }

  /**
   * One account's resources, or everything: resources, operations, keys, metered usage, the prompt
   * cache, and the settings kept in meta (limits, transitions, the clock's offset, inference rules).
   * The page-token secret stays.
   */
  reset(account?: string): void {
    for (const table of [
      "resources",
      "operations",
      "idempotency",
      "usage",
      "prompt_cache",
      "tasks",
      "memory",
      "channel_messages",
      "sandbox_instances",
    ]) {
      if (account) this.#sql(`DELETE FROM ${table} WHERE account = ?`).run(account);
      else this.db.exec(`DELETE FROM ${table}`);
    }
    if (!account)
      this.db.exec(
        "DELETE FROM meta WHERE key IN ('limits', 'transitions', 'clockOffsetMs', 'inferenceRules')",
      );
  }

  snapshot(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const table of snapshotTables) {
      out[table] = this.#sql(`SELECT * FROM ${table}`).all();
    }
    return out;
  }

  /**
   * Replaces every table with a snapshot's rows, already validated (core/snapshot.ts): their
   * columns are the table's own. Call inside one transaction, so that it lands whole or not at all.
   */
  replaceAll(snapshot: SnapshotTables): void {
    this.#mayRun = true;
    for (const table of snapshotTables) {
      this.db.exec(`DELETE FROM ${table}`);
      for (const row of snapshot[table]) {
        const cols = Object.keys(row);
        if (!cols.every((c) => /^[a-z_]+$/.test(c))) throw new Error(`unexpected column in ${table}`);
        this.db
          .prepare(`INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`)
          .run(...(cols.map((c) => row[c]) as never[]));
      }
    }
  }
}
