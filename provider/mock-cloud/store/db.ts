import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";

/**
 * Durable storage of the emulator: one SQLite file in WAL mode with full fsync, so every write
 * acknowledged to a client survives a kill -9 (and a power loss). `:memory:` for in-process use.
 */
export type Db = DatabaseSync;

const migrations: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE resources (
     id TEXT PRIMARY KEY, account TEXT NOT NULL, kind TEXT NOT NULL, region TEXT NOT NULL,
     name TEXT NOT NULL, body TEXT NOT NULL, secret TEXT, created_at TEXT NOT NULL);
   CREATE UNIQUE INDEX resources_name ON resources (account, kind, region, name);
   CREATE INDEX resources_list ON resources (account, kind, created_at, id);
   CREATE TABLE operations (
     id TEXT PRIMARY KEY, account TEXT NOT NULL, kind TEXT NOT NULL, resource_id TEXT NOT NULL,
     action TEXT NOT NULL, status TEXT NOT NULL, error TEXT, started_ms INTEGER NOT NULL,
     reads INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE INDEX operations_running ON operations (status);
   CREATE TABLE idempotency (
     account TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL, resource_id TEXT NOT NULL,
     operation_id TEXT NOT NULL, PRIMARY KEY (account, key));`,
  // 2: chip counts as columns, so quota and capacity sums read an index instead of every body.
  `ALTER TABLE resources ADD COLUMN chip_type TEXT;
   ALTER TABLE resources ADD COLUMN chips INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE resources ADD COLUMN status TEXT NOT NULL DEFAULT '';
   UPDATE resources SET chip_type = json_extract(body, '$.chipType'),
     chips = COALESCE(json_extract(body, '$.totalChips'), 0), status = json_extract(body, '$.status');
   CREATE INDEX resources_chips ON resources (kind, region, chip_type, status, account, chips);`,
  // 3: an update keeps the resource as it was, to roll back to when the update fails.
  "ALTER TABLE operations ADD COLUMN previous TEXT;",
  // 4: an idempotency key remembers when (emulator clock) it was stored, so that it can expire.
  // Keys stored before: the time of the create they answered, else now on the emulator clock.
  `ALTER TABLE idempotency ADD COLUMN stored_at TEXT NOT NULL DEFAULT '';
   UPDATE idempotency SET stored_at = COALESCE(
     (SELECT created_at FROM operations WHERE operations.id = idempotency.operation_id),
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
       (COALESCE((SELECT value FROM meta WHERE key = 'clockOffsetMs'), 0) / 1000.0) || ' seconds'));`,
  // 5: a key remembers its resource's kind, and when its client released it (the create's result
  // is recorded; the key never hands the resource out again).
  `ALTER TABLE idempotency ADD COLUMN kind TEXT;
   ALTER TABLE idempotency ADD COLUMN released_at TEXT;
   UPDATE idempotency SET kind = (SELECT kind FROM resources WHERE resources.id = idempotency.resource_id);`,
  // 6: chips of ChipClusters summed per region, chip type, status and account, kept by triggers in
  // the same transaction as the rows: a quota or capacity check reads a few sums, not every cluster.
  // Rebuilt from the rows when run again (a store whose version was set back).
  `DROP TRIGGER IF EXISTS chip_usage_insert;
   DROP TRIGGER IF EXISTS chip_usage_delete;
   DROP TRIGGER IF EXISTS chip_usage_update;
   DROP TABLE IF EXISTS chip_usage;
   CREATE TABLE chip_usage (
     region TEXT NOT NULL, chip_type TEXT NOT NULL, status TEXT NOT NULL, account TEXT NOT NULL,
     chips INTEGER NOT NULL, PRIMARY KEY (region, chip_type, status, account)) WITHOUT ROWID;
   INSERT INTO chip_usage (region, chip_type, status, account, chips)
     SELECT region, chip_type, status, account, SUM(chips) FROM resources
     WHERE kind = 'ChipCluster' AND chip_type IS NOT NULL GROUP BY region, chip_type, status, account;
   CREATE TRIGGER chip_usage_insert AFTER INSERT ON resources
     WHEN NEW.kind = 'ChipCluster' AND NEW.chip_type IS NOT NULL BEGIN
     INSERT INTO chip_usage (region, chip_type, status, account, chips)
       VALUES (NEW.region, NEW.chip_type, NEW.status, NEW.account, NEW.chips)
       ON CONFLICT DO UPDATE SET chips = chips + excluded.chips;
   END;
   CREATE TRIGGER chip_usage_delete AFTER DELETE ON resources
     WHEN OLD.kind = 'ChipCluster' AND OLD.chip_type IS NOT NULL BEGIN
     UPDATE chip_usage SET chips = chips - OLD.chips WHERE region = OLD.region
       AND chip_type = OLD.chip_type AND status = OLD.status AND account = OLD.account;
   END;
   CREATE TRIGGER chip_usage_update AFTER UPDATE OF kind, region, chip_type, status, account, chips ON resources BEGIN
     UPDATE chip_usage SET chips = chips - OLD.chips WHERE OLD.kind = 'ChipCluster' AND region = OLD.region
       AND chip_type = OLD.chip_type AND status = OLD.status AND account = OLD.account;
     INSERT INTO chip_usage (region, chip_type, status, account, chips)
       SELECT NEW.region, NEW.chip_type, NEW.status, NEW.account, NEW.chips
       WHERE NEW.kind = 'ChipCluster' AND NEW.chip_type IS NOT NULL
       ON CONFLICT DO UPDATE SET chips = chips + excluded.chips;
   END;`,
  // 7: the data plane: every answered (or throttled) inference request metered once, and the
  // implicit prompt cache (token blocks seen per account and endpoint, on the emulator clock).
  `CREATE TABLE IF NOT EXISTS usage (
     id INTEGER PRIMARY KEY, account TEXT NOT NULL, endpoint_id TEXT NOT NULL, model TEXT NOT NULL,
     at_ms INTEGER NOT NULL, request_id TEXT NOT NULL, throttled INTEGER NOT NULL,
     input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
     elastic_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL);
   CREATE INDEX IF NOT EXISTS usage_endpoint_at ON usage (endpoint_id, at_ms);
   CREATE INDEX IF NOT EXISTS usage_account_at ON usage (account, at_ms);
   CREATE TABLE IF NOT EXISTS prompt_cache (
     account TEXT NOT NULL, endpoint_id TEXT NOT NULL, block TEXT NOT NULL, seen_ms INTEGER NOT NULL,
     PRIMARY KEY (account, endpoint_id, block)) WITHOUT ROWID;`,
  // 8: a create key names who made it (X-Agentcloud-Owner: a Pulumi resource's project/stack/name),
  // so that a create no stack recorded can be traced to the resource it was for.
  "ALTER TABLE idempotency ADD COLUMN owner TEXT;",
  // 9: an agent runtime's tasks (POST {invokeUrl}/invocations), kept after they finish.
  `CREATE TABLE IF NOT EXISTS tasks (
     id TEXT PRIMARY KEY, account TEXT NOT NULL, runtime_id TEXT NOT NULL, body TEXT NOT NULL,
     created_ms INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS tasks_runtime ON tasks (runtime_id, created_ms);`,
  // 10: an agent runtime's cross-task memory ({invokeUrl}/memory): an entry per account, runtime,
  // namespace and key. Each write takes a new id (the order of writes: lists are newest first);
  // `words` is its searchable text, normalized (" word  word ... "), for the keyword search.
  `CREATE TABLE IF NOT EXISTS memory (
     id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, runtime_id TEXT NOT NULL,
     namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, text TEXT,
     words TEXT NOT NULL, bytes INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
   CREATE UNIQUE INDEX IF NOT EXISTS memory_key ON memory (account, runtime_id, namespace, key);
   CREATE INDEX IF NOT EXISTS memory_list ON memory (account, runtime_id, namespace, id);
   CREATE INDEX IF NOT EXISTS memory_expiry ON memory (account, runtime_id, updated_ms);`,
  // Sandbox instances of agent runtimes (their state and timings, kept after they stop), a task's
  // status as a column (tasks running when the emulator stopped are failed at the next start), and
  // in usage: the agent runtime a gateway request came through, and sandbox time (a row whose
  // endpoint_id is '' is an instance's billed span, not a request).
  `CREATE TABLE IF NOT EXISTS sandbox_instances (
     id TEXT PRIMARY KEY, account TEXT NOT NULL, runtime_id TEXT NOT NULL, state TEXT NOT NULL,
     body TEXT NOT NULL, started_ms INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS sandbox_instances_runtime ON sandbox_instances (account, runtime_id, started_ms);
   ALTER TABLE tasks ADD COLUMN status TEXT NOT NULL DEFAULT 'SUCCEEDED';
   UPDATE tasks SET status = json_extract(body, '$.status');
   ALTER TABLE usage ADD COLUMN runtime_id TEXT;
   ALTER TABLE usage ADD COLUMN sandbox_seconds REAL NOT NULL DEFAULT 0;
   CREATE INDEX IF NOT EXISTS usage_runtime_at ON usage (account, runtime_id, at_ms);`,
  // Channels between agent runtimes: each message in its receiver's inbox (account, to_id), `seq`
  // the order published (a key's order). `state` is ready, inFlight (leased until visible_ms, by
  // `receipt`) or deadLetter (since dead_ms); an acked message is deleted.
  `CREATE TABLE IF NOT EXISTS channel_messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, account TEXT NOT NULL,
     from_id TEXT NOT NULL, to_id TEXT NOT NULL, key TEXT, body TEXT NOT NULL, bytes INTEGER NOT NULL,
     state TEXT NOT NULL, attempts INTEGER NOT NULL, enqueued_ms INTEGER NOT NULL,
     visible_ms INTEGER NOT NULL, receipt TEXT, dead_ms INTEGER);
   CREATE INDEX IF NOT EXISTS channel_messages_inbox ON channel_messages (account, to_id, state, seq);
   CREATE INDEX IF NOT EXISTS channel_messages_key ON channel_messages (account, to_id, key, seq)
     WHERE key IS NOT NULL;`,
];

export function openDb(dataDir: string): Db {
  let file = ":memory:";
  if (dataDir !== ":memory:") {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, "agentcloud.sqlite");
  }
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  migrate(db);
  if (file !== ":memory:") groups.set(db, { open: null, depth: 0 });
  return db;
}

/**
 * Brings the schema to `migrations.length`, one transaction per migration; the version is SQLite's
 * own `PRAGMA user_version` (in the file's header, written in the same transaction).
 */
function migrate(db: Db): void {
  let version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
  // Stores written before the version moved to the header kept it in a table of its own.
  const legacy = db
    .prepare("SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (legacy) {
    const row = db.prepare("SELECT version FROM schema_version").get() as { version: number } | undefined;
    version = Math.max(version, row?.version ?? 0);
    const kept = version;
    tx(db, () => {
      db.exec("DROP TABLE schema_version");
      db.exec(`PRAGMA user_version = ${kept}`);
    });
  }
  while (version < migrations.length) {
    const next = version + 1;
    tx(db, () => {
      db.exec(migrations[version] as string);
      db.exec(`PRAGMA user_version = ${next}`);
    });
    version = next;
  }
}

/** Prepared statements of a database, by SQL text: compiled once, reused by every request. */
const statements = new WeakMap<Db, Map<string, StatementSync>>();

/** The prepared statement for `text` on `db`, compiled on first use. */
export function sql(db: Db, text: string): StatementSync {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(text);
  if (!statement) {
    statement = db.prepare(text);
    cache.set(text, statement);
  }
  return statement;
}

/** Runs one statement, compiled once (BEGIN, COMMIT and the like run several times a request). */
const exec = (db: Db, text: string): void => {
  sql(db, text).run();
};

/** Work to do once the open transaction of a database commits (dropped if it rolls back). */
const onCommit = new WeakMap<Db, (() => void)[]>();

/**
 * Group commit (databases on disk). The transactions of the requests that arrive while a commit is
 * pending share one SQLite transaction and so one fsync: the first write opens a batch, each
 * transaction runs in a savepoint of it (its writes land together or not at all, as alone), and the
 * batch commits once the event loop has run what is ready (setImmediate). `durable(db)` is the
 * promise of that commit: an answer waits for it, so nothing is acknowledged before it is on disk.
 * A batch that wrote nothing ends with its transaction, and no one waits.
 */
interface Batch {
  done: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
  /** afterCommit work of the transactions in the batch, in order. */
  after: (() => void)[];
  /** total_changes() when the batch began: more means that it wrote. */
  changes: number;
  scheduled: boolean;
}
interface Group {
  open: Batch | null;
  depth: number;
}
const groups = new WeakMap<Db, Group>();

const totalChanges = (db: Db) => (sql(db, "SELECT total_changes() AS n").get() as { n: number }).n;

function beginBatch(db: Db): Batch {
  exec(db, "BEGIN IMMEDIATE");
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<void>((ok, ko) => {
    resolve = ok;
    reject = ko;
  });
  // A batch no request waits for (the timer's tick) must not fail the process when it fails.
  done.catch(() => {});
  return { done, resolve, reject, after: [], changes: totalChanges(db), scheduled: false };
}

function commitBatch(db: Db, group: Group): void {
  const batch = group.open;
  if (!batch) return;
  group.open = null;
  try {
    exec(db, "COMMIT");
  } catch (e) {
    if (db.isTransaction) exec(db, "ROLLBACK");
    batch.reject(e);
    return;
  }
  for (const f of batch.after) f();
  batch.resolve();
}

/** Ends the batch of a transaction: now when it wrote nothing, else once the event loop has run what is ready. */
function settleBatch(db: Db, group: Group, batch: Batch): void {
  if (group.open !== batch) return;
  if (totalChanges(db) === batch.changes) {
    commitBatch(db, group);
    return;
  }
  if (batch.scheduled) return;
  batch.scheduled = true;
  setImmediate(() => {
    if (group.open === batch) commitBatch(db, group);
  });
}

/** Runs fn in one transaction: a request's writes land together or not at all. */
export function tx<T>(db: Db, fn: () => T): T {
  const group = groups.get(db);
  return group ? groupedTx(db, group, fn) : soloTx(db, fn);
}

function soloTx<T>(db: Db, fn: () => T): T {
  exec(db, "BEGIN IMMEDIATE");
  onCommit.set(db, []);
  try {
    const out = fn();
    exec(db, "COMMIT");
    const after = onCommit.get(db) ?? [];
    onCommit.delete(db);
    for (const f of after) f();
    return out;
  } catch (e) {
    onCommit.delete(db);
    exec(db, "ROLLBACK");
    throw e;
  }
}

function groupedTx<T>(db: Db, group: Group, fn: () => T): T {
  const batch = group.open ?? beginBatch(db);
  group.open = batch;
  const outer = onCommit.get(db);
  const mine: (() => void)[] = [];
  onCommit.set(db, mine);
  exec(db, "SAVEPOINT tx");
  group.depth++;
  try {
    const out = fn();
    exec(db, "RELEASE tx");
    (outer ?? batch.after).push(...mine);
    return out;
  } catch (e) {
    if (db.isTransaction) {
      exec(db, "ROLLBACK TO tx");
      exec(db, "RELEASE tx");
    } else if (group.open === batch) {
      // SQLite rolled the whole transaction back (an I/O error, a full disk): the batch is lost.
      group.open = null;
      batch.reject(e);
    }
    throw e;
  } finally {
    group.depth--;
    if (outer) onCommit.set(db, outer);
    else onCommit.delete(db);
    if (group.depth === 0) settleBatch(db, group, batch);
  }
}

/** The commit an answer must wait for: the batch in progress, if any (databases on disk). */
export function durable(db: Db): Promise<void> | undefined {
  return groups.get(db)?.open?.done;
}

/** Commits what is pending, then closes the database. */
export function closeDb(db: Db): void {
  const group = groups.get(db);
  if (group) commitBatch(db, group);
  db.close();
}

/** Runs fn when the open transaction commits, or now when none is open. */
export function afterCommit(db: Db, fn: () => void): void {
  const pending = onCommit.get(db) ?? groups.get(db)?.open?.after;
  if (pending) pending.push(fn);
  else fn();
}

export function getMeta<T>(db: Db, key: string, fallback: T): T {
  const row = sql(db, "SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : fallback;
}

export function setMeta(db: Db, key: string, value: unknown): void {
  sql(
    db,
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  ).run(key, JSON.stringify(value));
}
