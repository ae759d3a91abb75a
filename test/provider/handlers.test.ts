import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setConfig } from "../../provider/runtime/config.ts";
import { handlers } from "../../provider/runtime/index.ts";
import { startTestCloud, type TestCloud } from "../../provider/testing/index.ts";

const h = handlers.ChipCluster;
let cloud: TestCloud;
const spec = { region: "cn-hangzhou", chipType: "zhenwu-810e", chipsPerHyperNode: 8, hyperNodeCount: 1 };

async function inputs(name: string, extra: Record<string, unknown> = {}) {
  const { inputs, failures } = await h.check(
    {},
    { ...spec, ...extra, name, __provider: "serialized-provider" },
  );
  expect(failures).toEqual([]);
  return inputs;
}

describe("provider handlers against the emulator (testing kit)", () => {
  beforeAll(async () => {
    cloud = await startTestCloud();
    setConfig({ endpoint: cloud.url, token: cloud.token });
  });
  afterAll(async () => {
    await cloud.close();
  });
  beforeEach(async () => {
    await cloud.admin.reset();
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

  it("adopts on a second create of the same inputs (a lost answer) instead of duplicating", async () => {
    const first = await h.create(await inputs("twice"));
    const second = await h.create(await inputs("twice"));
    expect(second.id).toBe(first.id);
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

describe("provider handlers after a partial create", () => {
  beforeAll(async () => {
    cloud = await startTestCloud();
    setConfig({ endpoint: cloud.url, token: cloud.token });
  });
  afterAll(async () => {
    await cloud.close();
  });

  it("tells the user to replace a resource that ended FAILED, on the next update", async () => {
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
    const next = await h.update(e.id, e.properties, await inputs("halfway")).catch((x: unknown) => x);
    expect(String(next)).toMatch(/is FAILED: burn-in failed; replace it with `pulumi up --replace/);
  });

  it("waits for a resource still provisioning before updating it", async () => {
    await cloud.admin.transitions({ ChipCluster: { mode: "reads", reads: 4 } });
    const res = await request(`${cloud.url}/v1/chip-clusters`, {
      method: "POST",
      headers: { authorization: `Bearer ${cloud.token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...spec, name: "patient" }),
    });
    const { resource } = (await res.body.json()) as { resource: { id: string; status: string } };
    expect(resource.status).toBe("ACCEPTED");
    const { outs } = await h.update(resource.id, {}, await inputs("patient", { hyperNodeCount: 3 }));
    expect(outs).toMatchObject({ status: "ACTIVE", hyperNodeCount: 3 });
    await cloud.admin.transitions({ ChipCluster: { mode: "immediate" } });
  });
});
