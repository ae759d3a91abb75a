/**
 * The plan report's shape (`agentcloud-plan --format json`), declared once: report.ts builds it,
 * and docs/plan-report.schema.json is generated from it (`node scripts/write-schemas.ts`; a unit
 * test fails when the file is stale).
 */
import { z } from "zod";
import { resourceKinds } from "../api/common.ts";

const Usd = z.strictObject({ min: z.number().min(0), max: z.number().min(0) });
const Chips = z.record(z.string(), z.number().int());

const ResourceReport = z.strictObject({
  urn: z.string(),
  name: z.string(),
  kind: z.enum(resourceKinds),
  region: z.string().nullable(),
  action: z.enum(["create", "update", "replace", "delete"]),
  changedKeys: z
    .array(z.string())
    .describe("spec keys whose declared value differs (unknown values included)"),
  replaceKeys: z
    .array(z.string())
    .describe("keys that force the replacement, as the provider's diff gave them"),
  chipsDelta: Chips.describe("chips billed to this resource, after minus before, by type"),
  clusterShareDelta: Chips.describe(
    "dedicated endpoint: change of the cluster chips its replicas can hold (billed on the cluster, not here)",
  ),
  monthlyUsd: z.strictObject({ before: Usd.nullable(), after: Usd.nullable() }),
  risks: z.array(z.string()),
});
export type ResourceReport = z.infer<typeof ResourceReport>;

export const PlanReport = z
  .strictObject({
    resources: z.array(ResourceReport),
    chipsDelta: z
      .array(
        z.strictObject({
          region: z.string(),
          chipType: z.string(),
          before: z.number().int().min(0),
          after: z.number().int().min(0),
          delta: z.number().int(),
        }),
      )
      .describe("change of chips by region and chip type, over every AgentCloud resource of the stack"),
    monthlyUsd: z
      .strictObject({ before: Usd, after: Usd })
      .describe(
        "the AgentCloud resources in the preview (the whole stack with --show-sames), before and after",
      ),
    unestimated: z
      .array(z.string())
      .describe("resources whose estimate is not known (state of an older release, or unknown values)"),
    budget: z.strictObject({ maxMonthlyUsd: z.number().min(0), over: z.boolean() }).nullable(),
    quotas: z
      .strictObject({ endpoint: z.string(), checked: z.boolean(), error: z.string().nullable() })
      .nullable()
      .describe(
        "Where the account's quotas were read (GET /v1/quotas) for the quota risks, or why they could not be; null when no endpoint was given.",
      ),
    risks: z.array(z.string()),
  })
  .meta({
    $id: "https://github.com/pulumi-agentcloud/docs/plan-report.schema.json",
    title: "agentcloud-plan --format json",
    description:
      "What a `pulumi preview --json` changes in AgentCloud chips and illustrative monthly USD (docs/pricing.md).",
  });
export type PlanReport = z.infer<typeof PlanReport>;

/** docs/plan-report.schema.json: the JSON Schema (draft-07) of the report, as written to the file. */
export function planReportJsonSchema(): string {
  const { $schema, $id, title, description, ...rest } = z.toJSONSchema(PlanReport, { target: "draft-07" });
  return `${JSON.stringify({ $schema, $id, title, description, ...rest }, null, 2)}\n`;
}
