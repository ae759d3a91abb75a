import { chipCatalog, chipRuleIssues } from "../../api/catalog.ts";
import { capacityStates, chipClusterApi, chipHoldingStates } from "../../api/chip-cluster.ts";
import { exclusiveChips, type Replicas, replicasFitIssues, type Scheduling } from "../../api/placement.ts";
import { fail, MockCloudError } from "../errors.ts";
import { type Body, type Ctx, type KindModel, raise } from "./model.ts";

/** The dedicated endpoints on a cluster as the placement rules see them (a FAILED one holds nothing), but `except`. */
export function endpointsOn(
  ctx: Ctx,
  clusterId: string,
  except?: string,
): { id: string; name: string; d: Replicas }[] {
  return ctx.repo
    .allResources(ctx.account, "ModelEndpoint")
    .filter((e) => e.id !== except && e.body.status !== "FAILED")
    .map((e) => ({
      id: e.id,
      name: e.body.name,
      d: e.body.deployment as Replicas & { mode: string; clusterId?: string },
    }))
    .filter(({ d }) => d.mode === "dedicated" && d.clusterId === clusterId);
}

/**
 * 409 Conflict when a shrink or a scheduling switch would break the replicas-fit rule of the
 * cluster's dedicated endpoints (provider/api/placement.ts).
 */
function checkReservations(
  ctx: Ctx,
  current: { id: string; body: Body },
  patch: Record<string, unknown>,
): void {
  const scheduling = (patch.scheduling ?? current.body.scheduling) as Scheduling;
  const chips =
    Number(current.body.chipsPerHyperNode) * Number(patch.hyperNodeCount ?? current.body.hyperNodeCount);
  const endpoints = endpointsOn(ctx, current.id);
  const side = { name: current.body.name, chips, scheduling, chipType: String(current.body.chipType) };
  const issues = replicasFitIssues(side, endpoints);
  if (issues.length === 0) return;
  fail("Conflict", issues.map((i) => i.message).join("; "), {
    field: patch.hyperNodeCount !== undefined ? "hyperNodeCount" : "scheduling",
    clusterId: current.id,
    scheduling,
    clusterChips: Number(current.body.totalChips),
    requested: chips,
    reserved: endpoints.reduce((n, e) => n + exclusiveChips(e.d, scheduling), 0),
    endpoints: endpoints.map((e) => e.id),
  });
}

type Spec = {
  region: string;
  chipType: keyof typeof chipCatalog;
  chipsPerHyperNode: number;
  hyperNodeCount: number;
};

function derive(body: Body): Body {
  const chip = chipCatalog[body.chipType as keyof typeof chipCatalog];
  const totalChips = Number(body.chipsPerHyperNode) * Number(body.hyperNodeCount);
  return {
    ...body,
    totalChips,
    totalMemoryGiB: totalChips * (chip?.memoryGiB ?? 0),
    interconnect: { chipToChipGBps: chip?.chipToChipGBps ?? null, p2pLatencyNs: chip?.p2pLatencyNs ?? null },
  };
}

/** Chips this account already holds (or has asked for) of a type in a region: its quota's usage. */
export function chipsInUse(ctx: Ctx, region: string, chipType: string, except?: string): number {
  return ctx.repo.chipsInUse({ region, chipType, statuses: chipHoldingStates, account: ctx.account, except });
}

/** On-demand capacity in use in a region, across accounts. */
function onDemandInUse(ctx: Ctx, region: string, chipType: string, except?: string): number {
  return ctx.repo.chipsInUse({ region, chipType, statuses: capacityStates, except });
}

function checkChips(ctx: Ctx, spec: Spec, requested: number, except?: string): void {
  for (const issue of chipRuleIssues(spec.chipType, spec.chipsPerHyperNode, ctx.now)) raise(issue);
  const current = chipsInUse(ctx, spec.region, spec.chipType, except);
  if (current + requested > ctx.limits.chipsPerType) {
    fail("QuotaExceeded", `${spec.chipType} chips in ${spec.region}: quota ${ctx.limits.chipsPerType}`, {
      limit: ctx.limits.chipsPerType,
      current,
      requested,
    });
  }
}

