/**
 * Channels between agent runtimes, under the invokeUrl with the account's token (provider/api/
 * channels.ts): a runtime publishes to the peers its spec's `channels` declare (another runtime of
 * the account: 409 Conflict; one the account does not hold: 404), and leases, acks and counts the
 * messages of its own inbox. Leases end on the emulator clock; every call on an inbox first settles
 * the leases that ended (store/channels.ts), so a redelivery or a dead letter needs no timer and
 * survives a restart as the rows do.
 */
import type { Context } from "hono";
import {
  type ChannelMessage,
  defaultReceiveMessages,
  defaultVisibilitySeconds,
  maxDeliveries,
} from "../../api/channels.ts";
import { pageSizes } from "../../api/common.ts";
import { decodePageToken, encodePageToken, type PageScope, pageTokenSecret } from "../core/page-token.ts";
import { randomHex } from "../core/random.ts";
import { fail, MockCloudError } from "../errors.ts";
import { type ChannelMessageRow, ChannelStore } from "../store/channels.ts";
import { tx } from "../store/db.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { callerRuntime } from "./gateway.ts";

type Channel = { peerRuntimeId: string };

const iso = (ms: number) => new Date(ms).toISOString();

/** A stored message as the API shows it: a receipt only while it is in flight. */
function messageOf(row: ChannelMessageRow): ChannelMessage {
  return {
    id: row.id,
    from: row.fromId,
    to: row.toId,
    key: row.key,
    body: JSON.parse(row.body),
    bytes: row.bytes,
    state: row.state,
    attempts: row.attempts,
    enqueuedAt: iso(row.enqueuedMs),
    visibleAt: iso(row.visibleMs),
    receipt: row.state === "inFlight" ? row.receipt : null,
    deadLetteredAt: row.deadMs === null ? null : iso(row.deadMs),
  };
}

