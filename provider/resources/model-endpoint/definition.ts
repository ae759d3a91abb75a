import { type ModelId, modelIds } from "../../api/catalog.ts";
import { estimateModelEndpoint } from "../../api/estimate.ts";
import { ruleReason } from "../../api/issues.ts";
import { type ModelEndpoint, modelEndpointApi } from "../../api/model-endpoint.ts";
import { isChipType, modelOnChipIssues } from "../../api/placement.ts";
import type { CheckFailure } from "../../runtime/check.ts";
import { isUnknown } from "../../runtime/unknowns.ts";
import type { KindDefinition } from "../shared/kind.ts";

/** Outputs the cloud computes, read from the resource as they are (besides the spec fields). */
export const modelEndpointOutputKeys = [
  "status",
  "statusReason",
  "url",
  "apiKey",
  "activeVersion",
  "currentReplicas",
  "effectiveTokensPerMinute",
  "pricing",
  "createdAt",
  "updatedAt",
] as const;

/** How the provider treats each ModelEndpoint property (docs/domain.md: R = createOnly, U = mutable). */
export const modelEndpointKind: KindDefinition<ModelEndpoint> = {
  ...modelEndpointApi,
  catalogCheck: checkEndpointCatalog,
  estimate: estimateModelEndpoint,
  // The `cluster` argument's chip type and scheduling (resource.ts): read by check, not kept.
  checkHints: ["__chipType", "__scheduling"],
  outputKeys: modelEndpointOutputKeys,
  timeouts: { create: 20 * 60, update: 20 * 60, delete: 10 * 60 },
};

/**
 * The model-on-chip rules (it runs on the chip, and fits its replica's memory), checked offline at
 * preview when the cluster's chip type is known to the program (the `cluster` argument gives it as
 * `__chipType`, an input only the provider reads).
 */
function checkEndpointCatalog(
  spec: Record<string, unknown>,
  _now: Date,
  hints: Record<string, unknown>,
): CheckFailure[] {
  const d = spec.deployment as Record<string, unknown> | undefined;
  if (!d || typeof d !== "object" || d.mode !== "dedicated") return [];
  const { chipsPerReplica } = d;
  const model = spec.model;
  const chipType = hints.__chipType;
  if (typeof chipsPerReplica !== "number" || isUnknown(model) || !modelIds.includes(model as never))
    return [];
  if (!isChipType(chipType)) return [];
  return modelOnChipIssues(model as ModelId, chipType, chipsPerReplica).map((i) => ({
    property: i.path,
    reason: ruleReason(i),
  }));
}
