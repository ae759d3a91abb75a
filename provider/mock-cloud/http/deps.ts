import type { CloudService } from "../core/service.ts";
import type { McpState } from "../mcp/state.ts";
import type { TokenTable } from "./auth.ts";
import type { NodeResponse } from "./node-response.ts";
import type { RequestLog } from "./request-log.ts";

/**
 * What the API app keeps per request: its id, the account its token names, and the code of the
 * error answer made (for the request log).
 */
export type AppEnv = { Variables: { requestId: string; account: string | null; errorCode: string | null } };

/** What the HTTP apps (the API, the admin plane) are built from. */
export interface AppDeps {
  service: CloudService;
  tokens: TokenTable;
  log: RequestLog;
  /** Print one line per request to stderr (no tokens, no bodies). */
  verbose?: boolean;
  /**
   * Answers that the node server writes out fastest (http/node-response.ts), for the /v1 API when
   * a request comes through that server; others use the context's.
   */
  nodeResponse?: NodeResponse;
  /** The MCP server's gates, plans and approvals (one per emulator; a default one when left out). */
  mcp?: McpState;
  /**
   * Served on a loopback address only: `/mcp` then refuses a Host or Origin that is not localhost's
   * (DNS rebinding: a web page's script reaching the local server through a name it controls).
   */
  loopback?: boolean;
  /** `/mcp` without a token acts as this account (`--mcp-anonymous`: for clients that cannot send one). */
  mcpAnonymousAccount?: string;
}
