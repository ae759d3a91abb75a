import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ResourceKind } from "../../api/common.ts";
import { fail } from "../errors.ts";
import { type Db, getMeta, setMeta } from "../store/db.ts";

/** Where a list page ends: the (createdAt, id) of its last item, the order lists are sorted by. */
export interface Cursor {
  createdAt: string;
  id: string;
}

/** What a token was issued for: it is good for that list only. */
export interface PageScope {
  account: string;
  kind: ResourceKind;
  region: string | null;
}

const version = "v1";
export const pageTokenSecretKey = "pageTokenSecret";

/** The per-database key that signs page tokens (meta table), made on first use. */
export function pageTokenSecret(db: Db): string {
  const stored = getMeta<string | null>(db, pageTokenSecretKey, null);
  if (stored) return stored;
  const made = randomBytes(32).toString("hex");
  setMeta(db, pageTokenSecretKey, made);
  return made;
}

const mac = (secret: string, scope: PageScope, payload: string) =>
  createHmac("sha256", secret)
    .update(JSON.stringify([version, scope.account, scope.kind, scope.region, payload]))
    .digest();

/**
 * A page token carries its own position, so it still works when the item it ends on is gone, and
 * is bound to the account, collection and region filter it was issued for: `v1.<payload>.<mac>`,
 * the payload the base64url JSON of [createdAt, id], the mac an HMAC-SHA256 over the version, the
 * scope and the payload with the database's secret. Opaque to clients; the prefix versions it.
 */
export function encodePageToken(secret: string, scope: PageScope, cursor: Cursor): string {
  const payload = Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
  return `${version}.${payload}.${mac(secret, scope, payload).toString("base64url")}`;
}

/** The cursor of a token issued for this scope; any other token (foreign, forged, malformed): 400 InvalidPageToken, always the same answer. */
export function decodePageToken(secret: string, scope: PageScope, token: string): Cursor {
  const bad = (): never =>
    fail("InvalidPageToken", "pageToken was not issued for this list; list again without it", {
      field: "pageToken",
    });
  const parts = token.split(".");
  const [v, payload, signature] = parts;
  if (parts.length !== 3 || v !== version || !payload || !signature) return bad();
  const expected = mac(secret, scope, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return bad();
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
