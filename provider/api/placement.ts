/**
 * The rules between a dedicated ModelEndpoint and the ChipCluster its replicas run on, each with its
 * message, written once. The emulator enforces them (on an endpoint's create and update, on a
 * cluster's shrink or scheduling switch), preview checks what it can know offline (check() and the
 * policy pack), and estimates and the plan report count with them.
 */
import { type ChipType, chipCatalog, type ModelId, memoryFit, modelCatalog } from "./catalog.ts";
import type { RuleIssue } from "./issues.ts";

export type Scheduling = "task" | "resource";

/** A dedicated deployment's replica bounds and size. */
export interface Replicas {
  chipsPerReplica: number;
  minReplicas: number;
  maxReplicas: number;
}

/**
 * The scheduling rule: the chips a dedicated endpoint holds exclusively on its cluster. On a
 * `resource`-scheduled cluster its maximum (maxReplicas × chipsPerReplica); on a `task`-scheduled
 * one its minimum (minReplicas × chipsPerReplica), the rest up to its maximum borrowed from the
 * chips nobody reserves.
 */
export function exclusiveChips(d: Replicas, scheduling: Scheduling): number {
  return d.chipsPerReplica * (scheduling === "resource" ? d.maxReplicas : d.minReplicas);
}

/** Which replica bound a cluster's scheduling reserves. */
const reservedBound = (scheduling: Scheduling) => (scheduling === "resource" ? "maxReplicas" : "minReplicas");

/**
 * A model on the chips of one replica: the model runs on the chip type, and one replica's chips
 * hold 1.2 × its weights plus its KV cache (catalog.ts `memoryFit`).
 */
export function modelOnChipIssues(model: ModelId, chipType: ChipType, chipsPerReplica: number): RuleIssue[] {
  const runsOn = modelCatalog[model].supportedChips;
  if (!runsOn.includes(chipType)) {
    return [
      {
        path: "model",
        message: `${model} does not run on ${chipType} (it runs on ${runsOn.join(", ")})`,
        code: "ValidationError",
        details: { chipType, supportedChips: runsOn },
      },
    ];
  }
  const fit = memoryFit(model, chipType, chipsPerReplica);
  if (fit.fits) return [];
  return [
    {
      path: "deployment.chipsPerReplica",
      message: `${chipsPerReplica} × ${chipType} gives ${fit.availableGiB} GiB; ${model} needs ${fit.requiredGiB} GiB per replica`,
      code: "ModelTooLarge",
      details: { requiredGiB: fit.requiredGiB, availableGiB: fit.availableGiB },
    },
  ];
}

/** Whether a chip type is one of the catalog's (preview may not know it yet). */
export const isChipType = (v: unknown): v is ChipType => typeof v === "string" && v in chipCatalog;

/** 412572.64 → "412,572.64". */
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 2 });

/** Names with their figures, the largest first, at most `limit` of them. */
export function listed(items: { name: string; n: number }[], unit = "", limit = 6): string {
  const sorted = [...items].sort((a, b) => b.n - a.n || a.name.localeCompare(b.name));
  const shown = sorted.slice(0, limit).map((i) => `${i.name} ${fmt(i.n)}${unit}`);
  if (sorted.length > limit) shown.push(`${sorted.length - limit} more`);
  return shown.join(", ");
}

/** A cluster as the placement rules see it. */
export interface ClusterSide {
  name: string;
  chips: number;
  scheduling: Scheduling;
  chipType: string;
}

/**
 * The replicas-fit rule: every dedicated endpoint on a cluster can scale to its maximum
 * (maxReplicas × chipsPerReplica) within the cluster's chips, and together they hold exclusively
 * (`exclusiveChips`) no more chips than the cluster has. `endpoints` are all the cluster's
 * dedicated endpoints as they would be (a FAILED one holds nothing: leave it out).
 *
 * The codes are the endpoint's side: a maximum past the cluster is a ValidationError of
 * `deployment.maxReplicas`; reservations past it a Conflict at the reserved bound. A cluster change
 * that breaks the rule answers Conflict for either.
 */
export function replicasFitIssues(
  cluster: ClusterSide,
  endpoints: { name: string; d: Replicas }[],
): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const e of endpoints) {
    const max = e.d.maxReplicas * e.d.chipsPerReplica;
    if (max <= cluster.chips) continue;
    issues.push({
      path: "deployment.maxReplicas",
      message: `ModelEndpoint ${e.name} grows to ${fmt(max)} chips at maxReplicas, more than the ${fmt(cluster.chips)} ${cluster.chipType} chips of ChipCluster ${cluster.name}`,
      code: "ValidationError",
      details: { endpoint: e.name, clusterChips: cluster.chips, maxChips: max },
    });
  }
  const at = reservedBound(cluster.scheduling);
  const held = endpoints.map((e) => ({ name: e.name, n: exclusiveChips(e.d, cluster.scheduling) }));
  const reserved = held.reduce((sum, e) => sum + e.n, 0);
  if (reserved > cluster.chips) {
    issues.push({
      path: `deployment.${at}`,
      message: `dedicated endpoints on ChipCluster ${cluster.name} (${cluster.scheduling} scheduling) reserve ${fmt(reserved)} chips at ${at}, more than its ${fmt(cluster.chips)} ${cluster.chipType} chips: ${listed(held, " chips")}`,
      code: "Conflict",
      details: { clusterChips: cluster.chips, scheduling: cluster.scheduling, reserved },
    });
  }
  return issues;
}
