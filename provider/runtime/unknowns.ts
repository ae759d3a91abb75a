import { unknownValue } from "../api/engine.ts";

export function isUnknown(v: unknown): boolean {
  return v === unknownValue;
}

/** True when the value, or anything on the path to it, is unknown. */
export function unknownAlong(root: unknown, path: readonly PropertyKey[]): boolean {
  let cur: unknown = root;
  if (isUnknown(cur)) return true;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return false;
    cur = (cur as Record<PropertyKey, unknown>)[key];
    if (isUnknown(cur)) return true;
  }
  return false;
}

export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}
