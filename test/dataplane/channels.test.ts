import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockCloudServer } from "../../provider/mock-cloud/index.ts";
import { expectError } from "../contract/fixtures.ts";
import { type Call, client } from "../support/cloud-client.ts";
import { adminToken, devToken, pooledEndpoint } from "../support/fixtures.ts";
import { scratchRoot } from "../support/paths.ts";

/**
 * Channels between agent runtimes over plain HTTP: publish to a declared peer only, leases on the
 * emulator clock (redelivery, attempts, dead letters after 5 deliveries), order per key, the
 * inbox's depth and age, isolation between runtimes and accounts, and durability across a restart.
 */

const otherToken = "other-token";
const tokens = { [devToken]: "dev", [otherToken]: "other" };
const wait = { headers: { Prefer: "wait" } };

type Runtime = { id: string; invokeUrl: string };
type Message = {
  id: string;
  from: string;
  to: string;
  key: string | null;
  body: unknown;
  state: string;
  attempts: number;
  receipt: string | null;
};

const dataDirOf = (name: string) => {
  mkdirSync(scratchRoot, { recursive: true });
  return mkdtempSync(join(scratchRoot, `${name}-`));
};

/** An emulator's client: an account's calls, the admin's, the runtimes they make and their channels. */
function speaker(call: Call) {
  const adminCall: Call = (m, p, b, o) => call(m, p, b, { ...o, token: adminToken });
  const runtime = async (peers: Runtime[] = [], token: string = devToken): Promise<Runtime> => {
    const as = { ...wait, token };
    const endpoint = await call(
      "POST",
      "/v1/model-endpoints",
      pooledEndpoint(`e-${Math.random().toString(36).slice(2, 8)}`, 10_000),
      as,
    );
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(202);
    const created = await call(
      "POST",
      "/v1/agent-runtimes",
      {
        name: `agent-${Math.random().toString(36).slice(2, 8)}`,
        region: "cn-hangzhou",
        artifact: { image: "agents/channels:1" },
        models: [{ endpointId: endpoint.body.resource.id, role: "primary" }],
        channels: peers.map((p) => ({ peerRuntimeId: p.id, mode: "a2a" })),
      },
      as,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.resource.status).toBe("READY");
    return created.body.resource;
  };
  /** A path under the runtime's invokeUrl. */
  const at = (rt: Runtime, rest: string) => `${new URL(rt.invokeUrl).pathname}${rest}`;
  const publish = (from: Runtime, to: Runtime | string, body: unknown, key?: string, token = devToken) =>
    call(
      "POST",
      at(from, `/channels/${typeof to === "string" ? to : to.id}/messages`),
      key === undefined ? { body } : { body, key },
      { token },
    );
  const receive = async (rt: Runtime, options: Record<string, number> = {}): Promise<Message[]> => {
    const answer = await call("POST", at(rt, "/inbox/receive"), options);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.items;
  };
  const ack = (rt: Runtime, m: Message, receipt: string | null = m.receipt) =>
    call("POST", at(rt, `/inbox/messages/${m.id}/ack`), receipt === null ? {} : { receipt });
  const inbox = async (rt: Runtime) => (await call("GET", at(rt, "/inbox"))).body;
  const advance = (ms: number) => adminCall("POST", "/_mock/clock/advance", { ms });
  return { adminCall, runtime, at, publish, receive, ack, inbox, advance };
}

