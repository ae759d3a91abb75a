import { beforeAll, describe, expect, it } from "vitest";
import { getClient, setConfig } from "../../provider/runtime/config.ts";
import { autoName, firstLineage, idempotencyKey } from "../../provider/runtime/identity.ts";
import { handlers } from "../../provider/runtime/index.ts";
import { forgetUnrecordedKeys } from "../../provider/runtime/recorded.ts";
import type { TestCloud } from "../../provider/testing/index.ts";
import type { Client } from "../support/cloud-client.ts";
import { useTestCloud } from "../support/endpoints.ts";

const h = handlers.ChipCluster;
let cloud: TestCloud;
/** The API from outside the provider, as another tool (or an earlier, interrupted run) calls it. */
let outside: Client;
const spec = { region: "cn-hangzhou", chipType: "zhenwu-810e", chipsPerHyperNode: 8, hyperNodeCount: 1 };

async function inputs(name: string | undefined, extra: Record<string, unknown> = {}) {
  const { inputs, failures } = await h.check(
    {},
    { ...spec, ...extra, ...(name ? { name } : {}), __provider: "serialized-provider" },
  );
  expect(failures).toEqual([]);
  return inputs;
}

/** A testing-kit cloud for the enclosing describe block (reset before each test), with the provider configured for it. */
function withCloud() {
  const t = useTestCloud();
  beforeAll(() => {
    ({ cloud, api: outside } = t);
    setConfig({ endpoint: cloud.url, token: cloud.token });
  });
}

/** A cluster made through the API, not by the provider: its id. */
async function madeOutside(body: Record<string, unknown>): Promise<string> {
  return (await outside.call("POST", "/v1/chip-clusters", body)).body.resource.id;
}

