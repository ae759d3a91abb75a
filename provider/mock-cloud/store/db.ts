import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

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
  return db;
}

function migrate(db: Db): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = db.prepare("SELECT version FROM schema_version").get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (!row) db.prepare("INSERT INTO schema_version (version) VALUES (0)").run();
  while (version < migrations.length) {
    tx(db, () => {
      db.exec(migrations[version] as string);
      db.prepare("UPDATE schema_version SET version = ?").run(version + 1);
    });
    version++;
  }
}

/** Work to do once the open transaction of a database commits (dropped if it rolls back). */
const onCommit = new WeakMap<Db, (() => void)[]>();

/** Runs fn in one transaction: a request's writes land together or not at all. */
export function tx<T>(db: Db, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  onCommit.set(db, []);
  try {
    const out = fn();
    db.exec("COMMIT");
    const after = onCommit.get(db) ?? [];
    onCommit.delete(db);
    for (const f of after) f();
    return out;
  } catch (e) {
    onCommit.delete(db);
    db.exec("ROLLBACK");
    throw e;
  }
}

/** Runs fn when the open transaction commits, or now when none is open. */
export function afterCommit(db: Db, fn: () => void): void {
  const pending = onCommit.get(db);
  if (pending) pending.push(fn);
  else fn();
}

export function getMeta<T>(db: Db, key: string, fallback: T): T {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : fallback;
}

export function setMeta(db: Db, key: string, value: unknown): void {
  db.prepare(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  ).run(key, JSON.stringify(value));
}
