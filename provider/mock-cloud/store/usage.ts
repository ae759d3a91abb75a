import { type Db, sql } from "./db.ts";

/** One metered request of the data plane (a throttled one carries no tokens). */
export interface UsageRecord {
  account: string;
  endpointId: string;
  model: string;
  atMs: number;
  requestId: string;
  throttled: boolean;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  elasticTokens: number;
  costUsd: number;
  /** The agent runtime whose gateway sent it, if one did. */
  runtimeId?: string | null;
}

/** A sandbox instance's billed span (from its start or resume to its pause or stop). */
export interface SandboxSpan {
  account: string;
  runtimeId: string;
  instanceId: string;
  /** When the span ended (emulator clock). */
  atMs: number;
  seconds: number;
  costUsd: number;
}

export interface UsageFilter {
  account: string;
  endpointId?: string;
  model?: string;
  runtimeId?: string;
  fromMs?: number;
  toMs?: number;
}

export interface UsageSums {
  group: string;
  requests: number;
  throttledRequests: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  elasticTokens: number;
  sandboxSeconds: number;
  costUsd: number;
}

/** The SQL of metering, the rate window and the prompt cache. */
export class UsageStore {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  record(u: UsageRecord): void {
    sql(
      this.db,
      `INSERT INTO usage (account, endpoint_id, model, at_ms, request_id, throttled, input_tokens,
         cached_tokens, output_tokens, elastic_tokens, cost_usd, runtime_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      u.account,
      u.endpointId,
      u.model,
      u.atMs,
      u.requestId,
      u.throttled ? 1 : 0,
      u.inputTokens,
      u.cachedTokens,
      u.outputTokens,
      u.elasticTokens,
      u.costUsd,
      u.runtimeId ?? null,
    );
  }

  /** Meters a sandbox instance's span: a row of no endpoint (endpoint_id ''), no tokens. */
  recordSandbox(s: SandboxSpan): void {
    sql(
      this.db,
      `INSERT INTO usage (account, endpoint_id, model, at_ms, request_id, throttled, input_tokens,
         cached_tokens, output_tokens, elastic_tokens, cost_usd, runtime_id, sandbox_seconds)
         VALUES (?, '', '', ?, ?, 0, 0, 0, 0, 0, ?, ?, ?)`,
    ).run(s.account, s.atMs, s.instanceId, s.costUsd, s.runtimeId, s.seconds);
  }

  /** Tokens (input and output) and requests an endpoint served since `sinceMs`, and when the oldest of them was. */
  window(endpointId: string, sinceMs: number): { tokens: number; requests: number; oldestMs: number | null } {
    const row = sql(
      this.db,
      `SELECT COALESCE(SUM(input_tokens + output_tokens), 0) AS tokens, COUNT(*) AS requests, MIN(at_ms) AS oldest
         FROM usage WHERE endpoint_id = ? AND at_ms > ? AND throttled = 0`,
    ).get(endpointId, sinceMs) as { tokens: number; requests: number; oldest: number | null };
    return { tokens: Number(row.tokens), requests: Number(row.requests), oldestMs: row.oldest };
  }

  /** When the endpoint last served a request (not a throttled one), or null. */
  lastServedMs(endpointId: string): number | null {
    const row = sql(
      this.db,
      "SELECT MAX(at_ms) AS at FROM usage WHERE endpoint_id = ? AND throttled = 0",
    ).get(endpointId) as { at: number | null };
    return row.at;
  }

  /** What the endpoint served since `sinceMs`, oldest first: when room frees up in the window. */
  servedSince(endpointId: string, sinceMs: number): { atMs: number; tokens: number }[] {
    return sql(
      this.db,
      `SELECT at_ms AS atMs, input_tokens + output_tokens AS tokens FROM usage
         WHERE endpoint_id = ? AND at_ms > ? AND throttled = 0 ORDER BY at_ms`,
    ).all(endpointId, sinceMs) as { atMs: number; tokens: number }[];
  }

  /**
   * Sums per group: `bucketMs` groups by time (hour, day), `column` by endpoint, model or runtime,
   * neither: one total. Sandbox time has no endpoint or model: grouped by those, it is left out.
   */
  report(
    f: UsageFilter,
    group: { bucketMs?: number; column?: "endpoint_id" | "model" | "runtime_id" },
  ): UsageSums[] {
    const key = group.column
      ? `COALESCE(${group.column}, '')`
      : group.bucketMs
        ? `(at_ms / ${Math.trunc(group.bucketMs)}) * ${Math.trunc(group.bucketMs)}`
        : "'total'";
    const tokensOnly = group.column === "endpoint_id" || group.column === "model" || f.endpointId || f.model;
    const rows = sql(
      this.db,
      `SELECT ${key} AS grp, SUM(endpoint_id <> '' AND throttled = 0) AS requests, SUM(throttled) AS throttled,
         SUM(input_tokens) AS input, SUM(cached_tokens) AS cached, SUM(output_tokens) AS output,
         SUM(elastic_tokens) AS elastic, SUM(sandbox_seconds) AS sandbox, SUM(cost_usd) AS cost
         FROM usage WHERE account = ? AND (? IS NULL OR endpoint_id = ?) AND (? IS NULL OR model = ?)
           AND (? IS NULL OR runtime_id = ?) AND (? = 0 OR endpoint_id <> '')
           AND (? IS NULL OR at_ms >= ?) AND (? IS NULL OR at_ms < ?)
         GROUP BY grp ORDER BY grp`,
    ).all(
      f.account,
      f.endpointId ?? null,
      f.endpointId ?? null,
      f.model ?? null,
      f.model ?? null,
      f.runtimeId ?? null,
      f.runtimeId ?? null,
      tokensOnly ? 1 : 0,
      f.fromMs ?? null,
      f.fromMs ?? null,
      f.toMs ?? null,
      f.toMs ?? null,
    ) as {
      grp: string | number;
      requests: number;
      throttled: number;
      input: number;
      cached: number;
      output: number;
      elastic: number;
      sandbox: number;
      cost: number;
    }[];
    return rows.map((r) => ({
      group: group.bucketMs && !group.column ? new Date(Number(r.grp)).toISOString() : String(r.grp),
      requests: Number(r.requests),
      throttledRequests: Number(r.throttled),
      inputTokens: Number(r.input),
      cachedTokens: Number(r.cached),
      outputTokens: Number(r.output),
      elasticTokens: Number(r.elastic),
      sandboxSeconds: Math.round(Number(r.sandbox) * 1000) / 1000,
      costUsd: Math.round(Number(r.cost) * 1e9) / 1e9,
    }));
  }

  /** Of the blocks, how many lead the prompt and were seen within the TTL (the cached prefix). */
  cachedBlocks(account: string, endpointId: string, blocks: readonly string[], freshSinceMs: number): number {
    const seen = sql(
      this.db,
      "SELECT seen_ms FROM prompt_cache WHERE account = ? AND endpoint_id = ? AND block = ?",
    );
    let n = 0;
    for (const block of blocks) {
      const row = seen.get(account, endpointId, block) as { seen_ms: number } | undefined;
      if (!row || row.seen_ms < freshSinceMs) break;
      n++;
    }
    return n;
  }

  /** Marks the blocks as seen now (a prompt served); forgets blocks older than `expiredBeforeMs`. */
  remember(
    account: string,
    endpointId: string,
    blocks: readonly string[],
    nowMs: number,
    expiredBeforeMs: number,
  ): void {
    const put = sql(
      this.db,
      `INSERT INTO prompt_cache (account, endpoint_id, block, seen_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET seen_ms = excluded.seen_ms`,
    );
    for (const block of blocks) put.run(account, endpointId, block, nowMs);
    sql(this.db, "DELETE FROM prompt_cache WHERE account = ? AND endpoint_id = ? AND seen_ms < ?").run(
      account,
      endpointId,
      expiredBeforeMs,
    );
  }
}