export const chipClusterModel: KindModel = {
  ...chipClusterApi,

  whenReady: (body) => ({ readyHyperNodes: body.hyperNodeCount }),

  checkCreate(ctx, raw) {
    const spec = raw as unknown as Spec & { provisioning: { mode: string } };
    const requested = spec.chipsPerHyperNode * spec.hyperNodeCount;
    checkChips(ctx, spec, requested);
    if (spec.provisioning.mode === "onDemand") {
      const used = onDemandInUse(ctx, spec.region, spec.chipType);
      if (used + requested > ctx.limits.capacityPerRegion)
        throwCapacity(ctx, spec.region, spec.chipType, used, requested);
    }
  },

  checkUpdate(ctx, current, patch) {
    if (patch.hyperNodeCount !== undefined || patch.scheduling !== undefined)
      checkReservations(ctx, current, patch);
    if (patch.hyperNodeCount === undefined) return;
    const spec = current.body as unknown as Spec;
    const requested = spec.chipsPerHyperNode * Number(patch.hyperNodeCount);
    checkChips(ctx, { ...spec, hyperNodeCount: Number(patch.hyperNodeCount) }, requested, current.id);
    // Growing an on-demand cluster needs free capacity too (shrinking never does).
    const provisioning = current.body.provisioning as { mode: string };
    if (provisioning.mode === "onDemand" && requested > Number(current.body.totalChips)) {
      const used = onDemandInUse(ctx, spec.region, spec.chipType, current.id);
      if (used + requested > ctx.limits.capacityPerRegion)
        throwCapacity(ctx, spec.region, spec.chipType, used, requested);
    }
  },

  build(ctx, id, spec) {
    const now = ctx.now.toISOString();
    const body = derive({
      ...(spec as Record<string, unknown>),
      id,
      kind: "ChipCluster",
      zone: (spec.zone as string | undefined) ?? null,
      status: "ACCEPTED",
      statusReason: null,
      readyHyperNodes: 0,
      etag: "",
      createdAt: now,
      updatedAt: now,
    } as unknown as Body);
    return { body, secret: null };
  },

  applyPatch(_ctx, current, patch) {
    const body = derive({ ...current.body, ...patch } as Body);
    return { body, secret: null };
  },

  derive,

  dependents(ctx, r) {
    return ctx.repo
      .allResources(ctx.account, "ModelEndpoint")
      .filter((e) => (e.body.deployment as { clusterId?: string }).clusterId === r.id)
      .map((e) => e.id);
  },

  progress(ctx, r) {
    const provisioning = r.body.provisioning as { mode: string };
    if (provisioning.mode !== "queued") return "PROVISIONING";
    const used = onDemandInUse(ctx, r.body.region, String(r.body.chipType), r.id);
    return used + Number(r.body.totalChips) <= ctx.limits.capacityPerRegion
      ? "PROVISIONING"
      : "WAITING_FOR_CAPACITY";
  },

  finishCreate(ctx, r) {
    const provisioning = r.body.provisioning as { mode: string; queueDeadline?: string };
    if (provisioning.mode !== "queued") return null;
    const used = onDemandInUse(ctx, r.body.region, String(r.body.chipType), r.id);
    if (used + Number(r.body.totalChips) <= ctx.limits.capacityPerRegion) return null;
    if (provisioning.queueDeadline && ctx.now.getTime() >= Date.parse(provisioning.queueDeadline)) {
      return {
        code: "CapacityUnavailable",
        message: `no ${r.body.chipType} capacity in ${r.body.region} before the queue deadline`,
      };
    }
    return { code: "Waiting", message: "waiting for capacity" };
  },
};

function throwCapacity(ctx: Ctx, region: string, chipType: string, used: number, requested: number): never {
  throw new MockCloudError(
    "CapacityUnavailable",
    `no on-demand ${chipType} capacity in ${region} (${used} of ${ctx.limits.capacityPerRegion} chips in use, ${requested} requested); retry later or use provisioning.mode "queued"`,
    { available: Math.max(0, ctx.limits.capacityPerRegion - used), requested },
    { "retry-after": String(ctx.limits.retryAfterSeconds) },
  );
}
