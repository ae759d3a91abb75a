import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Call, client } from "../support/cloud-client.ts";
import { adapters, admin, cluster, dev, expectError, freshAndImmediate } from "./fixtures.ts";

/** The HTTP layer's edges (body shape, auth, media types, preconditions), on both adapters. */

describe.each(adapters)("HTTP hardening on $name", (adapter) => {
  let baseUrl: string;
  let stop: () => Promise<void>;
  let call: Call;
  /** For requests to paths and methods the document does not have, on purpose: not checked. */
  let probe: Call;
  let closeClient: () => Promise<void>;
  let closeProbe: () => Promise<void>;
  const adminCall: Call = (m, p, b, o) => call(m, p, b, { ...o, token: admin });

  /** A ChipCluster that is READY (immediate transitions). */
  async function ready(name: string): Promise<{ id: string; etag: string }> {
    const created = await call("POST", "/v1/chip-clusters", cluster(name));
    expect(created.status).toBe(202);
    return (await call("GET", `/v1/chip-clusters/${created.body.resource.id}`)).body;
  }

  beforeAll(async () => {
    const started = await adapter.start();
    baseUrl = started.baseUrl;
    stop = started.stop;
    ({ call, close: closeClient } = client(baseUrl, dev));
    ({ call: probe, close: closeProbe } = client(baseUrl, dev, { conformance: false }));
  });
  afterAll(async () => {
    await closeClient();
    await closeProbe();
    await stop();
  });
  beforeEach(async () => {
    await freshAndImmediate(adminCall);
  });

  describe("deeply nested JSON", () => {
    const deep = (depth: number) => `{"name":${"[".repeat(depth)}${"]".repeat(depth)}}`;

    it("answers a 5,000-deep body with 400 ValidationError naming the limit, on PATCH, POST and the admin plane", async () => {
      const c = await ready("deep");
      for (const [method, path, token] of [
        ["PATCH", `/v1/chip-clusters/${c.id}`, dev],
        ["POST", "/v1/chip-clusters", dev],
        ["PATCH", `/_mock/resources/chip-clusters/${c.id}`, admin],
      ] as const) {
        const a = await call(method, path, undefined, { raw: deep(5000), token });
        expectError(a, 400, "ValidationError");
        expect(a.body.error.message).toMatch(/64/);
        expect(a.body.error.details).toMatchObject({ maxDepth: 64 });
      }
      // The resource is untouched, and the emulator still answers.
      expect((await call("GET", `/v1/chip-clusters/${c.id}`)).body.etag).toBe(c.etag);
    });

    it("accepts nesting up to the limit: 64 levels are parsed, 65 are not", async () => {
      const c = await ready("edge");
      // 64 levels deep in all: the body object is level 1.
      const at = await call("PATCH", `/v1/chip-clusters/${c.id}`, undefined, { raw: deep(63) });
      // Refused for what it says (name cannot change), not for its depth.
      expectError(at, 400, "ImmutableField");
      const over = await call("PATCH", `/v1/chip-clusters/${c.id}`, undefined, { raw: deep(64) });
      expectError(over, 400, "ValidationError");
      expect(over.body.error.details).toMatchObject({ maxDepth: 64 });
      // Brackets inside strings are not nesting.
      const inString = await call("PATCH", `/v1/chip-clusters/${c.id}`, {
        tags: { note: `${"[{".repeat(100)}\\"` },
      });
      expect(inString.status).toBe(202);
    });
  });

  describe("the admin plane", () => {
    it("keeps only GET /_mock/health public: other paths ending in /health need the admin token", async () => {
      const health = await call("GET", "/_mock/health", undefined, { token: null });
      expect(health.status).toBe(200);
      expect(health.body.status).toBe("ok");
      const rule = { id: "health", kind: "AgentRuntime", operation: "delete", status: 500 };
      expect((await adminCall("POST", "/_mock/faults", rule)).status).toBe(201);
      expectError(
        await call("DELETE", "/_mock/faults/health", undefined, { token: null }),
        401,
        "Unauthenticated",
      );
      expectError(await call("DELETE", "/_mock/faults/health"), 401, "Unauthenticated"); // an API token
      expectError(
        await probe("GET", "/_mock/requests/health", undefined, { token: null }),
        401,
        "Unauthenticated",
      );
      expectError(await probe("POST", "/_mock/health", {}, { token: null }), 401, "Unauthenticated");
      expect((await adminCall("GET", "/_mock/faults")).body.items).toMatchObject([rule]);
      // With the admin token the same request does what it says.
      expect((await adminCall("DELETE", "/_mock/faults/health")).body).toEqual({ deleted: "health" });
    });
  });

  describe("401 answers", () => {
    it('carry WWW-Authenticate: Bearer realm="agentcloud" on /v1 and on /_mock (RFC 9110 §11.6.1)', async () => {
      const answers = [
        await call("GET", "/v1/chip-clusters", undefined, { token: null }),
        await call("GET", "/v1/chip-clusters", undefined, { token: "nope" }),
        await call("POST", "/v1/chip-clusters", cluster("x"), { token: null }),
        await call("GET", "/_mock/faults", undefined, { token: null }),
        await call("GET", "/_mock/faults"), // an API token on the admin plane
      ];
      for (const a of answers) {
        expectError(a, 401, "Unauthenticated");
        expect(a.headers["www-authenticate"]).toBe('Bearer realm="agentcloud"');
      }
      // Only 401s carry it.
      expect((await call("GET", "/v1/chip-clusters")).headers["www-authenticate"]).toBeUndefined();
    });
  });

  describe("If-Match (RFC 9110 §13.1.1)", () => {
    const patch = (id: string, ifMatch: string, hyperNodeCount: number) =>
      call("PATCH", `/v1/chip-clusters/${id}`, { hyperNodeCount }, { headers: { "if-match": ifMatch } });
    const etagOf = async (id: string) => (await call("GET", `/v1/chip-clusters/${id}`)).body.etag as string;

    it("passes * for an existing resource", async () => {
      const c = await ready("star");
      const a = await patch(c.id, "*", 2);
      expect(a.status).toBe(202);
      expect(a.body.resource.hyperNodeCount).toBe(2);
    });

    it("passes a list that contains the current strong ETag", async () => {
      const c = await ready("list");
      expect((await patch(c.id, `"0000stale000", "${c.etag}"`, 2)).status).toBe(202);
      const now = await etagOf(c.id);
      expect((await patch(c.id, `"${now}","0000stale000"`, 3)).status).toBe(202);
    });

    it("never matches a weak ETag, a list without the current one, a stale one or a bare token: 412", async () => {
      const c = await ready("weak");
      for (const header of [
        `W/"${c.etag}"`,
        `W/"${c.etag}", "0000stale000"`,
        `"0000stale000", "1111stale111"`,
        c.etag, // not an entity-tag: entity-tags are quoted
      ]) {
        const a = await patch(c.id, header, 2);
        expectError(a, 412, "PreconditionFailed");
        expect(a.body.error.details.etag).toBe(c.etag);
      }
      expect(await etagOf(c.id)).toBe(c.etag);
      // Stale (the resource changed since): still 412.
      expect((await patch(c.id, `"${c.etag}"`, 2)).status).toBe(202);
      expectError(await patch(c.id, `"${c.etag}"`, 3), 412, "PreconditionFailed");
    });
  });

  describe("media types", () => {
    /** Exactly these headers (plus the dev token unless given): no content type unless one is passed. */
    async function send(method: string, path: string, body: string | null, headers: Record<string, string>) {
      const { "content-type": contentType = null, ...rest } = headers;
      return probe(method, path, undefined, { raw: body ?? undefined, contentType, headers: rest });
    }
    const spec = JSON.stringify(cluster("typed"));

    it("refuses a body that is not application/json with 415 UnsupportedMediaType, and creates nothing", async () => {
      const cases: [string, string | null][] = [
        [spec, "text/plain"],
        [spec, "text/plain; charset=utf-8"],
        ["<cluster><name>typed</name></cluster>", "application/xml"],
        ["name=typed&region=cn-hangzhou", "application/x-www-form-urlencoded"],
        [spec, null],
        [spec, "application/json; charset=utf-16"],
        [spec, "application/jsonx"],
      ];
      for (const [body, type] of cases) {
        const a = await send(
          "POST",
          "/v1/chip-clusters",
          body,
          type === null ? {} : { "content-type": type },
        );
        expectError(a, 415, "UnsupportedMediaType");
        expect(a.body.error.details).toMatchObject({ contentType: type });
      }
      expect((await call("GET", "/v1/chip-clusters")).body.items).toEqual([]);
    });

    it("accepts application/json with a UTF-8 charset or none, in any case", async () => {
      for (const [i, type] of [
        "application/json",
        "application/json; charset=UTF-8",
        "Application/JSON;charset=utf-8",
        'application/json; charset="utf-8"',
      ].entries()) {
        const a = await send("POST", "/v1/chip-clusters", JSON.stringify(cluster(`typed-${i}`)), {
          "content-type": type,
        });
        expect(a.status).toBe(202);
      }
    });

    it("applies to PATCH, DELETE with a body and the admin plane, after authentication", async () => {
      const c = await ready("typed-patch");
      const text = { "content-type": "text/plain" };
      const patch = JSON.stringify({ hyperNodeCount: 2 });
      expectError(await send("PATCH", `/v1/chip-clusters/${c.id}`, patch, text), 415, "UnsupportedMediaType");
      expectError(await send("DELETE", `/v1/chip-clusters/${c.id}`, "{}", text), 415, "UnsupportedMediaType");
      const rule = JSON.stringify({ kind: "ChipCluster", status: 500 });
      const asAdmin = { ...text, authorization: `Bearer ${admin}` };
      expectError(await send("POST", "/_mock/faults", rule, asAdmin), 415, "UnsupportedMediaType");
      expect((await adminCall("GET", "/_mock/faults")).body.items).toEqual([]);
      // Who you are is checked first.
      expectError(
        await send("PATCH", `/v1/chip-clusters/${c.id}`, patch, { ...text, authorization: "Bearer nope" }),
        401,
        "Unauthenticated",
      );
      // Nothing changed; bodiless requests need no content type.
      const now = await send("GET", `/v1/chip-clusters/${c.id}`, null, text);
      expect(now.status).toBe(200);
      expect(now.body).toMatchObject({ etag: c.etag, hyperNodeCount: 1 });
      expect((await send("DELETE", `/v1/chip-clusters/${c.id}`, null, {})).status).toBe(202);
    });

    it("is documented: every /v1 operation lists 415 (a body on any method must be JSON)", async () => {
      const doc = (await call("GET", "/openapi.json", undefined, { token: null })).body;
      const operations = Object.entries(doc.paths as Record<string, Record<string, { responses: object }>>)
        .filter(([path]) => path.startsWith("/v1/"))
        .flatMap(([path, item]) =>
          Object.entries(item).map(([method, op]) => ({ at: `${method} ${path}`, op })),
        );
      expect(operations.length).toBeGreaterThan(20);
      for (const { at, op } of operations) expect(op.responses, at).toHaveProperty("415");
    });
  });

  describe("body size limit on a streamed body", () => {
    const limit = 256 * 1024;
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, "x");

    /** Streams `{"name":"xxxx…` (64 MiB, chunked) and counts what the server let the client write. */
    async function stream(path: string, token: string) {
      let written = 0;
      async function* body() {
        yield Buffer.from('{"name":"');
        while (written < total) {
          written += chunk.length;
          yield chunk;
          // Like a network: the server gets to run between chunks.
          await new Promise((r) => setImmediate(r));
        }
        yield Buffer.from('"}');
      }
      // A client of its own: the emulator closes this connection.
      const own = client(baseUrl, token, { conformance: false });
      try {
        return { ...(await own.call("POST", path, undefined, { raw: Readable.from(body()) })), written };
      } finally {
        await own.close();
      }
    }

    it("reads and drops a refused body of a few MB, so the 413 arrives on a connection that stays open", async () => {
      const body = JSON.stringify({ name: "x".repeat(3 * 1024 * 1024) });
      for (let i = 0; i < 3; i++) {
        const a = await call("POST", "/v1/chip-clusters", undefined, { raw: body });
        expectError(a, 413, "PayloadTooLarge");
        expect(a.headers.connection).not.toBe("close");
      }
    });

    it("answers 413 PayloadTooLarge with connection: close while the body is still arriving", async () => {
      for (const [path, token] of [
        ["/v1/chip-clusters", dev],
        ["/_mock/faults", admin],
      ] as const) {
        const a = await stream(path, token);
        expectError(a, 413, "PayloadTooLarge");
        expect(a.headers.connection).toBe("close");
        // The emulator stopped reading near the limit: the client never got to send the rest.
        expect(a.written).toBeGreaterThan(limit - chunk.length);
        expect(a.written).toBeLessThan(total / 4);
      }
      // And it still answers on a new connection.
      expect((await call("GET", "/v1/chip-clusters")).status).toBe(200);
    });
  });
});
