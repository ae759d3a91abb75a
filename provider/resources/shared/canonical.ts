import { createHash } from "node:crypto";

/** JSON with sorted keys, without undefined: equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const value = (v as Record<string, unknown>)[k];
      if (value !== undefined) out[k] = sortKeys(value);
    }
    return out;
  }
  return v;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

export function digest(...parts: unknown[]): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

/** Drops undefined everywhere: the engine rejects it ("Unexpected struct type"). */
export function jsonClean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
