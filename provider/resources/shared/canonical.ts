import { canonicalJson, sha256 } from "../../api/digest.ts";

export { canonicalJson };

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

export function digest(...parts: unknown[]): string {
  return sha256(canonicalJson(parts));
}

/** Drops undefined everywhere: the engine rejects it ("Unexpected struct type"). */
export function jsonClean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
