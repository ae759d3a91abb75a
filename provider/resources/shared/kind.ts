import type { z } from "zod";
import { type KindApi, specKeys } from "../../api/common.ts";
import { specDefaults } from "../../api/defaults.ts";
import type { Estimate } from "../../api/estimate.ts";
import type { CheckFailure } from "../../runtime/check.ts";

/**
 * How the provider handles one resource kind: what provider/api declares of it (KindApi; its spec
 * keys, in order, are the properties diff compares), and what only the provider does with it.
 * `Res` is the type of `view`.
 */
export interface KindDefinition<
  Res extends { id: string; etag: string; status: string; name: string; statusReason: string | null },
> extends KindApi {
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
  /**
   * Inputs the resource class passes for check alone (catalogCheck, estimate), such as
   * `__chipType`: check does not return them, so state does not keep them.
   */
  checkHints?: readonly string[];
  /** Outputs the cloud computes (status, urls, counts...), read from the resource as they are. */
  outputKeys: readonly string[];
  /**
   * Spec fields the API never returns (write-only), rebuilt from what the provider last stored.
   * Every other spec field is read from the resource as it is.
   */
  writeOnly?(res: Res, previous: Record<string, unknown> | undefined): Record<string, unknown>;
  /** Default deadlines in seconds. */
  timeouts: { create: number; update: number; delete: number };
}

/** The spec view of a cloud resource: what refresh reports as the inputs. */
export function specOf<Res extends object>(
  def: Pick<KindApi, "spec"> & {
    writeOnly?: (res: Res, previous?: Record<string, unknown>) => Record<string, unknown>;
  },
  res: Res,
  previous?: Record<string, unknown>,
): Record<string, unknown> {
  return { ...pick(res, specKeys(def)), ...def.writeOnly?.(res, previous) };
}

export function pick(o: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in o) out[k] = (o as Record<string, unknown>)[k];
  return out;
}

/**
 * What state leaves out of the outputs, and what the program reads in their place
 * (resource.ts, `fillLeftOut`): each spec field's default, or null for one without (`zone`); the
 * cloud's outputs that may be null (`statusReason`).
 */
export function leftOutOutputs(def: Pick<KindApi, "spec" | "view"> & { outputKeys: readonly string[] }): {
  spec: Record<string, unknown>;
  cloud: string[];
} {
  const { defaults } = specDefaults(def);
  const view = def.view.shape as Record<string, z.ZodType>;
  const nullable = (k: string) => view[k]?.safeParse(null).success === true;
  const spec: Record<string, unknown> = {};
  for (const k of specKeys(def)) {
    if (defaults[k] !== undefined) spec[k] = defaults[k];
    else if (nullable(k)) spec[k] = null;
  }
  return { spec, cloud: def.outputKeys.filter((k) => !(k in spec) && nullable(k)) };
}

/** Every property a resource class registers as an output: spec fields, cloud outputs, common ones. */
export function registeredOutputs(def: Pick<KindApi, "spec"> & { outputKeys: readonly string[] }): string[] {
  return [
    ...new Set([
      ...specKeys(def),
      ...def.outputKeys,
      "statusReason",
      "createdAt",
      "updatedAt",
      "estimate",
      // The create's key and whether it was released: read by the program once the engine recorded it.
      "__key",
      "__released",
    ]),
  ];
}
