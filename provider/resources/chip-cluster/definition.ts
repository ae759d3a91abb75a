import { type ChipType, chipRuleIssues, chipTypes } from "../../api/catalog.ts";
import { type ChipCluster, chipClusterApi } from "../../api/chip-cluster.ts";
import { estimateChipCluster } from "../../api/estimate.ts";
import { ruleReason } from "../../api/issues.ts";
import type { CheckFailure } from "../../runtime/check.ts";
import { isUnknown } from "../../runtime/unknowns.ts";
import type { KindDefinition } from "../shared/kind.ts";

/** Outputs the cloud computes, read from the resource as they are (besides the spec fields). */
export const chipClusterOutputKeys = [
  "status",
  "statusReason",
  "totalChips",
  "totalMemoryGiB",
  "interconnect",
  "readyHyperNodes",
  "createdAt",
  "updatedAt",
] as const;

/** How the provider treats each ChipCluster property (docs/domain.md: R = createOnly, U = mutable). */
export const chipClusterKind: KindDefinition<ChipCluster> = {
  ...chipClusterApi,
  catalogCheck: checkChipCatalog,
  estimate: estimateChipCluster,
  outputKeys: chipClusterOutputKeys,
  timeouts: { create: 30 * 60, update: 30 * 60, delete: 20 * 60 },
};

/** The catalog rules preview can check offline: chip availability and hyper-node size. */
function checkChipCatalog(spec: Record<string, unknown>, now: Date): CheckFailure[] {
  const chipType = spec.chipType;
  if (isUnknown(chipType) || !chipTypes.includes(chipType as never)) return [];
  return chipRuleIssues(chipType as ChipType, spec.chipsPerHyperNode, now).map((i) => ({
    property: i.path,
    reason: ruleReason(i),
  }));
}
