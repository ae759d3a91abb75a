/**
 * What the provider keeps in a resource's inputs and outputs beside its spec: the `__` properties.
 * The resource class writes the hints (resources/shared/resource.ts), check keeps them, and create,
 * update and read write the record ones into the outputs. Read through `providerState`, never as
 * loose properties.
 */
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
  /** The create's Idempotency-Key, and whether it was released after the engine recorded it. */
  key: string | null;
  released: boolean | null;
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
    released: typeof p.__released === "boolean" ? p.__released : null,
  };
}

/** The record part of the outputs: the key and whether it is released (only when there is a key). */
export function recordOf(key: string | null, released: boolean | null): Record<string, unknown> {
  return key ? { __key: key, __released: released } : {};
}
