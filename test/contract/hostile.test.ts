import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockCloudServer } from "../../provider/mock-cloud/index.ts";
import { type Client, client } from "../support/cloud-client.ts";
import { cluster } from "../support/fixtures.ts";
import { Conformance } from "./conformance.ts";

// Hostile input, as a client nobody here wrote would send it: documented operations with broken
// bodies, types, media types, headers, ids and queries, under tokens of two accounts, the admin's
// and none. The emulator must never answer 5xx, and every answer must be one its own
// /openapi.json documents for that operation.

const tokens = { "token-a": "a", "token-b": "b" };
const admin = "hostile-admin";
const collections = ["chip-clusters", "model-endpoints", "agent-runtimes"];

const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1, 0, 2 ** 53 + 1, 0.5),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    "",
    "cn-hangzhou",
    "zhenwu-m890",
    "qwen3.7-max",
    "__proto__",
    "constructor",
    "💥",
    "a".repeat(300),
  ),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("v"), { maxLength: 3 }), tie("o")),
  o: fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        "name",
        "region",
        "chipType",
        "hyperNodeCount",
        "deployment",
        "tags",
        "__proto__",
        "constructor",
        "prototype",
        "models",
        "artifact",
      ),
      fc.string({ maxLength: 8 }),
    ),
    tie("v"),
    { maxKeys: 5 },
  ),
})).v;
const validCluster = cluster("h", { chipType: "zhenwu-810e" });
const body = fc.oneof(
  value.map((v) => JSON.stringify(v)),
  fc
    .record({
      patch: fc.dictionary(fc.constantFrom(...Object.keys(validCluster), "zone", "tags", "extra"), value),
    })
    .map(({ patch }) => JSON.stringify({ ...validCluster, ...patch })),
  fc.constantFrom(
    "",
    "{",
    "null",
    "[]",
    '{"a":1}{',
    deep(70),
    deep(3000),
    `{"name":"${"x".repeat(5000)}"}`,
    "\u0000",
    '{"__proto__":{"admin":true}}',
  ),
);
const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/merge-patch+json",
  undefined,
);
const id = fc.oneof(
  fc.constantFrom("cc-000000000000", "me-1", "ar-x", "..", "%2e%2e", "a%00b", "x".repeat(300)),
  fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent),
);
const query = fc.oneof(
  fc.constant(""),
  fc.constantFrom(
    "?pageSize=0",
    "?pageSize=501",
    "?pageSize=-1",
    "?pageSize=1e2",
    "?pageSize=abc",
    "?region=mars",
    "?pageToken=%%%",
    "?pageToken=v1.AAAA.BBBB",
    "?limit=0",
    "?limit=99999",
    "?x=1",
  ),
);
const path = fc.oneof(
  fc.tuple(fc.constantFrom(...collections), query).map(([c, q]) => `/v1/${c}${q}`),
  fc.tuple(fc.constantFrom(...collections), id).map(([c, i]) => `/v1/${c}/${i}`),
  id.map((i) => `/v1/operations/${i}`),
  id.map((i) => `/v1/idempotency-keys/${i}`),
  id.map((i) => `/v1/idempotency-keys/${i}/release`),
  fc.constantFrom("/v1/catalog/chips", "/v1/catalog/models", "/v1/catalog/regions", "/v1/quotas"),
  fc.constantFrom(
    "/_mock/faults",
    "/_mock/reset",
    "/_mock/transitions",
    "/_mock/limits",
    "/_mock/clock/advance",
    "/_mock/requests?limit=abc",
    "/_mock/restore",
  ),
  fc.tuple(fc.constantFrom(...collections), id).map(([c, i]) => `/_mock/resources/${c}/${i}`),
);
const exchange = fc.record({
  method: fc.constantFrom("GET", "POST", "PATCH", "PUT", "DELETE"),
  path,
  body: fc.option(body, { nil: undefined }),
  contentType,
  token: fc.constantFrom("token-a", "token-b", admin, "nope", null),
  ifMatch: fc.option(fc.constantFrom("*", '"x"', 'W/"x"', "", '"a", "b"', "x".repeat(1000)), {
    nil: undefined,
  }),
  idempotencyKey: fc.option(fc.constantFrom("k", "", "k".repeat(2000), "k\u00e9"), { nil: undefined }),
});

describe("hostile input against the emulator", () => {
  let server: Awaited<ReturnType<typeof startMockCloudServer>>;
  let conformance: Conformance;
  /** Sends exactly the headers and bytes a case names: not checked itself, the test checks the answers. */
  let http: Client;

  beforeAll(async () => {
    server = await startMockCloudServer({ port: 0, tokens, adminToken: admin });
    http = client(server.url, "token-a", { conformance: false });
    const doc = await http.call("GET", "/openapi.json", undefined, { token: null });
    conformance = new Conformance(doc.body as Record<string, unknown>);
    // Something to hit: a resource in account a.
    await http.call("POST", "/v1/chip-clusters", validCluster);
  });
  afterAll(async () => {
    await http?.close();
    await server?.close();
  });

  it("never answers 5xx, and every answer is one the document declares for the operation", async () => {
    const seen = { cases: 0, serverErrors: [] as string[], undocumented: [] as string[] };
    await fc.assert(
      fc.asyncProperty(exchange, async (x) => {
        // Keep the store as it is for the next case: no resets, restores or clock jumps of size.
        if (x.path === "/_mock/reset" || x.path === "/_mock/restore") return;
        seen.cases++;
        const headers: Record<string, string> = {};
        if (x.ifMatch !== undefined) headers["if-match"] = x.ifMatch;
        if (x.idempotencyKey !== undefined) headers["idempotency-key"] = x.idempotencyKey;
        const res = await http.call(x.method, x.path, undefined, {
          token: x.token,
          raw: x.body,
          contentType: (x.body !== undefined && x.contentType) || null,
          headers,
        });
        const what = `${x.method} ${x.path.slice(0, 80)} → ${res.status} ${res.text.slice(0, 160)}`;
        if (res.status >= 500) seen.serverErrors.push(what);
        const verdict = conformance.check(res.exchange);
        // A path or method the document does not have: a 4xx with the API's error body (404, or
        // 401/415 when the request fails before routing), nothing else.
        if (verdict.operation === null) {
          const body = JSON.parse(res.text) as { error?: { code?: string } };
          if (res.status < 400 || res.status >= 500 || !body.error?.code) seen.undocumented.push(what);
        } else {
          // A body sent to an operation that takes none is ignored, as RFC 9110 §9.3.1 allows.
          const real = verdict.violations.filter((v) => !v.includes("the operation takes no request body"));
          if (real.length > 0) seen.undocumented.push(`${what}: ${real.join("; ")}`);
        }
      }),
      { numRuns: 1500, seed: 20261201 },
    );
    process.stdout.write(
      `[hostile] ${seen.cases} cases, ${seen.serverErrors.length} 5xx, ${seen.undocumented.length} undocumented answers\n`,
    );
    expect(seen.serverErrors).toEqual([]);
    expect(seen.undocumented.slice(0, 10)).toEqual([]);
  });
});
