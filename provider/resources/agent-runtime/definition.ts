import { type AgentRuntime, agentRuntimeApi } from "../../api/agent-runtime.ts";
import { secretEnvDigest } from "../../api/canonical.ts";
import { estimateAgentRuntime } from "../../api/estimate.ts";
import type { KindDefinition } from "../shared/kind.ts";

/** Outputs the cloud computes, read from the resource as they are (besides the spec fields). */
export const agentRuntimeOutputKeys = [
  "status",
  "statusReason",
  "invokeUrl",
  "version",
  "activeInstances",
  "createdAt",
  "updatedAt",
] as const;

/** How the provider treats each AgentRuntime property (docs/domain.md: R = createOnly, U = mutable). */
export const agentRuntimeKind: KindDefinition<AgentRuntime> = {
  ...agentRuntimeApi,
  estimate: estimateAgentRuntime,
  // Write-only in the API: keep what we sent while its digest still matches; otherwise show the
  // keys as changed so the next update puts the declared values back.
  writeOnly: (r, previous) => ({
    secretEnv:
      previous &&
      r.secretEnvDigest === secretEnvDigest(previous.secretEnv as Record<string, string> | undefined)
        ? (previous.secretEnv ?? {})
        : Object.fromEntries(r.secretEnvKeys.map((k) => [k, "(changed outside Pulumi)"])),
  }),
  outputKeys: agentRuntimeOutputKeys,
  timeouts: { create: 10 * 60, update: 10 * 60, delete: 10 * 60 },
};
