import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type { ChipType, ModelId } from "../../api/catalog.ts";
import { modelCatalog } from "../../api/catalog.ts";
import { chipClusterLifecycle } from "../../api/chip-cluster.ts";
import {
  type ModelEndpointSpec,
  modelEndpointApi,
  modelEndpointCreateOnly,
  servingCapacity,
} from "../../api/model-endpoint.ts";
import { exclusiveChips, modelOnChipIssues, replicasFitIssues } from "../../api/placement.ts";
import { countQuotas } from "../../api/quotas.ts";
import { fail, invalid } from "../errors.ts";
import type { StoredResource } from "../store/repo.ts";
import { endpointsOn } from "./chip-cluster.ts";
import { type Body, type Ctx, checkCountQuota, checkCreateOnly, type KindModel, raise } from "./model.ts";

type Spec = z.output<typeof ModelEndpointSpec>;
type Deployment = Spec["deployment"];
type Throughput = Spec["throughput"];

function derive(body: Body): Body {
  const d = body.deployment as Deployment;
  const t = body.throughput as Throughput;
  const m = modelCatalog[body.model as ModelId];
  // Replicas running: kept between the deployment's bounds (the data plane scales them under load).
  const floor = d.mode === "dedicated" ? Math.max(1, d.minReplicas) : 0;
  const current = Number(body.currentReplicas ?? floor);
  const replicas =
    d.mode === "dedicated"
      ? Math.min(d.maxReplicas, Math.max(floor, Number.isFinite(current) ? current : floor))
      : 0;
  return {
    ...body,
    throughput: { ...t, burstTokensPerMinute: t.burstTokensPerMinute ?? null },
    spilloverEndpointId: body.spilloverEndpointId ?? null,
    currentReplicas: replicas,
    effectiveTokensPerMinute: servingCapacity(d, t, replicas).limit,
    pricing: {
      currency: "USD",
      inputPerMTokens: m?.pricing.inputPerMTokens ?? 0,
      outputPerMTokens: m?.pricing.outputPerMTokens ?? 0,
      cachedInputPerMTokens: m?.pricing.cachedInputPerMTokens ?? 0,
    },
  };
}

function checkDeployment(
  ctx: Ctx,
  spec: { name: string; region: string; model: ModelId },
  d: Deployment,
  self?: string,
): void {
  const path = "deployment";
  if (d.mode !== "dedicated") return;
  const cluster = ctx.repo.getResource(ctx.account, "ChipCluster", d.clusterId);
  if (!cluster) invalid([{ path: `${path}.clusterId`, message: `cluster ${d.clusterId} does not exist` }]);
  if (cluster.body.region !== spec.region) {
    invalid([
      {
        path: `${path}.clusterId`,
        message: `cluster ${d.clusterId} is in ${cluster.body.region}, not ${spec.region}`,
      },
    ]);
  }
  if (cluster.body.status !== chipClusterLifecycle.ready) {
    fail("Conflict", `cluster ${d.clusterId} is ${cluster.body.status}, not ${chipClusterLifecycle.ready}`, {
      field: `${path}.clusterId`,
    });
  }
  const chipType = cluster.body.chipType as ChipType;
  for (const issue of modelOnChipIssues(spec.model, chipType, d.chipsPerReplica)) raise(issue);
  // The replicas-fit rule over the cluster's dedicated endpoints as they would be with this one.
  const scheduling = cluster.body.scheduling === "resource" ? "resource" : "task";
  const others = endpointsOn(ctx, d.clusterId, self);
  const side = {
    name: cluster.body.name,
    chips: Number(cluster.body.totalChips),
    scheduling,
    chipType,
  } as const;
  const issues = replicasFitIssues(side, [...others, { name: spec.name, d }]).filter(
    (i) => i.details.endpoint === undefined || i.details.endpoint === spec.name,
  );
  const reserved = others.reduce((n, e) => n + exclusiveChips(e.d, scheduling), 0);
  for (const issue of issues) {
    raise(issue, {
      clusterId: d.clusterId,
      scheduling,
      clusterChips: side.chips,
      reserved,
      requested: exclusiveChips(d, scheduling),
    });
  }
}

