import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AgentCloudClient } from "./client.ts";
import { AgentCloudError } from "./errors.ts";
import type { ClientEvent, TransportOptions } from "./transport.ts";

type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => void;
const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
let server: Server | null = null;

async function serve(...script: Handler[]): Promise<string> {
  let i = 0;
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const h = script[Math.min(i++, script.length - 1)] as Handler;
      h(Object.assign(req, { body }), res);
    });
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", "x-request-id": "req-1", ...headers });
    res.end(JSON.stringify(body));
  };
const error = (status: number, code: string, message = code, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message, requestId: `req-${code}` } }, headers);
const reset: Handler = (req) => req.socket.destroy();

const token = "tok-secret-value-123";
const client = (endpoint: string, options: Partial<TransportOptions> = {}) =>
  new AgentCloudClient({ endpoint, token, backoff: { baseMs: 1, maxMs: 5 }, maxRetries: 4, ...options });

/**
 * Retry waits on a clock the test moves: setTimeout (the transport's wait before a retry) and Date
 * (Retry-After as a date) are fake, pinned to a whole second; sockets and the server run as usual.
 */
const fakeClock = () =>
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "Date"],
    now: Date.parse("2026-01-01T00:00:00Z"),
  });
/** Lets the real I/O run until `ready()` holds (the test's timeout ends a wait that never does). */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setImmediate(r));
}
/** Whether a promise has settled yet. */
function settled(p: Promise<unknown>): () => boolean {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return () => done;
}

afterEach(async () => {
  vi.useRealTimers();
  seen.length = 0;
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = null;
});

