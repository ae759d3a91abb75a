import type { z } from "zod";
import type { ErrorCode } from "./common.ts";

/** One reason a value was refused: the field as users write it (`models[0].endpointId`) and why. */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * A rule of provider/api broken: the field (as users write it), why, the error code the cloud
 * answers with, and the figures behind it. Preview reports `path: message (code)`; the emulator
 * answers the code (core/model.ts `raise`).
 */
export interface RuleIssue extends FieldIssue {
  code: ErrorCode;
  details: Record<string, unknown>;
}

/** Joins a zod path the way users write it in their programs: `models[0].endpointId`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** What a zod issue says, in the words every surface uses (preview, the emulator, the client). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys")
    return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  return issue.message;
}

/** A zod error's issues as field paths and reasons. */
export function fieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((i) => ({ path: fieldPath(i.path), message: issueMessage(i) }));
}

/** One line for several issues: `path: reason; path: reason` (`(body)` for the whole value). */
export function summarize(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path || "(body)"}: ${i.message}`).join("; ");
}

/** How preview words a broken rule: `path: message`, and the code the cloud would answer unless a plain ValidationError. */
export function ruleReason(issue: RuleIssue): string {
  return `${issue.path}: ${issue.message}${issue.code === "ValidationError" ? "" : ` (${issue.code})`}`;
}
