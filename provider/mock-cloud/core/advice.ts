/**
 * `POST /v1/validations` and `POST /v1/plans`: the provider's own check (preview's messages and
 * field paths, resources/<kind>/definition.ts through runtime/handlers.ts) and its estimate, run
 * against what the account holds: a dedicated endpoint's cluster is looked up, so the memory fit
 * and the chip are checked as preview checks them when the program passes `cluster`.
 */
import type { Plan, Validation } from "../../api/advice.ts";
import { sameValue, secretEnvDigest } from "../../api/canonical.ts";
import { type ResourceKind, resourceKinds, specKeys } from "../../api/common.ts";
import { agentRuntimeKind } from "../../resources/agent-runtime/definition.ts";
import { chipClusterKind } from "../../resources/chip-cluster/definition.ts";
import { modelEndpointKind } from "../../resources/model-endpoint/definition.ts";
import { makeHandlers } from "../../runtime/handlers.ts";
import type { StoredResource } from "../store/repo.ts";
import { kindModels } from "./kinds.ts";
import type { Ctx } from "./model.ts";

const kinds = {
  ChipCluster: chipClusterKind,
  ModelEndpoint: modelEndpointKind,
  AgentRuntime: agentRuntimeKind,
};
const checks = {
  ChipCluster: makeHandlers(chipClusterKind).check,
  ModelEndpoint: makeHandlers(modelEndpointKind).check,
  AgentRuntime: makeHandlers(agentRuntimeKind).check,
};

type Spec = Record<string, unknown>;

/** What a program's `cluster` argument would tell preview: the cluster's chip type and scheduling. */
function hintsOf(ctx: Ctx, kind: ResourceKind, spec: Spec): Spec {
  const d = spec.deployment as { mode?: unknown; clusterId?: unknown } | undefined;
  if (kind !== "ModelEndpoint" || d?.mode !== "dedicated" || typeof d.clusterId !== "string") return {};
  const cluster = ctx.repo.getResource(ctx.account, "ChipCluster", d.clusterId);
  return cluster ? { __chipType: cluster.body.chipType, __scheduling: cluster.body.scheduling } : {};
}

export async function validateSpec(ctx: Ctx, kind: ResourceKind, spec: Spec): Promise<Validation> {
  const named = typeof spec.name === "string" ? spec.name : kind;
  const { inputs, failures } = await checks[kind](
    {},
    { ...spec, ...hintsOf(ctx, kind, spec), __scope: `agent/validate/${named}` },
  );
  const { estimate, ...rest } = inputs;
  const checked = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith("__")));
  return {
    valid: failures.length === 0,
    failures: failures.map((f) => ({ path: f.property, reason: f.reason })),
    spec: checked,
    estimate: (estimate as Validation["estimate"]) ?? null,
  };
}

/** The estimate of a resource the account holds, from its spec fields. */
function heldEstimate(ctx: Ctx, r: StoredResource) {
  const def = kinds[r.kind];
  return def.estimate?.(r.body, hintsOf(ctx, r.kind, r.body))?.monthlyUsd ?? null;
}

/** Spec fields that differ; a write-only secretEnv is compared by its digest. */
function changed(kind: ResourceKind, held: Spec, desired: Spec): string[] {
  return specKeys(kinds[kind]).filter((k) => {
    if (!(k in desired)) return false;
    if (k === "secretEnv")
      return held.secretEnvDigest !== secretEnvDigest(desired.secretEnv as Record<string, string>);
    return !sameValue(held[k], desired[k]);
  });
}

export async function planSpecs(
  ctx: Ctx,
  desired: { kind: ResourceKind; spec: Spec }[],
  prune: boolean,
): Promise<Plan> {
  const steps: Plan["steps"] = [];
  const matched = new Set<string>();
  for (const { kind, spec } of desired) {
    const v = await validateSpec(ctx, kind, spec);
    const name = typeof spec.name === "string" ? spec.name : null;
    const region = typeof spec.region === "string" ? spec.region : null;
    const base = { kind, name, region, failures: v.failures };
    if (!v.valid) {
      steps.push({
        ...base,
        action: "invalid",
        id: null,
        changedKeys: [],
        replaceKeys: [],
        monthlyUsd: { before: null, after: null },
      });
      continue;
    }
    const held = name && region ? ctx.repo.findByName(ctx.account, kind, region, name) : null;
    const after = v.estimate?.monthlyUsd ?? null;
    if (!held) {
      steps.push({
        ...base,
        action: "create",
        id: null,
        changedKeys: [],
        replaceKeys: [],
        monthlyUsd: { before: null, after },
      });
      continue;
    }
    matched.add(held.id);
    const changedKeys = changed(kind, held.body, v.spec);
    const replaceKeys = kindModels[kind].createOnly
      .filter((r) => !sameValue(r.of(held.body) ?? null, r.of(v.spec) ?? null))
      .map((r) => r.path);
    const action = replaceKeys.length > 0 ? "replace" : changedKeys.length > 0 ? "update" : "same";
    steps.push({
      ...base,
      action,
      id: held.id,
      changedKeys,
      replaceKeys,
      monthlyUsd: { before: heldEstimate(ctx, held), after },
    });
  }
  if (prune) {
    for (const kind of resourceKinds) {
      for (const r of ctx.repo.allResources(ctx.account, kind)) {
        if (matched.has(r.id)) continue;
        steps.push({
          kind,
          name: r.body.name,
          region: r.body.region,
          action: "delete",
          id: r.id,
          changedKeys: [],
          replaceKeys: [],
          failures: [],
          monthlyUsd: { before: heldEstimate(ctx, r), after: null },
        });
      }
    }
  }
  const delta = { min: 0, max: 0 };
  for (const s of steps) {
    delta.min += (s.monthlyUsd.after?.min ?? 0) - (s.monthlyUsd.before?.min ?? 0);
    delta.max += (s.monthlyUsd.after?.max ?? 0) - (s.monthlyUsd.before?.max ?? 0);
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return { steps, monthlyUsdDelta: { min: round(delta.min), max: round(delta.max) } };
}
