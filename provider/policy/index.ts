/**
 * The AgentCloud CrossGuard policies (docs/policy.md): a stack budget in USD a month, chip caps by
 * chip type, dedicated endpoints that reserve more chips than their cluster has, and context
 * caching disabled at high throughput. pack.ts serves them as the `agentcloud` policy pack; a team
 * composing its own pack imports them from `pulumi-agentcloud/policy`.
 *
 * What the analyzer sees of our resources (checked against the engine, test/e2e/policy.e2e.test.ts):
 * - the type `pulumi-nodejs:dynamic/agentcloud:<Kind>`, which each resource class registers (the
 *   module and type arguments of dynamic.Resource); the generic `pulumi-nodejs:dynamic:Resource`
 *   is what other dynamic providers get. The analyzer is not given the inputs whose names start
 *   with `__` (`__provider`, `__scope`, `__chipType`), so the type is the only identity a policy has;
 * - the checked inputs (resource policies) or the outputs (stack policies; at preview, the checked
 *   inputs of what is created), including the `estimate` check() computes (provider/api/estimate.ts);
 * - values not known yet (ids of resources not created) as properties that throw when read.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { modelCatalog, modelIds } from "../api/catalog.ts";
import { kindOfType } from "../api/engine.ts";
import { replicaDefaults } from "../api/model-endpoint.ts";
import { type ClusterSide, listed, type Replicas, replicasFitIssues } from "../api/placement.ts";

/** Our kind of a resource type, or null: another provider's resource, or another dynamic provider's. */
export const kindOf = kindOfType;

/** A value the engine does not know yet (at preview): reading it through the policy SDK's proxy throws. */
export const unknown: unique symbol = Symbol("unknown");
type Read = unknown | typeof unknown;

/**
 * The value at `path`, `unknown` when it (or an object above it) is not known yet, undefined when
 * it is absent. The SDK's proxy throws UnknownValueError on reading an unknown value; reading a
 * plain property of deserialized JSON throws nothing else.
 */
export function read(root: unknown, ...path: string[]): Read {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    try {
      cur = (cur as Record<string, unknown>)[key];
    } catch {
      return unknown;
    }
  }
  return cur;
}

const num = (v: Read) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: Read) => (typeof v === "string" ? v : null);

/** 412572.64 → "412,572.64". */
function fmt(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

type Config = Record<string, unknown>;
const config = (args: { getConfig<T extends object>(): T }) => args.getConfig<Config>() ?? {};

// ---------------------------------------------------------------------------------------------
// agentcloud-budget

export interface BudgetConfig {
  /** USD a month the stack's AgentCloud resources may cost at most. No budget when left out. */
  maxMonthlyUsd?: number;
  /** Which end of each estimate counts: `max` (the most the spec allows, default) or `min`. */
  basis?: "max" | "min";
}

export const budgetPolicy: StackValidationPolicy = {
  name: "agentcloud-budget",
  description:
    "The stack's AgentCloud resources may cost at most maxMonthlyUsd USD a month (the sum of their estimates).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxMonthlyUsd: { type: "number", minimum: 0, description: "USD a month; no budget when left out" },
      basis: { type: "string", enum: ["max", "min"], default: "max" },
    },
  },
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const { maxMonthlyUsd, basis = "max" } = config(args) as BudgetConfig;
    if (typeof maxMonthlyUsd !== "number") return;
    const priced: { name: string; n: number }[] = [];
    const unestimated: string[] = [];
    for (const r of args.resources) {
      if (!kindOf(r.type)) continue;
      const usd = num(read(r.props, "estimate", "monthlyUsd", basis));
      if (usd === null) unestimated.push(r.name);
      else priced.push({ name: r.name, n: usd });
    }
    const total = Math.round(priced.reduce((s, p) => s + p.n, 0) * 100) / 100;
    if (total <= maxMonthlyUsd) return;
    report(
      `stack estimate ${basis === "max" ? "up to" : "at least"} ${fmt(total)} USD/month exceeds budget ${fmt(maxMonthlyUsd)} USD/month: ` +
        listed(priced.filter((p) => p.n > 0)) +
        (unestimated.length ? `; not estimated yet: ${unestimated.join(", ")}` : ""),
    );
  },
};

// ---------------------------------------------------------------------------------------------
// agentcloud-chip-caps

export interface ChipCapsConfig {
  /** Chips of each type the stack's chip clusters may hold at most, e.g. `{ "zhenwu-m890": 256 }`. */
  maxChips?: Record<string, number>;
}

export const chipCapsPolicy: StackValidationPolicy = {
  name: "agentcloud-chip-caps",
  description:
    "The stack's chip clusters may hold at most maxChips[chipType] chips of each type (chipsPerHyperNode × hyperNodeCount).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxChips: {
        type: "object",
        additionalProperties: { type: "integer", minimum: 0 },
        description: 'chips of each type at most, e.g. { "zhenwu-m890": 256 }',
      },
    },
  },
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const { maxChips = {} } = config(args) as ChipCapsConfig;
    const byType = new Map<string, { name: string; n: number; urn: string }[]>();
    const unknownSize = new Map<string, string[]>();
    for (const r of args.resources) {
      if (kindOf(r.type) !== "ChipCluster") continue;
      const chipType = str(read(r.props, "chipType"));
      if (chipType === null || !(chipType in maxChips)) continue;
      const chips = clusterChips(r.props);
      if (chips === null) unknownSize.set(chipType, [...(unknownSize.get(chipType) ?? []), r.name]);
      else byType.set(chipType, [...(byType.get(chipType) ?? []), { name: r.name, n: chips, urn: r.urn }]);
    }
    for (const [chipType, clusters] of byType) {
      const cap = maxChips[chipType] as number;
      const total = clusters.reduce((s, c) => s + c.n, 0);
      if (total <= cap) continue;
      const unsized = unknownSize.get(chipType);
      const message =
        `${fmt(total)} ${chipType} chips in the stack exceed the cap ${fmt(cap)}: ${listed(clusters)}` +
        (unsized ? `; size not known yet: ${unsized.join(", ")}` : "");
      // One cluster: the violation is its own; several: the stack's.
      report(message, clusters.length === 1 ? clusters[0]?.urn : undefined);
    }
  },
};

