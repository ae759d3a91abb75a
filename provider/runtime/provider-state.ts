/**
 * What the provider keeps in a resource's inputs and outputs beside its spec: the `__` properties.
 * The resource class writes the hints (resources/shared/resource.ts), check keeps them, and create,
 * update and read write the record ones into the outputs. Read through `providerState`, never as
 * loose properties.
 */
import { isAutoNameOf } from "./identity.ts";

export interface ProviderState {
  /** Project/stack/logical name: where the key chain and automatic names come from (identity.ts). */
  scope: string;
  /** The parent's URN, for resources of one logical name under different components. */
  parent: string | null;
  /** The identities the resource had under its aliases (resources/shared/resource.ts). */
  aliasScopes: string[];
  /** An existing resource to take over on the first create (the `adoptId` argument). */
  adoptId: string | null;
  /** `replaceOnChanges` paths, applied by our diff (the engine cannot for dynamic providers). */
  replaceOnChanges: string[];
  /** The create's Idempotency-Key. */
  key: string | null;
  /**
   * Whether state records that key as released (by an update, after the engine recorded the
   * resource). False does not mean held: the program releases a created resource's key without
   * state hearing of it (resources/shared/recorded.ts).
   */
  released: boolean;
}

const text = (v: unknown) => (typeof v === "string" ? v : null);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** The provider's state in a property bag (checked inputs, or outputs from state). */
export function providerState(p: Record<string, unknown>): ProviderState {
  return {
    // State of older releases kept the scope in `__autoname`.
    scope: text(p.__scope) ?? text(p.__autoname) ?? "",
    parent: text(p.__parent),
    adoptId: text(p.__adoptId),
    aliasScopes: strings(p.__aliasScopes),
    replaceOnChanges: strings(p.__replaceOnChanges),
    key: text(p.__key),
    // Older releases also stored `false` (and, rarely, null): the same as left out.
    released: p.__released === true,
  };
}

/** The record part of the outputs: the key, and `__released` once a release is recorded. */
export function recordOf(key: string | null, released: boolean): Record<string, unknown> {
  return key ? { __key: key, ...(released ? { __released: true } : {}) } : {};
}

/**
 * Whether the resource's name is automatic, from the outputs state holds: `__autoname` where they
 * have it (older releases always stored it; some kept the scope there, which meant automatic),
 * otherwise whether the name is the automatic name of its create key's lineage (identity.ts).
 */
export function isAutonamed(p: Record<string, unknown>): boolean {
  if (typeof p.__autoname === "boolean") return p.__autoname;
  if (typeof p.__autoname === "string") return true;
  return isAutoNameOf(p.name, text(p.__key));
}
