import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockCloudServer } from "../../provider/mock-cloud/index.ts";
import { expectError } from "../contract/fixtures.ts";
import { type Call, client } from "../support/cloud-client.ts";
import { adminToken, devToken, pooledEndpoint } from "../support/fixtures.ts";
import { scratchRoot } from "../support/paths.ts";

/**
 * An agent runtime's cross-task memory over plain HTTP (`{invokeUrl}/memory`): entries in
 * namespaces, their keys, the keyword search, retention on the emulator clock, isolation between
 * runtimes and accounts, and durability across a restart on the same data directory.
 */

const otherToken = "other-token";
const tokens = { [devToken]: "dev", [otherToken]: "other" };
const dayMs = 86_400_000;
const wait = { headers: { Prefer: "wait" } };

type Runtime = { id: string; invokeUrl: string };

const dataDirOf = (name: string) => {
  mkdirSync(scratchRoot, { recursive: true });
  return mkdtempSync(join(scratchRoot, `${name}-`));
};

/** An emulator's client: an account's calls, the admin's, and the runtimes they make. */
function speaker(call: Call) {
  const adminCall: Call = (m, p, b, o) => call(m, p, b, { ...o, token: adminToken });
  const runtime = async (
    memory: Record<string, unknown> = { enabled: true },
    token: string = devToken,
  ): Promise<Runtime> => {
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
        artifact: { image: "agents/memory:1" },
        models: [{ endpointId: endpoint.body.resource.id, role: "primary" }],
        memory,
      },
      as,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.resource.status).toBe("READY");
    return created.body.resource;
  };
  /** `{invokeUrl}/memory` and below, as a path. */
  const memory = (rt: Runtime, rest = "") => `${new URL(rt.invokeUrl).pathname}/memory${rest}`;
  const advance = (ms: number) => adminCall("POST", "/_mock/clock/advance", { ms });
  return { adminCall, runtime, memory, advance };
}

