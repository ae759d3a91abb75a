import { type FaultRule, Limits, namedOnlyFaultOperations } from "../../api/admin.ts";

/** The limits when nobody set them: the schema's defaults. */
export const defaultLimits: Limits = Limits.parse({});

export interface FaultTarget {
  kind?: string;
  operation: string;
  region?: string;
  account?: string;
}

/** The first rule matching the target that fires (probability), with its count consumed. */
export function pickFault(rules: FaultRule[], t: FaultTarget, random = Math.random): FaultRule | null {
  for (const rule of rules) {
    if (rule.remaining !== undefined && rule.remaining <= 0) continue;
    if (rule.kind && rule.kind !== t.kind) continue;
    if (rule.operation && rule.operation !== t.operation) continue;
    // A rule without an operation is for the API: a transition or the data plane it must name.
    if (!rule.operation && namedOnlyFaultOperations.includes(t.operation)) continue;
    if (rule.region && rule.region !== t.region) continue;
    if (rule.account && rule.account !== t.account) continue;
    if (random() >= rule.probability) continue;
    if (rule.remaining !== undefined) rule.remaining -= 1;
    return rule;
  }
  return null;
}
