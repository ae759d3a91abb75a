import { describe, expect, it } from "vitest";
import { handlers } from "../../runtime/index.ts";
import { unknownValue } from "../shared/unknowns.ts";

const h = handlers.ChipCluster;
const base = {
  region: "cn-hangzhou",
  chipType: "zhenwu-m890",
  chipsPerHyperNode: 128,
  hyperNodeCount: 2,
  __autoname: "proj/dev/training",
  __provider: "serialized",
};

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  return h.check(olds, news);
}

describe("ChipCluster check", () => {
  it("fills defaults and an automatic physical name derived from the logical name", async () => {
    const { inputs, failures } = await checked(base);
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({
      scheduling: "task",
      provisioning: { mode: "onDemand" },
      nodeRecovery: "auto",
      tags: {},
      __provider: "serialized",
    });
    expect(inputs.name).toMatch(/^training-[0-9a-f]{7}$/);
  });

  it("gives the same automatic name on every run, and a new one when a create-only field changes", async () => {
    const a = (await checked(base)).inputs.name;
    const b = (await checked({ ...base })).inputs.name;
    const c = (await checked({ ...base, chipType: "zhenwu-810e", chipsPerHyperNode: 16 })).inputs.name;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it("keeps the previous automatic name across in-place changes", async () => {
    const first = (await checked(base)).inputs;
    const next = await checked({ ...base, hyperNodeCount: 9 }, first);
    expect(next.inputs.name).toBe(first.name);
  });

  it("rejects chipsPerHyperNode 96 naming the field", async () => {
    const { failures } = await checked({ ...base, chipsPerHyperNode: 96 });
    expect(failures.map((f) => f.property)).toContain("chipsPerHyperNode");
    expect(failures[0]?.reason).toMatch(/^chipsPerHyperNode: /);
  });

  it("rejects more chips per hyper-node than the chip allows, from the catalog", async () => {
    const { failures } = await checked({ ...base, chipType: "zhenwu-810e", chipsPerHyperNode: 64 });
    expect(failures).toEqual([
      expect.objectContaining({
        property: "chipsPerHyperNode",
        reason: expect.stringMatching(/maximum of 16/),
      }),
    ]);
  });

  it("rejects a roadmap chip as not yet available", async () => {
    const { failures } = await checked({ ...base, chipType: "zhenwu-v900" });
    expect(failures.map((f) => f.property)).toContain("chipType");
    expect(failures.find((f) => f.property === "chipType")?.reason).toMatch(/not available until 2027/);
  });

  it("names unknown fields and nested paths", async () => {
    const { failures } = await checked({ ...base, colour: "red", provisioning: { mode: "reserved" } });
    expect(failures.map((f) => f.property).sort()).toEqual(
      ["(resource)", "provisioning.reservationId"].sort(),
    );
    expect(failures.map((f) => f.reason).join("\n")).toMatch(/colour/);
  });

  it("tolerates unknown values during preview", async () => {
    const { failures, inputs } = await checked({
      ...base,
      hyperNodeCount: unknownValue,
      provisioning: unknownValue,
    });
    expect(failures).toEqual([]);
    expect(inputs.hyperNodeCount).toBe(unknownValue);
  });

  it("rejects a malformed timeout", async () => {
    const { failures } = await checked({ ...base, timeouts: { create: "soon" } });
    expect(failures.map((f) => f.property)).toEqual(["timeouts.create"]);
  });
});

describe("ChipCluster diff", () => {
  async function outputsOf(news: Record<string, unknown>) {
    const { inputs } = await checked(news);
    return { ...inputs, status: "ACTIVE", totalChips: 256, schemaVersion: 1 };
  }

  it("answers no changes for the same inputs, ignoring the serialized provider", async () => {
    const olds = await outputsOf(base);
    const news = (await checked({ ...base, __provider: "another build" }, olds)).inputs;
    expect(await h.diff("cc-1", olds, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("updates hyperNodeCount, scheduling, nodeRecovery and tags in place", async () => {
    const olds = await outputsOf(base);
    for (const change of [
      { hyperNodeCount: 4 },
      { scheduling: "resource" },
      { nodeRecovery: "manual" },
      { tags: { a: "b" } },
    ]) {
      const news = (await checked({ ...base, ...change }, olds)).inputs;
      expect(await h.diff("cc-1", olds, news)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("replaces on region, zone, chipType, chipsPerHyperNode and provisioning", async () => {
    const olds = await outputsOf(base);
    const cases: [Record<string, unknown>, string][] = [
      [{ region: "cn-beijing" }, "region"],
      [{ zone: "cn-hangzhou-b" }, "zone"],
      [{ chipsPerHyperNode: 64 }, "chipsPerHyperNode"],
      [{ provisioning: { mode: "spot" } }, "provisioning"],
    ];
    for (const [change, property] of cases) {
      const news = (await checked({ ...base, ...change }, olds)).inputs;
      const diff = await h.diff("cc-1", olds, news);
      expect(diff.changes).toBe(true);
      expect(diff.replaces).toContain(property);
      expect(diff.deleteBeforeReplace).toBe(false);
    }
  });

  it("deletes before replacing when the user chose the name, which would collide", async () => {
    const olds = await outputsOf({ ...base, name: "fixed" });
    const news = (await checked({ ...base, name: "fixed", chipsPerHyperNode: 64 }, olds)).inputs;
    expect(await h.diff("cc-1", olds, news)).toMatchObject({
      replaces: ["chipsPerHyperNode"],
      deleteBeforeReplace: true,
    });
  });

  it("plans a replacement when a create-only value is not known yet", async () => {
    const olds = await outputsOf(base);
    const news = (await checked({ ...base, chipType: unknownValue }, olds)).inputs;
    expect((await h.diff("cc-1", olds, news)).replaces).toContain("chipType");
  });

  it("sees no change in state written by an older release that lacked a field with a default", async () => {
    const olds = await outputsOf(base);
    delete (olds as Record<string, unknown>).nodeRecovery;
    const news = (await checked({ ...base }, olds)).inputs;
    expect(await h.diff("cc-1", olds, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});