describe("channels between agent runtimes", () => {
  let server: Awaited<ReturnType<typeof startMockCloudServer>>;
  let call: Call;
  let close: () => Promise<void>;
  let s: ReturnType<typeof speaker>;

  beforeAll(async () => {
    server = await startMockCloudServer({ port: 0, dataDir: dataDirOf("channels"), tokens });
    ({ call, close } = client(server.url, devToken));
    s = speaker((m, p, b, o) => call(m, p, b, o));
  });
  afterAll(async () => {
    await close();
    await server.close();
  });
  beforeEach(async () => {
    expect((await s.adminCall("POST", "/_mock/reset", {})).status).toBe(200);
  });

  it("publishes to a peer the runtime's channels declare, and to no other", async () => {
    const b = await s.runtime();
    const c = await s.runtime();
    const a = await s.runtime([b]);
    const sent = await s.publish(a, b, { task: "summarize", n: [1, 2] }, "order-42");
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({
      id: expect.stringMatching(/^msg-[0-9a-f]{16}$/),
      from: a.id,
      to: b.id,
      key: "order-42",
      body: { task: "summarize", n: [1, 2] },
      bytes: JSON.stringify({ task: "summarize", n: [1, 2] }).length,
      state: "ready",
      attempts: 0,
      enqueuedAt: expect.any(String),
      visibleAt: sent.body.enqueuedAt,
      receipt: null,
      deadLetteredAt: null,
    });
    for (const body of [null, "text", 7, [true]])
      expect((await s.publish(a, b, body)).body.body).toEqual(body);

    // Not declared: c exists in the account, a has no channel to it; nor back from b to a.
    const undeclared = await s.publish(a, c, "hi");
    expectError(undeclared, 409, "Conflict");
    expect(undeclared.body.error.message).toMatch(`has no channel to ${c.id}`);
    expect(undeclared.body.error.details.peers).toEqual([b.id]);
    expectError(await s.publish(b, a, "back"), 409, "Conflict");
    expectError(await s.publish(a, "ar-nope", "hi"), 404, "NotFound");
    expectError(await s.publish(a, a, "self"), 409, "Conflict");

    // Bad bodies.
    expectError(
      await call("POST", s.at(a, `/channels/${b.id}/messages`), { key: "k" }),
      400,
      "ValidationError",
    );
    expectError(
      await call("POST", s.at(a, `/channels/${b.id}/messages`), { body: 1, extra: true }),
      400,
      "ValidationError",
    );
    expectError(await s.publish(a, b, 1, ""), 400, "ValidationError");
    expectError(await s.publish(a, b, "x".repeat(256 * 1024)), 413, "PayloadTooLarge");

    // Only what was accepted is in b's inbox; nothing landed in c's or a's.
    expect(await s.inbox(b)).toMatchObject({ ready: 5, inFlight: 0, deadLetters: 0 });
    expect(await s.inbox(c)).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 0, oldestAgeSeconds: null });
    expect(await s.inbox(a)).toMatchObject({ ready: 0, peers: [b.id] });

    // Once declared (in place), it is allowed.
    const patched = await call(
      "PATCH",
      `/v1/agent-runtimes/${a.id}`,
      {
        channels: [
          { peerRuntimeId: b.id, mode: "a2a" },
          { peerRuntimeId: c.id, mode: "a2a" },
        ],
      },
      wait,
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(202);
    expect((await s.publish(a, c, "now")).status).toBe(201);
  });

  it("leases messages to the receiver, oldest first, until acked", async () => {
    const b = await s.runtime();
    const a = await s.runtime([b]);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await s.publish(a, b, { i })).body.id);

    const first = await s.receive(b, { maxMessages: 3 });
    expect(first.map((m) => m.id)).toEqual(ids.slice(0, 3));
    expect(first[0]).toMatchObject({ from: a.id, to: b.id, state: "inFlight", attempts: 1, body: { i: 0 } });
    expect(first[0]?.receipt).toMatch(/^rcpt-/);
    // The default lease: 30 s of the emulator clock.
    const m0 = first[0] as Message & { visibleAt: string; enqueuedAt: string };
    expect(Date.parse(m0.visibleAt) - Date.parse(m0.enqueuedAt)).toBeGreaterThanOrEqual(30_000);
    expect(Date.parse(m0.visibleAt) - Date.parse(m0.enqueuedAt)).toBeLessThan(35_000);
    expect(await s.inbox(b)).toMatchObject({ ready: 1, inFlight: 3 });

    // In flight: not handed out again; the one left is.
    expect((await s.receive(b)).map((m) => m.id)).toEqual([ids[3]]);
    expect(await s.receive(b)).toEqual([]);

    for (const m of first) expect((await s.ack(b, m)).body).toEqual({ id: m.id, acked: true });
    expect(await s.inbox(b)).toMatchObject({ ready: 0, inFlight: 1, deadLetters: 0 });
    // Acked: gone, for good.
    expectError(await s.ack(b, first[0] as Message), 404, "NotFound");
    // Without a receipt: the current delivery.
    const [last] = await s.advance(31_000).then(() => s.receive(b));
    expect(last).toMatchObject({ id: ids[3], attempts: 2 });
    expect((await s.ack(b, last as Message, null)).body.acked).toBe(true);
    expect(await s.inbox(b)).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 0, oldestEnqueuedAt: null });

    // Not yet received: nothing to ack.
    const fresh = (await s.publish(a, b, "fresh")).body as Message;
    const early = await s.ack(b, fresh, null);
    expectError(early, 409, "Conflict");
    expect(early.body.error.message).toMatch(/not been delivered yet/);
    // Bad receives.
    expectError(await call("POST", s.at(b, "/inbox/receive"), { maxMessages: 101 }), 400, "ValidationError");
    expectError(
      await call("POST", s.at(b, "/inbox/receive"), { visibilityTimeoutSeconds: 0 }),
      400,
      "ValidationError",
    );
    // No body at all: the defaults.
    const bare = await call("POST", s.at(b, "/inbox/receive"));
    expect(bare.body.items.map((m: Message) => m.id)).toEqual([fresh.id]);
  });

  it("delivers again, attempts + 1, a message not acked before its lease ends; a late ack is refused", async () => {
    const b = await s.runtime();
    const a = await s.runtime([b]);
    const sent = (await s.publish(a, b, "work")).body as Message;

    const [first] = (await s.receive(b, { visibilityTimeoutSeconds: 60 })) as [Message];
    expect(first.attempts).toBe(1);
    await s.advance(40_000);
    // Still leased: not delivered again.
    expect(await s.receive(b)).toEqual([]);
    await s.advance(21_000);
    expect(await s.inbox(b)).toMatchObject({ ready: 1, inFlight: 0 });

    // The lease ended: acking it is an error that says so.
    const late = await s.ack(b, first);
    expectError(late, 409, "Conflict");
    expect(late.body.error.message).toMatch(/lease of message .* ended at .*: it will be delivered again/);

    const [second] = (await s.receive(b)) as [Message];
    expect(second).toMatchObject({ id: sent.id, attempts: 2, state: "inFlight", body: "work" });
    expect(second.receipt).not.toBe(first.receipt);
    // The first delivery's receipt does not ack the second.
    const stale = await s.ack(b, second, first.receipt);
    expectError(stale, 409, "Conflict");
    expect(stale.body.error.message).toMatch(/delivered again \(attempt 2\)/);
    expect((await s.ack(b, second)).body).toEqual({ id: sent.id, acked: true });
    expect(await s.inbox(b)).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 0 });
  });

  it("makes a message delivered 5 times unacked a dead letter, listed a page at a time", async () => {
    const b = await s.runtime();
    const a = await s.runtime([b]);
    const poison = (await s.publish(a, b, { poison: true }, "k")).body as Message;
    const next = (await s.publish(a, b, { after: true }, "k")).body as Message;
    const receipts: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const got = await s.receive(b, { visibilityTimeoutSeconds: 5 });
      // The key's next message waits behind the one failing.
      expect(got.map((m) => [m.id, m.attempts])).toEqual([[poison.id, attempt]]);
      receipts.push(got[0]?.receipt as string);
      await s.advance(5_000);
    }
    expect(new Set(receipts).size).toBe(5);
    // After its fifth lease: a dead letter, not delivered again; the key moves on.
    const depth = await s.inbox(b);
    expect(depth).toMatchObject({ ready: 1, inFlight: 0, deadLetters: 1, maxDeliveries: 5 });
    const dead = await call("GET", s.at(b, "/inbox/dead-letters"));
    expect(dead.body.nextPageToken).toBeNull();
    expect(dead.body.items).toEqual([
      {
        ...poison,
        state: "deadLetter",
        attempts: 5,
        visibleAt: expect.any(String),
        deadLetteredAt: expect.any(String),
      },
    ]);
    expect(dead.body.items[0].deadLetteredAt).toBe(dead.body.items[0].visibleAt);
    const late = await s.ack(b, { ...poison, receipt: receipts[4] as string });
    expectError(late, 409, "Conflict");
    expect(late.body.error.message).toMatch(/dead letter/);
    expect((await s.receive(b)).map((m) => m.id)).toEqual([next.id]);

    // More dead letters, paged in the order published.
    const more: string[] = [];
    for (let i = 0; i < 3; i++) more.push((await s.publish(a, b, { i })).body.id);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await s.receive(b, { visibilityTimeoutSeconds: 1 });
      await s.advance(30_000);
    }
    expect(await s.inbox(b)).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 5 });
    const listed: string[] = [];
    let token: string | null = null;
    do {
      const page: { body: { items: Message[]; nextPageToken: string | null } } = await call(
        "GET",
        s.at(b, `/inbox/dead-letters?pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`),
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      listed.push(...page.body.items.map((m) => m.id));
      token = page.body.nextPageToken;
    } while (token);
    expect(listed).toEqual([poison.id, next.id, ...more]);
    const firstPage = await call("GET", s.at(b, "/inbox/dead-letters?pageSize=1"));
    const c = await s.runtime();
    expectError(
      await call(
        "GET",
        s.at(c, `/inbox/dead-letters?pageToken=${encodeURIComponent(firstPage.body.nextPageToken)}`),
      ),
      400,
      "InvalidPageToken",
    );
  });

  it("keeps the order of a key: a later message waits while an earlier one of its key is in flight", async () => {
    const b = await s.runtime();
    const a = await s.runtime([b]);
    const x1 = (await s.publish(a, b, "x1", "x")).body.id;
    const x2 = (await s.publish(a, b, "x2", "x")).body.id;
    const y1 = (await s.publish(a, b, "y1", "y")).body.id;
    const free = (await s.publish(a, b, "free")).body.id;
    const x3 = (await s.publish(a, b, "x3", "x")).body.id;
    const y2 = (await s.publish(a, b, "y2", "y")).body.id;

    // One of each key at a time, oldest first; messages without a key go as they can.
    const first = await s.receive(b, { maxMessages: 10, visibilityTimeoutSeconds: 10 });
    expect(first.map((m) => m.id)).toEqual([x1, y1, free]);
    expect(await s.receive(b)).toEqual([]);

    // y1 acked: y2 is next; x1 still in flight holds x2 and x3.
    await s.ack(b, first[1] as Message);
    const second = await s.receive(b, { visibilityTimeoutSeconds: 10 });
    expect(second.map((m) => m.id)).toEqual([y2]);

    // x1's lease ends unacked: x1 again, before x2.
    await s.advance(10_000);
    const again = await s.receive(b, { visibilityTimeoutSeconds: 10 });
    expect(again.map((m) => [m.id, m.attempts])).toEqual([
      [x1, 2],
      [free, 2],
      [y2, 2],
    ]);
    await s.ack(b, again[0] as Message);
    expect((await s.receive(b, { visibilityTimeoutSeconds: 10 })).map((m) => m.id)).toEqual([x2]);
    expect(await s.receive(b)).toEqual([]);
    await s.advance(10_000);
    // x2's lease ended: x2 is due again, x3 still waits; free and y2 come back too.
    const third = await s.receive(b);
    expect(third.map((m) => m.id)).toEqual([x2, free, y2]);
    for (const m of third) await s.ack(b, m);
    expect((await s.receive(b)).map((m) => m.id)).toEqual([x3]);
  });

  it("reports the inbox's depth and the age of its oldest message on the emulator clock", async () => {
    const b = await s.runtime();
    const a = await s.runtime([b]);
    const empty = await s.inbox(b);
    expect(empty).toEqual({
      runtimeId: b.id,
      ready: 0,
      inFlight: 0,
      deadLetters: 0,
      oldestEnqueuedAt: null,
      oldestAgeSeconds: null,
      peers: [],
      maxDeliveries: 5,
      defaultVisibilityTimeoutSeconds: 30,
    });
    const old = (await s.publish(a, b, "old")).body;
    await s.advance(120_000);
    await s.publish(a, b, "new");
    const two = await s.inbox(b);
    expect(two).toMatchObject({ ready: 2, inFlight: 0, oldestEnqueuedAt: old.enqueuedAt });
    expect(two.oldestAgeSeconds).toBeGreaterThanOrEqual(120);
    expect(two.oldestAgeSeconds).toBeLessThan(130);

    // A message in flight counts toward the age; an acked one does not.
    const [leased] = (await s.receive(b, { maxMessages: 1 })) as [Message];
    expect(leased.body).toBe("old");
    await s.advance(60_000);
    const three = await s.inbox(b);
    // Its lease ended: ready again, as old as it was.
    expect(three).toMatchObject({ ready: 2, inFlight: 0, oldestEnqueuedAt: old.enqueuedAt });
    expect(three.oldestAgeSeconds).toBeGreaterThanOrEqual(180);
    const [again] = (await s.receive(b, { maxMessages: 1 })) as [Message];
    expect(await s.inbox(b)).toMatchObject({ ready: 1, inFlight: 1 });
    await s.ack(b, again);
    const four = await s.inbox(b);
    expect(four).toMatchObject({ ready: 1, inFlight: 0 });
    expect(four.oldestAgeSeconds).toBeGreaterThanOrEqual(60);
    expect(four.oldestAgeSeconds).toBeLessThan(70);
  });

  it("keeps each runtime's inbox to itself and each account's channels to it", async () => {
    const b = await s.runtime();
    const c = await s.runtime();
    const a = await s.runtime([b, c]);
    const toB = (await s.publish(a, b, "for b")).body as Message;
    await s.publish(a, c, "for c");
    // Each receiver sees its own messages only; the sender sees none.
    expect((await s.receive(a)).length).toBe(0);
    const [atC] = (await s.receive(c)) as [Message];
    expect(atC.body).toBe("for c");
    // c cannot ack b's message.
    expectError(await s.ack(c, toB, null), 404, "NotFound");
    const [atB] = (await s.receive(b)) as [Message];
    expect(atB.id).toBe(toB.id);
    expectError(await s.ack(c, atB), 404, "NotFound");

    // Another account: none of the runtimes exist for it.
    const other = { token: otherToken };
    expectError(await s.publish(a, b, "x", undefined, otherToken), 404, "NotFound");
    expectError(await call("POST", s.at(b, "/inbox/receive"), {}, other), 404, "NotFound");
    expectError(await call("POST", s.at(b, `/inbox/messages/${atB.id}/ack`), {}, other), 404, "NotFound");
    expectError(await call("GET", s.at(b, "/inbox"), undefined, other), 404, "NotFound");
    expectError(await call("GET", s.at(b, "/inbox/dead-letters"), undefined, other), 404, "NotFound");
    expectError(await call("GET", s.at(b, "/inbox"), undefined, { token: null }), 401, "Unauthenticated");
    // Its own runtime cannot publish to this account's runtime: it is not there for it.
    const theirs = await s.runtime([], otherToken);
    expectError(await s.publish(theirs, b, "x", undefined, otherToken), 404, "NotFound");
    expect((await call("GET", s.at(theirs, "/inbox"), undefined, other)).body.ready).toBe(0);
    expect((await s.ack(b, atB)).body.acked).toBe(true);

    // A peer that is gone: 404, even while the channel was declared before.
    const patched = await call("PATCH", `/v1/agent-runtimes/${a.id}`, { channels: [] }, wait);
    expect(patched.status, JSON.stringify(patched.body)).toBe(202);
    expect((await call("DELETE", `/v1/agent-runtimes/${c.id}`)).status).toBe(202);
    for (let i = 0; i < 20; i++) if ((await call("GET", `/v1/agent-runtimes/${c.id}`)).status === 404) break;
    expectError(await s.publish(a, c, "gone"), 404, "NotFound");
  });
});

