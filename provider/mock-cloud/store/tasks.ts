import type { Task } from "../../api/tasks.ts";
import { type Db, sql } from "./db.ts";

/** The SQL of an agent runtime's tasks. */
export class TaskStore {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  put(account: string, task: Task, createdMs: number): void {
    sql(
      this.db,
      `INSERT INTO tasks (id, account, runtime_id, body, created_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
    ).run(task.id, account, task.runtimeId, JSON.stringify(task), createdMs);
  }

  get(account: string, runtimeId: string, id: string): Task | null {
    const row = sql(this.db, "SELECT body FROM tasks WHERE id = ? AND account = ? AND runtime_id = ?").get(
      id,
      account,
      runtimeId,
    ) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Task) : null;
  }
}