describe("an agent runtime's memory", () => {
  let server: Awaited<ReturnType<typeof startMockCloudServer>>;
  let call: Call;
  let close: () => Promise<void>;
  const as = (token: string) => ({ token });
  let s: ReturnType<typeof speaker>;

  beforeAll(async () => {
    server = await startMockCloudServer({ port: 0, dataDir: dataDirOf("memory"), tokens });
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

  it("puts, gets, overwrites and deletes entries of any JSON value, and lists a namespace's keys newest first, a page at a time", async () => {
    const rt = await s.runtime();
    const first = await call("PUT", s.memory(rt, "/notes/n1"), {
      value: { likes: ["tea"] },
      text: "Likes tea",
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      namespace: "notes",
      key: "n1",
      value: { likes: ["tea"] },
      text: "Likes tea",
      createdAt: expect.any(String),
      updatedAt: first.body.createdAt,
      expiresAt: new Date(Date.parse(first.body.createdAt) + 30 * dayMs).toISOString(),
    });
    expect((await call("GET", s.memory(rt, "/notes/n1"))).body).toEqual(first.body);
    for (const [key, value] of [
      ["n2", null],
      ["n3", "a plain string"],
      ["n4", [1, 2, 3]],
      ["n5", 42],
    ] as const) {
      await s.advance(1000);
      const put = await call("PUT", s.memory(rt, `/notes/${key}`), { value });
      expect(put.body).toMatchObject({ key, value, text: null });
      expect((await call("GET", s.memory(rt, `/notes/${key}`))).body.value).toEqual(value);
    }
    // An overwrite is the newest write; the entry keeps when it was first written.
    await s.advance(1000);
    const again = await call("PUT", s.memory(rt, "/notes/n1"), { value: { likes: ["coffee"] } });
    expect(again.body).toMatchObject({
      value: { likes: ["coffee"] },
      text: null,
      createdAt: first.body.createdAt,
    });
    expect(Date.parse(again.body.updatedAt)).toBeGreaterThan(Date.parse(first.body.updatedAt));

    const all = await call("GET", s.memory(rt, "/notes"));
    expect(all.body.items.map((i: { key: string }) => i.key)).toEqual(["n1", "n5", "n4", "n3", "n2"]);
    expect(all.body.items[0]).toEqual({
      namespace: "notes",
      key: "n1",
      bytes: JSON.stringify({ likes: ["coffee"] }).length,
      createdAt: again.body.createdAt,
      updatedAt: again.body.updatedAt,
      expiresAt: again.body.expiresAt,
    });
    expect(all.body.nextPageToken).toBeNull();
    const keys: string[] = [];
    let token: string | null = null;
    do {
      const page: { body: { items: { key: string }[]; nextPageToken: string | null } } = await call(
        "GET",
        s.memory(rt, `/notes?pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`),
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      keys.push(...page.body.items.map((i) => i.key));
      token = page.body.nextPageToken;
    } while (token);
    expect(keys).toEqual(["n1", "n5", "n4", "n3", "n2"]);
    const firstPage = await call("GET", s.memory(rt, "/notes?pageSize=2"));
    expectError(
      await call("GET", s.memory(rt, `/other?pageToken=${encodeURIComponent(firstPage.body.nextPageToken)}`)),
      400,
      "InvalidPageToken",
    );
    expect((await call("GET", s.memory(rt, "/empty"))).body).toEqual({ items: [], nextPageToken: null });

    expect((await call("DELETE", s.memory(rt, "/notes/n3"))).body).toEqual({
      namespace: "notes",
      key: "n3",
      deleted: true,
    });
    expectError(await call("GET", s.memory(rt, "/notes/n3")), 404, "NotFound");
    expectError(await call("DELETE", s.memory(rt, "/notes/n3")), 404, "NotFound");
    expect((await call("GET", s.memory(rt, "/notes"))).body.items).toHaveLength(4);
  });

  it("takes any key but '/', percent-encoded, refuses bad namespaces and bodies, and bodies over 256 KiB", async () => {
    const rt = await s.runtime();
    const key = "user:42 prefs é";
    const put = await call("PUT", s.memory(rt, `/profile/${encodeURIComponent(key)}`), { value: "x" });
    expect(put.status).toBe(200);
    expect(put.body.key).toBe(key);
    expect((await call("GET", s.memory(rt, `/profile/${encodeURIComponent(key)}`))).body.key).toBe(key);
    expectError(await call("PUT", s.memory(rt, "/bad%20ns/k"), { value: 1 }), 400, "ValidationError");
    expectError(await call("PUT", s.memory(rt, "/ns/k"), { text: "no value" }), 400, "ValidationError");
    expectError(await call("PUT", s.memory(rt, "/ns/k"), { value: 1, extra: true }), 400, "ValidationError");
    expectError(
      await call("PUT", s.memory(rt, "/ns/big"), { value: "x".repeat(256 * 1024) }),
      413,
      "PayloadTooLarge",
    );
    expectError(await call("GET", s.memory(rt, "/ns/big")), 404, "NotFound");
  });

  it("searches the text and string values for every word, case-insensitive, the most matches first, at most 50", async () => {
    const rt = await s.runtime();
    const put = (path: string, body: unknown) => call("PUT", s.memory(rt, path), body);
    await put("/facts/whale", { value: { id: 1 }, text: "The blue whale is the largest animal. Blue!" });
    await put("/facts/sky", { value: "The sky is BLUE on a clear day" });
    await put("/facts/sea", { value: { note: "blue sea" }, text: "the sea" });
    await put("/other/ocean", { value: 0, text: "A blue whale swims in the blue, blue ocean" });

    const search = async (query: string) => (await call("GET", `${s.memory(rt)}?${query}`)).body.items;
    const blue = await search("q=blue");
    // Only the text and a string value are read: "sea"'s object value is not.
    expect(blue.map((i: { key: string; matches: number }) => [i.key, i.matches])).toEqual([
      ["ocean", 3],
      ["whale", 2],
      ["sky", 1],
    ]);
    expect(blue[1]).toEqual({
      namespace: "facts",
      key: "whale",
      value: { id: 1 },
      text: "The blue whale is the largest animal. Blue!",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      expiresAt: expect.any(String),
      matches: 2,
    });
    // Every word must occur, in any case and order; whole words only.
    expect((await search("q=WHALE%20blue")).map((i: { key: string }) => i.key)).toEqual(["ocean", "whale"]);
    expect((await search("q=whale%20sky")).length).toBe(0);
    expect((await search("q=blu")).length).toBe(0);
    expect((await search("q=blue&namespace=facts")).map((i: { key: string }) => i.key)).toEqual([
      "whale",
      "sky",
    ]);
    expect((await search("q=blue&limit=1")).map((i: { key: string }) => i.key)).toEqual(["ocean"]);
    expectError(await call("GET", `${s.memory(rt)}?q=%20!!`), 400, "ValidationError");
    expectError(await call("GET", s.memory(rt)), 400, "ValidationError");
    expectError(await call("GET", `${s.memory(rt)}?q=blue&limit=51`), 400, "ValidationError");

    for (let i = 0; i < 60; i++) await put(`/many/k${i}`, { value: i, text: `needle number ${i}` });
    const many = await search("q=needle");
    expect(many).toHaveLength(50);
    // Ties: the newest first.
    expect(many[0].key).toBe("k59");
  });

  it("keeps each runtime's and each account's memory to itself", async () => {
    const a = await s.runtime();
    const b = await s.runtime();
    await call("PUT", s.memory(a, "/ns/k"), { value: "a's", text: "shared secret alpha" });
    await call("PUT", s.memory(b, "/ns/k"), { value: "b's", text: "shared secret beta" });
    expect((await call("GET", s.memory(a, "/ns/k"))).body.value).toBe("a's");
    expect((await call("GET", s.memory(b, "/ns/k"))).body.value).toBe("b's");
    expect(
      (await call("GET", `${s.memory(a)}?q=secret`)).body.items.map((i: { value: string }) => i.value),
    ).toEqual(["a's"]);
    expect((await call("GET", `${s.memory(b)}?q=alpha`)).body.items).toEqual([]);
    await call("DELETE", s.memory(a, "/ns/k"));
    expect((await call("GET", s.memory(b, "/ns/k"))).body.value).toBe("b's");

    // Another account: the runtime does not exist for it, its memory neither.
    const other = as(otherToken);
    expectError(await call("GET", s.memory(b, "/ns/k"), undefined, other), 404, "NotFound");
    expectError(await call("PUT", s.memory(b, "/ns/k"), { value: "theirs" }, other), 404, "NotFound");
    expectError(await call("DELETE", s.memory(b, "/ns/k"), undefined, other), 404, "NotFound");
    expectError(await call("GET", s.memory(b, "/ns"), undefined, other), 404, "NotFound");
    expectError(await call("GET", `${s.memory(b)}?q=secret`, undefined, other), 404, "NotFound");
    const theirs = await s.runtime({ enabled: true }, otherToken);
    await call("PUT", s.memory(theirs, "/ns/k"), { value: "theirs", text: "shared secret gamma" }, other);
    expect((await call("GET", `${s.memory(theirs)}?q=secret`, undefined, other)).body.items).toHaveLength(1);
    expectError(await call("GET", s.memory(theirs, "/ns/k")), 404, "NotFound");
    expect((await call("GET", s.memory(b, "/ns/k"))).body.value).toBe("b's");
    expectError(await call("GET", s.memory(b, "/ns/k"), undefined, { token: null }), 401, "Unauthenticated");
  });

  it("forgets an entry retentionDays after its last write, on the emulator clock", async () => {
    const rt = await s.runtime({ enabled: true, retentionDays: 7 });
    const old = await call("PUT", s.memory(rt, "/ns/old"), { value: 1, text: "remember me" });
    expect(Date.parse(old.body.expiresAt) - Date.parse(old.body.updatedAt)).toBe(7 * dayMs);
    await call("PUT", s.memory(rt, "/ns/refreshed"), { value: 1, text: "remember me" });
    await s.advance(4 * dayMs);
    await call("PUT", s.memory(rt, "/ns/refreshed"), { value: 2, text: "remember me" });
    await call("PUT", s.memory(rt, "/ns/young"), { value: 3, text: "remember me" });
    await s.advance(6 * dayMs);
    // old: 10 days since its write; refreshed and young: 6.
    expectError(await call("GET", s.memory(rt, "/ns/old")), 404, "NotFound");
    expect((await call("GET", s.memory(rt, "/ns/refreshed"))).body.value).toBe(2);
    const listed = await call("GET", s.memory(rt, "/ns"));
    expect(listed.body.items.map((i: { key: string }) => i.key)).toEqual(["young", "refreshed"]);
    expect((await call("GET", `${s.memory(rt)}?q=remember`)).body.items).toHaveLength(2);
    expectError(await call("DELETE", s.memory(rt, "/ns/old")), 404, "NotFound");
    // Purged, not only hidden.
    const stored = server.service.db
      .prepare("SELECT key FROM memory WHERE runtime_id = ? ORDER BY key")
      .all(rt.id)
      .map((r) => r.key);
    expect(stored).toEqual(["refreshed", "young"]);
    await s.advance(2 * dayMs);
    expect((await call("GET", s.memory(rt, "/ns"))).body.items).toEqual([]);
    expect((await call("GET", `${s.memory(rt)}?q=remember`)).body.items).toEqual([]);
  });

  it("says how much it holds (GET /v1/agent-runtimes/{id}/memory): entries within retention, their bytes, their namespaces", async () => {
    const rt = await s.runtime({ enabled: true, retentionDays: 7 });
    const size = async (id = rt.id, token: string | null = devToken) =>
      call("GET", `/v1/agent-runtimes/${id}/memory`, undefined, { token });
    expect((await size()).body).toEqual({ entries: 0, bytes: 0, namespaces: 0 });
    const put = (path: string, body: unknown) => call("PUT", s.memory(rt, path), body);
    const bytes = (value: unknown, text = "") => JSON.stringify(value).length + text.length;
    await put("/notes/n1", { value: { likes: ["tea"] }, text: "Likes tea" });
    await put("/notes/n2", { value: "plain" });
    await s.advance(4 * dayMs);
    await put("/profile/p1", { value: 42, text: "the answer" });
    // An overwrite counts once, at its new size.
    await put("/notes/n2", { value: "plainer" });
    const all = await size();
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      entries: 3,
      bytes: bytes({ likes: ["tea"] }, "Likes tea") + bytes("plainer") + bytes(42, "the answer"),
      namespaces: 2,
    });
    // The sizes the keys are listed with add up to it.
    const listed = [
      ...(await call("GET", s.memory(rt, "/notes"))).body.items,
      ...(await call("GET", s.memory(rt, "/profile"))).body.items,
    ];
    expect(listed.reduce((n: number, k: { bytes: number }) => n + k.bytes, 0)).toBe(all.body.bytes);

    // n1 is past retention 7 days after its write; a deleted entry counts no more.
    await s.advance(4 * dayMs);
    expect((await size()).body).toEqual({
      entries: 2,
      bytes: bytes("plainer") + bytes(42, "the answer"),
      namespaces: 2,
    });
    await call("DELETE", s.memory(rt, "/profile/p1"));
    expect((await size()).body).toEqual({ entries: 1, bytes: bytes("plainer"), namespaces: 1 });

    // Memory turned off: what it keeps is still counted (it is served again once turned on).
    const off = await call("PATCH", `/v1/agent-runtimes/${rt.id}`, { memory: { enabled: false } }, wait);
    expect(off.status, JSON.stringify(off.body)).toBe(202);
    expect((await size()).body).toEqual({ entries: 1, bytes: bytes("plainer"), namespaces: 1 });

    // Only the runtime's account reads it.
    expectError(await size(rt.id, otherToken), 404, "NotFound");
    expectError(await size(rt.id, null), 401, "Unauthenticated");
    expectError(await size("ar-nope"), 404, "NotFound");
  });

  it("answers 409 Conflict while memory is not enabled, and serves it once enabled", async () => {
    const rt = await s.runtime({ enabled: false });
    const conflict = async (method: string, rest: string, body?: unknown) => {
      const answer = await call(method, s.memory(rt, rest), body);
      expectError(answer, 409, "Conflict");
      expect(answer.body.error.message).toMatch(/memory is not enabled/);
    };
    await conflict("PUT", "/ns/k", { value: 1 });
    await conflict("GET", "/ns/k");
    await conflict("DELETE", "/ns/k");
    await conflict("GET", "/ns");
    await conflict("GET", "?q=anything");
    expect((await call("GET", `/v1/agent-runtimes/${rt.id}`)).body.memory).toEqual({
      enabled: false,
      retentionDays: 30,
    });
    const patched = await call("PATCH", `/v1/agent-runtimes/${rt.id}`, { memory: { enabled: true } }, wait);
    expect(patched.status, JSON.stringify(patched.body)).toBe(202);
    expect((await call("PUT", s.memory(rt, "/ns/k"), { value: 1 })).status).toBe(200);
    expectError(await call("GET", "/agents/ar-nope/invoke/memory/ns/k"), 404, "NotFound");
  });
});

describe("an agent runtime's memory across a restart", () => {
  it("is still there when another server starts on the same data directory", async () => {
    const dataDir = dataDirOf("memory-restart");
    const first = await startMockCloudServer({ port: 0, dataDir, tokens });
    const one = client(first.url, devToken);
    const s1 = speaker(one.call);
    const rt = await s1.runtime({ enabled: true, retentionDays: 7 });
    const put = await one.call("PUT", s1.memory(rt, "/facts/k1"), {
      value: { kept: true },
      text: "durable words",
    });
    expect(put.status).toBe(200);
    await one.call("PUT", s1.memory(rt, "/facts/k2"), { value: "second" });
    await one.call("DELETE", s1.memory(rt, "/facts/k2"));
    await one.close();
    await first.close();

    const second = await startMockCloudServer({ port: 0, dataDir, tokens });
    const two = client(second.url, devToken);
    try {
      const s2 = speaker(two.call);
      // The runtime's invokeUrl names the first server; its path is the same on the second.
      const moved = rt;
      expect((await two.call("GET", s2.memory(moved, "/facts/k1"))).body).toEqual(put.body);
      expectError(await two.call("GET", s2.memory(moved, "/facts/k2")), 404, "NotFound");
      expect(
        (await two.call("GET", s2.memory(moved, "/facts"))).body.items.map((i: { key: string }) => i.key),
      ).toEqual(["k1"]);
      expect((await two.call("GET", `${s2.memory(moved)}?q=DURABLE`)).body.items).toEqual([
        { ...put.body, matches: 1 },
      ]);
      expectError(
        await two.call("GET", s2.memory(moved, "/facts/k1"), undefined, { token: otherToken }),
        404,
        "NotFound",
      );
    } finally {
      await two.close();
      await second.close();
    }
  });
});