describe("provider handlers against the emulator (testing kit)", () => {
  withCloud();

  it("creates with one request when provisioning is immediate, and leaves its key held: only the engine's record releases it", async () => {
    const { outs } = await h.create(await inputs("quick"));
    expect(outs).toMatchObject({ status: "ACTIVE", readyHyperNodes: 1 });
    // Not known to be released: state says nothing (`__released` is stored once an update releases it).
    expect(outs).not.toHaveProperty("__released");
    const made = (await cloud.admin.requests(1000)).filter((r) => r.path.startsWith("/v1/"));
    expect(made.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/chip-clusters"]);
    const key = await getClient()
      .idempotencyKeys()
      .get(outs.__key as string, Date.now() + 5000);
    expect(key).toMatchObject({ released: false });
  });

  it("keeps a cluster that failed to provision in state as a partial create, with its id", async () => {
    await cloud.admin.fault({
      kind: "ChipCluster",
      operation: "provision",
      code: "InternalError",
      message: "hyper-node failed burn-in",
    });
    const e = (await h.create(await inputs("burnin")).catch((x: unknown) => x)) as Error & {
      id?: string;
      properties?: Record<string, unknown>;
      reasons?: string[];
    };
    expect(e.message).toMatch(/ChipCluster "burnin".*hyper-node failed burn-in/);
    expect(e.id).toMatch(/^cc-/);
    expect(e.properties).toMatchObject({
      status: "FAILED",
      name: "burnin",
      __provider: "serialized-provider",
    });
    expect(e.reasons?.[0]).toContain("burn-in");
  });

  it("retries a create refused with 503 and creates exactly one cluster", async () => {
    await cloud.admin.fault({
      kind: "ChipCluster",
      operation: "create",
      status: 503,
      code: "CapacityUnavailable",
      retryAfterSeconds: 0,
      remaining: 2,
    });
    const { id, outs } = await h.create(await inputs("retried"));
    expect(outs).toMatchObject({ status: "ACTIVE", totalChips: 8 });
    const creates = (await cloud.admin.requests()).filter(
      (r) => r.method === "POST" && r.path === "/v1/chip-clusters",
    );
    expect(creates.map((r) => r.status)).toEqual([503, 503, 202]);
    expect(id).toMatch(/^cc-/);
  });

  /** The POST a create killed after the cloud accepted it left behind: same key, never released. */
  async function interruptedCreate(body: Record<string, unknown>, scope = "proj/dev/training") {
    const res = await outside.call("POST", "/v1/chip-clusters", body, {
      headers: { "idempotency-key": idempotencyKey(firstLineage("ChipCluster", scope)) },
    });
    expect(res.status).toBe(202);
    return res.body.resource.id as string;
  }

  it("adopts what an interrupted create made (same key, never released) instead of duplicating", async () => {
    const name = autoName("proj/dev/training", firstLineage("ChipCluster", "proj/dev/training"));
    const earlier = await interruptedCreate({ ...spec, name });
    const { id, outs } = await h.create(await inputs(undefined, { __scope: "proj/dev/training" }));
    expect(id).toBe(earlier);
    expect(outs.name).toBe(name);
    const key = await getClient()
      .idempotencyKeys()
      .get(idempotencyKey(firstLineage("ChipCluster", "proj/dev/training")), Date.now() + 5000);
    expect(key).toMatchObject({ resourceId: id, released: false });
  });

  it("creates a new resource, with a new automatic name, when the first one's key was released (a replacement)", async () => {
    // Each recorded by the engine in between, and so released (as the program does).
    const recorded = async () => {
      const made = await h.create(await inputs(undefined, { __scope: "proj/dev/training" }));
      await getClient()
        .idempotencyKeys()
        .releaseMany([made.outs.__key as string], Date.now() + 5000);
      return made;
    };
    const first = await recorded();
    const second = await recorded();
    const third = await recorded();
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    expect(new Set([first.outs.name, second.outs.name, third.outs.name]).size).toBe(3);
    const creates = (await cloud.admin.requests()).filter(
      (r) => r.method === "POST" && r.path === "/v1/chip-clusters",
    );
    // The third walked past two released keys before it found a free one.
    expect(creates.map((r) => r.status)).toEqual([202, 409, 202, 409, 409, 202]);
  });

  it("takes over an interrupted create whose mutable values changed since, and updates them", async () => {
    const name = autoName("proj/dev/training", firstLineage("ChipCluster", "proj/dev/training"));
    const earlier = await interruptedCreate({ ...spec, name });
    const { id, outs } = await h.create(
      await inputs(undefined, { __scope: "proj/dev/training", hyperNodeCount: 2 }),
    );
    expect(id).toBe(earlier);
    expect(outs).toMatchObject({ hyperNodeCount: 2, totalChips: 16, status: "ACTIVE" });
  });

  it("records an interrupted create whose create-only values changed, so the next up replaces it", async () => {
    const name = autoName("proj/dev/training", firstLineage("ChipCluster", "proj/dev/training"));
    const earlier = await interruptedCreate({ ...spec, name, chipsPerHyperNode: 16 });
    const e = (await h
      .create(await inputs(undefined, { __scope: "proj/dev/training" }))
      .catch((x) => x)) as Error & {
      id?: string;
      properties?: Record<string, unknown>;
    };
    expect(e.message).toMatch(/chipsPerHyperNode differ .* the next `pulumi up` replaces it/);
    expect(e.id).toBe(earlier);
    expect(e.properties).toMatchObject({ chipsPerHyperNode: 16 });
  });

  it("takes an existing resource over with adoptId; without adoptId, a later create of the resource is a new one", async () => {
    const made = await madeOutside({ ...spec, name: "made-by-hand" });
    const adopted = await h.create(
      await inputs(undefined, { __scope: "proj/dev/adopted", __adoptId: made, hyperNodeCount: 3 }),
    );
    expect(adopted.id).toBe(made);
    expect(adopted.outs).toMatchObject({ name: "made-by-hand", hyperNodeCount: 3 });
    // While adoptId names it, a create is that resource again; without, it is a new one.
    const again = await h.create(await inputs(undefined, { __scope: "proj/dev/adopted", __adoptId: made }));
    expect(again.id).toBe(made);
    const replacement = await h.create(await inputs(undefined, { __scope: "proj/dev/adopted" }));
    expect(replacement.id).not.toBe(made);
  });

  it("takes an adopted resource over again once its state is gone (`pulumi state delete`), instead of duplicating it", async () => {
    const made = await madeOutside({ ...spec, name: "adopted-twice" });
    const args = { __scope: "proj/dev/again", __adoptId: made };
    expect((await h.create(await inputs(undefined, args))).id).toBe(made);
    expect((await h.create(await inputs(undefined, args))).id).toBe(made);
    expect(
      (await cloud.admin.requests()).filter((r) => r.method === "POST" && r.path === "/v1/chip-clusters"),
    ).toHaveLength(1);
  });

  it("gives two resources of one logical name under different parents their own resources", async () => {
    const a = await h.create(
      await inputs(undefined, { __scope: "proj/dev/ep", __parent: "urn:pulumi:dev::proj::A::a" }),
    );
    const b = await h.create(
      await inputs(undefined, { __scope: "proj/dev/ep", __parent: "urn:pulumi:dev::proj::B::b" }),
    );
    expect(a.id).not.toBe(b.id);
    expect(a.outs.name).not.toBe(b.outs.name);
  });

  it("releases in a diff the held key of a recorded resource (killed between record and release), planning no change", async () => {
    const scope = "proj/dev/unreleased";
    const key = idempotencyKey(firstLineage("ChipCluster", scope));
    const earlier = await interruptedCreate(
      { ...spec, name: autoName(scope, firstLineage("ChipCluster", scope)) },
      scope,
    );
    const news = (await h.check({}, { ...spec, __scope: scope, __provider: "p" })).inputs;
    const olds = { ...news, status: "ACTIVE", __key: key, __released: false };
    forgetUnrecordedKeys();
    expect((await h.diff(earlier, olds, news)).changes).toBe(false);
    expect(
      await getClient()
        .idempotencyKeys()
        .get(key, Date.now() + 5000),
    ).toMatchObject({ resourceId: earlier, released: true });
    // An update releases a key it finds held, and records that it did.
    const updated = await h.update(earlier, olds, { ...news, tags: { team: "infra" } });
    expect(updated.outs).toMatchObject({ __key: key, __released: true });
  });

  it("releases the old resource's key in a diff that plans a replacement, so the replacement is a new resource", async () => {
    const scope = "proj/dev/reshaped";
    const made = await h.create(await inputs(undefined, { __scope: scope }));
    const news = (await h.check({}, { ...spec, chipsPerHyperNode: 16, __scope: scope, __provider: "p" }))
      .inputs;
    expect(await h.diff(made.id, made.outs, news)).toMatchObject({
      changes: true,
      replaces: ["chipsPerHyperNode"],
    });
    const replacement = await h.create(news);
    expect(replacement.id).not.toBe(made.id);
  });

  it("finds a replacement a killed run left outside the stack, and finishes it: the create takes it over", async () => {
    const scope = "proj/dev/half-replaced";
    const made = await h.create(await inputs(undefined, { __scope: scope }));
    await getClient()
      .idempotencyKeys()
      .releaseMany([made.outs.__key as string], Date.now() + 5000);
    // The replacement's create, accepted by the cloud, then its engine killed: in no state.
    const orphan = await h.create(await inputs(undefined, { __scope: scope }));
    expect(orphan.id).not.toBe(made.id);
    const news = await inputs(undefined, { __scope: scope });
    forgetUnrecordedKeys();
    const diff = await h.diff(made.id, made.outs, news);
    expect(diff).toMatchObject({ changes: true, replaces: ["__key"], deleteBeforeReplace: false });
    // The replacement the engine then runs is handed the orphan back instead of making a third.
    const finished = await h.create(news);
    expect(finished.id).toBe(orphan.id);
    const held = await outside.call("GET", "/v1/chip-clusters");
    expect(held.body.items.map((r: { id: string }) => r.id).sort()).toEqual([made.id, orphan.id].sort());
    // Once recorded, the resource has no unfinished replacement.
    await getClient()
      .idempotencyKeys()
      .releaseMany([finished.outs.__key as string], Date.now() + 5000);
    forgetUnrecordedKeys();
    expect((await h.diff(finished.id, finished.outs, news)).changes).toBe(false);
  });

  it("finishes a delete-before-replace whose create was killed: the freed key now holds the replacement, which is not released", async () => {
    const scope = "proj/dev/named";
    const old = await h.create(await inputs("keeps-its-name", { __scope: scope }));
    const key = old.outs.__key as string;
    await getClient()
      .idempotencyKeys()
      .releaseMany([key], Date.now() + 5000);
    // The replacement deleted the old resource first, then its create (under the freed key) was killed.
    await h.delete(old.id, old.outs);
    const replacement = await h.create(
      await inputs("keeps-its-name", { __scope: scope, chipsPerHyperNode: 16 }),
    );
    expect(replacement.outs.__key).toBe(key);
    // The next up still has the old resource in state and diffs it.
    const news = await inputs("keeps-its-name", { __scope: scope, chipsPerHyperNode: 16 });
    forgetUnrecordedKeys();
    expect(await h.diff(old.id, old.outs, news)).toMatchObject({ changes: true });
    expect(
      await getClient()
        .idempotencyKeys()
        .get(key, Date.now() + 5000),
    ).toMatchObject({
      resourceId: replacement.id,
      released: false,
    });
    // So its create is handed the replacement back, not refused by the name it holds.
    expect((await h.create(news)).id).toBe(replacement.id);
  });

  it("moves past its own automatic name when the key that made it expired unreleased (a --replace after 24 h)", async () => {
    const scope = "proj/dev/expired";
    const old = await h.create(await inputs(undefined, { __scope: scope }));
    await cloud.admin.advanceClock(25 * 3_600_000);
    const replacement = await h.create(await inputs(undefined, { __scope: scope }));
    expect(replacement.id).not.toBe(old.id);
    expect(replacement.outs.name).not.toBe(old.outs.name);
  });

  it("takes over a create left unrecorded under a name the resource had before (an alias)", async () => {
    const earlier = await interruptedCreate(
      { ...spec, name: autoName("proj/dev/before", firstLineage("ChipCluster", "proj/dev/before")) },
      "proj/dev/before",
    );
    const renamed = await h.create(
      await inputs(undefined, { __scope: "proj/dev/after", __aliasScopes: ["proj/dev/before"] }),
    );
    expect(renamed.id).toBe(earlier);
    expect((await outside.call("GET", "/v1/chip-clusters")).body.items).toHaveLength(1);
  });

  it("reads a resource whose delete is in flight as gone once the delete ends, and replaces one that state saw deleting", async () => {
    const { id, outs } = await h.create(await inputs("going"));
    await cloud.admin.transitions({ ChipCluster: { mode: "reads", reads: 3 } });
    await outside.call("DELETE", `/v1/chip-clusters/${id}`);
    expect((await h.read(id, outs)).id).toBe("");
    const news = await inputs("going");
    expect(await h.diff(id, { ...outs, status: "DELETING" }, news)).toMatchObject({
      changes: true,
      replaces: ["status"],
    });
  });

  it("never deletes, in the same run, a resource a create was handed back by its key", async () => {
    const scope = "proj/dev/handed-back";
    const earlier = await interruptedCreate(
      { ...spec, name: autoName(scope, firstLineage("ChipCluster", scope)) },
      scope,
    );
    const { id, outs } = await h.create(await inputs(undefined, { __scope: scope }));
    expect(id).toBe(earlier);
    // As a `--replace` whose create got the old resource back would then ask.
    await h.delete(id, outs);
    const still = await outside.call("GET", `/v1/chip-clusters/${id}`);
    expect(still.status).toBe(200);
  });

  it("refuses adoptId of a resource whose create-only values differ, and leaves it untouched", async () => {
    const made = await madeOutside({ ...spec, name: "other-shape", chipsPerHyperNode: 16 });
    const e = (await h
      .create(await inputs(undefined, { __scope: "proj/dev/adopted", __adoptId: made }))
      .catch((x) => x)) as Error & { id?: string };
    expect(e.message).toMatch(/was not adopted: its chipsPerHyperNode differ/);
    expect(e.id).toBeUndefined();
    expect((await cloud.admin.requests()).filter((r) => r.method === "PATCH")).toHaveLength(0);
  });

  it("treats delete of a resource that is already gone as done, and read of it as gone", async () => {
    const { id, outs } = await h.create(await inputs("gone"));
    await h.delete(id, outs);
    await expect(h.delete(id, outs)).resolves.toBeUndefined();
    expect(await h.read(id, outs)).toEqual({ id: "", props: {} });
  });

  it("reads drift back as both outputs and inputs", async () => {
    const { id, outs } = await h.create(await inputs("drifty"));
    await cloud.admin.edit("ChipCluster", id, { hyperNodeCount: 4, tags: { owner: "console" } });
    const read = await h.read(id, outs);
    expect(read.props).toMatchObject({ hyperNodeCount: 4, totalChips: 32, tags: { owner: "console" } });
    expect(read.inputs).toMatchObject({ hyperNodeCount: 4, tags: { owner: "console" } });
  });

  it("updates only the mutable fields that changed", async () => {
    const { id, outs } = await h.create(await inputs("grow"));
    const news = await inputs("grow", { hyperNodeCount: 2 });
    const { outs: after } = await h.update(id, outs, news);
    expect(after).toMatchObject({ hyperNodeCount: 2, totalChips: 16, status: "ACTIVE" });
    const patches = (await cloud.admin.requests()).filter((r) => r.method === "PATCH");
    expect(patches).toHaveLength(1);
  });

  it("carries the checked estimate into state through create, update and read", async () => {
    const cluster = { ...spec, __scope: "proj/dev/estimate", __provider: "serialized" };
    const inputs = (await h.check({}, cluster)).inputs;
    const created = await h.create(inputs);
    // 8 chips × 730 h = 5840 chip-hours × 2.40 USD
    expect(created.outs.estimate).toMatchObject({
      chips: { "zhenwu-810e": 8 },
      chipHoursPerMonth: 5840,
      monthlyUsd: { min: 14_016, max: 14_016 },
    });
    const news = (await h.check({}, { ...cluster, hyperNodeCount: 2 })).inputs;
    const updated = await h.update(created.id, created.outs, news);
    expect(updated.outs.estimate).toMatchObject({ chips: { "zhenwu-810e": 16 } });
    const read = await h.read(created.id, updated.outs);
    expect((read.props as Record<string, unknown>).estimate).toEqual(updated.outs.estimate);
  });

  it("fails an update the cloud rolled back, naming the cause, and leaves the cluster as it was", async () => {
    const { id, outs } = await h.create(await inputs("rollback"));
    await cloud.admin.fault({
      kind: "ChipCluster",
      operation: "provision",
      code: "InternalError",
      message: "burn-in failed",
      remaining: 1,
    });
    const e = (await h
      .update(id, outs, await inputs("rollback", { hyperNodeCount: 2 }))
      .catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(
      /ChipCluster "rollback": OperationFailed: update of ChipCluster .* failed: InternalError: burn-in failed/,
    );
    expect((await h.read(id, outs)).props).toMatchObject({ hyperNodeCount: 1, status: "ACTIVE" });
  });

  it("reports a quota error by code with the request id, without the token", async () => {
    await cloud.admin.limits({ chipsPerType: 4 });
    const e = (await h.create(await inputs("big")).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(/^ChipCluster "big": QuotaExceeded: .* \(request req-[0-9a-f]+\)$/);
    expect(e.message).not.toContain(cloud.token);
    await cloud.admin.limits({ chipsPerType: 2048 });
  });

  it("says clearly when the token is wrong, without echoing it", async () => {
    setConfig({ endpoint: cloud.url, token: "wrong-token-value" });
    try {
      const e = (await h.create(await inputs("denied")).catch((x: unknown) => x)) as Error;
      expect(e.message).toMatch(/Unauthenticated/);
      expect(e.message).not.toContain("wrong-token-value");
    } finally {
      setConfig({ endpoint: cloud.url, token: cloud.token });
    }
  });
});

describe("provider handlers keep a light state, and take the heavier state of release 0.1.0", () => {
  withCloud();

  const left = ["scheduling", "provisioning", "nodeRecovery", "tags", "zone", "statusReason"];
  const bookkeeping = ["__scope", "__autoname", "__released", "schemaVersion"];

  /** The outputs as release 0.1.0 stored them: defaults, the cloud's nulls, bookkeeping, the estimate's notes. */
  function heavy(outs: Record<string, unknown>, autonamed: boolean): Record<string, unknown> {
    return {
      ...outs,
      scheduling: "task",
      provisioning: { mode: "onDemand" },
      nodeRecovery: "auto",
      tags: {},
      zone: null,
      statusReason: null,
      schemaVersion: 1,
      __scope: "proj/dev/heavy",
      __autoname: autonamed,
      __released: false,
      estimate: {
        ...(outs.estimate as object),
        notes: ["8 × zhenwu-810e at 2.4 USD/chip-hour (onDemand), 730 h"],
      },
    };
  }

  it("stores no defaults, nulls, notes or bookkeeping that the name and key tell", async () => {
    const auto = await h.create(await inputs(undefined, { __scope: "proj/dev/light" }));
    const chosen = await h.create(await inputs("chosen-light"));
    for (const { outs } of [auto, chosen]) {
      for (const k of [...left, ...bookkeeping]) expect(outs).not.toHaveProperty(k);
      expect(outs).toMatchObject({ status: "ACTIVE", __key: expect.stringMatching(/^pulumi-/) });
      expect(outs.estimate).not.toHaveProperty("notes");
    }
    // The automatic name ends with its key's lineage; read tells the two apart from that.
    expect(auto.outs.name).toMatch(/^light-[0-9a-f]{7}$/);
    expect((await h.read(auto.id, auto.outs)).inputs).not.toHaveProperty("name");
    expect((await h.read(chosen.id, chosen.outs)).inputs).toMatchObject({ name: "chosen-light" });
    // An automatic name the key does not tell (an adopted resource's) is stored as such.
    const made = await madeOutside({ ...spec, name: "adopted-light" });
    const adopted = await h.create(await inputs(undefined, { __scope: "proj/dev/al", __adoptId: made }));
    expect(adopted.outs).toMatchObject({ name: "adopted-light", __autoname: true });
    expect((await h.read(adopted.id, adopted.outs)).inputs).not.toHaveProperty("name");
  });

  it("puts a left-out field that drifted back to its default (PATCHed to the default, not to null)", async () => {
    const news = await inputs("drifted-default");
    const { id, outs } = await h.create(news);
    await cloud.admin.edit("ChipCluster", id, { scheduling: "resource", tags: { owner: "console" } });
    const refreshed = await h.read(id, outs);
    expect(refreshed.props).toMatchObject({ scheduling: "resource", tags: { owner: "console" } });
    expect(await h.diff(id, refreshed.props, news)).toMatchObject({ changes: true, replaces: [] });
    const updated = await h.update(id, refreshed.props, news);
    for (const k of ["scheduling", "tags"]) expect(updated.outs).not.toHaveProperty(k);
    const held = (await outside.call("GET", `/v1/chip-clusters/${id}`)).body;
    expect(held).toMatchObject({ scheduling: "task", tags: {}, nodeRecovery: "auto" });
  });

  it("diffs the heavier state as no change; refresh and update rewrite it lighter", async () => {
    const news = await inputs(undefined, { __scope: "proj/dev/heavy" });
    const created = await h.create(news);
    for (const autonamed of [true, "proj/dev/heavy"]) {
      // Release 0.1.0 stored `__autoname: true`; earlier ones the scope.
      const olds = { ...heavy(created.outs, true), __autoname: autonamed };
      expect(await h.diff(created.id, olds, news)).toEqual({
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
      });
      const refreshed = await h.read(created.id, olds);
      expect(refreshed.props).toEqual(created.outs);
      expect(refreshed.inputs).toEqual({
        region: "cn-hangzhou",
        chipType: "zhenwu-810e",
        chipsPerHyperNode: 8,
        hyperNodeCount: 1,
      });
    }
    const grown = await inputs(undefined, { __scope: "proj/dev/heavy", hyperNodeCount: 2 });
    const updated = await h.update(created.id, heavy(created.outs, true), grown);
    for (const k of [...left, "__scope", "__autoname", "schemaVersion"])
      expect(updated.outs).not.toHaveProperty(k);
    expect(updated.outs).toMatchObject({ hyperNodeCount: 2, __key: created.outs.__key, __released: true });
    expect(updated.outs.estimate).not.toHaveProperty("notes");
    const held = (await outside.call("GET", `/v1/chip-clusters/${created.id}`)).body;
    expect(held).toMatchObject({ hyperNodeCount: 2, scheduling: "task", provisioning: { mode: "onDemand" } });
  });
});

describe("provider handlers after a partial create", () => {
  withCloud();

  it("plans the replacement of a resource that ended FAILED; an update that meets one says how to recover", async () => {
    await cloud.admin.fault({
      kind: "ChipCluster",
      operation: "provision",
      code: "InternalError",
      message: "burn-in failed",
      remaining: 1,
    });
    const e = (await h.create(await inputs("halfway")).catch((x: unknown) => x)) as Error & {
      id: string;
      properties: Record<string, unknown>;
    };
    const news = await h.check(e.properties, { ...spec, name: "halfway", __provider: "serialized-provider" });
    expect(await h.diff(e.id, e.properties, news.inputs)).toMatchObject({
      changes: true,
      replaces: ["status"],
    });
    const next = await h.update(e.id, e.properties, await inputs("halfway")).catch((x: unknown) => x);
    expect(String(next)).toMatch(/is FAILED: burn-in failed; `pulumi refresh` then `pulumi up` replaces it/);
  });

  it("waits for a resource still provisioning before updating it", async () => {
    await cloud.admin.transitions({ ChipCluster: { mode: "reads", reads: 4 } });
    const res = await outside.call("POST", "/v1/chip-clusters", { ...spec, name: "patient" });
    const { resource } = res.body as { resource: { id: string; status: string } };
    expect(resource.status).toBe("ACCEPTED");
    const { outs } = await h.update(resource.id, {}, await inputs("patient", { hyperNodeCount: 3 }));
    expect(outs).toMatchObject({ status: "ACTIVE", hyperNodeCount: 3 });
    await cloud.admin.transitions({ ChipCluster: { mode: "immediate" } });
  });
});
