import { z } from "zod";
import { chipTypes, regions } from "./catalog.ts";
import type { ResourceKind } from "./common.ts";

const Usage = { limit: z.number().int(), used: z.number().int() };

/**
 * GET /v1/quotas: the caller's account quotas (the emulator's limits, `PUT /_mock/limits`) and what
 * the account uses of each, every region (and chip type) listed. `used` counts what the quota check
 * of a create counts, so a create of `n` more passes while `used + n <= limit`.
 */
export const Quotas = z.object({
  chips: z
    .array(z.object({ region: z.enum(regions), chipType: z.enum(chipTypes), ...Usage }))
    .describe("chips of clusters (any status but FAILED) per region and chip type"),
  endpoints: z.array(z.object({ region: z.enum(regions), ...Usage })).describe("model endpoints per region"),
  runtimes: z.array(z.object({ region: z.enum(regions), ...Usage })).describe("agent runtimes per region"),
  tokensPerMinute: z
    .array(z.object({ region: z.enum(regions), ...Usage }))
    .describe("declared throughput.tokensPerMinute of the model endpoints per region"),
});
export type Quotas = z.infer<typeof Quotas>;

/** The tokens per minute an endpoint declares, 0 when not known (yet). */
function declaredTokensPerMinute(spec: Record<string, unknown>): number {
  const t = spec.throughput as { tokensPerMinute?: unknown } | undefined;
  return typeof t?.tokensPerMinute === "number" ? t.tokensPerMinute : 0;
}

/**
 * What one resource uses of each per-region count quota: the one definition of that usage. The
 * emulator's create checks and `GET /v1/quotas` count the account's resources with it (in any
 * status), and the plan report counts a change with it. Chips are the other quota: a cluster's
 * chips count in `chipHoldingStates` (chip-cluster.ts).
 */
export const countQuotas: Record<
  Exclude<keyof Quotas, "chips">,
  { kind: ResourceKind; label: string; use(spec: Record<string, unknown>): number }
> = {
  endpoints: { kind: "ModelEndpoint", label: "model endpoints", use: () => 1 },
  runtimes: { kind: "AgentRuntime", label: "agent runtimes", use: () => 1 },
  tokensPerMinute: { kind: "ModelEndpoint", label: "tokens per minute", use: declaredTokensPerMinute },
};
