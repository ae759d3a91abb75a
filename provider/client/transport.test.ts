import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AgentCloudClient } from "./client.ts";
import { AgentCloudError } from "./errors.ts";

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
const client = (endpoint: string) =>
  new AgentCloudClient({ endpoint, token, backoff: { baseMs: 1, maxMs: 5 }, maxRetries: 4 });

afterEach(async () => {
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
    const url = await serve(error(503, "CapacityUnavailable", "busy", { "retry-after": "1" }), json(200, {}));
    const started = Date.now();
    await client(url).transport.call("GET", "/v1/x");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
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
    const e = await client(url)
      .transport.call("GET", "/v1/x", { deadline: Date.now() + 500 })
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
});
