/**
 * JSON values compared and hashed the way the API means them: key order ignored, undefined
 * dropped. The emulator's etags, idempotency bodies and secretEnv digest, and the provider's
 * diffs and identities, all go through here.
 */
import { createHash } from "node:crypto";

/** JSON with sorted keys and no undefined: equal values give equal strings. */
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

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The sha256 of the canonical JSON of the parts. */
export function digest(...parts: unknown[]): string {
  return sha256(canonicalJson(parts));
}

/** The API's digest of an AgentRuntime's write-only secretEnv: sha256 of its canonical JSON. */
export function secretEnvDigest(env: Record<string, string> | null | undefined): string {
  return sha256(canonicalJson(env ?? {}));
}

/** Equality of property values as the API means it: key order ignored, a null field the same as an absent one. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(withoutNulls(a) ?? null) === canonicalJson(withoutNulls(b) ?? null);
}

/** The value with every null member left out, at any depth (a null itself stays null). */
export function withoutNulls(v: unknown): unknown {
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

/** Drops undefined everywhere: the engine rejects it ("Unexpected struct type"). */
export function jsonClean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
