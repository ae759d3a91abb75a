import { chipTypes, regions } from "../../api/catalog.ts";
import type { ResourceKind } from "../../api/common.ts";
import type { Quotas } from "../../api/quotas.ts";
import { chipsInUse } from "./chip-cluster.ts";
import type { Ctx } from "./model.ts";

/**
 * The caller's quotas and usage, counted as the create checks count them: chips of its clusters in
 * any status but FAILED (chip-cluster.ts), endpoints and runtimes in any status (checkCountQuota),
 * tokens per minute declared by its endpoints in any status (model-endpoint.ts).
 */
export function quotas(ctx: Ctx): Quotas {
  const { limits } = ctx;
  const byRegion = (kind: ResourceKind, weight: (body: Record<string, unknown>) => number) => {
    const used = new Map<string, number>();
    for (const r of ctx.repo.allResources(ctx.account, kind))
      used.set(r.body.region, (used.get(r.body.region) ?? 0) + weight(r.body));
    return (region: string) => used.get(region) ?? 0;
  };
  const endpoints = byRegion("ModelEndpoint", () => 1);
  const runtimes = byRegion("AgentRuntime", () => 1);
  const tokens = byRegion(
    "ModelEndpoint",
    (body) => (body.throughput as { tokensPerMinute: number }).tokensPerMinute,
  );
  return {
    chips: regions.flatMap((region) =>
      chipTypes.map((chipType) => ({
        region,
        chipType,
        limit: limits.chipsPerType,
        used: chipsInUse(ctx, region, chipType),
      })),
    ),
    endpoints: regions.map((region) => ({
      region,
      limit: limits.endpointsPerRegion,
      used: endpoints(region),
    })),
    runtimes: regions.map((region) => ({ region, limit: limits.runtimesPerRegion, used: runtimes(region) })),
    tokensPerMinute: regions.map((region) => ({
      region,
      limit: limits.tokensPerMinutePerRegion,
      used: tokens(region),
    })),
  };
}
