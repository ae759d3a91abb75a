import { describe, expect, it } from "vitest";
import { unknownValue } from "../../api/engine.ts";
import { setClock } from "../../runtime/config.ts";
import { makeHandlers } from "../../runtime/handlers.ts";
import { handlers } from "../../runtime/index.ts";
import { chipClusterKind } from "./definition.ts";

const h = handlers.ChipCluster;
const base = {
  region: "cn-hangzhou",
  chipType: "zhenwu-m890",
  chipsPerHyperNode: 128,
  hyperNodeCount: 2,
  __scope: "proj/dev/training",
  __provider: "serialized",
};

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  return h.check(olds, news);
}

describe("ChipCluster check", () => {
  it("keeps what state needs: no defaults, no automatic name (the create derives it), the estimate without its notes", async () => {
    const { inputs, failures } = await checked(base);
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      region: "cn-hangzhou",
      chipType: "zhenwu-m890",
      chipsPerHyperNode: 128,
      hyperNodeCount: 2,
      estimate: {
        currency: "USD",
        chips: { "zhenwu-m890": 256 },
        chipHoursPerMonth: 186_880,
        monthlyUsd: { min: 784_896, max: 784_896 },
      },
      __provider: "serialized",
      __scope: "proj/dev/training",
    });
  });

  it("leaves out a value the program gives that is its default, and keeps one that is not", async () => {
    const given = { scheduling: "task", provisioning: { mode: "onDemand" }, nodeRecovery: "auto", tags: {} };
    const { inputs } = await checked({ ...base, ...given, zone: null });
    for (const k of [...Object.keys(given), "zone"]) expect(inputs).not.toHaveProperty(k);
    const other = {
      scheduling: "resource",
      provisioning: { mode: "spot" },
      nodeRecovery: "manual",
      tags: { a: "b" },
    };
    expect((await checked({ ...base, ...other })).inputs).toMatchObject(other);
  });

  it("answers the spec with its defaults and the estimate with its notes to the cloud's validations (makeHandlers' check)", async () => {
    const { inputs } = await makeHandlers(chipClusterKind).check({}, base);
    expect(inputs).toMatchObject({
      scheduling: "task",
      provisioning: { mode: "onDemand" },
      nodeRecovery: "auto",
      tags: {},
      estimate: { notes: ["256 × zhenwu-m890 at 4.2 USD/chip-hour (onDemand), 730 h"] },
    });
  });

  it("checks the same inputs whatever the old ones: the engine checks replacements without them", async () => {
    const fresh = (await checked(base)).inputs;
    expect((await checked({ ...base }, fresh)).inputs).toEqual(fresh);
  });

  it("keeps a chosen name as an input", async () => {
    const { inputs } = await checked({ ...base, name: "fixed" });
    expect(inputs).toMatchObject({ name: "fixed" });
    expect(inputs).not.toHaveProperty("__autoname");
  });

  it("rejects a logical name that makes no valid automatic name, as the cloud would", async () => {
    const { failures } = await checked({ ...base, __scope: `proj/dev/${"x".repeat(80)}` });
    expect(failures).toEqual([]);
    const { inputs } = await checked({ ...base, name: "Not Valid" });
    expect(inputs.name).toBe("Not Valid");
    expect((await checked({ ...base, name: "Not Valid" })).failures.map((f) => f.property)).toEqual(["name"]);
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

  it("rejects a roadmap chip as not yet available, on check's clock", async () => {
    try {
      setClock(() => new Date("2026-12-01T00:00:00Z"));
      const { failures } = await checked({ ...base, chipType: "zhenwu-v900" });
      expect(failures.map((f) => f.property)).toContain("chipType");
      expect(failures.find((f) => f.property === "chipType")?.reason).toMatch(/not available until 2027/);
      setClock(() => new Date("2027-07-01T00:00:00Z"));
      const later = await checked({ ...base, chipType: "zhenwu-v900" });
      expect(later.failures.map((f) => f.property)).not.toContain("chipType");
    } finally {
      setClock(null);
    }
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
    return { ...inputs, status: "ACTIVE", totalChips: 256 };
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
      [{ chipType: "zhenwu-810e", chipsPerHyperNode: 16 }, "chipType"],
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
    // Also when nothing changed: a forced replacement (`--replace`) would collide just the same.
    const same = (await checked({ ...base, name: "fixed" }, olds)).inputs;
    expect(await h.diff("cc-1", olds, same)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  it("keeps an automatic name through a rename of the logical resource (aliases) or a new parent", async () => {
    const olds = { ...(await outputsOf(base)), name: "training-1234567" };
    const news = (await checked({ ...base, __scope: "proj/dev/renamed" }, olds)).inputs;
    expect(await h.diff("cc-1", olds, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("replaces a resource whose provisioning failed, naming its status as the reason", async () => {
    const olds = { ...(await outputsOf(base)), status: "FAILED" };
    const news = (await checked({ ...base }, olds)).inputs;
    expect(await h.diff("cc-1", olds, news)).toEqual({
      changes: true,
      replaces: ["status"],
      deleteBeforeReplace: false,
    });
  });

  it("applies replaceOnChanges, which the engine cannot apply to dynamic providers", async () => {
    const olds = await outputsOf(base);
    const plain = (await checked({ ...base, hyperNodeCount: 3 }, olds)).inputs;
    expect((await h.diff("cc-1", olds, plain)).replaces).toEqual([]);
    for (const paths of [["hyperNodeCount"], ["*"]]) {
      const news = (await checked({ ...base, hyperNodeCount: 3, __replaceOnChanges: paths }, olds)).inputs;
      expect(await h.diff("cc-1", olds, news)).toMatchObject({ changes: true, replaces: ["hyperNodeCount"] });
    }
    const tags = (await checked({ ...base, tags: { a: "1" }, __replaceOnChanges: ["tags.a"] }, olds)).inputs;
    expect((await h.diff("cc-1", olds, tags)).replaces).toEqual(["tags"]);
  });

  it("plans a replacement when a create-only value is not known yet", async () => {
    const olds = await outputsOf(base);
    const news = (await checked({ ...base, chipType: unknownValue }, olds)).inputs;
    expect((await h.diff("cc-1", olds, news)).replaces).toContain("chipType");
  });

  /** A cluster's outputs as release 0.1.0 stored them: every default, the cloud's nulls, `__scope`... */
  async function heavyOutputs(news: Record<string, unknown>) {
    const { inputs } = await makeHandlers(chipClusterKind).check({}, news);
    return {
      ...inputs,
      name: "training-1234567",
      zone: null,
      statusReason: null,
      status: "ACTIVE",
      totalChips: 256,
      schemaVersion: 1,
      __autoname: true,
      __key: "pulumi-1234567890",
      __released: false,
    };
  }

  it("sees no change in the heavier state of an earlier release, and no replacement through replaceOnChanges", async () => {
    const olds = await heavyOutputs(base);
    const news = (await checked({ ...base, __replaceOnChanges: ["provisioning.mode", "scheduling"] }, olds))
      .inputs;
    expect(news).not.toHaveProperty("provisioning");
    expect(await h.diff("cc-1", olds, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    // A default the program now sets explicitly, or a change, still compares as it should.
    const explicit = (await checked({ ...base, scheduling: "task", provisioning: { mode: "onDemand" } }))
      .inputs;
    expect((await h.diff("cc-1", olds, explicit)).changes).toBe(false);
    const spot = (await checked({ ...base, provisioning: { mode: "spot" } })).inputs;
    expect((await h.diff("cc-1", olds, spot)).replaces).toEqual(["provisioning"]);
    // And the lighter state compared with a program that now sets a default explicitly.
    const light = await outputsOf(base);
    expect((await h.diff("cc-1", light, explicit)).changes).toBe(false);
    expect((await h.diff("cc-1", light, spot)).replaces).toEqual(["provisioning"]);
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
