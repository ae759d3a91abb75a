import { getClient } from "./config.ts";

/**
 * Create keys and the engine's record (see identity.ts): a key is released only once the engine has
 * recorded its resource, never by the create itself. In the provider process the proof of a record
 * is a resource's id and outputs arriving from state: in a diff or an update.
 */

const listedFor = 3_000;
let listed: { at: number; keys: Promise<ReadonlyMap<string, string>> } | null = null;

/**
 * The account's create keys that no client has released yet, each with its resource's id: creates
 * in flight, or interrupted before their engine recorded them. One request serves the diffs of a
 * few seconds (a preview diffs every resource in a burst). Best effort: empty when the cloud does
 * not answer, and then nothing is released or finished that would otherwise be.
 */
export function unrecordedKeys(): Promise<ReadonlyMap<string, string>> {
  if (listed && Date.now() - listed.at <= listedFor) return listed.keys;
  let keys: Promise<ReadonlyMap<string, string>>;
  try {
    keys = getClient()
      .idempotencyKeys()
      .list(false, Date.now() + 15_000)
      .then(
        (items) => new Map(items.map((i) => [i.key, i.resourceId])),
        () => new Map(),
      );
  } catch {
    keys = Promise.resolve(new Map());
  }
  listed = { at: Date.now(), keys };
  return keys;
}

/** Forgets the list, so the next diff asks the cloud again (tests that change keys between diffs). */
export function forgetUnrecordedKeys(): void {
  listed = null;
}

/**
 * Releases the key of a resource the engine has recorded, if the key is still that resource's (a
 * delete-before-replace frees a key, and the replacement's create may hold it now); false when the
 * cloud did not take it, and a later diff or update tries again.
 */
export async function releaseRecorded(
  key: string,
  resourceId: string,
  deadline = Date.now() + 15_000,
): Promise<boolean> {
  try {
    await getClient().idempotencyKeys().release(key, deadline, resourceId);
    return true;
  } catch {
    return false;
  }
}
