import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { createMockCloud } from "../../provider/mock-cloud/index.ts";
import { type Answer, client } from "../support/cloud-client.ts";
import { pooledEndpoint } from "../support/fixtures.ts";
import { scratchRoot } from "../support/paths.ts";
import {
  adapters,
  cluster,
  dev,
  expectError,
  freshAndImmediate,
  other,
  tokens,
  useAdapterCloud,
} from "./fixtures.ts";

/** The store's side of the contract (page tokens, snapshots, idempotency keys, names), on both adapters. */

describe.each(adapters)("the store's contract on $name", (adapter) => {
  const { call, adminCall } = useAdapterCloud(adapter, async (adminCall) => {
    await freshAndImmediate(adminCall);
    await adminCall("PUT", "/_mock/limits", { chipsPerType: 1_000_000, capacityPerRegion: 1_000_000 });
  });

  async function created(body: unknown, as: string = dev): Promise<string> {
    const a = await call("POST", "/v1/chip-clusters", body, { token: as });
    expect(a.status).toBe(202);
    return a.body.resource.id;
  }

  describe("page tokens", () => {
    it("carry their own position: deleting the last item of a page neither ends the list early nor skips or repeats a survivor", async () => {
      const names = Array.from({ length: 7 }, (_, i) => `c${i}`);
      for (const n of names) await created(cluster(n));
      const seen: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const page: Answer = await call(
          "GET",
          `/v1/chip-clusters?pageSize=2${token ? `&pageToken=${token}` : ""}`,
        );
        expect(page.status).toBe(200);
        const items = page.body.items as { id: string; name: string }[];
        seen.push(...items.map((c) => c.name));
        token = page.body.nextPageToken;
        pages++;
        // The last item of every page goes away before the next page is asked for.
        const last = items.at(-1);
        if (last) {
          expect((await call("DELETE", `/v1/chip-clusters/${last.id}`)).status).toBe(202);
          expectError(await call("GET", `/v1/chip-clusters/${last.id}`), 404, "NotFound");
        }
      } while (token && pages < 10);
      // Creates within one millisecond list in id order: compare as sets, and count.
      expect([...seen].sort()).toEqual(names);
      expect(pages).toBe(4);
    });

    it("skip items deleted ahead of the cursor and show items created behind it exactly once", async () => {
      for (const n of ["d0", "d1", "d2", "d3", "d4"]) await created(cluster(n));
      const all = (await call("GET", "/v1/chip-clusters?pageSize=500")).body.items as {
        id: string;
        name: string;
      }[];
      const first = await call("GET", "/v1/chip-clusters?pageSize=2");
      expect(first.body.items).toEqual(all.slice(0, 2));
      // The whole first page (the cursor's own row with it) and one item ahead go away.
      for (const c of [all[0], all[1], all[3]]) await call("DELETE", `/v1/chip-clusters/${c?.id}`);
      // Created a second later on the emulator clock: after the cursor for sure.
      await adminCall("POST", "/_mock/clock/advance", { ms: 1000 });
      await created(cluster("d5"));
      const rest: string[] = [];
      let token: string | null = first.body.nextPageToken;
      while (token) {
        const page: Answer = await call("GET", `/v1/chip-clusters?pageSize=2&pageToken=${token}`);
        expect(page.status).toBe(200);
        rest.push(...page.body.items.map((c: { name: string }) => c.name));
        token = page.body.nextPageToken;
      }
      expect(rest).toEqual([all[2]?.name, all[4]?.name, "d5"]);
    });

    it("are bound to the account, collection and region filter they were issued for: any other token is 400 InvalidPageToken, always the same answer", async () => {
      const mine = [await created(cluster("a0")), await created(cluster("a1")), await created(cluster("a2"))];
      // The other account's resources, created after these.
      await created(cluster("b0"), other);
      await created(cluster("b1"), other);
      const as = { token: other };
      const bad: Answer[] = [];
      // The old oracle: a token made of another account's id pages through this account's later items.
      for (const id of mine) {
        bad.push(
          await call(
            "GET",
            `/v1/chip-clusters?pageToken=${Buffer.from(id).toString("base64url")}`,
            undefined,
            as,
          ),
        );
      }
      const issued = (await call("GET", "/v1/chip-clusters?pageSize=1")).body.nextPageToken as string;
      const inRegion = (await call("GET", "/v1/chip-clusters?pageSize=1&region=cn-hangzhou")).body
        .nextPageToken as string;
      expect(issued).toEqual(expect.any(String));
      expect(inRegion).toEqual(expect.any(String));
      // Another account, another collection, another (or no) region filter.
      bad.push(await call("GET", `/v1/chip-clusters?pageToken=${issued}`, undefined, as));
      bad.push(await call("GET", `/v1/model-endpoints?pageToken=${issued}`));
      bad.push(await call("GET", `/v1/chip-clusters?pageToken=${issued}&region=cn-hangzhou`));
      bad.push(await call("GET", `/v1/chip-clusters?pageToken=${inRegion}`));
      bad.push(await call("GET", `/v1/chip-clusters?pageToken=${inRegion}&region=cn-beijing`));
      // Forged: another position under the issued signature, a changed signature, another version.
      const [v, , signature] = issued.split(".");
      const forged = Buffer.from(JSON.stringify(["1970-01-01T00:00:00.000Z", ""])).toString("base64url");
      bad.push(await call("GET", `/v1/chip-clusters?pageToken=${v}.${forged}.${signature}`));
      const flipped = issued.slice(0, -2) + (issued.endsWith("AA") ? "BB" : "AA");
      bad.push(await call("GET", `/v1/chip-clusters?pageToken=${flipped}`));
      bad.push(await call("GET", `/v1/chip-clusters?pageToken=v2${issued.slice(2)}`));
      // Malformed.
      for (const t of ["%%%", "abc", "v1.", "v1..", "v1.x.y", `${issued}.x`]) {
        bad.push(await call("GET", `/v1/chip-clusters?pageToken=${encodeURIComponent(t)}`));
      }
      const answers = bad.map((a) => {
        expectError(a, 400, "InvalidPageToken");
        const { requestId: _requestId, ...rest } = a.body.error;
        return rest;
      });
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      // The issued tokens still work where they were issued.
      const next = await call("GET", `/v1/chip-clusters?pageSize=1&pageToken=${issued}`);
      expect(next.status).toBe(200);
      expect(next.body.items).toHaveLength(1);
      const nextInRegion = await call(
        "GET",
        `/v1/chip-clusters?pageSize=1&region=cn-hangzhou&pageToken=${inRegion}`,
      );
      expect(nextInRegion.status).toBe(200);
      expect(nextInRegion.body.items).toEqual(next.body.items);
    });

    it("are documented: list operations name InvalidPageToken among their 400 answers", async () => {
      const doc = (await call("GET", "/openapi.json")).body;
      for (const collection of ["chip-clusters", "model-endpoints", "agent-runtimes"]) {
        expect(doc.paths[`/v1/${collection}`].get.responses["400"].description).toContain("InvalidPageToken");
      }
    });
  });

  describe("snapshot and restore", () => {
    async function names(as: string = dev): Promise<string[]> {
      const out: string[] = [];
      let token: string | null = null;
      do {
        const page: Answer = await call(
          "GET",
          `/v1/chip-clusters?pageSize=500${token ? `&pageToken=${token}` : ""}`,
          undefined,
          { token: as },
        );
        expect(page.status).toBe(200);
        out.push(...page.body.items.map((c: { name: string }) => c.name));
        token = page.body.nextPageToken;
      } while (token);
      return out.sort();
    }

    it("takes back its own snapshot far past the API's 256 KiB body limit", async () => {
      const wanted = Array.from({ length: 300 }, (_, i) => `big-${String(i).padStart(3, "0")}`);
      for (let i = 0; i < wanted.length; i += 20) {
        await Promise.all(wanted.slice(i, i + 20).map((n) => created(cluster(n))));
      }
      const snap = await adminCall("POST", "/_mock/snapshot");
      expect(snap.status).toBe(200);
      expect(Buffer.byteLength(JSON.stringify(snap.body))).toBeGreaterThan(256 * 1024);
      await adminCall("POST", "/_mock/reset", {});
      expect(await names()).toEqual([]);
      const restored = await adminCall("POST", "/_mock/restore", snap.body);
      expect(restored.status).toBe(200);
      expect(await names()).toEqual(wanted);
    });

    it("takes back a snapshot of every kind in flight: secrets, updates to roll back, idempotency keys", async () => {
      await adminCall("PUT", "/_mock/transitions", { ChipCluster: { mode: "duration", ms: 60_000 } });
      await call("POST", "/v1/chip-clusters", cluster("slow"), { headers: { "idempotency-key": "k-slow" } });
      const endpoint = await call("POST", "/v1/model-endpoints", pooledEndpoint("pool", 5000));
      expect(endpoint.status).toBe(202);
      const runtime = await call("POST", "/v1/agent-runtimes", {
        name: "rt",
        region: "cn-hangzhou",
        artifact: { image: "a:1" },
        models: [{ endpointId: endpoint.body.resource.id, role: "primary" }],
        secretEnv: { API_KEY: "s3cr3t-value" },
      });
      expect(runtime.status).toBe(202);
      const id = runtime.body.resource.id;
      await call("GET", `/v1/agent-runtimes/${id}`);
      await adminCall("PUT", "/_mock/transitions", { AgentRuntime: { mode: "reads", reads: 5 } });
      expect((await call("PATCH", `/v1/agent-runtimes/${id}`, { artifact: { image: "a:2" } })).status).toBe(
        202,
      );
      const before = (await call("GET", `/v1/agent-runtimes/${id}`)).body;
      const snap = await adminCall("POST", "/_mock/snapshot");
      await adminCall("POST", "/_mock/reset", {});
      const restored = await adminCall("POST", "/_mock/restore", snap.body);
      expect(restored.body).toEqual({ restored: true });
      expect((await call("GET", `/v1/agent-runtimes/${id}`)).body).toMatchObject({
        ...before,
        etag: expect.any(String),
      });
      expect(await names()).toEqual(["slow"]);
      // What the snapshot held: an update in flight with what to roll back to, and a key.
      expect(before.status).toBe("UPDATING");
      expect(snap.body.tables.operations.some((o: { previous: unknown }) => o.previous !== null)).toBe(true);
      expect(snap.body.tables.idempotency).toHaveLength(1);
    });

    it("refuses a snapshot with a bad row (400 naming table, row and reason) and changes nothing", async () => {
      const kept = await created(cluster("kept"));
      const snap = (await adminCall("POST", "/_mock/snapshot")).body;
      // Made after the snapshot: a restore that went through would take it away.
      await created(cluster("later"));
      const limits = (await adminCall("GET", "/_mock/limits")).body;
      const edit = (f: (t: Record<string, Record<string, unknown>[]>) => void) => {
        const copy = structuredClone(snap);
        f(copy.tables);
        return copy;
      };
      const metaRow = (t: Record<string, Record<string, unknown>[]>, key: string) =>
        (t.meta ?? []).findIndex((r) => r.key === key);
      const limitsRow = metaRow(snap.tables, "limits");
      expect(limitsRow).toBeGreaterThanOrEqual(0);
      const cases: { snapshot: unknown; table: string; row: number; reason: RegExp }[] = [
        {
          snapshot: edit((t) => {
            (t.meta as Record<string, unknown>[])[limitsRow] = { key: "limits", value: "{oops" };
          }),
          table: "meta",
          row: limitsRow,
          reason: /not JSON/,
        },
        {
          snapshot: edit((t) => {
            (t.meta as Record<string, unknown>[])[limitsRow] = {
              key: "limits",
              value: '{"chipsPerType":-1}',
            };
          }),
          table: "meta",
          row: limitsRow,
          reason: /chipsPerType/,
        },
        {
          snapshot: edit((t) => {
            t.meta?.push({ key: "favouriteColour", value: '"blue"' });
          }),
          table: "meta",
          row: snap.tables.meta.length,
          reason: /unknown key/,
        },
        {
          snapshot: edit((t) => {
            (t.resources?.[0] as Record<string, unknown>).body = "{not json";
          }),
          table: "resources",
          row: 0,
          reason: /body is not JSON/,
        },
        {
          snapshot: edit((t) => {
            const r = t.resources?.[0] as Record<string, unknown>;
            r.body = JSON.stringify({ ...JSON.parse(r.body as string), status: "ON_FIRE" });
          }),
          table: "resources",
          row: 0,
          reason: /status/,
        },
        {
          snapshot: edit((t) => {
            (t.resources?.[0] as Record<string, unknown>).id = "cc-000000000000";
          }),
          table: "resources",
          row: 0,
          reason: /id does not match/,
        },
        {
          snapshot: edit((t) => {
            t.resources?.push({ ...(t.resources[0] as Record<string, unknown>) });
          }),
          table: "resources",
          row: 1,
          reason: /duplicate/,
        },
        {
          snapshot: edit((t) => {
            (t.operations?.[0] as Record<string, unknown>).status = "DONE";
          }),
          table: "operations",
          row: 0,
          reason: /status/,
        },
        {
          snapshot: edit((t) => {
            t.idempotency = [{ account: "dev", key: "k", resource_id: kept, operation_id: "op-1" }];
          }),
          table: "idempotency",
          row: 0,
          reason: /body_hash/,
        },
        {
          snapshot: edit((t) => {
            t.resources = [{ "id; DROP": 1 }];
          }),
          table: "resources",
          row: 0,
          reason: /unknown column/,
        },
      ];
      for (const c of cases) {
        const a = await adminCall("POST", "/_mock/restore", c.snapshot);
        expectError(a, 400, "ValidationError");
        expect(a.body.error.details).toMatchObject({
          table: c.table,
          row: c.row,
          reason: expect.stringMatching(c.reason),
        });
        expect(a.body.error.message).toContain(`${c.table}[${c.row}]`);
        // Nothing changed: both resources there, every call answers, the limits as they were.
        expect(await names()).toEqual(["kept", "later"]);
        expect((await call("GET", `/v1/chip-clusters/${kept}`)).status).toBe(200);
        expect((await adminCall("GET", "/_mock/limits")).body).toEqual(limits);
      }
      const unknownTable = await adminCall("POST", "/_mock/restore", { version: 1, tables: { users: [] } });
      expectError(unknownTable, 400, "ValidationError");
      expect(unknownTable.body.error.details).toMatchObject({ table: "users" });
      expect(await names()).toEqual(["kept", "later"]);
    });
  });

  describe("names", () => {
    it("answers a create whose name is taken with 409 Conflict naming the resource that holds it", async () => {
      const id = await created(cluster("taken"));
      const a = await call("POST", "/v1/chip-clusters", cluster("taken", { hyperNodeCount: 2 }));
      expectError(a, 409, "Conflict");
      expect(a.body.error.message).toBe(`a ChipCluster named taken already exists in cn-hangzhou (${id})`);
      expect(a.body.error.details).toEqual({ field: "name", existingId: id });
      // The other account's resource of that name is not this account's business.
      const mine = await created(cluster("taken"), other);
      expect(mine).not.toBe(id);
      const b = await call("POST", "/v1/chip-clusters", cluster("taken"), { token: other });
      expect(b.body.error.details.existingId).toBe(mine);
    });
  });

  describe("idempotency keys", () => {
    it("expire 24 hours after they were stored, on the emulator clock: the key then starts a new create and is stored afresh", async () => {
      const key = { headers: { "idempotency-key": "k-expiring" } };
      const first = await call("POST", "/v1/chip-clusters", cluster("first"), key);
      expect(first.status).toBe(202);
      await adminCall("POST", "/_mock/clock/advance", { ms: 23 * 3_600_000 });
      // 23 hours on: remembered.
      const replayed = await call("POST", "/v1/chip-clusters", cluster("first"), key);
      expect(replayed.status).toBe(202);
      expect(replayed.body.resource.id).toBe(first.body.resource.id);
      expect(replayed.body.operation.id).toBe(first.body.operation.id);
      expectError(
        await call("POST", "/v1/chip-clusters", cluster("second"), key),
        409,
        "IdempotencyMismatch",
      );
      await adminCall("POST", "/_mock/clock/advance", { ms: 3_600_000 + 1000 });
      // Past 24 hours: forgotten, so another body is a new create under the same key.
      const second = await call("POST", "/v1/chip-clusters", cluster("second"), key);
      expect(second.status).toBe(202);
      expect(second.body.resource.id).not.toBe(first.body.resource.id);
      // The key now answers for the new create, and its 24 hours start again.
      await adminCall("POST", "/_mock/clock/advance", { ms: 23 * 3_600_000 });
      const again = await call("POST", "/v1/chip-clusters", cluster("second"), key);
      expect(again.body.resource.id).toBe(second.body.resource.id);
      expect(again.body.operation.id).toBe(second.body.operation.id);
      expectError(await call("POST", "/v1/chip-clusters", cluster("first"), key), 409, "IdempotencyMismatch");
      // Both clusters are there: the expired key never replayed the first one.
      expect((await call("GET", "/v1/chip-clusters")).body.items).toHaveLength(2);
    });
  });
});

