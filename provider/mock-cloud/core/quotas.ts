import { chipTypes, regions } from "../../api/catalog.ts";
import { countQuotas, type Quotas } from "../../api/quotas.ts";
import { chipsInUse } from "./chip-cluster.ts";
import type { Ctx } from "./model.ts";

/**
 * The caller's quotas and usage, counted as the create checks count them: chips of its clusters in
 * any status but FAILED (chip-cluster.ts), endpoints and runtimes in any status (checkCountQuota),
 * tokens per minute declared by its endpoints in any status (model-endpoint.ts).
 */
export function quotas(ctx: Ctx): Quotas {
  const { limits } = ctx;
  const count = (quota: keyof typeof countQuotas, limit: number) => {
    const used = new Map<string, number>();
    const { kind, use } = countQuotas[quota];
    for (const r of ctx.repo.allResources(ctx.account, kind))
      used.set(r.body.region, (used.get(r.body.region) ?? 0) + use(r.body));
    return regions.map((region) => ({ region, limit, used: used.get(region) ?? 0 }));
  };
  return {
    chips: regions.flatMap((region) =>
      chipTypes.map((chipType) => ({
        region,
        chipType,
        limit: limits.chipsPerType,
        used: chipsInUse(ctx, region, chipType),
      })),
    ),
    endpoints: count("endpoints", limits.endpointsPerRegion),
    runtimes: count("runtimes", limits.runtimesPerRegion),
    tokensPerMinute: count("tokensPerMinute", limits.tokensPerMinutePerRegion),
  };
}
