import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const defaultDevToken = "agentcloud-dev-token";
export const defaultDevAccount = "dev";
export const defaultAdminToken = "agentcloud-admin-token";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Bearer tokens → accounts. Tokens are kept only as SHA-256 digests and compared in constant time
 * (every entry is compared, whatever matches), so neither timing nor a heap dump gives them away.
 */
export class TokenTable {
  readonly #entries: { digest: Buffer; account: string }[];
  readonly #admin: Buffer;
  /** The digests (hex) of the admin passes in use (`adminPass`). */
  readonly #passes = new Set<string>();

  constructor(tokens: Record<string, string>, adminToken: string) {
    this.#entries = Object.entries(tokens).map(([token, account]) => ({ digest: digest(token), account }));
    this.#admin = digest(adminToken);
  }

  account(header: string | undefined): string | null {
    const token = bearer(header);
    if (token === null) return null;
    const d = digest(token);
    let found: string | null = null;
    for (const e of this.#entries) if (timingSafeEqual(e.digest, d)) found = e.account;
    return found;
  }

  /** The accounts the tokens name, each once, sorted. */
  accounts(): string[] {
    return [...new Set(this.#entries.map((e) => e.account))].sort();
  }

  /** The admin token, or an admin pass in use. */
  isAdmin(header: string | undefined): boolean {
    const token = bearer(header);
    if (token === null) return false;
    const d = digest(token);
    // A pass is 256 random bits: looking its digest up tells a timing nothing about any token.
    return timingSafeEqual(this.#admin, d) || this.#passes.has(d.toString("hex"));
  }

  /**
   * A one-off admin credential for a request the emulator makes to itself in process (an MCP admin
   * tool, called in an account's session): the admin token itself is kept only as a digest, so it
   * cannot be sent. The pass is random, never leaves the process, and is valid until revoked.
   */
  /** A token of the account for as long as the emulator runs, never shown (`--mcp-anonymous`). */
  accountPass(account: string): string {
    const token = `pass-${randomBytes(32).toString("hex")}`;
    this.#entries.push({ digest: digest(token), account });
    return `Bearer ${token}`;
  }

  adminPass(): { authorization: string; revoke(): void } {
    const token = `pass-${randomBytes(32).toString("hex")}`;
    const key = digest(token).toString("hex");
    this.#passes.add(key);
    return { authorization: `Bearer ${token}`, revoke: () => this.#passes.delete(key) };
  }
}

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1] ?? null;
}

/** "tok=acct,tok2=acct2" (AGENTCLOUD_MOCK_TOKENS). */
export function parseTokenList(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of list.split(",")) {
    const [token, account] = pair.split("=").map((s) => s.trim());
    if (token && account) out[token] = account;
  }
  return out;
}
