/**
 * What a spec field is when it is left out, and how values compare once that is applied. The
 * provider keeps a field in state only when it differs from what leaving it out gives (its schema
 * default, or null), and state of older releases holds those values: both compare equal, so state
 * of either shape diffs the same (runtime/handlers.ts, the plan report).
 */
import type { z } from "zod";
import { sameValue, withoutNulls } from "./canonical.ts";
import { type KindApi, specKeys } from "./common.ts";

export interface SpecDefaults {
  /** Each spec field's schema default (undefined for a field without one). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** The value of field `k` with its defaults applied at every level; left out (or null): its default. */
  filled(k: string, v: unknown): unknown;
  /** Whether two values of field `k` are the same once defaults are applied at every level. */
  same(k: string, a: unknown, b: unknown): boolean;
  /**
   * The value of field `k` as state keeps it: its null members left out, and undefined when it is
   * what leaving `k` out gives (its default, or null).
   */
  lean(k: string, v: unknown): unknown;
}

const cache = new WeakMap<object, SpecDefaults>();

export function specDefaults(api: Pick<KindApi, "spec">): SpecDefaults {
  const known = cache.get(api.spec);
  if (known) return known;
  const shape = api.spec.shape as Record<string, z.ZodType>;
  const defaults: Record<string, unknown> = Object.fromEntries(
    specKeys(api).map((k) => [k, shape[k]?.safeParse(undefined).data]),
  );
  const filled = (k: string, v: unknown) => {
    if (v === undefined || v === null) return defaults[k];
    const parsed = shape[k]?.safeParse(v);
    return parsed?.success ? parsed.data : v;
  };
  const same = (k: string, a: unknown, b: unknown) =>
    sameValue(a ?? defaults[k], b ?? defaults[k]) || sameValue(filled(k, a), filled(k, b));
  const lean = (k: string, v: unknown) => {
    if (v === undefined || v === null) return undefined;
    const kept = withoutNulls(v);
    return same(k, kept, undefined) ? undefined : kept;
  };
  const made = { defaults, filled, same, lean };
  cache.set(api.spec, made);
  return made;
}
