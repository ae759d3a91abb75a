import { canonicalJson, sha256 } from "../api/digest.ts";

/** Equality of property values as the API means it: key order ignored, a null field the same as an absent one. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(withoutNulls(a) ?? null) === canonicalJson(withoutNulls(b) ?? null);
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null && x !== undefined)
        .map(([k, x]) => [k, withoutNulls(x)]),
    );
  }
  return v;
}

export function digest(...parts: unknown[]): string {
  return sha256(canonicalJson(parts));
}

/** Drops undefined everywhere: the engine rejects it ("Unexpected struct type"). */
export function jsonClean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
