import type { CheckFailure } from "./check.ts";
import { isUnknown } from "./unknowns.ts";

/** Per-resource deadlines: seconds, or a duration string like "90s", "20m", "1h". */
export interface Timeouts {
  create?: string | number;
  update?: string | number;
  delete?: string | number;
}

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(v: string | number): number | null {
  if (typeof v === "number") return Number.isFinite(v) && v > 0 ? v * 1000 : null;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v.trim());
  return m ? Number(m[1]) * (unitMs[m[2] as string] as number) : null;
}

export function checkTimeouts(t: unknown): CheckFailure[] {
  if (t === undefined || t === null) return [];
  if (typeof t !== "object") return [{ property: "timeouts", reason: "timeouts: expected an object" }];
  const failures: CheckFailure[] = [];
  for (const [k, v] of Object.entries(t)) {
    const property = `timeouts.${k}`;
    if (isUnknown(v)) continue;
    if (!["create", "update", "delete"].includes(k))
      failures.push({ property, reason: `${property}: unknown field` });
    else if ((typeof v !== "string" && typeof v !== "number") || durationMs(v) === null)
      failures.push({
        property,
        reason: `${property}: expected seconds or a duration like "90s", "20m", "1h"`,
      });
  }
  return failures;
}

export function deadlineFor(
  op: keyof Timeouts,
  timeouts: unknown,
  defaults: { create: number; update: number; delete: number },
): number {
  const given = (timeouts as Timeouts | null | undefined)?.[op];
  const ms = given === undefined ? null : durationMs(given);
  return Date.now() + (ms ?? defaults[op] * 1000);
}