describe("schema migration 4 (idempotency keys remember when they were stored)", () => {
  it("gives keys stored before it the time of the create they answered, so they neither expire at once nor live forever", async () => {
    const dataDir = mkdtempSync(join(scratchRoot, "store-migration-"));
    const post = (cloud: ReturnType<typeof createMockCloud>, name: string) =>
      client(cloud, dev, { conformance: false }).call("POST", "/v1/chip-clusters", cluster(name), {
        headers: { "idempotency-key": "k-old" },
      });
    const before = createMockCloud({ dataDir, tokens });
    const first = (await post(before, "old")).body as {
      resource: { id: string };
      operation: { createdAt: string };
    };
    before.close();
    // Back to a store of schema 3: no stored_at column.
    const raw = new DatabaseSync(join(dataDir, "agentcloud.sqlite"));
    raw.exec(
      "ALTER TABLE idempotency DROP COLUMN stored_at; ALTER TABLE idempotency DROP COLUMN kind; ALTER TABLE idempotency DROP COLUMN released_at; ALTER TABLE idempotency DROP COLUMN owner; " +
        // Columns later migrations add to tables that schema 3 had.
        "DROP INDEX usage_runtime_at; ALTER TABLE usage DROP COLUMN runtime_id; ALTER TABLE usage DROP COLUMN sandbox_seconds; ALTER TABLE tasks DROP COLUMN status; PRAGMA user_version = 3;",
    );
    raw.close();
    const after = createMockCloud({ dataDir, tokens });
    try {
      const row = after.service.db.prepare("SELECT stored_at FROM idempotency").get() as {
        stored_at: string;
      };
      expect(row.stored_at).toBe(first.operation.createdAt);
      const replayed = (await post(after, "old")).body as { resource: { id: string } };
      expect(replayed.resource.id).toBe(first.resource.id);
      after.service.clock.advance(24 * 3_600_000 + 1000);
      // Expired: the same key with another body is a new create, not a mismatch.
      expect((await post(after, "new")).status).toBe(202);
    } finally {
      after.close();
    }
  });
});

