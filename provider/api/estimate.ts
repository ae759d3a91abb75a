/**
 * Cost and chip estimates of each kind, from its checked spec and the catalog's illustrative prices
 * (docs/pricing.md). Pure: no clock, no cloud; check() adds the result to the inputs, so preview
 * shows it. A function returns null while a value it needs is not known yet.
 */

import { sandboxDefaults, scalingDefaults } from "./agent-runtime.ts";
import {
  type ChipType,
  chipCatalog,
  hoursPerMonth,
  type ModelId,
  modelCatalog,
  type ProvisioningMode,
  sandboxPricing,
} from "./catalog.ts";
import { provisioningDefault } from "./chip-cluster.ts";
import { replicaDefaults } from "./model-endpoint.ts";
import { exclusiveChips } from "./placement.ts";

export interface Estimate {
  currency: "USD";
  /**
   * Chips by type: those the resource is billed for, or for a dedicated endpoint (`shareOf:
   * "cluster"`) the share of its cluster's chips its replicas hold at most (not billed again).
   */
  chips: Record<string, number>;
  /** Chip-hours billed to this resource in a 730-hour month. */
  chipHoursPerMonth: number;
  /** USD a month: `min` at the least the spec allows (idle, min instances), `max` at the most. */
  monthlyUsd: { min: number; max: number };
  /** Set on a dedicated endpoint: its chips are its cluster's, counted (and billed) there. */
  shareOf?: "cluster";
  /** minReplicas × chipsPerReplica and maxReplicas × chipsPerReplica of a dedicated endpoint. */
  reservedChips?: { min: number; max: number };
  /**
   * A dedicated endpoint whose cluster's scheduling is known (`cluster` passed): the chips it holds
   * exclusively, counted against the cluster's (docs/domain.md), and those it may only borrow from
   * the cluster's unreserved chips when they are free. `resource`: exclusive = maxReplicas ×
   * chipsPerReplica, burst 0; `task`: exclusive = minReplicas × chipsPerReplica, burst = the rest
   * up to maxReplicas × chipsPerReplica.
   */
  exclusiveChips?: number;
  burstChips?: number;
  /** USD per million tokens of a pooled endpoint. */
  usdPerMTokens?: { input: number; output: number; cachedInput: number };
  notes?: string[];
}

type Spec = Record<string, unknown>;

const usd = (n: number) => Math.round(n * 100) / 100;
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const obj = (v: unknown) => (v !== null && typeof v === "object" ? (v as Spec) : null);
/** An object field, its default when left out, or null when it is something else (unknown). */
const objOr = (v: unknown, fallback: Spec) => (v === undefined || v === null ? fallback : obj(v));

/** ChipCluster: total chips × 730 h × the chip-hour price of its provisioning mode. */
export function estimateChipCluster(spec: Spec): Estimate | null {
  const chipType = spec.chipType as ChipType;
  const chip = chipCatalog[chipType];
  const perNode = num(spec.chipsPerHyperNode);
  const nodes = num(spec.hyperNodeCount);
  const provisioning = objOr(spec.provisioning, provisioningDefault);
  if (!provisioning) return null;
  const mode = provisioning.mode as ProvisioningMode;
  const rate = chip?.pricing.perChipHour[mode];
  if (!chip || perNode === null || nodes === null || rate === undefined) return null;
  const chips = perNode * nodes;
  const chipHours = chips * hoursPerMonth;
  const notes = [`${chips} × ${chipType} at ${rate} USD/chip-hour (${mode}), ${hoursPerMonth} h`];
  let max = chipHours * rate;
  const bid = num(provisioning.maxPricePerChipHour);
  if (mode === "spot" && bid !== null) {
    if (bid > rate) {
      max = chipHours * bid;
      notes.push(`spot: up to the bid of ${bid} USD/chip-hour`);
    } else {
      notes.push(`spot: the bid of ${bid} USD/chip-hour is under the list rate; capacity may not be granted`);
    }
  }
  if (mode === "queued") notes.push("queued: billed from when the queue grants the capacity");
  return {
    currency: "USD",
    chips: { [chipType]: chips },
    chipHoursPerMonth: chipHours,
    monthlyUsd: { min: usd(chipHours * rate), max: usd(max) },
    notes,
  };
}

/**
 * ModelEndpoint. Dedicated: the replicas run on the cluster's chips, billed on the cluster (0 here,
 * with the share it reserves). Pooled: tokens at the declared tokensPerMinute, priced as output
 * tokens (the dearest) for 730 h at most, nothing when idle.
 */