/** chipsPerHyperNode × hyperNodeCount, or null when either is not known. */
function clusterChips(props: unknown): number | null {
  const perNode = num(read(props, "chipsPerHyperNode"));
  const nodes = num(read(props, "hyperNodeCount"));
  return perNode === null || nodes === null ? null : perNode * nodes;
}

// ---------------------------------------------------------------------------------------------
// agentcloud-cluster-overcommit

export const clusterOvercommitPolicy: StackValidationPolicy = {
  name: "agentcloud-cluster-overcommit",
  description:
    "Dedicated model endpoints must fit the chip cluster they run on (chipsPerHyperNode × hyperNodeCount), as the cloud's scheduling rule counts them: each endpoint's maxReplicas × chipsPerReplica, and together what they reserve — maxReplicas × chipsPerReplica on a `resource`-scheduled cluster, minReplicas × chipsPerReplica on a `task`-scheduled one.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const byCluster = new Map<PolicyResource, { name: string; d: Replicas }[]>();
    for (const r of args.resources) {
      if (kindOf(r.type) !== "ModelEndpoint" || read(r.props, "deployment", "mode") !== "dedicated") continue;
      const cluster = clusterOf(r);
      if (!cluster) continue;
      const perReplica = num(read(r.props, "deployment", "chipsPerReplica"));
      const replicas = (key: keyof typeof replicaDefaults) => {
        const raw = read(r.props, "deployment", key);
        return raw === undefined || raw === null ? replicaDefaults[key] : num(raw);
      };
      const [min, max] = [replicas("minReplicas"), replicas("maxReplicas")];
      if (perReplica === null || min === null || max === null) continue;
      const entry = { name: r.name, d: { chipsPerReplica: perReplica, minReplicas: min, maxReplicas: max } };
      byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), entry]);
    }
    for (const [cluster, endpoints] of byCluster) {
      const chips = clusterChips(cluster.props);
      const scheduling = str(read(cluster.props, "scheduling")) ?? "task";
      if (chips === null || (scheduling !== "task" && scheduling !== "resource")) continue; // not known yet
      const chipType = str(read(cluster.props, "chipType")) ?? "";
      const side: ClusterSide = { name: cluster.name, chips, scheduling, chipType };
      for (const issue of replicasFitIssues(side, endpoints)) report(issue.message, cluster.urn);
    }
  },
};

/**
 * The ChipCluster of this stack a dedicated endpoint runs on: the one its `deployment` depends on
 * (`cluster` or `clusterId: cluster.id` in the program), known at preview before the cluster's id
 * is. Null when the cluster is not in the stack (a literal clusterId).
 */
function clusterOf(endpoint: PolicyResource): PolicyResource | null {
  const viaDeployment = (endpoint.propertyDependencies?.deployment ?? []).filter(
    (d) => kindOf(d.type) === "ChipCluster",
  );
  if (viaDeployment.length === 1) return viaDeployment[0] ?? null;
  const all = (endpoint.dependencies ?? []).filter((d) => kindOf(d.type) === "ChipCluster");
  return viaDeployment.length === 0 && all.length === 1 ? (all[0] ?? null) : null;
}

// ---------------------------------------------------------------------------------------------
// agentcloud-context-cache

export interface ContextCacheConfig {
  /** Tokens per minute above which an endpoint must not disable context caching. Default 100,000. */
  maxUncachedTokensPerMinute?: number;
}

export const contextCachePolicy: ResourceValidationPolicy = {
  name: "agentcloud-context-cache",
  description:
    "A model endpoint serving more than maxUncachedTokensPerMinute tokens a minute keeps context caching on (contextCache.mode implicit or explicit): repeated prompt prefixes are billed at the cached-input price.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      maxUncachedTokensPerMinute: { type: "integer", minimum: 0, default: 100_000 },
    },
  },
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (kindOf(args.type) !== "ModelEndpoint") return;
    const { maxUncachedTokensPerMinute = 100_000 } = config(args) as ContextCacheConfig;
    if (read(args.props, "contextCache", "mode") !== "disabled") return;
    const tpm = num(read(args.props, "throughput", "tokensPerMinute"));
    if (tpm === null || tpm <= maxUncachedTokensPerMinute) return;
    const model = str(read(args.props, "model"));
    const pricing =
      model && (modelIds as readonly string[]).includes(model)
        ? modelCatalog[model as keyof typeof modelCatalog].pricing
        : null;
    const cost =
      read(args.props, "deployment", "mode") === "dedicated"
        ? "every prompt is prefilled again on its cluster's chips"
        : pricing
          ? `every input token of ${model} is billed at ${pricing.inputPerMTokens} USD/M, not ${pricing.cachedInputPerMTokens} USD/M for a cached prefix`
          : "every input token is billed at the full input price";
    report(
      `ModelEndpoint ${args.name} disables contextCache at ${fmt(tpm)} tokens/minute, above ${fmt(maxUncachedTokensPerMinute)}: ${cost}; set contextCache.mode to "implicit" or "explicit"`,
    );
  },
};

/** Every policy of the pack, in the order the engine reports them. */
export const policies = [budgetPolicy, chipCapsPolicy, clusterOvercommitPolicy, contextCachePolicy];