describe("the transport", () => {
  it("retries 503 and 429, honouring Retry-After, and sends the same idempotency key each time", async () => {
    const url = await serve(
      error(503, "CapacityUnavailable", "busy", { "retry-after": "0" }),
      error(429, "Throttled", "slow down", { "retry-after": "0" }),
      json(202, { ok: true }),
    );
    const res = await client(url).transport.call("POST", "/v1/x", {
      body: { a: 1 },
      headers: { "idempotency-key": "k1" },
    });
    expect(res.status).toBe(202);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.headers["idempotency-key"]))).toEqual(new Set(["k1"]));
    expect(seen.every((s) => s.headers.authorization === `Bearer ${token}`)).toBe(true);
  });

  it("waits as long as Retry-After asks before the next attempt", async () => {
    fakeClock();
    const url = await serve(error(503, "CapacityUnavailable", "busy", { "retry-after": "1" }), json(200, {}));
    const events: ClientEvent[] = [];
    const call = client(url, { onEvent: (e) => events.push(e) }).transport.call("GET", "/v1/x");
    const answered = settled(call);
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({ retryAfterMs: 1000, delayMs: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(answered()).toBe(false);
    expect(seen).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await call).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it("retries a connection reset", async () => {
    const url = await serve(reset, json(200, { fine: true }));
    const res = await client(url).transport.call("GET", "/v1/x");
    expect(res.body).toEqual({ fine: true });
    expect(seen).toHaveLength(2);
  });

  it("does not retry a client error and surfaces its code, status and request id", async () => {
    const url = await serve(error(402, "QuotaExceeded", "too many chips"));
    const e = await client(url)
      .transport.call("POST", "/v1/x", { body: {} })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AgentCloudError);
    expect(e).toMatchObject({ code: "QuotaExceeded", status: 402, requestId: "req-QuotaExceeded" });
    expect(seen).toHaveLength(1);
  });

  it("gives up at the deadline instead of retrying forever", async () => {
    const url = await serve(error(503, "CapacityUnavailable", "busy", { "retry-after": "30" }));
    // A retry 30 s on would start past the deadline, 10 s on: the 503 is the answer at once.
    const e = await client(url)
      .transport.call("GET", "/v1/x", { deadline: Date.now() + 10_000 })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "CapacityUnavailable" });
    expect(seen).toHaveLength(1);
  });

  it("never puts the token in an error message, even when the server echoes it", async () => {
    const url = await serve(error(400, "ValidationError", `bad header Bearer ${token} and ${token}`));
    const e = (await client(url)
      .transport.call("GET", "/v1/x")
      .catch((x: unknown) => x)) as AgentCloudError;
    expect(e.message).not.toContain(token);
    expect(e.message).toContain("[redacted]");
  });

  it("reports an unreachable endpoint as ConnectionFailed after retrying", async () => {
    const url = await serve(json(200, {}));
    await new Promise((r) => server?.close(r));
    server = null;
    const e = await client(url)
      .transport.call("GET", "/v1/x")
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "ConnectionFailed" });
    expect(String((e as Error).message)).toContain("ECONNREFUSED");
  });

  it("never sends a POST without an Idempotency-Key twice, whatever the failure", async () => {
    for (const first of [error(503, "CapacityUnavailable", "busy", { "retry-after": "0" }), reset]) {
      const url = await serve(first, json(202, { ok: true }));
      const e = await client(url)
        .transport.call("POST", "/v1/x", { body: { a: 1 } })
        .catch((x: unknown) => x);
      expect(e).toMatchObject({ code: expect.stringMatching(/CapacityUnavailable|ConnectionFailed/) });
      expect(seen).toHaveLength(1);
      seen.length = 0;
      await new Promise((r) => server?.close(r));
    }
    server = null;
  });

  it("retries a POST with an Idempotency-Key on 503 after the Retry-After it was given, seconds or a date", async () => {
    fakeClock();
    const events: ClientEvent[] = [];
    // An HTTP date has whole seconds: on the fake clock (a whole second, still) this one is 2 s on.
    const at = () => new Date(Date.now() + 2000).toUTCString();
    const url = await serve(
      error(503, "CapacityUnavailable", "busy", { "retry-after": "1" }),
      (req, res) => error(503, "CapacityUnavailable", "busy", { "retry-after": at() })(req, res),
      json(202, { ok: true }),
    );
    const call = client(url, { onEvent: (e) => events.push(e) }).transport.call("POST", "/v1/x", {
      body: { a: 1 },
      headers: { "idempotency-key": "k2" },
    });
    const answered = settled(call);
    await until(() => events.length === 1);
    await vi.advanceTimersByTimeAsync(1000);
    await until(() => events.length === 2);
    await vi.advanceTimersByTimeAsync(1999);
    expect(answered()).toBe(false);
    expect(seen).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    const res = await call;
    expect(res.status).toBe(202);
    expect(seen.map((s) => s.headers["idempotency-key"])).toEqual(["k2", "k2", "k2"]);
    expect(events[0]).toEqual({
      kind: "retry",
      method: "POST",
      path: "/v1/x",
      status: 503,
      code: "CapacityUnavailable",
      attempt: 2,
      retryAfterMs: 1000,
      delayMs: 1000,
    });
    expect(events[1]).toMatchObject({
      kind: "retry",
      attempt: 3,
      status: 503,
      retryAfterMs: 2000,
      delayMs: 2000,
    });
  });

  it("retries a GET on each status of the table (429, 500, 502, 503, 504) and not on others", async () => {
    const events: ClientEvent[] = [];
    const url = await serve(
      error(429, "Throttled"),
      error(500, "InternalError"),
      json(502, {}),
      error(503, "CapacityUnavailable"),
      json(504, {}),
      json(200, { fine: true }),
    );
    const res = await client(url, { maxRetries: 5, onEvent: (e) => events.push(e) }).transport.call(
      "GET",
      "/v1/x",
    );
    expect(res.body).toEqual({ fine: true });
    expect(events.map((e) => (e.kind === "retry" ? `${e.status} ${e.code}` : ""))).toEqual([
      "429 Throttled",
      "500 InternalError",
      "502 Bad Gateway",
      "503 CapacityUnavailable",
      "504 Gateway Timeout",
    ]);
    await new Promise((r) => server?.close(r));
    seen.length = 0;
    const other = await serve(json(501, {}), json(200, {}));
    const e = await client(other)
      .transport.call("GET", "/v1/x")
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 501 });
    expect(seen).toHaveLength(1);
  });

  it("gives up after maxRetries and surfaces the last answer's code and request id", async () => {
    const url = await serve(error(503, "CapacityUnavailable"));
    const e = await client(url, { maxRetries: 2 })
      .transport.call("GET", "/v1/x")
      .catch((x: unknown) => x);
    expect(e).toMatchObject({
      code: "CapacityUnavailable",
      status: 503,
      requestId: "req-CapacityUnavailable",
    });
    expect(seen).toHaveLength(3);
  });

  it("aborts an attempt still unanswered at the deadline", async () => {
    const url = await serve(() => undefined); // never answers
    // No per-attempt timeout within the test's: only the deadline can end the call, however long
    // this machine takes to get there.
    const e = await client(url, { attemptTimeoutMs: 10 * 60_000 })
      .transport.call("GET", "/v1/x", { deadline: Date.now() + 300 })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "DeadlineExceeded" });
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const held: (() => void)[] = [];
    // Answered in pairs, each held until the other is in: the limit is reached whatever the pace.
    const url = await serve((req, res) => {
      most = Math.max(most, ++inFlight);
      held.push(() => {
        inFlight--;
        json(200, {})(req, res);
      });
      if (held.length === 2) for (const answer of held.splice(0)) answer();
    });
    const c = client(url, { concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => c.transport.call("GET", "/v1/x")));
    expect(seen).toHaveLength(6);
    expect(most).toBe(2);
    await c.close();
  });

  it("reports each poll of a running operation as a waiting event", async () => {
    const op = (status: string) => ({
      id: "op-1",
      kind: "ChipCluster",
      resourceId: "cc-1",
      action: "create",
      status,
      error: null,
      createdAt: "2026-01-01T00:00:00Z",
      updatedAt: "2026-01-01T00:00:00Z",
    });
    const url = await serve(json(200, op("RUNNING")), json(200, op("SUCCEEDED")));
    const events: ClientEvent[] = [];
    const c = client(url, { onEvent: (e) => events.push(e) });
    const done = await c.waitOperation(op("RUNNING") as never, Date.now() + 5000, { baseMs: 1, maxMs: 2 });
    expect(done.status).toBe("SUCCEEDED");
    expect(events).toEqual([
      { kind: "waiting", resourceId: "cc-1", status: "create RUNNING", elapsedMs: expect.any(Number) },
    ]);
  });
});