describe("idempotency rows", () => {
  it("are deleted once they answer nothing: expired unreleased, or their resource gone", async () => {
    const cloud = createMockCloud({ dataDir: ":memory:", tokens });
    try {
      const api = client(cloud, dev, { conformance: false });
      const post = (name: string, key: string) =>
        api.call("POST", "/v1/chip-clusters", cluster(name), { headers: { "idempotency-key": key } });
      const kept = await post("kept", "k-kept");
      await api.call("POST", `/v1/idempotency-keys/k-kept/release`);
      const gone = await post("gone", "k-gone");
      await post("stale", "k-stale");
      await api.call("DELETE", `/v1/chip-clusters/${gone.body.resource.id}`);
      cloud.service.clock.advance(25 * 3_600_000);
      await post("later", "k-later");
      const rows = (
        cloud.service.db.prepare("SELECT key FROM idempotency ORDER BY key").all() as { key: string }[]
      ).map((r) => r.key);
      expect(rows).toEqual(["k-kept", "k-later"]);
      expect(kept.status).toBe(202);
    } finally {
      cloud.close();
    }
  });
});

describe("schema version", () => {
  it("is SQLite's user_version; a store that kept it in a schema_version table opens without migrating twice", () => {
    const dataDir = mkdtempSync(join(scratchRoot, "store-version-"));
    const file = join(dataDir, "agentcloud.sqlite");
    createMockCloud({ dataDir, tokens }).close();
    const raw = new DatabaseSync(file);
    const latest = (raw.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
    expect(latest).toBeGreaterThanOrEqual(6);
    // As an earlier release left it: the version in a table, none in the header.
    raw.exec(
      `PRAGMA user_version = 0; CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (${latest});`,
    );
    raw.close();
    const reopened = createMockCloud({ dataDir, tokens });
    try {
      const db = reopened.service.db;
      expect((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(latest);
      expect(
        db.prepare("SELECT name FROM sqlite_master WHERE name = 'schema_version'").get(),
      ).toBeUndefined();
    } finally {
      reopened.close();
    }
  });
});
