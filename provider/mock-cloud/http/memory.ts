/**
 * An agent runtime's cross-task memory, `{invokeUrl}/memory` with the account's token: entries in
 * namespaces (put, get, delete), a namespace's keys (newest write first, paged) and a keyword
 * search over their text. Only when the runtime's spec enables it (else 409 Conflict). An entry
 * lasts the runtime's `memory.retentionDays` after its last write, on the emulator clock: past it,
 * it is not read, listed nor found, and the next call on that runtime's memory removes it.
 */
import type { Context } from "hono";
import { pageSizes } from "../../api/common.ts";
import {
  type MemoryEntry,
  MemoryKey,
  MemoryNamespace,
  type MemorySize,
  maxMemoryResults,
} from "../../api/memory.ts";
import { decodePageToken, encodePageToken, type PageScope, pageTokenSecret } from "../core/page-token.ts";
import { fail, invalid, MockCloudError } from "../errors.ts";
import { tx } from "../store/db.ts";
import { type MemoryKeyRow, MemoryStore, wordsOf } from "../store/memory.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { callerRuntime } from "./gateway.ts";
import { parseInput } from "./register.ts";

const dayMs = 86_400_000;

type MemorySettings = { enabled: boolean; retentionDays: number };

export function memoryHandlers(deps: AppDeps) {
  const { service } = deps;
  const store = new MemoryStore(service.db);

  /**
   * The caller's runtime, whose memory is enabled: who asks, the runtime, now on the emulator
   * clock and the retention; its entries past retention removed first.
   */
  const memoryOf = (c: Context<AppEnv>, runtimeId: string) => {
    const { account, runtime } = callerRuntime(deps, c, runtimeId, "an agent runtime's memory");
    const memory = runtime.body.memory as MemorySettings | undefined;
    if (!memory?.enabled)
      throw new MockCloudError(
        "Conflict",
        `memory is not enabled on AgentRuntime ${runtimeId}: set its memory.enabled to true`,
      );
    const nowMs = service.clock.now().getTime();
    const retentionMs = memory.retentionDays * dayMs;
    const aliveAfterMs = nowMs - retentionMs;
    tx(service.db, () => store.purge(account, runtimeId, aliveAfterMs));
    return { account, runtimeId, nowMs, retentionMs, aliveAfterMs };
  };
  type Scope = ReturnType<typeof memoryOf>;

  const iso = (ms: number) => new Date(ms).toISOString();
  const times = (s: Scope, row: { createdMs: number; updatedMs: number }) => ({
    createdAt: iso(row.createdMs),
    updatedAt: iso(row.updatedMs),
    expiresAt: iso(row.updatedMs + s.retentionMs),
  });
  const entry = (
    s: Scope,
    row: {
      namespace: string;
      key: string;
      value: string;
      text: string | null;
      createdMs: number;
      updatedMs: number;
    },
  ): MemoryEntry => ({
    namespace: row.namespace,
    key: row.key,
    value: JSON.parse(row.value),
    text: row.text,
    ...times(s, row),
  });
  const keyInfo = (s: Scope, row: MemoryKeyRow) => ({
    namespace: row.namespace,
    key: row.key,
    bytes: row.bytes,
    ...times(s, row),
  });

  const namespaceOf = (raw: string) => parseInput(MemoryNamespace, raw);
  const keyOf = (raw: string) => parseInput(MemoryKey, raw);
  const notFound = (runtimeId: string, namespace: string, key: string): never =>
    fail("NotFound", `no memory entry ${namespace}/${key} in AgentRuntime ${runtimeId}`);

  /** Page tokens are bound to the account, the runtime and the namespace they list. */
  const pageScope = (s: Scope, namespace: string): PageScope => ({
    account: s.account,
    kind: "AgentRuntime",
    region: `memory/${s.runtimeId}/${namespace}`,
  });

  return {
    /**
     * `GET /v1/agent-runtimes/{id}/memory`: how much the runtime's memory holds (entries within its
     * retention), whether or not `memory.enabled` is on now; nothing is purged by reading it.
     */
    size(c: Context<AppEnv>, runtimeId: string) {
      const { account, runtime } = callerRuntime(deps, c, runtimeId, "an agent runtime's memory");
      const memory = runtime.body.memory as MemorySettings | undefined;
      const aliveAfterMs = service.clock.now().getTime() - (memory?.retentionDays ?? 30) * dayMs;
      return c.json(store.size(account, runtimeId, aliveAfterMs) satisfies MemorySize);
    },
    put(
      c: Context<AppEnv>,
      runtimeId: string,
      rawNamespace: string,
      rawKey: string,
      body: { value?: unknown; text?: string | undefined },
    ) {
      const s = memoryOf(c, runtimeId);
      const namespace = namespaceOf(rawNamespace);
      const key = keyOf(rawKey);
      const row = tx(service.db, () =>
        store.put(
          s.account,
          runtimeId,
          { namespace, key, value: body.value, text: body.text ?? null },
          s.nowMs,
          s.aliveAfterMs,
        ),
      );
      return c.json(entry(s, row));
    },
    get(c: Context<AppEnv>, runtimeId: string, rawNamespace: string, rawKey: string) {
      const s = memoryOf(c, runtimeId);
      const namespace = namespaceOf(rawNamespace);
      const key = keyOf(rawKey);
      const row = store.get(s.account, runtimeId, namespace, key, s.aliveAfterMs);
      return c.json(entry(s, row ?? notFound(runtimeId, namespace, key)));
    },
    delete(c: Context<AppEnv>, runtimeId: string, rawNamespace: string, rawKey: string) {
      const s = memoryOf(c, runtimeId);
      const namespace = namespaceOf(rawNamespace);
      const key = keyOf(rawKey);
      const deleted = tx(service.db, () =>
        store.delete(s.account, runtimeId, namespace, key, s.aliveAfterMs),
      );
      if (!deleted) notFound(runtimeId, namespace, key);
      return c.json({ namespace, key, deleted: true as const });
    },
    list(
      c: Context<AppEnv>,
      runtimeId: string,
      rawNamespace: string,
      query: { pageSize?: number | undefined; pageToken?: string | undefined },
    ) {
      const s = memoryOf(c, runtimeId);
      const namespace = namespaceOf(rawNamespace);
      const size = query.pageSize ?? pageSizes.default;
      const scope = pageScope(s, namespace);
      const page = tx(service.db, () => {
        const secret = pageTokenSecret(service.db);
        // The cursor's position is the id of the page's last write (its `createdAt` slot).
        let beforeId: number | null = null;
        if (query.pageToken) {
          beforeId = Number(decodePageToken(secret, scope, query.pageToken).createdAt);
          if (!Number.isSafeInteger(beforeId))
            fail("InvalidPageToken", "pageToken was not issued for this list; list again without it", {
              field: "pageToken",
            });
        }
        const rows = store.list(s.account, runtimeId, namespace, s.aliveAfterMs, beforeId, size + 1);
        const items = rows.slice(0, size);
        const last = items.at(-1);
        return {
          items: items.map((r) => keyInfo(s, r)),
          nextPageToken:
            rows.length > size && last
              ? encodePageToken(secret, scope, { createdAt: String(last.id), id: last.key })
              : null,
        };
      });
      return c.json(page);
    },
    search(
      c: Context<AppEnv>,
      runtimeId: string,
      query: { q: string; namespace?: string | undefined; limit?: number | undefined },
    ) {
      const s = memoryOf(c, runtimeId);
      const words = wordsOf(query.q);
      if (words.length === 0) invalid([{ path: "q", message: "holds no words (letters or digits)" }]);
      const rows = store.search(
        s.account,
        runtimeId,
        query.namespace ?? null,
        words,
        s.aliveAfterMs,
        query.limit ?? maxMemoryResults,
      );
      return c.json({ items: rows.map((r) => ({ ...entry(s, r), matches: r.matches })) });
    },
  };
}
