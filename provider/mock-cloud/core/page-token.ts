import { invalid } from "../errors.ts";

/** Where a list page ends: the (createdAt, id) of its last item, the order lists are sorted by. */
export interface Cursor {
  createdAt: string;
  id: string;
}

const version = "v1";

/**
 * A page token carries its own position, so it still works when the item it ends on is gone:
 * `v1.` and the base64url JSON of [createdAt, id]. Opaque to clients; the prefix versions it.
 */
export function encodePageToken(cursor: Cursor): string {
  return `${version}.${Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url")}`;
}

export function decodePageToken(token: string): Cursor {
  const bad = () => invalid([{ path: "pageToken", message: "not a page token of this API" }]);
  const [v, payload, ...extra] = token.split(".");
  if (v !== version || payload === undefined || extra.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload))
    return bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString());
  } catch {
    return bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== "string" ||
    typeof parsed[1] !== "string"
  )
    return bad();
  return { createdAt: parsed[0], id: parsed[1] };
}
