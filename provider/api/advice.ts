/**
 * The provider's knowledge, asked of the cloud before acting: a spec checked as preview checks it
 * (the same messages and field paths), its estimate, and a plan of desired specs against what the
 * account holds, by the same create-only rules as preview. Nothing is written.
 */
import { z } from "zod";
import { resourceKinds } from "./common.ts";

const KindSpec = z.strictObject({
  kind: z.enum(resourceKinds),
  /** A spec as a create's body or a program's arguments give it (`name` may be left out). */
  spec: z.record(z.string(), z.unknown()),
});

export const ValidationRequest = KindSpec;

const Usd = z.object({ min: z.number(), max: z.number() });
const EstimateAnswer = z
  .object({
    currency: z.literal("USD"),
    chips: z.record(z.string(), z.number()),
    chipHoursPerMonth: z.number(),
    monthlyUsd: Usd,
  })
  .catchall(z.unknown())
  .describe("as preview shows it (provider/api/estimate.ts; illustrative prices)");

export const Validation = z.object({
  valid: z.boolean(),
  /** What preview would refuse, each with the field as a program writes it. */
  failures: z.array(z.object({ path: z.string(), reason: z.string() })),
  /** The spec with its defaults, as preview records it (without a generated name). */
  spec: z.record(z.string(), z.unknown()),
  estimate: EstimateAnswer.nullable(),
});
export type Validation = z.infer<typeof Validation>;

export const PlanRequest = z.strictObject({
  resources: z.array(KindSpec).max(500),
  /** Also plan deleting what the account holds and `resources` does not name. */
  prune: z.boolean().default(false),
});

const PlanStep = z.object({
  kind: z.enum(resourceKinds),
  name: z.string().nullable(),
  region: z.string().nullable(),
  action: z.enum(["create", "update", "replace", "same", "delete", "invalid"]),
  /** The resource it changes, replaces or deletes. */
  id: z.string().nullable(),
  /** Spec fields whose value changes. */
  changedKeys: z.array(z.string()),
  /** The create-only fields among them: a change replaces the resource. */
  replaceKeys: z.array(z.string()),
  failures: z.array(z.object({ path: z.string(), reason: z.string() })),
  monthlyUsd: z.object({ before: Usd.nullable(), after: Usd.nullable() }),
});

export const Plan = z.object({
  steps: z.array(PlanStep),
  /** After minus before, over every step (illustrative prices). */
  monthlyUsdDelta: Usd,
});
export type Plan = z.infer<typeof Plan>;
