/**
 * pulumi-agentcloud/testing: what a user needs to test their own code against AgentCloud.
 *
 *   const cloud = await startTestCloud();           // the emulator on 127.0.0.1:<free port>
 *   process.env.AGENTCLOUD_ENDPOINT = cloud.url;     // point your code (or a Pulumi stack) at it
 *   process.env.AGENTCLOUD_TOKEN = cloud.token;
 *   await cloud.admin.fault({ kind: "ModelEndpoint", operation: "create", status: 503, code: "CapacityUnavailable", remaining: 1 });
 *   ...
 *   await cloud.close();
 */
import {
  createMockCloud,
  defaultAdminToken,
  defaultDevAccount,
  defaultDevToken,
  type MockCloudOptions,
  startMockCloudServer,
} from "../mock-cloud/index.ts";
import { MockCloudAdmin } from "./admin.ts";

export { createMockCloud, type MockCloudOptions, startMockCloudServer } from "../mock-cloud/index.ts";
export { MockCloudAdmin } from "./admin.ts";

export interface TestCloud {
  url: string;
  /**
   * The web console of this emulator: open it in a browser, type the admin token
   * (`agentcloud-admin-token` unless `options.adminToken`), and watch or drive the test's cloud.
   * With `startMockNetwork()` it is only reachable in process, like the rest of that emulator.
   */
  consoleUrl: string;
  /** The API token of the test account (`dev` unless `options.tokens` says otherwise). */
  token: string;
  admin: MockCloudAdmin;
  close(): Promise<void>;
}

/** Starts the emulator on a free loopback port, in memory unless `dataDir` is given. */
export async function startTestCloud(options: MockCloudOptions = {}): Promise<TestCloud> {
  const tokens = options.tokens ?? { [defaultDevToken]: defaultDevAccount };
  const adminToken = options.adminToken ?? defaultAdminToken;
  const server = await startMockCloudServer({ ...options, tokens, adminToken, host: "127.0.0.1", port: 0 });
  return {
    url: server.url,
    consoleUrl: server.consoleUrl,
    token: Object.keys(tokens)[0] ?? defaultDevToken,
    admin: new MockCloudAdmin(server.url, adminToken),
    close: () => server.close(),
  };
}

/**
 * The emulator inside this process behind msw: every HTTP request to `baseUrl` (default
 * `http://agentcloud.test`) from undici's `request`/`fetch`, node:http or global fetch is answered
 * in process; requests to other hosts fail. Needs the optional peers `msw` and `@mswjs/interceptors`.
 */
export async function startMockNetwork(
  options: MockCloudOptions & { baseUrl?: string } = {},
): Promise<TestCloud> {
  const baseUrl = (options.baseUrl ?? "http://agentcloud.test").replace(/\/+$/, "");
  const tokens = options.tokens ?? { [defaultDevToken]: defaultDevAccount };
  const adminToken = options.adminToken ?? defaultAdminToken;
  const { mockCloudNetwork } = await import("../mock-cloud/http/msw-network.ts");
  const cloud = createMockCloud({ ...options, tokens, adminToken });
  const net = await mockCloudNetwork(cloud, baseUrl);
  return {
    url: baseUrl,
    consoleUrl: `${baseUrl}/console`,
    token: Object.keys(tokens)[0] ?? defaultDevToken,
    admin: new MockCloudAdmin(baseUrl, adminToken, cloud.fetch),
    close: async () => {
      await net.close();
      cloud.close();
    },
  };
}

export {
  type AgentCloudMocks,
  type AgentCloudMocksOptions,
  agentCloudMocks,
  agentCloudTypes,
  type MockRegistration,
  type ProgramResult,
} from "./mocks.ts";
export { type AgentCloudHandlersOptions, agentCloudHandlers } from "./msw.ts";
