import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMockCloud, type MockCloud } from "../../provider/mock-cloud/index.ts";
import { type Call, client } from "../support/cloud-client.ts";
import { adminToken, devToken, cluster as spec } from "../support/fixtures.ts";

const cluster = (name: string, extra: Record<string, unknown> = {}) =>
  spec(name, { chipsPerHyperNode: 64, hyperNodeCount: 2, ...extra });

let cloud: MockCloud;
let call: Call;
beforeEach(() => {
  cloud = createMockCloud();
  ({ call } = client(cloud, devToken, { conformance: false }));
});
afterEach(() => cloud.close());

const admin: Call = (method, path, body, options) =>
  call(method, path, body, { ...options, token: adminToken });

describe("bad input to the emulator is a 4xx, never a 5xx", () => {
  it("answers a reset with a malformed body with ValidationError", async () => {
    const res = await admin("POST", "/_mock/reset", undefined, { raw: "{not json" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("ValidationError");
    expect((await admin("POST", "/_mock/reset")).status).toBe(200);
  });

  it("refuses an out-of-band edit that would make the resource unreadable, and keeps the resource", async () => {
    const created = await call("POST", "/v1/chip-clusters", cluster("drift"));
    const id = created.body.resource.id as string;
    const res = await admin("PATCH", `/_mock/resources/chip-clusters/${id}`, { hyperNodeCount: "lots" });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain("hyperNodeCount");
    const unknown = await admin("PATCH", `/_mock/resources/chip-clusters/${id}`, { secretSauce: 1 });
    expect(unknown.body.error.details.issues).toEqual([
      { path: "secretSauce", message: "not a field of ChipCluster" },
    ]);
    expect((await call("GET", `/v1/chip-clusters/${id}`)).body).toMatchObject({
      hyperNodeCount: 2,
      totalChips: 128,
    });
  });

  it("rejects a list filtered by an unknown region, naming the parameter", async () => {
    const res = await call("GET", "/v1/chip-clusters?region=mars-1");
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].path).toBe("region");
  });
});

describe("region-scoped faults", () => {
  it("fire for a create whose body names the region, and not for other regions", async () => {
    await admin("POST", "/_mock/faults", {
      kind: "chip-clusters",
      operation: "create",
      region: "cn-shanghai",
      code: "Throttled",
      retryAfterSeconds: 1,
    });
    expect(
      (await call("POST", "/v1/chip-clusters", cluster("sh", { region: "cn-shanghai" }))).body.error.code,
    ).toBe("Throttled");
    expect((await call("POST", "/v1/chip-clusters", cluster("hz"))).status).toBe(202);
  });

  it("fire for reads of a resource that lives in the region", async () => {
    const created = await call("POST", "/v1/chip-clusters", cluster("read-me"));
    await admin("POST", "/_mock/faults", {
      kind: "ChipCluster",
      operation: "get",
      region: "cn-hangzhou",
      status: 500,
    });
    const res = await call("GET", `/v1/chip-clusters/${created.body.resource.id}`);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("InternalError");
  });
});

describe("capacity", () => {
  it("refuses to grow an on-demand cluster beyond the region's free capacity, and lets it shrink", async () => {
    await admin("PUT", "/_mock/limits", { capacityPerRegion: 256 });
    const created = await call("POST", "/v1/chip-clusters", cluster("grow", { hyperNodeCount: 4 }));
    const id = created.body.resource.id as string;
    const grow = await call("PATCH", `/v1/chip-clusters/${id}`, { hyperNodeCount: 5 });
    expect(grow.status).toBe(503);
    expect(grow.body.error).toMatchObject({ code: "CapacityUnavailable", details: { requested: 320 } });
    expect((await call("PATCH", `/v1/chip-clusters/${id}`, { hyperNodeCount: 3 })).status).toBe(202);
  });
});
