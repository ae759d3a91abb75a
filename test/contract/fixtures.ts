import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { mockCloudNetwork } from "../../provider/mock-cloud/http/msw-network.ts";
import { createMockCloud, type MockCloud, startMockCloudServer } from "../../provider/mock-cloud/index.ts";
import { type Answer, type Call, client } from "../support/cloud-client.ts";
import { adminToken, devToken } from "../support/fixtures.ts";

export { cluster } from "../support/fixtures.ts";

/** What every contract file shares: two accounts and the admin, both adapters, a cluster body. */
export const dev = devToken;
export const other = "other-account-token";
export const admin = adminToken;
export const tokens = { [dev]: "dev", [other]: "other" };

export interface Adapter {
  name: string;
  start(): Promise<{
    baseUrl: string;
    stop(): Promise<void>;
    /** Sets the emulator's clock (back too, which the admin plane cannot), for tests about dates; a reset undoes it. */
    setClock(now: string): void;
  }>;
}

const clockSetter = (cloud: MockCloud) => (now: string) => {
  cloud.service.clock.advance(Date.parse(now) - cloud.service.clock.now().getTime());
};

/** The emulator as a node server on 127.0.0.1:0: alone, for a test that needs a real socket (a child process). */
export const nodeServer: Adapter = {
  name: "the node server on 127.0.0.1:0",
  async start() {
    const server = await startMockCloudServer({ port: 0, tokens });
    return { baseUrl: server.url, stop: () => server.close(), setClock: clockSetter(server) };
  },
};

/** The emulator as a node server on 127.0.0.1:0, and in process behind msw's socket-level network. */
export const adapters: Adapter[] = [
  nodeServer,
  {
    name: "the msw network adapter (in process)",
    async start() {
      const cloud = createMockCloud({ tokens });
      const net = await mockCloudNetwork(cloud, "http://agentcloud.test");
      return {
        baseUrl: "http://agentcloud.test",
        setClock: clockSetter(cloud),
        stop: async () => {
          await net.close();
          cloud.close();
        },
      };
    },
  },
];

/** An API error answer: status, code, message, and the request id in the body and the header. */
export function expectError(a: Answer, status: number, code: string) {
  expect(a.status).toBe(status);
  expect(a.body.error).toMatchObject({
    code,
    message: expect.any(String),
    requestId: expect.stringMatching(/^req-/),
  });
  expect(a.headers["x-request-id"]).toBe(a.body.error.requestId);
}

/** A fresh store (the reset answers 200) whose kinds all settle at once: what a test starts from. */
export async function freshAndImmediate(adminCall: Call) {
  expect((await adminCall("POST", "/_mock/reset", {})).status).toBe(200);
  await adminCall("PUT", "/_mock/transitions", {
    ChipCluster: { mode: "immediate" },
    ModelEndpoint: { mode: "immediate" },
    AgentRuntime: { mode: "immediate" },
  });
}

/**
 * One adapter's emulator for a describe block: started before its tests, stopped after, and
 * `fresh` (a reset with immediate transitions, unless told otherwise) before each. `call` speaks
 * as `dev`, `adminCall` as the admin; both check every exchange against /openapi.json.
 */
export function useAdapterCloud(
  adapter: Adapter,
  fresh: (adminCall: Call) => Promise<void> = freshAndImmediate,
) {
  let inner: Call | null = null;
  let close: () => Promise<void> = async () => {};
  let stop: () => Promise<void> = async () => {};
  const call: Call = (m, p, b, o) => {
    if (!inner) throw new Error("the emulator is not started yet (call it inside a test)");
    return inner(m, p, b, o);
  };
  const adminCall: Call = (m, p, b, o) => call(m, p, b, { ...o, token: admin });
  const cloud = { call, adminCall, baseUrl: "", setClock: (_now: string) => {} };
  beforeAll(async () => {
    const started = await adapter.start();
    stop = started.stop;
    cloud.baseUrl = started.baseUrl;
    cloud.setClock = started.setClock;
    ({ call: inner, close } = client(started.baseUrl, dev));
  });
  afterAll(async () => {
    await close();
    await stop();
  });
  beforeEach(() => fresh(adminCall));
  return cloud;
}
