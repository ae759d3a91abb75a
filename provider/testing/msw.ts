/**
 * `agentCloudHandlers(cloud)`: msw request handlers answered by an in-process emulator, to compose
 * into your own `setupServer(...)` next to your other handlers.
 *
 * Which clients they reach depends on who intercepts, not on the handlers:
 * - `setupServer` (msw/node) patches `node:http`/`node:https` (`http.request`, axios, got...),
 *   the global `fetch` and XMLHttpRequest. It does NOT see undici's own `request()`, `fetch()` or
 *   `Agent` (the undici npm package, which the provider's client uses): those requests go to the
 *   real network. So these handlers test *your* code against AgentCloud, not the provider.
 * - The provider is reached by `agentCloudMocks()` (Pulumi unit tests) or `startMockNetwork()`,
 *   which intercept at the socket level (@mswjs/interceptors' HTTP interceptor) and so answer
 *   undici as well.
 */
import { createRequire } from "node:module";
import type { HttpHandler } from "msw";
import { dropHeader } from "../mock-cloud/http/app.ts";
import {
  createMockCloud,
  defaultAdminToken,
  defaultDevAccount,
  defaultDevToken,
} from "../mock-cloud/index.ts";

interface Fetcher {
  fetch(request: Request): Promise<Response>;
}

export interface AgentCloudHandlersOptions {
  /** Requests under this URL are answered. Default: the `url` of `cloud` if it has one, else `http://agentcloud.test`. */
  baseUrl?: string;
}

/**
 * Handlers for every request under `baseUrl`, answered by `cloud`: the `cloud` of `agentCloudMocks()`
 * (`mocks.cloud`, so both see the same resources), the `emulator` inside it, or `createMockCloud()`.
 * Without `cloud`, a fresh in-memory emulator (token `agentcloud-dev-token`, admin
 * `agentcloud-admin-token`). Needs the optional peer `msw`.
 */
export function agentCloudHandlers(
  cloud?: Fetcher | { url: string; emulator: Fetcher },
  options: AgentCloudHandlersOptions = {},
): HttpHandler[] {
  // A synchronous load of the optional peer (ESM, loaded through Node's require(esm)) keeps it
  // optional for users of the rest of pulumi-agentcloud/testing, and gives the caller's instance.
  const { http, HttpResponse } = createRequire(import.meta.url)("msw") as typeof import("msw");
  const target: Fetcher =
    cloud && "emulator" in cloud
      ? cloud.emulator
      : (cloud ??
        createMockCloud({ tokens: { [defaultDevToken]: defaultDevAccount }, adminToken: defaultAdminToken }));
  const base = (options.baseUrl ?? (cloud && "url" in cloud ? cloud.url : "http://agentcloud.test")).replace(
    /\/+$/,
    "",
  );
  return [
    http.all(`${base}/*`, async ({ request }) => {
      const res = await target.fetch(request);
      // A `drop` fault closes the connection without an answer: a network error for the client.
      return res.headers.get(dropHeader) ? HttpResponse.error() : res;
    }),
  ];
}
