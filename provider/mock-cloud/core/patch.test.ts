import { describe, expect, it } from "vitest";
import { createMockCloud } from "../index.ts";

const cloud = createMockCloud();
const auth = { authorization: "Bearer agentcloud-dev-token", "content-type": "application/json" };

async function call(method: string, path: string, body?: unknown) {
  const res = await cloud.fetch(
    new Request(`http://agentcloud.test${path}`, {
      method,
      headers: auth,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  return { status: res.status, body: (await res.json()) as any };
}

async function ready(collection: string, spec: Record<string, unknown>) {
  const created = await call("POST", `/v1/${collection}`, spec);
  expect(created.status).toBe(202);
  return (await call("GET", `/v1/${collection}/${created.body.resource.id}`)).body;
}

describe("PATCH changes only the fields it sends (regression: zod partial() kept defaults and reset the rest)", () => {
  it("keeps a cluster's tags, scheduling and node recovery when only hyperNodeCount changes", async () => {
    const c = await ready("chip-clusters", {
      name: "keep",
      region: "cn-hangzhou",
      chipType: "zhenwu-810e",
      chipsPerHyperNode: 8,
      hyperNodeCount: 1,
      scheduling: "resource",
      nodeRecovery: "manual",
      tags: { team: "a" },
    });
    const patched = await call("PATCH", `/v1/chip-clusters/${c.id}`, { hyperNodeCount: 2 });
    expect(patched.body.resource).toMatchObject({
      hyperNodeCount: 2,
      scheduling: "resource",
      nodeRecovery: "manual",
      tags: { team: "a" },
    });
  });

  it("keeps a runtime's skills, memory, channels and secret env when only its models change", async () => {
    const endpoint = await ready("model-endpoints", {
      name: "pooled",
      region: "cn-hangzhou",
      model: "glm-5.1",
      deployment: { mode: "pooled" },
      throughput: { tokensPerMinute: 10_000 },
    });
    const peer = await ready("agent-runtimes", {
      name: "peer",
      region: "cn-hangzhou",
      artifact: { image: "p:1" },
      models: [{ endpointId: endpoint.id, role: "primary" }],
    });
    const r = await ready("agent-runtimes", {
      name: "keeper",
      region: "cn-hangzhou",
      artifact: { image: "a:1" },
      protocol: "a2a",
      models: [{ endpointId: endpoint.id, role: "primary" }],
      skills: [{ name: "s", kind: "mcp", target: "mcp://x" }],
      memory: { enabled: true, retentionDays: 60 },
      channels: [{ peerRuntimeId: peer.id, mode: "a2a" }],
      secretEnv: { TOKEN: "v" },
    });
    const patched = await call("PATCH", `/v1/agent-runtimes/${r.id}`, {
      models: [{ endpointId: endpoint.id, role: "primary" }],
    });
    expect(patched.body.resource).toMatchObject({
      protocol: "a2a",
      memory: { enabled: true, retentionDays: 60 },
      channels: [{ peerRuntimeId: peer.id }],
      secretEnvKeys: ["TOKEN"],
      secretEnvDigest: r.secretEnvDigest,
      version: 2,
    });
    expect(patched.body.resource.skills).toHaveLength(1);
  });
});