function checkTokens(ctx: Ctx, region: string, tpm: number, except?: string): void {
  const current = ctx.repo
    .allResources(ctx.account, countQuotas.tokensPerMinute.kind)
    .filter((e) => e.id !== except && e.body.region === region)
    .reduce((n, e) => n + countQuotas.tokensPerMinute.use(e.body), 0);
  if (current + tpm > ctx.limits.tokensPerMinutePerRegion) {
    fail(
      "InsufficientQuota",
      `tokens-per-minute quota in ${region} is ${ctx.limits.tokensPerMinutePerRegion}`,
      {
        field: "throughput.tokensPerMinute",
        limit: ctx.limits.tokensPerMinutePerRegion,
        current,
        requested: tpm,
      },
    );
  }
}

function checkSpillover(ctx: Ctx, id: unknown, self?: string): void {
  if (typeof id !== "string") return;
  if (id === self || !ctx.repo.getResource(ctx.account, "ModelEndpoint", id)) {
    invalid([{ path: "spilloverEndpointId", message: `endpoint ${id} does not exist` }]);
  }
}

export const modelEndpointModel: KindModel = {
  ...modelEndpointApi,

  // Capacity-only changes scale the endpoint; a new model or cache setting rolls out a version.
  updatingState: (patch) =>
    Object.keys(patch).every((k) => k === "deployment" || k === "throughput" || k === "tags")
      ? "SCALING"
      : "UPDATING",

  checkCreate(ctx, spec) {
    const region = String(spec.region);
    checkCountQuota(ctx, "ModelEndpoint", region, ctx.limits.endpointsPerRegion, "endpoints");
    const named = { name: String(spec.name), region, model: spec.model as ModelId };
    checkDeployment(ctx, named, spec.deployment as Deployment);
    checkTokens(ctx, region, (spec.throughput as Throughput).tokensPerMinute);
    checkSpillover(ctx, spec.spilloverEndpointId);
  },

  checkUpdate(ctx, current, patch) {
    const old = current.body.deployment as Deployment;
    const next = (patch.deployment ?? old) as Deployment;
    checkCreateOnly(modelEndpointCreateOnly, current.body, patch);
    const model = (patch.model ?? current.body.model) as ModelId;
    const named = { name: current.body.name, region: current.body.region, model };
    if (patch.deployment || patch.model) checkDeployment(ctx, named, next, current.id);
    if (patch.throughput)
      checkTokens(ctx, current.body.region, (patch.throughput as Throughput).tokensPerMinute, current.id);
    checkSpillover(ctx, patch.spilloverEndpointId, current.id);
  },

  build(ctx, id, spec) {
    const now = ctx.now.toISOString();
    const body = derive({
      ...spec,
      id,
      kind: "ModelEndpoint",
      status: "CREATING",
      statusReason: null,
      url: `${ctx.baseUrl}/inference/${id}`,
      apiKey: `ak-${randomBytes(16).toString("hex")}`,
      activeVersion: 1,
      etag: "",
      createdAt: now,
      updatedAt: now,
    } as unknown as Body);
    return { body, secret: null };
  },

  applyPatch(_ctx, current, patch) {
    const modelChanged = patch.model !== undefined && patch.model !== current.body.model;
    const body = derive({
      ...current.body,
      ...patch,
      activeVersion: Number(current.body.activeVersion) + (modelChanged ? 1 : 0),
    } as Body);
    return { body, secret: null };
  },

  derive,

  dependents(ctx, r: StoredResource) {
    const runtimes = ctx.repo
      .allResources(ctx.account, "AgentRuntime")
      .filter((a) => (a.body.models as { endpointId: string }[]).some((m) => m.endpointId === r.id));
    const spilling = ctx.repo
      .allResources(ctx.account, "ModelEndpoint")
      .filter((e) => e.body.spilloverEndpointId === r.id);
    return [...runtimes, ...spilling].map((x) => x.id);
  },
};
