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
    token: Object.keys(tokens)[0] ?? defaultDevToken,
    admin: new MockCloudAdmin(server.url, adminToken),
    close: () => server.close(),
  };
}