export function estimateModelEndpoint(spec: Spec, hints: Spec = {}): Estimate | null {
  const deployment = obj(spec.deployment);
  const model = modelCatalog[spec.model as ModelId];
  if (!deployment || !model) return null;
  if (deployment.mode === "dedicated") {
    const perReplica = num(deployment.chipsPerReplica);
    const min = num(deployment.minReplicas ?? replicaDefaults.minReplicas);
    const max = num(deployment.maxReplicas ?? replicaDefaults.maxReplicas);
    if (perReplica === null || min === null || max === null) return null;
    const hint = hints.__chipType;
    const chipType = typeof hint === "string" && hint in chipCatalog ? hint : null;
    if (hint !== undefined && hint !== null && chipType === null) return null; // not known yet
    const schedulingHint = hints.__scheduling;
    const scheduling = schedulingHint === "task" || schedulingHint === "resource" ? schedulingHint : null;
    if (schedulingHint !== undefined && schedulingHint !== null && scheduling === null) return null;
    const exclusive = exclusiveChips(
      { chipsPerReplica: perReplica, minReplicas: min, maxReplicas: max },
      scheduling ?? "resource",
    );
    return {
      currency: "USD",
      chips: { [chipType ?? "cluster"]: max * perReplica },
      chipHoursPerMonth: 0,
      monthlyUsd: { min: 0, max: 0 },
      shareOf: "cluster",
      reservedChips: { min: min * perReplica, max: max * perReplica },
      ...(scheduling ? { exclusiveChips: exclusive, burstChips: max * perReplica - exclusive } : {}),
      notes: [
        `dedicated: ${min}–${max} replicas × ${perReplica} chips of its cluster, billed on the cluster (not counted twice)`,
        ...(scheduling === "task"
          ? [
              `task-scheduled cluster: ${exclusive} chips held exclusively (minReplicas), up to ${max * perReplica - exclusive} more borrowed from the cluster's unreserved chips when free`,
            ]
          : scheduling === "resource"
            ? [`resource-scheduled cluster: all ${exclusive} chips held exclusively (maxReplicas)`]
            : []),
        ...(chipType && scheduling
          ? []
          : [
              "the cluster's chip type or scheduling is not known here: pass `cluster` instead of `clusterId`",
            ]),
      ],
    };
  }
  if (deployment.mode !== "pooled") return null;
  const tpm = num(obj(spec.throughput)?.tokensPerMinute);
  if (tpm === null) return null;
  const p = model.pricing;
  const mTokensPerMonth = (tpm * 60 * hoursPerMonth) / 1e6;
  return {
    currency: "USD",
    chips: {},
    chipHoursPerMonth: 0,
    monthlyUsd: { min: 0, max: usd(mTokensPerMonth * p.outputPerMTokens) },
    usdPerMTokens: {
      input: p.inputPerMTokens,
      output: p.outputPerMTokens,
      cachedInput: p.cachedInputPerMTokens,
    },
    notes: [
      `pooled: 0 when idle; at most ${tpm} tokens/minute for ${hoursPerMonth} h (${mTokensPerMonth} M tokens) at the output price ${p.outputPerMTokens} USD/M`,
    ],
  };
}

/** AgentRuntime: min/maxInstances × (vCPUs × vCPU-hour + GiB × GiB-hour) × 730 h. */
export function estimateAgentRuntime(spec: Spec): Estimate | null {
  const sandbox = objOr(spec.sandbox, {});
  const scaling = objOr(spec.scaling, {});
  if (!sandbox || !scaling) return null;
  const cpu = num(sandbox.cpu ?? sandboxDefaults.cpu);
  const memoryMiB = num(sandbox.memoryMiB ?? sandboxDefaults.memoryMiB);
  const min = num(scaling.minInstances ?? scalingDefaults.minInstances);
  const max = num(scaling.maxInstances ?? scalingDefaults.maxInstances);
  if (cpu === null || memoryMiB === null || min === null || max === null) return null;
  const perHour = cpu * sandboxPricing.perVcpuHour + (memoryMiB / 1024) * sandboxPricing.perGiBHour;
  return {
    currency: "USD",
    chips: {},
    chipHoursPerMonth: 0,
    monthlyUsd: { min: usd(min * perHour * hoursPerMonth), max: usd(max * perHour * hoursPerMonth) },
    notes: [
      `${min}–${max} instances of ${cpu} vCPU and ${memoryMiB / 1024} GiB at ${usd(perHour * 10_000) / 10_000} USD/instance-hour, ${hoursPerMonth} h`,
    ],
  };
}
