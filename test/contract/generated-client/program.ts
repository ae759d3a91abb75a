/**
 * A client written against types that openapi-typescript generates, with its default options, from
 * the emulator's live /openapi.json: `generated-client.test.ts` copies this file next to the
 * generated `api.ts`, type-checks both with `tsc --noEmit`, and runs it against a started emulator.
 * Usage: node program.ts <baseUrl> <token>
 */
import type { components, operations } from "./api.ts";

type Schemas = components["schemas"];
type RequestBody<Op extends keyof operations> = operations[Op] extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : never;
type Answer<Op extends keyof operations, Status extends number> =
  operations[Op]["responses"] extends Record<Status, { content: { "application/json": infer A } }>
    ? A
    : never;

const [baseUrl = "http://127.0.0.1:4600", token = "agentcloud-dev-token"] = process.argv.slice(2);

async function send<T>(method: string, path: string, expected: number, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== expected)
    throw new Error(`${method} ${path}: expected ${expected}, got ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Reads until the resource reaches `status` (or is gone, for "gone"). */
async function settle<R extends { status: string }>(
  path: string,
  status: R["status"] | "gone",
): Promise<R | null> {
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as R | Schemas["Error"];
    if (res.status === 404 && status === "gone") return null;
    if (res.status === 200 && "status" in body && body.status === status) return body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} never reached ${status}`);
}

// The README's minimal create body: every field with a default left out.
const clusterSpec: RequestBody<"createChipCluster"> = {
  name: "generated",
  region: "cn-hangzhou",
  chipType: "zhenwu-m890",
  chipsPerHyperNode: 32,
  hyperNodeCount: 1,
};
// @ts-expect-error: region is the enum of regions, so the types are not `any`
const badSpec: RequestBody<"createChipCluster"> = { ...clusterSpec, region: "mars-1" };
void badSpec;

const created = await send<Answer<"createChipCluster", 202>>("POST", "/v1/chip-clusters", 202, clusterSpec);
const operation: Schemas["Operation"] = created.operation;
const clusterPath = `/v1/chip-clusters/${created.resource.id}`;
const cluster = await settle<Schemas["ChipCluster"]>(clusterPath, "ACTIVE");
const op = await send<Answer<"getOperation", 200>>("GET", `/v1/operations/${operation.id}`, 200);
if (op.status !== "SUCCEEDED") throw new Error(`create operation ${op.status}`);

// A PATCH that changes a mutable field, without restating the immutable ones.
const clusterPatch: RequestBody<"updateChipCluster"> = { hyperNodeCount: 2 };
const scaled = await send<Answer<"updateChipCluster", 202>>("PATCH", clusterPath, 202, clusterPatch);
if (scaled.resource.hyperNodeCount !== 2) throw new Error("hyperNodeCount did not change");
await settle<Schemas["ChipCluster"]>(clusterPath, "ACTIVE");

const endpointSpec: RequestBody<"createModelEndpoint"> = {
  name: "generated",
  region: "cn-hangzhou",
  model: "glm-5.1",
  deployment: { mode: "dedicated", clusterId: cluster?.id ?? "", chipsPerReplica: 8 },
  throughput: { tokensPerMinute: 10_000 },
};
const endpoint = await send<Answer<"createModelEndpoint", 202>>(
  "POST",
  "/v1/model-endpoints",
  202,
  endpointSpec,
);
const endpointPath = `/v1/model-endpoints/${endpoint.resource.id}`;
await settle<Schemas["ModelEndpoint"]>(endpointPath, "IN_SERVICE");
// Replicas live in the deployment, sent whole: its mode, cluster and chips per replica as they are.
const endpointPatch: RequestBody<"updateModelEndpoint"> = {
  deployment: {
    mode: "dedicated",
    clusterId: cluster?.id ?? "",
    chipsPerReplica: 8,
    minReplicas: 1,
    maxReplicas: 2,
  },
};
const replicated = await send<Answer<"updateModelEndpoint", 202>>("PATCH", endpointPath, 202, endpointPatch);
if (replicated.resource.deployment.mode !== "dedicated" || replicated.resource.deployment.maxReplicas !== 2) {
  throw new Error("maxReplicas did not change");
}
await settle<Schemas["ModelEndpoint"]>(endpointPath, "IN_SERVICE");

const runtimeSpec: RequestBody<"createAgentRuntime"> = {
  name: "generated",
  region: "cn-hangzhou",
  artifact: { image: "registry.example/agent:1" },
  models: [{ endpointId: endpoint.resource.id, role: "primary" }],
};
const runtime = await send<Answer<"createAgentRuntime", 202>>("POST", "/v1/agent-runtimes", 202, runtimeSpec);
const runtimePath = `/v1/agent-runtimes/${runtime.resource.id}`;
await settle<Schemas["AgentRuntime"]>(runtimePath, "READY");
const runtimePatch: RequestBody<"updateAgentRuntime"> = { scaling: { maxInstances: 20 } };
const rescaled = await send<Answer<"updateAgentRuntime", 202>>("PATCH", runtimePath, 202, runtimePatch);
if (rescaled.resource.scaling.maxInstances !== 20) throw new Error("maxInstances did not change");
await settle<Schemas["AgentRuntime"]>(runtimePath, "READY");

const page = await send<Answer<"listAgentRuntimes", 200>>("GET", "/v1/agent-runtimes?pageSize=10", 200);
if (page.items.length !== 1) throw new Error(`expected one runtime, listed ${page.items.length}`);

for (const path of [runtimePath, endpointPath, clusterPath]) {
  const deleted = await send<Answer<"deleteChipCluster", 202>>("DELETE", path, 202);
  if (deleted.operation.action !== "delete")
    throw new Error(`DELETE ${path} started ${deleted.operation.action}`);
  await settle(path, "gone");
}
process.stdout.write("generated client: created, read, patched and deleted every kind\n");
