/**
 * The policies' rules without an engine: their validate functions called with hand-built arguments
 * shaped like @pulumi/policy's (values not known yet wrapped by its own unknownCheckingProxy, as the
 * analyzer server does). The engine run is test/e2e/policy.e2e.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { estimateChipCluster, estimateModelEndpoint } from "../api/estimate.ts";
import {
  budgetPolicy,
  chipCapsPolicy,
  clusterOvercommitPolicy,
  contextCachePolicy,
  kindOf,
  policies,
  read,
  unknown,
} from "./index.ts";

/** How the engine sends a string it does not know yet (@pulumi/policy's proxy.ts). */
const unknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const type = (kind: string) => `pulumi-nodejs:dynamic/agentcloud:${kind}`;

function resource(kind: string, name: string, props: Record<string, unknown>): PolicyResource {
  const t = kind.includes(":") ? kind : type(kind);
  return {
    type: t,
    name,
    urn: `urn:pulumi:dev::p::${t}::${name}`,
    props: unknownCheckingProxy(props),
    opts: {} as PolicyResource["opts"],
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

function cluster(name: string, spec: Record<string, unknown>): PolicyResource {
  const full = {
    region: "cn-hangzhou",
    chipType: "zhenwu-m890",
    chipsPerHyperNode: 128,
    hyperNodeCount: 1,
    ...spec,
  };
  return resource("ChipCluster", name, { ...full, estimate: estimateChipCluster(full) });
}

function dedicated(
  name: string,
  on: PolicyResource | null,
  deployment: Record<string, unknown>,
): PolicyResource {
  const spec = {
    model: "qwen3.7-max",
    deployment: { mode: "dedicated", clusterId: unknownString, ...deployment },
    throughput: { tokensPerMinute: 400_000 },
  };
  const r = resource("ModelEndpoint", name, { ...spec, estimate: estimateModelEndpoint(spec) });
  if (on) {
    r.dependencies = [on];
    r.propertyDependencies = { deployment: [on], __chipType: [on] };
  }
  return r;
}

function pooled(name: string, tokensPerMinute: number, extra: Record<string, unknown> = {}) {
  const spec = {
    model: "glm-5.1",
    deployment: { mode: "pooled" },
    throughput: { tokensPerMinute },
    ...extra,
  };
  return resource("ModelEndpoint", name, { ...spec, estimate: estimateModelEndpoint(spec) });
}

function runStack(policy: StackValidationPolicy, resources: PolicyResource[], config: object = {}) {
  const violations: { message: string; urn?: string }[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
  policy.validateStack(args, (message, urn) => violations.push(urn ? { message, urn } : { message }));
  return violations;
}

function runResource(policy: ResourceValidationPolicy, r: PolicyResource, config: object = {}) {
  const messages: string[] = [];
  const args: ResourceValidationArgs = {
    type: r.type,
    props: r.props,
    urn: r.urn,
    name: r.name,
    opts: r.opts,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
  const validations = [policy.validateResource ?? []].flat();
  for (const v of validations) v(args, (message) => messages.push(message));
  return messages;
}

/** examples/agent-stack at its first preview (docs/pricing.md: 392,448 + 19,272 + 2 × 426.32). */
function agentStack(): PolicyResource[] {
  const agents = cluster("agents", {});
  const runtime = (name: string) =>
    resource("AgentRuntime", name, {
      models: [{ endpointId: unknownString, role: "primary" }],
      estimate: { currency: "USD", chips: {}, chipHoursPerMonth: 0, monthlyUsd: { min: 0, max: 426.32 } },
    });
  return [
    resource("pulumi:pulumi:Stack", "p-dev", { qwenUrl: unknownString }),
    resource("pulumi:providers:pulumi-nodejs", "default", { "agentcloud:token": "t" }),
    agents,
    dedicated("qwen", agents, { chipsPerReplica: 32, minReplicas: 1, maxReplicas: 2 }),
    pooled("glm", 200_000),
    runtime("reviewer"),
    runtime("assistant"),
  ];
}

describe("kindOf", () => {
  it("knows our three kinds by the type each resource class registers, and nothing else", () => {
    expect(kindOf(type("ChipCluster"))).toBe("ChipCluster");
    expect(kindOf(type("ModelEndpoint"))).toBe("ModelEndpoint");
    expect(kindOf(type("AgentRuntime"))).toBe("AgentRuntime");
    expect(kindOf("pulumi-nodejs:dynamic:Resource")).toBeNull(); // another dynamic provider
    expect(kindOf("pulumi-nodejs:dynamic/other:ChipCluster")).toBeNull();
    expect(kindOf(type("Resource"))).toBeNull();
    expect(kindOf("aws:s3/bucket:Bucket")).toBeNull();
  });
});

describe("read", () => {
  it("tells a value the engine does not know yet from an absent one", () => {
    const props = unknownCheckingProxy({ a: { b: unknownString, c: 1 } });
    expect(read(props, "a", "b")).toBe(unknown);
    expect(read(props, "a", "c")).toBe(1);
    expect(read(props, "a", "d")).toBeUndefined();
    expect(read(props, "x", "y")).toBeUndefined();
  });
});

describe("agentcloud-budget", () => {
  it("fails a stack whose estimates add up to more than the budget, naming the figures and the resources", () => {
    const v = runStack(budgetPolicy, agentStack(), { maxMonthlyUsd: 400_000 });
    expect(v).toEqual([
      {
        message:
          "stack estimate up to 412,572.64 USD/month exceeds budget 400,000 USD/month: agents 392,448, glm 19,272, assistant 426.32, reviewer 426.32",
      },
    ]);
  });

  it("passes a stack under budget, and every stack when no budget is set", () => {
    expect(runStack(budgetPolicy, agentStack(), { maxMonthlyUsd: 412_572.64 })).toEqual([]);
    expect(runStack(budgetPolicy, agentStack(), {})).toEqual([]);
  });

  it("counts the least each estimate allows with basis min", () => {
    const v = runStack(budgetPolicy, agentStack(), { maxMonthlyUsd: 100_000, basis: "min" });
    expect(v[0]?.message).toMatch(
      /^stack estimate at least 392,448 USD\/month exceeds budget 100,000 USD\/month: agents 392,448$/,
    );
    expect(runStack(budgetPolicy, agentStack(), { maxMonthlyUsd: 400_000, basis: "min" })).toEqual([]);
  });

  it("names the resources whose estimate is not known yet, and ignores resources that are not ours", () => {
    const stack = [
      ...agentStack(),
      resource("AgentRuntime", "later", { estimate: unknownString }),
      resource("aws:s3/bucket:Bucket", "b", { estimate: { monthlyUsd: { max: 1e9 } } }),
    ];
    const v = runStack(budgetPolicy, stack, { maxMonthlyUsd: 400_000 });
    expect(v[0]?.message).toContain("412,572.64 USD/month");
    expect(v[0]?.message).toMatch(/; not estimated yet: later$/);
  });
});

describe("agentcloud-chip-caps", () => {
  it("fails when the clusters of a capped chip type hold more chips than the cap", () => {
    const stack = [cluster("a", {}), cluster("b", { chipsPerHyperNode: 64, hyperNodeCount: 3 })];
    expect(runStack(chipCapsPolicy, stack, { maxChips: { "zhenwu-m890": 256 } })).toEqual([
      { message: "320 zhenwu-m890 chips in the stack exceed the cap 256: b 192, a 128" },
    ]);
  });

  it("puts the violation of a single cluster on that cluster", () => {
    const v = runStack(chipCapsPolicy, [cluster("big", { hyperNodeCount: 4 })], {
      maxChips: { "zhenwu-m890": 256 },
    });
    expect(v).toEqual([
      {
        message: "512 zhenwu-m890 chips in the stack exceed the cap 256: big 512",
        urn: `urn:pulumi:dev::p::${type("ChipCluster")}::big`,
      },
    ]);
  });

  it("passes at the cap, other chip types, uncapped types, and dedicated endpoints (their chips are the cluster's)", () => {
    const a = cluster("a", { hyperNodeCount: 2 });
    const stack = [
      a,
      dedicated("e", a, { chipsPerReplica: 64, maxReplicas: 4 }),
      cluster("v", { chipType: "zhenwu-v900", chipsPerHyperNode: 64, hyperNodeCount: 8 }),
    ];
    expect(runStack(chipCapsPolicy, stack, { maxChips: { "zhenwu-m890": 256, "zhenwu-810e": 0 } })).toEqual(
      [],
    );
    expect(runStack(chipCapsPolicy, stack, {})).toEqual([]);
  });

  it("checks what it knows and names the clusters whose size is not known yet", () => {
    const stack = [cluster("a", { hyperNodeCount: 3 }), cluster("later", { hyperNodeCount: unknownString })];
    const v = runStack(chipCapsPolicy, stack, { maxChips: { "zhenwu-m890": 256 } });
    expect(v[0]?.message).toBe(
      "384 zhenwu-m890 chips in the stack exceed the cap 256: a 384; size not known yet: later",
    );
  });
});

describe("agentcloud-cluster-overcommit", () => {
  it("fails a resource-scheduled cluster whose endpoints reserve more chips at maxReplicas than it has", () => {
    const agents = cluster("agents", { scheduling: "resource" });
    const other = cluster("other", { hyperNodeCount: 4, scheduling: "resource" });
    const stack = [
      agents,
      other,
      dedicated("qwen", agents, { chipsPerReplica: 32, maxReplicas: 2 }),
      dedicated("qwen-b", agents, { chipsPerReplica: 64, maxReplicas: 1 }),
      dedicated("big", agents, { chipsPerReplica: 16, minReplicas: 0, maxReplicas: 1 }),
      dedicated("elsewhere", other, { chipsPerReplica: 128, maxReplicas: 4 }),
      pooled("glm", 200_000),
    ];
    expect(runStack(clusterOvercommitPolicy, stack)).toEqual([
      {
        message:
          "dedicated endpoints on ChipCluster agents (resource scheduling) reserve 144 chips at maxReplicas, more than its 128 zhenwu-m890 chips: qwen 64 chips, qwen-b 64 chips, big 16 chips",
        urn: agents.urn,
      },
    ]);
  });

  it("counts minReplicas on a task-scheduled cluster: bursting maxima pass, minimums that do not fit fail", () => {
    const agents = cluster("agents", {}); // task scheduling, the default
    const bursting = [
      agents,
      dedicated("qwen", agents, { chipsPerReplica: 32, maxReplicas: 2 }),
      dedicated("qwen-b", agents, { chipsPerReplica: 64, maxReplicas: 2 }),
      dedicated("big", agents, { chipsPerReplica: 16, minReplicas: 0, maxReplicas: 1 }),
    ];
    expect(runStack(clusterOvercommitPolicy, bursting)).toEqual([]);
    const crowded = [
      agents,
      dedicated("qwen", agents, { chipsPerReplica: 32, minReplicas: 2, maxReplicas: 2 }),
      dedicated("qwen-b", agents, { chipsPerReplica: 64, minReplicas: 2, maxReplicas: 2 }),
    ];
    expect(runStack(clusterOvercommitPolicy, crowded)).toEqual([
      {
        message:
          "dedicated endpoints on ChipCluster agents (task scheduling) reserve 192 chips at minReplicas, more than its 128 zhenwu-m890 chips: qwen-b 128 chips, qwen 64 chips",
        urn: agents.urn,
      },
    ]);
  });

  it("fails an endpoint that alone grows past its cluster, whatever the scheduling", () => {
    const agents = cluster("agents", {});
    expect(
      runStack(clusterOvercommitPolicy, [
        agents,
        dedicated("qwen", agents, { chipsPerReplica: 128, maxReplicas: 2 }),
      ]),
    ).toEqual([
      {
        message:
          "ModelEndpoint qwen grows to 256 chips at maxReplicas, more than the 128 zhenwu-m890 chips of ChipCluster agents",
        urn: agents.urn,
      },
    ]);
  });

  it("passes a full cluster, and takes the replicas as 1 when left out", () => {
    const agents = cluster("agents", { scheduling: "resource" });
    const stack = [
      agents,
      dedicated("a", agents, { chipsPerReplica: 64 }),
      dedicated("b", agents, { chipsPerReplica: 32, maxReplicas: 2 }),
    ];
    expect(runStack(clusterOvercommitPolicy, stack)).toEqual([]);
  });

  it("finds the cluster through the endpoint's dependencies when its deployment's are not given", () => {
    const agents = cluster("agents", { scheduling: "resource", hyperNodeCount: 2 });
    const e = dedicated("e", null, { chipsPerReplica: 64, maxReplicas: 4 });
    const f = dedicated("f", null, { chipsPerReplica: 64, maxReplicas: 1 });
    e.dependencies = [agents];
    f.dependencies = [agents];
    expect(runStack(clusterOvercommitPolicy, [agents, e, f])[0]?.message).toContain("reserve 320 chips");
  });

  it("skips endpoints whose cluster is not in the stack or whose figures are not known yet", () => {
    const agents = cluster("agents", {});
    const stack = [
      agents,
      dedicated("outside", null, { clusterId: "cc-123", chipsPerReplica: 128, maxReplicas: 8 }),
      dedicated("later", agents, { chipsPerReplica: 64, maxReplicas: unknownString }),
    ];
    expect(runStack(clusterOvercommitPolicy, stack)).toEqual([]);
    const unsized = cluster("unsized", { hyperNodeCount: unknownString });
    expect(
      runStack(clusterOvercommitPolicy, [unsized, dedicated("e", unsized, { chipsPerReplica: 1024 })]),
    ).toEqual([]);
  });
});

describe("agentcloud-context-cache", () => {
  const disabled = { contextCache: { mode: "disabled", ttlSeconds: 3600 } };

  it("flags an endpoint that disables context caching above the threshold, with the prices it forgoes", () => {
    expect(runResource(contextCachePolicy, pooled("glm", 200_000, disabled))).toEqual([
      'ModelEndpoint glm disables contextCache at 200,000 tokens/minute, above 100,000: every input token of glm-5.1 is billed at 0.6 USD/M, not 0.11 USD/M for a cached prefix; set contextCache.mode to "implicit" or "explicit"',
    ]);
    const withCache = resource("ModelEndpoint", "qwen", {
      model: "qwen3.7-max",
      deployment: { mode: "dedicated", clusterId: unknownString, chipsPerReplica: 32 },
      throughput: { tokensPerMinute: 400_000 },
      ...disabled,
    });
    expect(runResource(contextCachePolicy, withCache)[0]).toContain(
      "at 400,000 tokens/minute, above 100,000: every prompt is prefilled again on its cluster's chips",
    );
  });

  it("passes caching endpoints, endpoints at or under the threshold, and other kinds", () => {
    expect(runResource(contextCachePolicy, pooled("glm", 200_000))).toEqual([]);
    expect(runResource(contextCachePolicy, pooled("glm", 100_000, disabled))).toEqual([]);
    expect(
      runResource(contextCachePolicy, pooled("glm", 200_000, disabled), {
        maxUncachedTokensPerMinute: 500_000,
      }),
    ).toEqual([]);
    expect(
      runResource(contextCachePolicy, pooled("glm", 200_000, { contextCache: { mode: unknownString } })),
    ).toEqual([]);
    expect(runResource(contextCachePolicy, cluster("agents", disabled))).toEqual([]);
  });
});

describe("the pack", () => {
  it("has uniquely named policies with a description each", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of policies) expect(p.description.length).toBeGreaterThan(20);
  });

  it("reports the package's version (policy-pack/package.json, which PolicyPack reads, follows it)", () => {
    const root = join(import.meta.dirname, "../..");
    const version = (f: string) => JSON.parse(readFileSync(join(root, f), "utf8")).version;
    expect(version("policy-pack/package.json")).toBe(version("package.json"));
  });
});
