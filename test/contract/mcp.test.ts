import type { Client } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { routeSpecs } from "../../provider/mock-cloud/http/routes.ts";
import { annotationsOf } from "../../provider/mock-cloud/mcp/tools.ts";
import { mcpSessions, type ToolResult } from "../support/mcp.ts";
import { cluster, dev, freshAndImmediate, nodeServer, other, useAdapterCloud } from "./fixtures.ts";

/**
 * The emulator's MCP server at /mcp, through the official SDK client over streamable HTTP: the
 * tools generated from the route table, their annotations, and the gates in front of agents.
 */
describe("MCP at /mcp", () => {
  const cloud = useAdapterCloud(nodeServer, async (adminCall) => {
    await freshAndImmediate(adminCall);
    expect((await adminCall("PUT", "/_mock/mcp", {})).status).toBe(200);
  });
  const { call, adminCall } = cloud;

  const session = mcpSessions(() => cloud.baseUrl);
  const connect = (token = dev) => session(token);
  type Result = ToolResult;
  const tool = async (mcp: Client, name: string, args: Record<string, unknown> = {}) =>
    (await mcp.callTool({ name, arguments: args })) as Result;
  const errorOf = (r: Result) => {
    expect(r.isError, JSON.stringify(r)).toBe(true);
    return JSON.parse(r.content[0]?.text ?? "{}").error;
  };
  const clusters = async (token = dev) =>
    (await call("GET", "/v1/chip-clusters", undefined, { token })).body.items as { id: string }[];

  it("lists a tool for every /v1 operation, in the table's order, each annotated as its route says", async () => {
    const { tools } = await (await connect()).listTools();
    const v1 = routeSpecs.filter((r) => r.auth === "bearer" && r.path.startsWith("/v1/"));
    expect(tools.map((t) => t.name)).toEqual(v1.map((r) => r.operationId));
    for (const t of tools) {
      const route = v1.find((r) => r.operationId === t.name);
      expect(t.name.length).toBeLessThanOrEqual(64);
      expect(t.annotations, t.name).toEqual(annotationsOf(route as (typeof v1)[number]));
      expect(t.annotations?.openWorldHint).toBe(false);
      expect(t.annotations?.readOnlyHint).toBe(route?.method === "get" || route?.safe === true);
      if (route?.method === "delete") expect(t.annotations?.destructiveHint).toBe(true);
      if (route?.headers?.some((h) => h.name === "Idempotency-Key"))
        expect(t.annotations?.idempotentHint).toBe(true);
      expect(t.inputSchema.type).toBe("object");
      expect(t.description).toContain(route?.path);
    }
    const create = tools.find((t) => t.name === "createChipCluster");
    expect(Object.keys(create?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["name", "region", "chipType", "idempotencyKey", "dryRun"]),
    );
    expect(tools.find((t) => t.name === "deleteChipCluster")?.inputSchema.properties).toHaveProperty(
      "confirm",
    );
  });

  it("creates and reads through tools, with structured content the output schema describes", async () => {
    const mcp = await connect();
    const made = await tool(mcp, "createChipCluster", { ...cluster("via-mcp"), wait: true });
    expect(made.isError).toBeFalsy();
    const id = made.structuredContent.resource.id;
    expect(made.structuredContent).toMatchObject({ resource: { name: "via-mcp", status: "ACTIVE" } });
    const read = await tool(mcp, "getChipCluster", { id });
    expect(read.structuredContent).toMatchObject({ id, totalChips: 8 });
    expect(
      (await tool(mcp, "listChipClusters", { region: "cn-hangzhou" })).structuredContent.items,
    ).toHaveLength(1);
  });

  it("answers bad arguments with an error result naming the fields, not a protocol error", async () => {
    const mcp = await connect();
    const r = await tool(mcp, "createChipCluster", {
      ...cluster("bad"),
      hyperNodeCount: "many",
      color: "red",
    });
    expect(r.isError).toBe(true);
    const text = r.content.map((c) => c.text).join(" ");
    expect(text).toMatch(/hyperNodeCount/);
    expect(text).toMatch(/color/);
    expect(await clusters()).toEqual([]);
  });

  it("reads numbers, booleans and objects sent as strings, as CLIs send key=value arguments", async () => {
    const mcp = await connect();
    const r = await tool(mcp, "createModelEndpoint", {
      name: "strings",
      region: "cn-hangzhou",
      model: "glm-5.1",
      deployment: '{"mode":"pooled"}',
      throughput: { tokensPerMinute: "20000", elastic: "true" },
      dryRun: "true",
    });
    expect(r.structuredContent).toMatchObject({
      dryRun: true,
      resource: { throughput: { tokensPerMinute: 20_000, elastic: true }, deployment: { mode: "pooled" } },
    });
    const bad = await tool(mcp, "createChipCluster", { ...cluster("x"), hyperNodeCount: "many" });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]?.text).toMatch(/hyperNodeCount/);
  });

  it("gives every error as code, retryable, retryAfterSeconds and next steps; other accounts' ids are not found", async () => {
    const mcp = await connect();
    const mine = (await call("POST", "/v1/chip-clusters", cluster("theirs"), { token: other })).body.resource
      .id;
    const missing = errorOf(await tool(mcp, "getChipCluster", { id: mine }));
    expect(missing).toMatchObject({ code: "NotFound", retryable: false });
    expect(missing.nextSteps.length).toBeGreaterThan(0);
    await adminCall("POST", "/_mock/faults", {
      kind: "ChipCluster",
      operation: "list",
      code: "Throttled",
      status: 429,
      remaining: 1,
    });
    const throttled = errorOf(await tool(mcp, "listChipClusters"));
    expect(throttled).toMatchObject({ code: "Throttled", retryable: true, retryAfterSeconds: 5 });
    const text = JSON.stringify(await tool(mcp, "listChipClusters"));
    expect(text).not.toContain(dev);
  });

  it("takes dryRun on every write: checks everything, changes nothing", async () => {
    const mcp = await connect();
    const r = await tool(mcp, "createChipCluster", { ...cluster("dry"), dryRun: true });
    expect(r.structuredContent).toMatchObject({ dryRun: true, action: "create", resource: { name: "dry" } });
    expect(await clusters()).toEqual([]);
    const big = { ...cluster("big"), chipsPerHyperNode: 128, hyperNodeCount: 512, dryRun: true };
    expect(errorOf(await tool(mcp, "createChipCluster", big)).code).toBe("QuotaExceeded");
  });

  it("deletes only with a confirmed plan, which names what goes and expires on the emulator clock", async () => {
    const mcp = await connect();
    const { id } = (await call("POST", "/v1/chip-clusters", cluster("doomed"))).body.resource;
    const first = await tool(mcp, "deleteChipCluster", { id });
    expect(first.isError).toBeFalsy();
    const plan = first.structuredContent.plan;
    expect(plan).toMatchObject({ action: "delete", resource: { id, name: "doomed" } });
    expect(plan.monthlyUsdDelta.max).toBeLessThan(0);
    expect((await clusters()).map((c) => c.id)).toEqual([id]);
    expect(errorOf(await tool(mcp, "deleteChipCluster", { id: "cc-other", confirm: plan.id })).code).toBe(
      "PlanNotConfirmable",
    );
    const done = await tool(mcp, "deleteChipCluster", { id, confirm: plan.id });
    expect(done.isError).toBeFalsy();
    expect(done.structuredContent.resource.status).toBe("DELETING");
    // A plan is used once.
    expect(errorOf(await tool(mcp, "deleteChipCluster", { id, confirm: plan.id })).code).toBe(
      "PlanNotConfirmable",
    );

    const { id: next } = (await call("POST", "/v1/chip-clusters", cluster("later"))).body.resource;
    const late = (await tool(mcp, "deleteChipCluster", { id: next })).structuredContent.plan;
    await adminCall("POST", "/_mock/clock/advance", { ms: 601_000 });
    expect(errorOf(await tool(mcp, "deleteChipCluster", { id: next, confirm: late.id })).message).toMatch(
      /expired/,
    );
    expect((await clusters()).map((c) => c.id)).toContain(next);
  });

  it("registers no write tool in read-only mode, for the emulator or one account", async () => {
    await adminCall("PUT", "/_mock/mcp", { accounts: { dev: { readOnly: true } } });
    const names = (await (await connect()).listTools()).tools.map((t) => t.name);
    expect(names).toContain("listChipClusters");
    expect(names.filter((n) => /^(create|update|delete|release)/.test(n))).toEqual([]);
    const theirs = (await (await connect(other)).listTools()).tools.map((t) => t.name);
    expect(theirs).toContain("createChipCluster");
    const mcp = await connect();
    const r = await mcp
      .callTool({ name: "createChipCluster", arguments: cluster("nope") })
      .catch((e: Error) => e);
    expect(r instanceof Error || (r as Result).isError).toBe(true);
    expect(await clusters()).toEqual([]);
  });

  it("registers only the allowed tools", async () => {
    await adminCall("PUT", "/_mock/mcp", { allowTools: ["listChipClusters", "getQuotas"] });
    expect((await (await connect()).listTools()).tools.map((t) => t.name)).toEqual([
      "listChipClusters",
      "getQuotas",
    ]);
  });

  it("holds a large create for an admin's approval, then lets the same call through once", async () => {
    await adminCall("PUT", "/_mock/mcp", { approveAboveChips: 16 });
    const mcp = await connect();
    const big = { ...cluster("big"), chipsPerHyperNode: 32 };
    const held = errorOf(await tool(mcp, "createChipCluster", big));
    expect(held).toMatchObject({ code: "ApprovalPending", retryable: true, details: { chips: 32 } });
    expect(await clusters()).toEqual([]);
    const small = await tool(mcp, "createChipCluster", cluster("small"));
    expect(small.isError).toBeFalsy();
    const listed = (await adminCall("GET", "/_mock/approvals")).body.items;
    expect(listed).toMatchObject([
      { id: held.details.approvalId, status: "pending", account: "dev", tool: "createChipCluster" },
    ]);
    expect((await adminCall("POST", `/_mock/approvals/${held.details.approvalId}/approve`)).body.status).toBe(
      "approved",
    );
    const made = await tool(mcp, "createChipCluster", big);
    expect(made.isError).toBeFalsy();
    expect(made.structuredContent.resource.totalChips).toBe(32);
    // Approved once: the same call again asks again.
    expect(errorOf(await tool(mcp, "createChipCluster", { ...big, name: "big" })).code).toMatch(
      /Approval|Conflict/,
    );
  });

  it("refuses a session without an account token", async () => {
    const res = await fetch(`${cloud.baseUrl}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
  });
});
