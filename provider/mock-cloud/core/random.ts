import { randomFillSync } from "node:crypto";

/**
 * Random hex for ids, etags and request ids, cut from a pool that is refilled from the CSPRNG 4 KiB
 * at a time: the same bytes `randomBytes(n)` would give, without a call into the CSPRNG for each.
 */
const pool = Buffer.alloc(4096);
let at = pool.length;

export function randomHex(bytes: number): string {
  if (at + bytes > pool.length) {
    randomFillSync(pool);
    at = 0;
  }
  const out = pool.toString("hex", at, at + bytes);
  at += bytes;
  return out;
}
