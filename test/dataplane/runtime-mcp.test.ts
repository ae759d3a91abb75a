import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { dev, expectError, nodeServer, other, useAdapterCloud } from "../contract/fixtures.ts";
import { pooledEndpoint } from "../support/fixtures.ts";
import type { ToolResult } from "../support/mcp.ts";

/**
 * MCP of an agent runtime whose protocol is `mcp`, at `{invokeUrl}/mcp`, through the official MCP
 * client SDK over streamable HTTP (as test/contract/mcp.test.ts reaches the cloud's own `/mcp`):
 * its tools send the agent tasks and read them, with the account's token.
 */
describe("an mcp agent runtime through the official MCP client", () => {
  const { call, adminCall } = useAdapterCloud(nodeServer);
  const wait = { headers: { Prefer: "wait" } };
  let primary: string;

  beforeEach(async () => {
    primary = (await call("POST", "/v1/model-endpoints", pooledEndpoint("primary", 10_000), wait)).body
      .resource.id;
  });

  type Runtime = { id: string; name: string; invokeUrl: string };
  const runtime = async (extra: Record<string, unknown> = {}): Promise<Runtime> => {
    const created = await call(
      "POST",
      "/v1/agent-runtimes",
      {
        name: `agent-${Math.random().toString(36).slice(2, 8)}`,
        region: "cn-hangzhou",
        artifact: { image: "agents/support:1" },
        protocol: "mcp",
        models: [{ endpointId: primary, role: "primary" }],
        tags: { description: "answers questions about hyper-nodes" },
        ...extra,
      },
      wait,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    return created.body.resource as Runtime;
  };
  const path = (rt: Runtime, rest: string) => `${new URL(rt.invokeUrl).pathname}/${rest}`;

  const open: Client[] = [];
  afterAll(() => Promise.all(open.map((c) => c.close())));
  /** The SDK's client of a runtime's `{invokeUrl}/mcp`, with an account's token (or none). */
  const connect = async (rt: Runtime, token: string | null = dev): Promise<Client> => {
    const mcp = new Client({ name: "runtime-mcp-test", version: "1.0.0" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${rt.invokeUrl}/mcp`), {
        requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
      }),
    );
    open.push(mcp);
    return mcp;
  };
  const tool = async (mcp: Client, name: string, args: Record<string, unknown> = {}) =>
    (await mcp.callTool({ name, arguments: args })) as ToolResult;
  const textOf = (r: ToolResult) => r.content.map((c) => c.text ?? "").join("");

  it("lists its tools: run_task and get_task, described after the runtime, annotated as they act", async () => {
    const rt = await runtime();
    const mcp = await connect(rt);
    expect(mcp.getServerVersion()).toMatchObject({ name: `agentcloud-runtime-${rt.name}` });
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual(["run_task", "get_task"]);
    const [run, get] = tools;
    expect(run?.description).toContain("answers questions about hyper-nodes");
    expect(run?.description).toContain(rt.name);
    expect(Object.keys(run?.inputSchema.properties ?? {})).toEqual(["input", "async"]);
    expect(run?.inputSchema.required).toEqual(["input"]);
    expect(run?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
    expect(get?.inputSchema.required).toEqual(["taskId"]);
    expect(get?.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    expect(run?.outputSchema?.properties).toHaveProperty("status");
  });

  it("runs a task: the answer is the task's output text, the task its structured content", async () => {
    const rt = await runtime();
    const rule = await adminCall("POST", "/_mock/inference/rules", {
      match: { endpointId: primary },
      answer: { text: "A hyper-node is eight chips on one fabric." },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBeLessThan(300);
    const mcp = await connect(rt);
    const answer = await tool(mcp, "run_task", { input: "What is a hyper-node?" });
    expect(answer.isError).toBeFalsy();
    expect(textOf(answer)).toBe("A hyper-node is eight chips on one fabric.");
    const task = answer.structuredContent;
    expect(task).toMatchObject({
      runtimeId: rt.id,
      status: "SUCCEEDED",
      input: "What is a hyper-node?",
      output: {
        text: "A hyper-node is eight chips on one fabric.",
        routedTo: primary,
        hops: `${primary}:200`,
      },
      error: null,
    });
    // The same task, by get_task and over plain HTTP.
    const read = await tool(mcp, "get_task", { taskId: task.id });
    expect(read.isError).toBeFalsy();
    expect(read.structuredContent).toEqual(task);
    expect((await call("GET", path(rt, `tasks/${task.id}`))).body).toEqual(task);
    const missing = await tool(mcp, "get_task", { taskId: "task-nope" });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/^NotFound: /);
  });

  it("runs a task in the background with async: true, RUNNING until get_task reads it finished", async () => {
    const rt = await runtime();
    const mcp = await connect(rt);
    const started = await tool(mcp, "run_task", { input: "later", async: true });
    expect(started.isError).toBeFalsy();
    expect(started.structuredContent).toMatchObject({ status: "RUNNING", output: null });
    let task = started.structuredContent;
    // Its instance may cold-start first (emulated latency): read it until it has finished.
    for (let i = 0; i < 250 && task.status === "RUNNING"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      task = (await tool(mcp, "get_task", { taskId: task.id })).structuredContent;
    }
    expect(task).toMatchObject({ id: started.structuredContent.id, status: "SUCCEEDED" });
  });

  it("answers a task that failed as an error result with its code and message", async () => {
    const rt = await runtime();
    const rule = await adminCall("POST", "/_mock/inference/rules", {
      match: { endpointId: primary },
      answer: { error: { status: 400, code: "context_length_exceeded", message: "the prompt is too long" } },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBeLessThan(300);
    const mcp = await connect(rt);
    const failed = await tool(mcp, "run_task", { input: "a very long question" });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/^context_length_exceeded: the prompt is too long/);
    expect(failed.structuredContent).toMatchObject({
      status: "FAILED",
      error: { code: "context_length_exceeded" },
    });
    const read = await tool(mcp, "get_task", { taskId: failed.structuredContent.id });
    expect(read.isError).toBeFalsy();
    expect(read.structuredContent).toEqual(failed.structuredContent);
    // Bad arguments: the SDK's own error result, and no task.
    const empty = await tool(mcp, "run_task", { input: "" });
    expect(empty.isError).toBe(true);
    expect(textOf(empty)).toMatch(/input/);
  });

  it("serves the runtime's memory as tools when memory is enabled", async () => {
    const rt = await runtime({ memory: { enabled: true } });
    const mcp = await connect(rt);
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "run_task",
      "get_task",
      "memory_get",
      "memory_put",
      "memory_search",
    ]);
    expect(tools.find((t) => t.name === "memory_put")?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(tools.find((t) => t.name === "memory_search")?.annotations?.readOnlyHint).toBe(true);
    const put = await tool(mcp, "memory_put", {
      namespace: "notes",
      key: "fabric-1",
      value: { chips: 8 },
      text: "a hyper-node has eight chips",
    });
    expect(put.isError, JSON.stringify(put)).toBeFalsy();
    expect(put.structuredContent).toMatchObject({ namespace: "notes", key: "fabric-1", value: { chips: 8 } });
    expect(
      (await tool(mcp, "memory_get", { namespace: "notes", key: "fabric-1" })).structuredContent,
    ).toEqual(put.structuredContent);
    // The same memory over plain HTTP.
    expect((await call("GET", path(rt, "memory/notes/fabric-1"))).body).toEqual(put.structuredContent);
    const found = await tool(mcp, "memory_search", { q: "eight chips" });
    expect(found.structuredContent.items).toMatchObject([{ key: "fabric-1", matches: 2 }]);
    const missing = await tool(mcp, "memory_get", { namespace: "notes", key: "nope" });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/^NotFound: /);
  });

  it("refuses another account's token and none: 404 and 401, as the runtime's other routes", async () => {
    const rt = await runtime();
    // The SDK's client fails to connect, with the API's error.
    await expect(connect(rt, other)).rejects.toThrow(/NotFound.*not found/);
    await expect(connect(rt, null)).rejects.toThrow(/Unauthenticated|Unauthorized/);
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const accept = { headers: { accept: "application/json, text/event-stream" } };
    expectError(await call("POST", path(rt, "mcp"), list, { ...accept, token: other }), 404, "NotFound");
    const anonymous = await call("POST", path(rt, "mcp"), list, { ...accept, token: null });
    expectError(anonymous, 401, "Unauthenticated");
    expect(anonymous.headers["www-authenticate"]).toMatch(/Bearer/);
  });

  it("has no MCP endpoint for a runtime of another protocol", async () => {
    const rt = await runtime({ protocol: "http" });
    await expect(connect(rt)).rejects.toThrow(/NotFound.*speaks http, not mcp/);
    const refused = await call(
      "POST",
      path(rt, "mcp"),
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { headers: { accept: "application/json, text/event-stream" } },
    );
    expectError(refused, 404, "NotFound");
    expect(refused.body.error.message).toContain("speaks http, not mcp");
    expectError(
      await call("POST", "/agents/ar-nope/invoke/mcp", { jsonrpc: "2.0", id: 1, method: "ping" }),
      404,
      "NotFound",
    );
  });

  it("keeps no sessions: GET and DELETE answer 405, after the token and the runtime are checked", async () => {
    const rt = await runtime();
    const raw = (method: string, token: string | null = dev) =>
      fetch(`${rt.invokeUrl}/mcp`, {
        method,
        headers: { accept: "text/event-stream", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    expect((await raw("GET")).status).toBe(405);
    expect((await raw("DELETE")).status).toBe(405);
    expect((await raw("GET", other)).status).toBe(404);
    expect((await raw("GET", null)).status).toBe(401);
  });
});
