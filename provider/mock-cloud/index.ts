import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type FaultRule, Limits, type Transitions } from "../api/admin.ts";
import type { ResourceKind } from "../api/common.ts";
import type { McpSettings } from "../api/mcp.ts";
import { CloudService } from "./core/service.ts";
import { validateSnapshot } from "./core/snapshot.ts";
import { createApp } from "./http/app.ts";
import { defaultAdminToken, defaultDevAccount, defaultDevToken, TokenTable } from "./http/auth.ts";
import { type NodeResponse, nodeResponse } from "./http/node-response.ts";
import { RequestLog } from "./http/request-log.ts";
import { McpState } from "./mcp/state.ts";
import { closeDb, openDb, tx } from "./store/db.ts";

export type { FaultRule, Limits, Transitions } from "../api/admin.ts";
export { defaultAdminToken, defaultDevAccount, defaultDevToken } from "./http/auth.ts";

export interface MockCloudOptions {
  /** Directory of the SQLite store, or ":memory:" (default). */
  dataDir?: string;
  /** Bearer token → account. Default: `agentcloud-dev-token` → `dev`. */
  tokens?: Record<string, string>;
  adminToken?: string;
  limits?: Partial<Limits>;
  transitions?: Transitions;
  /** A snapshot (`POST /_mock/snapshot`) or `{ resources: [{ account?, kind, spec }] }` to start from; applied to an empty store only. */
  seed?: Seed;
  /** One line per request on stderr. */
  verbose?: boolean;
  /** The MCP server's gates at start (`PUT /_mock/mcp` changes them). */
  mcp?: Partial<McpSettings>;
  /** `/mcp` without a token acts as this account: for MCP clients that cannot send one (conformance suites). */
  mcpAnonymousAccount?: string;
}

export type Seed =
  | { version: 1; tables: Record<string, Record<string, unknown>[]> }
  | { resources: { account?: string; kind: ResourceKind; spec: Record<string, unknown> }[] };

export interface MockCloud {
  /** The Hono app: `fetch(request)` answers like the server does. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  service: CloudService;
  close(): void;
}

/** The emulator in this process: the same app the server runs, without a socket. */
export function createMockCloud(options: MockCloudOptions = {}): MockCloud {
  return makeMockCloud(options);
}

function makeMockCloud(options: MockCloudOptions, nodeResponse?: NodeResponse, loopback = false): MockCloud {
  const db = openDb(options.dataDir ?? ":memory:");
  const service = new CloudService(db);
  if (options.limits) service.limits = Limits.parse({ ...service.limits, ...options.limits });
  if (options.transitions) service.transitions = options.transitions;
  const tokens = new TokenTable(
    options.tokens ?? { [defaultDevToken]: defaultDevAccount },
    options.adminToken ?? defaultAdminToken,
  );
  const app = createApp({
    service,
    tokens,
    log: new RequestLog(),
    verbose: options.verbose,
    nodeResponse,
    mcp: new McpState(options.mcp),
    loopback,
    ...(options.mcpAnonymousAccount ? { mcpAnonymousAccount: options.mcpAnonymousAccount } : {}),
  });
  if (options.seed) applySeed(service, options.seed);
  return {
    // The node server passes its bindings (the socket, for dropped-connection faults) as env.
    fetch: async (request, env?: unknown) => app.fetch(request, env as never),
    service,
    close: () => closeDb(db),
  };
}

/** Seeds a fresh store only: restarting on a seeded data directory keeps what is there. */
function applySeed(service: CloudService, seed: Seed): void {
  if (service.repo.countResources() > 0) return;
  if ("tables" in seed) {
    const rows = validateSnapshot(seed.tables);
    tx(service.db, () => service.repo.replaceAll(rows));
    service.clock.reload();
    return;
  }
  for (const r of seed.resources) {
    service.create(service.ctx(r.account ?? defaultDevAccount, "http://127.0.0.1"), r.kind, r.spec, null);
    service.tick();
  }
}

export interface MockCloudServer extends MockCloud {
  url: string;
  /** The web console (`<url>/console`): resources, topology, quotas, request log; drives the emulator. */
  consoleUrl: string;
  port: number;
  close(): Promise<void>;
}

/** The emulator as an HTTP server (127.0.0.1 by default; port 0 picks a free one). */
export async function startMockCloudServer(
  options: MockCloudOptions & { host?: string; port?: number } = {},
): Promise<MockCloudServer> {
  const host = options.host ?? "127.0.0.1";
  const cloud = makeMockCloud(options, nodeResponse(), ["127.0.0.1", "localhost", "::1"].includes(host));
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    // overrideGlobalObjects: false leaves the process's Request/Response alone (it is often a user's test process).
    const s = serve(
      { fetch: cloud.fetch, hostname: host, port: options.port ?? 0, overrideGlobalObjects: false },
      () => resolve(s),
    );
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  // Duration-based transitions move on their own, not only when someone asks.
  const timer = setInterval(() => cloud.service.tick(), 250);
  timer.unref();
  return {
    ...cloud,
    url,
    consoleUrl: `${url}/console`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.close(() => {
          cloud.close();
          resolve();
        });
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

export type { FaultRule as MockFaultRule };
