import type { z } from "zod";
import { containsUnknown, unknownAlong } from "./unknowns.ts";

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Joins a zod path the way users write it in their programs: `models[0].endpointId`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/**
 * Validates inputs with a zod schema, tolerating unknown values: an issue on a value that is not
 * known yet (or sits below one) is not a failure. Returns the parsed value when everything is known.
 */
export function validate<T>(
  schema: z.ZodType<T>,
  input: Record<string, unknown>,
): { value: T | null; failures: CheckFailure[] } {
  const result = schema.safeParse(input);
  if (result.success) return { value: result.data, failures: [] };
  const failures: CheckFailure[] = [];
  for (const issue of result.error.issues) {
    if (unknownAlong(input, issue.path)) continue;
    // A union whose branch is unknown reports at the union's own path; skip if anything below is unknown.
    if (issue.code === "invalid_union" && containsUnknown(valueAt(input, issue.path))) continue;
    const property = fieldPath(issue.path) || "(resource)";
    failures.push({ property, reason: `${property}: ${describe(issue)}` });
  }
  return { value: null, failures };
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys")
    return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  return issue.message;
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
