import type { Client } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { mcpSessions, type ToolResult } from "../support/mcp.ts";
import { cluster, dev, nodeServer, useAdapterCloud } from "./fixtures.ts";

type Result = ToolResult;

/**
 * A scripted agent (no model: a fixed plan of tool calls that reads each answer the way an agent
 * loop does): it provisions a cluster and an endpoint through MCP, waits for them on the emulator
 * clock, checks and estimates first, and deletes through plan and confirm. The same agent is
 * stopped by read-only mode, by an unconfirmed delete and by the approval gate, and each time the
 * cloud is untouched.
 */
class ScriptedAgent {
  readonly transcript: { tool: string; outcome: string }[] = [];
  private readonly mcp: Client;
  /** Lets time pass on the emulator clock (the agent's sleep). */
  readonly sleep: (ms: number) => Promise<void>;

  constructor(mcp: Client, sleep: (ms: number) => Promise<void>) {
    this.mcp = mcp;
    this.sleep = sleep;
  }

  async call(tool: string, args: Record<string, unknown> = {}): Promise<Result> {
    const tools = (await this.mcp.listTools()).tools.map((t) => t.name);
    if (!tools.includes(tool)) {
      this.transcript.push({ tool, outcome: "not offered" });
      throw new Error(`${tool} is not offered`);
    }
    const r = (await this.mcp.callTool({ name: tool, arguments: args })) as Result;
    const error = r.isError ? JSON.parse(r.content[0]?.text ?? "{}").error : null;
    this.transcript.push({ tool, outcome: error ? error.code : r.structuredContent?.plan ? "plan" : "ok" });
    if (error?.retryable && error.code !== "ApprovalPending" && error.retryAfterSeconds !== undefined) {
      await this.sleep(error.retryAfterSeconds * 1000);
      return this.call(tool, args);
    }
    if (error) throw Object.assign(new Error(`${tool}: ${error.code}`), { error });
    return r;
  }

  /** Reads the resource until it is ready, moving the emulator clock on meanwhile. */
  async waitReady(tool: string, id: string, ready: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 20; i++) {
      const r = await this.call(tool, { id });
      if (r.structuredContent.status === ready) return r.structuredContent;
      await this.sleep(30_000);
    }
    throw new Error(`${id} never became ${ready}`);
  }

  /** A delete as an agent must do it: ask, read the plan, confirm it. */
  async delete(tool: string, id: string): Promise<Result> {
    const plan = (await this.call(tool, { id })).structuredContent.plan;
    return this.call(tool, { id, confirm: plan.id });
  }
}

describe("a scripted agent through MCP", () => {
  const emulator = useAdapterCloud(nodeServer, async (adminCall) => {
    await adminCall("POST", "/_mock/reset", {});
    // Creates take a minute on the emulator clock: the agent has to wait for them.
    await adminCall("PUT", "/_mock/transitions", {
      ChipCluster: { mode: "duration", ms: 60_000 },
      ModelEndpoint: { mode: "duration", ms: 60_000 },
      AgentRuntime: { mode: "immediate" },
    });
  });
  const { call, adminCall } = emulator;
  const endpointSpec = (clusterId: string) => ({
    name: "glm",
    region: "cn-hangzhou",
    model: "glm-5.1",
    deployment: { mode: "dedicated", clusterId, chipsPerReplica: 8 },
    throughput: { tokensPerMinute: 20_000 },
  });

  const session = mcpSessions(() => emulator.baseUrl);
  async function agent(): Promise<ScriptedAgent> {
    return new ScriptedAgent(await session(dev, "scripted-agent"), async (ms) => {
      await adminCall("POST", "/_mock/clock/advance", { ms });
    });
  }
  const cloud = async () => {
    const items = async (c: string) =>
      (await call("GET", `/v1/${c}`)).body.items as { id: string; status: string }[];
    return { clusters: await items("chip-clusters"), endpoints: await items("model-endpoints") };
  };

  it("checks, provisions, waits, reads the estimate and deletes through plan and confirm", async () => {
    const a = await agent();
    const check = await a.call("validateSpec", { kind: "ChipCluster", spec: cluster("agents") });
    expect(check.structuredContent).toMatchObject({ valid: true, estimate: { chips: { "zhenwu-m890": 8 } } });
    const made = await a.call("createChipCluster", { ...cluster("agents"), idempotencyKey: "agent-run-1" });
    const clusterId = made.structuredContent.resource.id;
    await a.waitReady("getChipCluster", clusterId, "ACTIVE");
    const planned = await a.call("planSpecs", {
      resources: [{ kind: "ModelEndpoint", spec: endpointSpec(clusterId) }],
    });
    expect(planned.structuredContent.steps).toMatchObject([{ action: "create" }]);
    const ep = await a.call("createModelEndpoint", endpointSpec(clusterId));
    const endpointId = ep.structuredContent.resource.id;
    expect(await a.waitReady("getModelEndpoint", endpointId, "IN_SERVICE")).toMatchObject({
      currentReplicas: 1,
    });
    // The cluster cannot go first: the plan says so before anything is deleted.
    await expect(a.delete("deleteChipCluster", clusterId)).rejects.toMatchObject({
      error: { code: "DependencyViolation" },
    });
    await a.delete("deleteModelEndpoint", endpointId);
    await a.sleep(120_000);
    await a.delete("deleteChipCluster", clusterId);
    await a.sleep(120_000);
    expect(await cloud()).toEqual({ clusters: [], endpoints: [] });
    // The first delete of the cluster was refused at its plan (its dry run), before anything changed.
    expect(
      a.transcript.filter((t) => t.tool.startsWith("delete")).map((t) => `${t.tool} ${t.outcome}`),
    ).toEqual([
      "deleteChipCluster DependencyViolation",
      "deleteModelEndpoint plan",
      "deleteModelEndpoint ok",
      "deleteChipCluster plan",
      "deleteChipCluster ok",
    ]);
  });

  it("is stopped by read-only mode, by a delete it does not confirm and by the approval gate, and the cloud is untouched", async () => {
    const id = (await call("POST", "/v1/chip-clusters", cluster("kept"), { headers: { Prefer: "wait" } }))
      .body.resource.id;
    await adminCall("POST", "/_mock/clock/advance", { ms: 120_000 });
    const before = await cloud();

    // An agent that never confirms: it gets a plan, and nothing is deleted.
    const unconfirmed = await agent();
    const plan = await unconfirmed.call("deleteChipCluster", { id });
    expect(plan.structuredContent.plan.resource).toMatchObject({ id });
    expect(await cloud()).toEqual(before);

    await adminCall("PUT", "/_mock/mcp", { readOnly: true });
    const reader = await agent();
    await expect(reader.call("createChipCluster", cluster("more"))).rejects.toThrow(/not offered/);
    await expect(reader.call("deleteChipCluster", { id })).rejects.toThrow(/not offered/);
    expect(await cloud()).toEqual(before);

    await adminCall("PUT", "/_mock/mcp", { approveAboveChips: 8 });
    const eager = await agent();
    await expect(
      eager.call("createChipCluster", cluster("big", { chipsPerHyperNode: 64 })),
    ).rejects.toMatchObject({
      error: { code: "ApprovalPending", retryable: true },
    });
    expect(await cloud()).toEqual(before);
  });
});
