import type { SandboxInstance, Task } from "../../api/tasks.ts";
import { type Db, sql } from "./db.ts";

/** A task as stored: those written before instances were kept have no placement. */
const taskOf = (body: string): Task => {
  const task = JSON.parse(body) as Task;
  return { ...task, placement: task.placement ?? null };
};

/** The SQL of an agent runtime's tasks and sandbox instances. */
export class TaskStore {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  put(account: string, task: Task, createdMs: number): void {
    sql(
      this.db,
      `INSERT INTO tasks (id, account, runtime_id, body, created_ms, status) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, status = excluded.status`,
    ).run(task.id, account, task.runtimeId, JSON.stringify(task), createdMs, task.status);
  }

  get(account: string, runtimeId: string, id: string): Task | null {
    const row = sql(this.db, "SELECT body FROM tasks WHERE id = ? AND account = ? AND runtime_id = ?").get(
      id,
      account,
      runtimeId,
    ) as { body: string } | undefined;
    return row ? taskOf(row.body) : null;
  }

  /** The runtime's tasks, newest first. */
  list(account: string, runtimeId: string, limit: number): Task[] {
    const rows = sql(
      this.db,
      "SELECT body FROM tasks WHERE account = ? AND runtime_id = ? ORDER BY created_ms DESC, id DESC LIMIT ?",
    ).all(account, runtimeId, limit) as { body: string }[];
    return rows.map((r) => taskOf(r.body));
  }

  /** Tasks left RUNNING (by an emulator that stopped), each with its account. */
  running(): { account: string; task: Task }[] {
    const rows = sql(this.db, "SELECT account, body FROM tasks WHERE status = 'RUNNING'").all() as {
      account: string;
      body: string;
    }[];
    return rows.map((r) => ({ account: r.account, task: taskOf(r.body) }));
  }

  putInstance(account: string, instance: SandboxInstance): void {
    sql(
      this.db,
      `INSERT INTO sandbox_instances (id, account, runtime_id, state, body, started_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body`,
    ).run(
      instance.id,
      account,
      instance.runtimeId,
      instance.state,
      JSON.stringify(instance),
      Date.parse(instance.startedAt),
    );
  }

  /** The runtime's instances, the newest first; `live`: only those not STOPPED. */
  instances(account: string, runtimeId: string, live = false): SandboxInstance[] {
    const rows = sql(
      this.db,
      `SELECT body FROM sandbox_instances WHERE account = ? AND runtime_id = ?
         AND (? = 0 OR state <> 'STOPPED') ORDER BY started_ms DESC, id DESC LIMIT 500`,
    ).all(account, runtimeId, live ? 1 : 0) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as SandboxInstance);
  }

  hasInstance(id: string): boolean {
    return sql(this.db, "SELECT 1 AS one FROM sandbox_instances WHERE id = ?").get(id) !== undefined;
  }

  /** Every instance not STOPPED, each with its account. */
  liveInstances(): { account: string; instance: SandboxInstance }[] {
    const rows = sql(
      this.db,
      "SELECT account, body FROM sandbox_instances WHERE state <> 'STOPPED'",
    ).all() as {
      account: string;
      body: string;
    }[];
    return rows.map((r) => ({ account: r.account, instance: JSON.parse(r.body) as SandboxInstance }));
  }
}
