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

/** The API's digest of an AgentRuntime's write-only secretEnv: sha256 of its canonical JSON. */
export function secretEnvDigest(env: Record<string, string> | null | undefined): string {
  return sha256(canonicalJson(env ?? {}));
}