describe("channels between agent runtimes across a restart", () => {
  it("keeps messages, leases, attempts and dead letters when another server starts on the same data directory", async () => {
    const dataDir = dataDirOf("channels-restart");
    const first = await startMockCloudServer({ port: 0, dataDir, tokens });
    const one = client(first.url, devToken);
    const s1 = speaker(one.call);
    const b = await s1.runtime();
    const a = await s1.runtime([b]);
    const leased = (await s1.publish(a, b, { n: 1 }, "k")).body as Message;
    const waiting = (await s1.publish(a, b, { n: 2 }, "k")).body as Message;
    const dead = (await s1.publish(a, b, { n: 3 }, "d")).body as Message;
    // Four deliveries of k's first message and of d's before the restart.
    for (let i = 0; i < 4; i++) {
      const got = await s1.receive(b, { maxMessages: 10, visibilityTimeoutSeconds: 1 });
      expect(got.map((m) => m.id)).toEqual([leased.id, dead.id]);
      await s1.advance(1_000);
    }
    // k's first, leased a fifth time, for a minute.
    const [inFlight] = (await s1.receive(b, { maxMessages: 1, visibilityTimeoutSeconds: 60 })) as [Message];
    expect(inFlight).toMatchObject({ id: leased.id, attempts: 5 });
    const loose = (await s1.publish(a, b, { n: 4 })).body as Message;
    await one.close();
    await first.close();

    const second = await startMockCloudServer({ port: 0, dataDir, tokens });
    const two = client(second.url, devToken);
    try {
      const s2 = speaker(two.call);
      // The runtimes' invokeUrls name the first server; their paths are the same on the second.
      expect(await s2.inbox(b)).toMatchObject({ ready: 3, inFlight: 1, deadLetters: 0 });
      // Its lease still holds (the emulator clock is durable too), and its receipt still acks it.
      const next = await s2.receive(b, { maxMessages: 10, visibilityTimeoutSeconds: 1 });
      expect(next.map((m) => [m.id, m.attempts])).toEqual([
        [dead.id, 5],
        [loose.id, 1],
      ]);
      expect((await s2.ack(b, inFlight)).body).toEqual({ id: leased.id, acked: true });
      await s2.advance(1_000);
      // d's fifth lease ended: a dead letter; `waiting` is next of its key.
      expect(await s2.inbox(b)).toMatchObject({ ready: 2, inFlight: 0, deadLetters: 1 });
      const letters = await two.call("GET", s2.at(b, "/inbox/dead-letters"));
      expect(letters.body.items.map((m: Message) => m.id)).toEqual([dead.id]);
      const rest = await s2.receive(b);
      expect(rest.map((m) => m.id)).toEqual([waiting.id, loose.id]);
      expectError(
        await two.call("GET", s2.at(b, "/inbox"), undefined, { token: otherToken }),
        404,
        "NotFound",
      );
    } finally {
      await two.close();
      await second.close();
    }
  });
});
