import type { z } from "zod";
import type { ResourceKind } from "../../api/common.ts";
import type { CheckFailure } from "./check.ts";

/** A create-only property: `of` extracts what must stay equal (a field, or e.g. an artifact's kind). */
export interface CreateOnly {
  property: string;
  of(spec: Record<string, unknown>): unknown;
}

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
   * The spec view of a cloud resource: what refresh reports as the inputs. `previous` is what the
   * provider last stored, for write-only fields the API does not return.
   */
  specOf(res: Res, previous?: Record<string, unknown>): Record<string, unknown>;
  /** Cloud-computed outputs (status, urls, counts...). */
  outputsOf(res: Res): Record<string, unknown>;
  /** Ready state after create/update; anything else that is terminal is a failure. */
  readyStates: readonly string[];
  failedStates: readonly string[];
  /** Default deadlines in seconds. */
  timeouts: { create: number; update: number; delete: number };
}

export function field(name: string): CreateOnly {
  return { property: name, of: (spec) => spec[name] };
}

export function nested(property: string, key: string): CreateOnly {
  return {
    property,
    of: (spec) => {
      const v = spec[property];
      return v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : v;
    },
  };
}
