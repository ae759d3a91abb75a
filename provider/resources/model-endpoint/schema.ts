import { chipCatalog, memoryFit, type modelCatalog, modelIds } from "../../api/catalog.ts";
import { estimateModelEndpoint } from "../../api/estimate.ts";
import {
  ModelEndpoint,
  ModelEndpointPatch,
  ModelEndpointSpec,
  modelEndpointCreateOnly,
} from "../../api/model-endpoint.ts";
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
  kind: "ModelEndpoint",
  schemaVersion: 1,
  spec: ModelEndpointSpec,
  specKeys: Object.keys(ModelEndpointSpec.shape),
  mutable: Object.keys(ModelEndpointPatch.shape),
  createOnly: modelEndpointCreateOnly,
  resource: ModelEndpoint,
  catalogCheck: checkEndpointCatalog,
  estimate: estimateModelEndpoint,
  outputKeys: modelEndpointOutputKeys,
  readyStates: ["IN_SERVICE"],
  failedStates: ["FAILED"],
  timeouts: { create: 20 * 60, update: 20 * 60, delete: 10 * 60 },
};

/**
 * The memory fit, checked offline at preview when the cluster's chip type is known to the program
 * (the `cluster` argument gives it as `__chipType`, an input only the provider reads).
 */
function checkEndpointCatalog(
  spec: Record<string, unknown>,
  _now: Date,
  hints: Record<string, unknown>,
): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const d = spec.deployment as Record<string, unknown> | undefined;
  if (!d || typeof d !== "object" || d.mode !== "dedicated") return failures;
  const { chipsPerReplica } = d;
  const model = spec.model;
  const chipType = hints.__chipType;
  if (
    typeof chipsPerReplica === "number" &&
    !isUnknown(model) &&
    modelIds.includes(model as never) &&
    typeof chipType === "string" &&
    chipType in chipCatalog
  ) {
    const fit = memoryFit(
      model as keyof typeof modelCatalog,
      chipType as keyof typeof chipCatalog,
      chipsPerReplica,
    );
    if (!fit.fits) {
      failures.push({
        property: "deployment.chipsPerReplica",
        reason: `deployment.chipsPerReplica: ${chipsPerReplica} × ${chipType} gives ${fit.availableGiB} GiB; ${model} needs ${fit.requiredGiB} GiB (ModelTooLarge)`,
      });
    }
  }
  return failures;
}