export function channelHandlers(deps: AppDeps) {
  const { service } = deps;
  const store = new ChannelStore(service.db);

  /** The caller's runtime (401, 404 as the other invokeUrl surfaces), its peers and now. */
  const runtimeOf = (c: Context<AppEnv>, runtimeId: string) => {
    const { account, runtime } = callerRuntime(deps, c, runtimeId, "an agent runtime's channels");
    const peers = ((runtime.body.channels ?? []) as Channel[]).map((ch) => ch.peerRuntimeId);
    return { account, runtimeId, peers, nowMs: service.clock.now().getTime() };
  };
  type Scope = ReturnType<typeof runtimeOf>;

  /** The caller's inbox, its ended leases settled first: the rest of `fn` runs in the same transaction. */
  const inInbox = <T>(s: Scope, fn: () => T): T =>
    tx(service.db, () => {
      store.settle(s.account, s.runtimeId, s.nowMs, maxDeliveries);
      return fn();
    });

  /** Page tokens are bound to the account and the runtime whose dead letters they list. */
  const deadLetterScope = (s: Scope): PageScope => ({
    account: s.account,
    kind: "AgentRuntime",
    region: `channels/${s.runtimeId}/dead-letters`,
  });

  return {
    publish(
      c: Context<AppEnv>,
      runtimeId: string,
      peerRuntimeId: string,
      body: { body?: unknown; key?: string | undefined },
    ) {
      const s = runtimeOf(c, runtimeId);
      if (!service.repo.getResource(s.account, "AgentRuntime", peerRuntimeId))
        fail("NotFound", `AgentRuntime ${peerRuntimeId} not found`);
      if (!s.peers.includes(peerRuntimeId))
        throw new MockCloudError(
          "Conflict",
          `AgentRuntime ${runtimeId} has no channel to ${peerRuntimeId}: add { peerRuntimeId: "${peerRuntimeId}", mode: "a2a" } to its channels`,
          { peers: s.peers },
        );
      const row = tx(service.db, () =>
        store.publish(
          s.account,
          {
            id: `msg-${randomHex(8)}`,
            fromId: runtimeId,
            toId: peerRuntimeId,
            key: body.key ?? null,
            body: JSON.stringify(body.body ?? null),
          },
          s.nowMs,
        ),
      );
      return c.json(messageOf(row), 201);
    },

    receive(
      c: Context<AppEnv>,
      runtimeId: string,
      body: { maxMessages?: number | undefined; visibilityTimeoutSeconds?: number | undefined },
    ) {
      const s = runtimeOf(c, runtimeId);
      const untilMs = s.nowMs + (body.visibilityTimeoutSeconds ?? defaultVisibilitySeconds) * 1000;
      const rows = inInbox(s, () =>
        store.lease(
          s.account,
          runtimeId,
          body.maxMessages ?? defaultReceiveMessages,
          untilMs,
          () => `rcpt-${randomHex(12)}`,
        ),
      );
      return c.json({ items: rows.map(messageOf) });
    },

    ack(c: Context<AppEnv>, runtimeId: string, messageId: string, body: { receipt?: string | undefined }) {
      const s = runtimeOf(c, runtimeId);
      inInbox(s, () => {
        const row = store.get(s.account, runtimeId, messageId);
        if (!row)
          fail(
            "NotFound",
            `no message ${messageId} in the inbox of AgentRuntime ${runtimeId} (acked already, or never sent to it)`,
          );
        const ended = (why: string): never =>
          fail("Conflict", `the lease of message ${messageId} ended at ${iso(row.visibleMs)}: ${why}`, {
            state: row.state,
            attempts: row.attempts,
          });
        if (row.state === "deadLetter")
          ended(`it was delivered ${row.attempts} times unacked and is a dead letter now`);
        if (row.state === "ready" && row.attempts === 0)
          fail("Conflict", `message ${messageId} has not been delivered yet: receive it first`, {
            state: row.state,
            attempts: row.attempts,
          });
        if (row.state === "ready") ended("it will be delivered again; ack that delivery");
        if (body.receipt !== undefined && body.receipt !== row.receipt)
          fail(
            "Conflict",
            `the lease of that receipt ended: message ${messageId} was delivered again (attempt ${row.attempts}); ack that delivery`,
            { state: row.state, attempts: row.attempts },
          );
        store.remove(row.seq);
      });
      return c.json({ id: messageId, acked: true as const });
    },

    inbox(c: Context<AppEnv>, runtimeId: string) {
      const s = runtimeOf(c, runtimeId);
      const depth = inInbox(s, () => store.depth(s.account, runtimeId));
      const oldest = depth.oldestEnqueuedMs;
      return c.json({
        runtimeId,
        ready: depth.ready,
        inFlight: depth.inFlight,
        deadLetters: depth.deadLetters,
        oldestEnqueuedAt: oldest === null ? null : iso(oldest),
        oldestAgeSeconds: oldest === null ? null : Math.max(0, s.nowMs - oldest) / 1000,
        peers: s.peers,
        maxDeliveries,
        defaultVisibilityTimeoutSeconds: defaultVisibilitySeconds,
      });
    },

    deadLetters(
      c: Context<AppEnv>,
      runtimeId: string,
      query: { pageSize?: number | undefined; pageToken?: string | undefined },
    ) {
      const s = runtimeOf(c, runtimeId);
      const size = query.pageSize ?? pageSizes.default;
      const scope = deadLetterScope(s);
      const page = inInbox(s, () => {
        const secret = pageTokenSecret(service.db);
        // The cursor's position is the `seq` of the page's last message (its `createdAt` slot).
        let afterSeq = 0;
        if (query.pageToken) {
          afterSeq = Number(decodePageToken(secret, scope, query.pageToken).createdAt);
          if (!Number.isSafeInteger(afterSeq))
            fail("InvalidPageToken", "pageToken was not issued for this list; list again without it", {
              field: "pageToken",
            });
        }
        const rows = store.deadLetters(s.account, runtimeId, afterSeq, size + 1);
        const items = rows.slice(0, size);
        const last = items.at(-1);
        return {
          items: items.map(messageOf),
          nextPageToken:
            rows.length > size && last
              ? encodePageToken(secret, scope, { createdAt: String(last.seq), id: last.id })
              : null,
        };
      });
      return c.json(page);
    },
  };
}
