import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unknownValue } from "../../provider/api/engine.ts";
import { handlers } from "../../provider/runtime/index.ts";

/** Any JSON-ish value, including the engine's unknown sentinel and wrong types. */
const junk = fc.oneof(
  fc.constant(unknownValue),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), {
    maxKeys: 3,
  }),
);

/** Valid-looking inputs with any subset of fields replaced by junk, dropped, or extra fields added. */
function mutated(valid: Record<string, unknown>) {
  const keys = Object.keys(valid);
  return fc
    .record({
      replace: fc.dictionary(fc.constantFrom(...keys), junk, { maxKeys: keys.length }),
      drop: fc.subarray(keys),
      extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), junk, { maxKeys: 2 }),
    })
    .map(({ replace, drop, extra }) => {
      const out: Record<string, unknown> = { ...valid, ...replace, ...extra };
      for (const k of drop) delete out[k];
      out.__provider = "p";
      out.__scope = "proj/dev/r";
      return out;
    });
}

const valid: Record<keyof typeof handlers, Record<string, unknown>> = {
  ChipCluster: {
    region: "cn-hangzhou",
    chipType: "zhenwu-m890",
    chipsPerHyperNode: 128,
    hyperNodeCount: 2,
    provisioning: { mode: "queued", queueDeadline: "2026-12-01T00:00:00Z" },
    tags: { a: "b" },
  },
  ModelEndpoint: {
    region: "cn-hangzhou",
    model: "glm-5.1",
    deployment: { mode: "dedicated", clusterId: "cc-1", chipsPerReplica: 16, minReplicas: 1, maxReplicas: 2 },
    throughput: { tokensPerMinute: 10_000, elastic: true },
    contextCache: { mode: "explicit", ttlSeconds: 600 },
  },
  AgentRuntime: {
    region: "cn-hangzhou",
    artifact: { image: "a:1" },
    models: [{ endpointId: "me-1", role: "primary" }],
    lifecycle: { idleTimeoutSeconds: 100, maxLifetimeSeconds: 200 },
    skills: [{ name: "s", kind: "mcp", target: "t" }],
    secretEnv: { K: "v" },
  },
};

/** Paths whose values the engine's struct conversion would refuse. */
function engineUnsafe(value: unknown, path = "inputs"): string[] {
  // Numbers of any kind travel as protobuf doubles; what the engine cannot take is below.
  if (value === null || ["string", "boolean", "number"].includes(typeof value)) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => engineUnsafe(v, `${path}[${i}]`));
  const proto = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    return Object.entries(value as object).flatMap(([k, v]) => engineUnsafe(v, `${path}.${k}`));
  }
  return [path];
}

describe("engineUnsafe (the check below relies on it)", () => {
  it("finds undefined and other values the engine refuses, at any depth", () => {
    expect(engineUnsafe({ a: 1, b: [null, "x", { c: true }] })).toEqual([]);
    expect(engineUnsafe({ a: undefined, b: [1, { c: 10n }], d: new Date(0), e: () => 1 })).toEqual([
      "inputs.a",
      "inputs.b[1].c",
      "inputs.d",
      "inputs.e",
    ]);
  });
});

describe.each(Object.keys(valid) as (keyof typeof handlers)[])(
  "%s check() on random and malformed inputs",
  (kind) => {
    it("never throws, and every failure names a field and starts its reason with it", async () => {
      await fc.assert(
        fc.asyncProperty(mutated(valid[kind]), async (news) => {
          const { failures, inputs } = await handlers[kind].check({}, news);
          expect(inputs.__provider).toBe("p");
          for (const f of failures) {
            expect(f.property.length).toBeGreaterThan(0);
            expect(f.reason.startsWith(`${f.property}: `)).toBe(true);
          }
          // What the engine can take: no undefined (it fails with "Unexpected struct type"), no
          // functions, symbols, bigints or class instances, at any depth.
          expect(engineUnsafe(inputs)).toEqual([]);
        }),
        { numRuns: 1000 },
      );
    });

    it("accepts the valid inputs unchanged but for defaults", async () => {
      const { failures } = await handlers[kind].check(
        {},
        { ...valid[kind], __provider: "p", __scope: "x/y/z" },
      );
      expect(failures).toEqual([]);
    });
  },
);
