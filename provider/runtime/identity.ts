import { digest } from "../api/canonical.ts";

/**
 * Which cloud resource a create is about: the rules for idempotency keys and automatic names.
 *
 * The engine gives a dynamic provider's `create` nothing but the inputs, and checks the inputs of
 * every replacement without the old ones: a create re-run after a killed `pulumi up` and the create
 * of a `pulumi up --replace` look the same. So the cloud keeps the difference:
 * - Each resource has a chain of *lineages*: the first derived from its identity (project, stack,
 *   logical name, and its parent's URN when it has a parent), each next one from the one before. A lineage gives one create's
 *   `Idempotency-Key` and, when the user chose no name, its physical name.
 * - A create sends the first key of the chain. The cloud answers a key it has not seen with a new
 *   resource, and a key whose create was never *released* with the resource it already made (a
 *   re-run after a lost answer or a kill adopts it: no duplicate).
 * - Once the engine has recorded the resource, the key is released: by the program, which sees a
 *   resource's outputs only after the engine saved them (resources/shared/recorded.ts), or by a
 *   later diff or update of it (runtime/recorded.ts); never by the create, whose engine may be gone.
 *   A released key is refused while its resource exists, and the create moves on to the next key of
 *   the chain: a replacement, or the create after a FAILED one, is always a new resource, never the
 *   old one; the replacement's own create is adopted on a re-run in the same way, and a diff that
 *   finds one in the chain, unreleased, finishes the replacement a killed run left.
 * - Another stack, or another logical resource, starts another chain: it never gets a resource it
 *   did not create (a taken name is a Conflict naming the holder).
 */
export function firstLineage(kind: string, scope: string, parent: string | null = null): string {
  // The parent's URN tells apart two resources of one logical name under different components.
  return parent === null ? digest(kind, "create", scope) : digest(kind, "create", scope, parent);
}

export function nextLineage(kind: string, lineage: string): string {
  return digest(kind, "successor", lineage);
}

/** The `Idempotency-Key` of the create of one lineage. */
export function idempotencyKey(lineage: string): string {
  return `pulumi-${lineage.slice(0, 40)}`;
}

/**
 * The physical name of a resource the user did not name: its logical name plus a suffix of its
 * lineage. Stable across re-runs of one create, new for each replacement (so create-before-delete
 * never collides), kept by an existing resource whatever its logical name or parent becomes.
 */
export function autoName(scope: string, lineage: string): string {
  const logical = scope.split("/").pop() ?? "";
  const prefix =
    logical
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^[^a-z]+/, "")
      .slice(0, 55)
      .replace(/-+$/, "") || "r";
  return `${prefix}-${lineage.slice(0, 7)}`;
}

/**
 * Whether `name` is the automatic name of the lineage whose create key is `key` (it ends with the
 * lineage's suffix, which the key begins with): how state tells an automatic name without storing
 * a flag. A chosen name ending so is taken for automatic; outputs store `__autoname` where it would.
 */
export function isAutoNameOf(name: unknown, key: string | null): boolean {
  const prefix = idempotencyKey("");
  if (typeof name !== "string" || key === null || !key.startsWith(prefix)) return false;
  return name.endsWith(`-${key.slice(prefix.length, prefix.length + 7)}`);
}

/** The first `length` create keys of one resource's chain, in the order its creates try them. */
export function chainKeys(kind: string, scope: string, parent: string | null, length = 16): string[] {
  const keys: string[] = [];
  for (let lineage = firstLineage(kind, scope, parent); keys.length < length; ) {
    keys.push(idempotencyKey(lineage));
    lineage = nextLineage(kind, lineage);
  }
  return keys;
}
