import type { z } from "zod";
import { fieldPath, issueMessage } from "../api/issues.ts";
import { containsUnknown, unknownAlong } from "./unknowns.ts";

export interface CheckFailure {
  property: string;
  reason: string;
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
    failures.push({ property, reason: `${property}: ${issueMessage(issue)}` });
  }
  return { value: null, failures };
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
