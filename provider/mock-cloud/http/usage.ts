import type { Context } from "hono";
import type { z } from "zod";
import type { UsageQuery, UsageReport } from "../../api/inference.ts";
import type { Ctx } from "../core/model.ts";
import type { CloudService } from "../core/service.ts";
import { fail } from "../errors.ts";
import type { AppEnv } from "./deps.ts";
import type { HandlersOfTags } from "./route-spec.ts";

const hourMs = 3_600_000;

/**
 * What `GET /v1/usage` answers an account for a query: the metered tokens, summed per group. The
 * admin plane's `GET /_mock/usage` answers each account with it too.
 */
export function usageReport(
  service: CloudService,
  account: string,
  q: z.infer<typeof UsageQuery>,
): UsageReport {
  return {
    currency: "USD",
    rows: service.inference.usage.report(
      {
        account,
        ...(q.endpointId ? { endpointId: q.endpointId } : {}),
        ...(q.model ? { model: q.model } : {}),
        ...(q.runtimeId ? { runtimeId: q.runtimeId } : {}),
        ...(q.from ? { fromMs: Date.parse(q.from) } : {}),
        ...(q.to ? { toMs: Date.parse(q.to) } : {}),
      },
      q.groupBy === "hour"
        ? { bucketMs: hourMs }
        : q.groupBy === "day"
          ? { bucketMs: 24 * hourMs }
          : q.groupBy === "endpoint"
            ? { column: "endpoint_id" }
            : q.groupBy === "model"
              ? { column: "model" }
              : q.groupBy === "runtime"
                ? { column: "runtime_id" }
                : {},
    ),
  };
}

/** `GET /v1/usage` and `GET /v1/model-endpoints/{id}/usage`: the metered tokens, summed. */
export function usageHandlers(
  service: CloudService,
  ctx: (c: Context<AppEnv>) => Ctx,
): HandlersOfTags<"usage", AppEnv> {
  return {
    getUsage: (c, { query }) => c.json(usageReport(service, ctx(c).account, query)),
    getEndpointUsage: (c, { params, query }) => {
      const { account } = ctx(c);
      const { id } = params;
      if (!service.repo.getResource(account, "ModelEndpoint", id))
        fail("NotFound", `ModelEndpoint ${id} not found`);
      return c.json(usageReport(service, account, { ...query, endpointId: id }));
    },
  };
}
