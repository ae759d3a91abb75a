import type { z } from "zod";
import type { CreateOnly, Lifecycle, ResourceKind } from "../../api/common.ts";
import type { Estimate } from "../../api/estimate.ts";
import type { CheckFailure } from "../../runtime/check.ts";

/** Everything the generic handlers need to know about one resource kind. */
export interface KindDefinition<
  Res extends { id: string; etag: string; status: string; name: string; statusReason: string | null },
> {
  kind: ResourceKind;
  /** Bumped when the shape of outputs changes; lets later releases migrate old state in read/diff. */
  schemaVersion: number;
  /** The wire spec (POST body): strict, defaults applied. */
  spec: z.ZodType<Record<string, unknown>>;
  /** Spec keys in declaration order: the properties diff compares. */
  specKeys: readonly string[];
  /** Spec keys that PATCH accepts. */
  mutable: readonly string[];
  createOnly: readonly CreateOnly[];
  resource: z.ZodType<Res>;
  /**
   * Offline catalog rules (memory fit, chip limits...) on a spec that may hold unknowns; `hints`
   * are the raw inputs, including provider-only ones such as `__chipType`.
   */
  catalogCheck?(spec: Record<string, unknown>, now: Date, hints: Record<string, unknown>): CheckFailure[];
  /**
   * The resource's cost and chip estimate (provider/api/estimate.ts) from its checked spec and
   * hints; null while a value it needs is unknown. check() adds it to the inputs as `estimate`.
   */
  estimate?(spec: Record<string, unknown>, hints: Record<string, unknown>): Estimate | null;
  /** Outputs the cloud computes (status, urls, counts...), read from the resource as they are. */
  outputKeys: readonly string[];
  /**
   * Spec fields the API never returns (write-only), rebuilt from what the provider last stored.
   * Every other spec field is read from the resource as it is.
   */
  writeOnly?(res: Res, previous: Record<string, unknown> | undefined): Record<string, unknown>;
  /** The kind's statuses by role (provider/api): the provider waits for `ready`, stops at `failed`. */
  lifecycle: Lifecycle;
  /** Default deadlines in seconds. */
  timeouts: { create: number; update: number; delete: number };
}

/** The spec view of a cloud resource: what refresh reports as the inputs. */
export function specOf<Res extends object>(
  def: Pick<KindDefinition<never>, "specKeys"> & {
    writeOnly?: (res: Res, previous?: Record<string, unknown>) => Record<string, unknown>;
  },
  res: Res,
  previous?: Record<string, unknown>,
): Record<string, unknown> {
  return { ...pick(res, def.specKeys), ...def.writeOnly?.(res, previous) };
}

export function pick(o: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in o) out[k] = (o as Record<string, unknown>)[k];
  return out;
}

/** Every property a resource class registers as an output: spec fields, cloud outputs, common ones. */
export function registeredOutputs(def: {
  specKeys: readonly string[];
  outputKeys: readonly string[];
}): string[] {
  return [
    ...new Set([
      ...def.specKeys,
      ...def.outputKeys,
      "statusReason",
      "createdAt",
      "updatedAt",
      "schemaVersion",
      "estimate",
      // The create's key and whether it was released: read by the program once the engine recorded it.
      "__key",
      "__released",
    ]),
  ];
}
