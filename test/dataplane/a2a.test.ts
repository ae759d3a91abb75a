import { randomUUID } from "node:crypto";
import { Role, SendMessageRequest, type StreamResponse, type Task, TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  createAuthenticatingFetchWithRetry,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import { beforeEach, describe, expect, it } from "vitest";
import { dev, expectError, nodeServer, other, useAdapterCloud } from "../contract/fixtures.ts";
import { pooledEndpoint } from "../support/fixtures.ts";

/**
 * A2A of an agent runtime whose protocol is `a2a`, through the official `@a2a-js/sdk` (1.3.0, A2A
 * 1.0) as its README uses it, unchanged: `ClientFactory.createFromUrl` reads the agent card at
 * `{invokeUrl}/.well-known/agent-card.json` (no token), its JSON-RPC transport calls the card's
 * endpoint with the account's token through a fetch that adds it.
 */
describe("an a2a agent runtime through the official A2A SDK", () => {
  const { call } = useAdapterCloud(nodeServer);
  const wait = { headers: { Prefer: "wait" } };
  let primary: string;

  beforeEach(async () => {
    primary = (await call("POST", "/v1/model-endpoints", pooledEndpoint("primary", 10_000), wait)).body
      .resource.id;
  });

  const runtime = async (extra: Record<string, unknown> = {}) => {
    const created = await call(
      "POST",
      "/v1/agent-runtimes",
      {
        name: `agent-${Math.random().toString(36).slice(2, 8)}`,
        region: "cn-hangzhou",
        artifact: { image: "agents/support:1" },
        protocol: "a2a",
        models: [{ endpointId: primary, role: "primary" }],
        skills: [
          { name: "docs", kind: "mcp", target: "https://mcp.example.com/docs", allowedTools: ["search"] },
        ],
        tags: { description: "answers questions about hyper-nodes" },
        ...extra,
      },
      wait,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    return created.body.resource as { id: string; name: string; invokeUrl: string };
  };
  const path = (rt: { invokeUrl: string }, rest: string) => `${new URL(rt.invokeUrl).pathname}/${rest}`;

  /** A fetch that sends the account's token: the SDK's own auth hook. */
  const withToken = (token: string) =>
    createAuthenticatingFetchWithRetry(fetch, {
      headers: async () => ({ authorization: `Bearer ${token}` }),
      shouldRetryWithHeaders: async () => undefined,
    });
  /**
   * The SDK's client of a runtime, from its invokeUrl as a user passes it (no trailing slash: the
   * SDK then looks for the card beside it, which the emulator serves too) or as a base URL.
   */
  const connect = (rt: { invokeUrl: string }, token: string | null = dev, slash = false): Promise<Client> =>
    new ClientFactory({
      transports: [new JsonRpcTransportFactory(token ? { fetchImpl: withToken(token) } : {})],
    }).createFromUrl(slash ? `${rt.invokeUrl}/` : rt.invokeUrl);
  const ask = (text: string, configuration: Record<string, unknown> = {}) =>
    SendMessageRequest.fromJSON({
      message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text }] },
      configuration,
    });
  const textOf = (parts: { content?: { $case: string; value: unknown } }[] | undefined) =>
    parts?.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");
  const asTask = (result: unknown) => {
    expect(result).toHaveProperty("status");
    return result as Task;
  };

  it("reads the agent card, sends a message and reads the answer, the task the runtime ran", async () => {
    const rt = await runtime();
    const client = await connect(rt);
    const card = await client.getAgentCard();
    expect(card).toMatchObject({
      name: rt.name,
      description: "answers questions about hyper-nodes",
      version: "1",
      capabilities: { streaming: true, pushNotifications: false },
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [{ id: "docs", name: "docs", tags: ["mcp", "search"] }],
    });
    expect(card.supportedInterfaces[0]).toMatchObject({
      url: `${rt.invokeUrl}/a2a`,
      protocolBinding: "JSONRPC",
      protocolVersion: "1.0",
    });
    expect(client.protocolVersion).toBe("1.0");
    expect(await (await connect(rt, dev, true)).getAgentCard()).toEqual(card);

    const task = asTask(await client.sendMessage(ask("What is a hyper-node?")));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.contextId).toBe(task.id.replace(/^task-/, "ctx-"));
    const answer = textOf(task.artifacts[0]?.parts);
    // The same built-in loop as POST {invokeUrl}/invocations: the same answer to the same input.
    const plain = await call("POST", path(rt, "invocations"), { input: "What is a hyper-node?" });
    expect(answer).toBe(plain.body.output.text);
    expect(textOf(task.status?.message?.parts)).toBe(answer);
    expect(task.history.map((m) => [m.role, textOf(m.parts)])).toEqual([
      [Role.ROLE_USER, "What is a hyper-node?"],
      [Role.ROLE_AGENT, answer],
    ]);
    expect(task.metadata).toEqual({
      agentcloud: { runtimeId: rt.id, routedTo: primary, hops: `${primary}:200`, error: null },
    });

    // Read back from the runtime's (durable) tasks: by A2A, and over plain HTTP.
    expect(await client.getTask({ tenant: "", id: task.id })).toEqual(task);
    const last = await client.getTask({ tenant: "", id: task.id, historyLength: 1 });
    expect(last.history.map((m) => m.role)).toEqual([Role.ROLE_AGENT]);
    expect((await client.getTask({ tenant: "", id: task.id, historyLength: 0 })).history).toEqual([]);
    expect((await call("GET", path(rt, `tasks/${task.id}`))).body).toMatchObject({
      status: "SUCCEEDED",
      input: "What is a hyper-node?",
      output: { text: answer },
    });
  });

  it("streams a message: the task working, its answer, then its final status", async () => {
    const rt = await runtime();
    const client = await connect(rt);
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(ask("Stream me an answer"))) events.push(event);
    expect(events.map((e) => e.payload?.$case)).toEqual(["task", "artifactUpdate", "statusUpdate"]);
    const [started, artifact, final] = events.map((e) => e.payload?.value as any);
    expect(started.status.state).toBe(TaskState.TASK_STATE_WORKING);
    expect(started.history.map((m: any) => textOf(m.parts))).toEqual(["Stream me an answer"]);
    const answer = textOf(artifact.artifact.parts);
    expect(answer?.length).toBeGreaterThan(0);
    expect(artifact).toMatchObject({ taskId: started.id, contextId: started.contextId, lastChunk: true });
    expect(final).toMatchObject({ taskId: started.id, contextId: started.contextId });
    expect(final.status.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(final.status.message.parts)).toBe(answer);
    // What the stream ended with is what the task is.
    const read = await client.getTask({ tenant: "", id: started.id });
    expect(read.status).toEqual(final.status);
    expect(textOf(read.artifacts[0]?.parts)).toBe(answer);
  });

  it("answers at once with returnImmediately, the task working until it is read completed", async () => {
    const rt = await runtime();
    const client = await connect(rt);
    const started = asTask(await client.sendMessage(ask("later", { returnImmediately: true })));
    expect(started.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    expect(started.artifacts).toEqual([]);
    let task = started;
    // Its instance cold-starts first (a few hundred ms of emulated latency).
    for (let i = 0; i < 250 && task.status?.state === TaskState.TASK_STATE_WORKING; i++) {
      await new Promise((r) => setTimeout(r, 20));
      task = await client.getTask({ tenant: "", id: started.id });
    }
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("answers a task that failed as an A2A task with state failed, saying why", async () => {
    const rt = await runtime({
      artifact: {
        code: { uri: "file:///nonexistent/agentcloud-a2a", entrypoint: "index.js", runtime: "nodejs24" },
      },
    });
    const client = await connect(rt);
    const task = asTask(await client.sendMessage(ask("hello")));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(textOf(task.status?.message?.parts)).toMatch(/^ArtifactNotRunnable: .*not a folder/);
    expect(task.artifacts).toEqual([]);
    expect(task.metadata?.agentcloud.error).toMatchObject({ code: "ArtifactNotRunnable" });
    expect(await client.getTask({ tenant: "", id: task.id })).toEqual(task);
  });

  it("refuses another account's token and none: the card is public, the agent is not", async () => {
    const rt = await runtime();
    const mine = asTask(await (await connect(rt)).sendMessage(ask("mine")));
    // The card needs no token, so both clients are made; their calls are refused.
    const theirs = await connect(rt, other);
    await expect(theirs.sendMessage(ask("hello"))).rejects.toThrow(/Status: 404/);
    await expect(theirs.getTask({ tenant: "", id: mine.id })).rejects.toThrow(/Status: 404/);
    const anonymous = await connect(rt, null);
    await expect(anonymous.sendMessage(ask("hello"))).rejects.toThrow(/Status: 401/);
    const rpc = { jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: mine.id } };
    const v1 = { headers: { "A2A-Version": "1.0" } };
    expectError(await call("POST", path(rt, "a2a"), rpc, { ...v1, token: other }), 404, "NotFound");
    expectError(await call("POST", path(rt, "a2a"), rpc, { ...v1, token: null }), 401, "Unauthenticated");
  });

  it("has no card nor A2A endpoint for a runtime of another protocol", async () => {
    const rt = await runtime({ protocol: "http" });
    const card = path(rt, ".well-known/agent-card.json");
    // Its account learns why; anyone else, not even that it exists.
    const anonymous = await call("GET", card, undefined, { token: null });
    expectError(anonymous, 404, "NotFound");
    expect(anonymous.body.error.message).not.toContain("http");
    const owner = await call("GET", card);
    expectError(owner, 404, "NotFound");
    expect(owner.body.error.message).toContain("speaks http, not a2a");
    await expect(connect(rt)).rejects.toThrow(/404/);
    const send = { jsonrpc: "2.0", id: 1, method: "SendMessage", params: {} };
    expectError(
      await call("POST", path(rt, "a2a"), send, { headers: { "A2A-Version": "1.0" } }),
      404,
      "NotFound",
    );
    expectError(await call("GET", "/agents/ar-nope/invoke/.well-known/agent-card.json"), 404, "NotFound");
  });

  it("answers JSON-RPC errors, never a 5xx: no such method, bad params, no such task, what it does not do", async () => {
    const rt = await runtime();
    const v1 = { headers: { "A2A-Version": "1.0" } };
    const rpc = async (
      method: string,
      params?: unknown,
      options: { headers: Record<string, string> } = v1,
    ) => {
      const res = await call("POST", path(rt, "a2a"), { jsonrpc: "2.0", id: 7, method, params }, options);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ jsonrpc: "2.0", id: 7 });
      return res.body.error as { code: number; message: string; data?: any[] };
    };
    const message = (extra: Record<string, unknown> = {}) => ({
      messageId: "m-1",
      role: "ROLE_USER",
      parts: [{ text: "hello" }],
      ...extra,
    });
    expect(await rpc("Nope")).toMatchObject({ code: -32601, message: expect.stringContaining("Nope") });
    expect((await rpc("message/send", { message: message() })).message).toMatch(/A2A 0\.3's/);
    expect((await rpc("SendMessage", { message: message() }, { headers: {} })).message).toMatch(
      /A2A 1\.0's; send A2A-Version: 1\.0/,
    );
    const missing = await rpc("SendMessage", {});
    expect(missing).toMatchObject({ code: -32602 });
    expect(missing.data?.[0]).toMatchObject({
      "@type": "type.googleapis.com/google.rpc.BadRequest",
      fieldViolations: [{ field: "message" }],
    });
    expect(await rpc("SendMessage", { message: message({ role: "ROLE_AGENT" }) })).toMatchObject({
      code: -32602,
      message: expect.stringContaining("params.message.role"),
    });
    expect((await rpc("SendMessage", { message: message({ parts: [] }) })).code).toBe(-32602);
    expect((await rpc("SendMessage", "not an object")).code).toBe(-32602);
    expect((await rpc("GetTask", {})).code).toBe(-32602);
    expect(await rpc("GetTask", { id: "task-nope" })).toMatchObject({
      code: -32001,
      data: [{ reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org", metadata: { taskId: "task-nope" } }],
    });
    expect(
      (await rpc("SendMessage", { message: message({ parts: [{ url: "https://x/y.png" }] }) })).code,
    ).toBe(-32005);
    expect(
      (
        await rpc("SendMessage", {
          message: message(),
          configuration: { acceptedOutputModes: ["image/png"] },
        })
      ).code,
    ).toBe(-32005);
    // One message a task, each task its own context.
    expect((await rpc("SendMessage", { message: message({ taskId: "task-nope" }) })).code).toBe(-32001);
    const done = await call(
      "POST",
      path(rt, "a2a"),
      { jsonrpc: "2.0", id: "s", method: "SendMessage", params: { message: message() } },
      v1,
    );
    const taskId = done.body.result.task.id as string;
    expect(await rpc("SendMessage", { message: message({ taskId }) })).toMatchObject({
      code: -32004,
      message: expect.stringContaining("TASK_STATE_COMPLETED"),
    });
    expect((await rpc("SendMessage", { message: message({ contextId: "ctx-mine" }) })).code).toBe(-32004);
    expect((await rpc("CancelTask", { id: taskId })).code).toBe(-32004);
    expect((await rpc("CreateTaskPushNotificationConfig", { taskId })).code).toBe(-32003);
    expect(
      (await rpc("SendMessage", { message: message(), configuration: { taskPushNotificationConfig: {} } }))
        .code,
    ).toBe(-32003);
    expect(await rpc("GetTask", { id: taskId }, { headers: { "A2A-Version": "2.0" } })).toMatchObject({
      code: -32009,
      data: [{ reason: "VERSION_NOT_SUPPORTED" }],
    });
    // The version as a parameter, as A2A allows.
    const byQuery = await call("POST", `${path(rt, "a2a")}?A2A-Version=1.0`, {
      jsonrpc: "2.0",
      id: 1,
      method: "GetTask",
      params: { id: taskId },
    });
    expect(byQuery.body.result.status.state).toBe("TASK_STATE_COMPLETED");

    // What is not a JSON-RPC request at all (outside the documented request: sent as it is).
    const raw = async (body: string) => {
      const res = await fetch(`${rt.invokeUrl}/a2a`, {
        method: "POST",
        headers: { authorization: `Bearer ${dev}`, "content-type": "application/json", "A2A-Version": "1.0" },
        body,
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { id: unknown; error: { code: number; message: string } };
    };
    expect(await raw("{not json")).toMatchObject({ id: null, error: { code: -32700 } });
    expect(await raw("")).toMatchObject({ id: null, error: { code: -32700 } });
    expect(await raw('{"jsonrpc":"1.0","id":3,"method":"GetTask"}')).toMatchObject({
      id: 3,
      error: { code: -32600 },
    });
    expect(await raw('[{"jsonrpc":"2.0","id":1,"method":"GetTask"}]')).toMatchObject({
      error: { code: -32600, message: expect.stringContaining("batches") },
    });
  });

  it("speaks A2A 0.3 to a request without A2A-Version, and to the SDK's own 0.3 transport", async () => {
    const rt = await runtime();
    // No A2A-Version: 0.3's card (`url`, `preferredTransport`), 1.0's interfaces beside.
    const legacyCard = await call("GET", path(rt, ".well-known/agent-card.json"), undefined, { token: null });
    expect(legacyCard.body).toMatchObject({
      protocolVersion: "0.3.0",
      url: `${rt.invokeUrl}/a2a`,
      preferredTransport: "JSONRPC",
      capabilities: { streaming: true },
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    });
    expect(legacyCard.headers.vary).toMatch(/A2A-Version/i);
    const sent = await call("POST", path(rt, "a2a"), {
      jsonrpc: "2.0",
      id: "a",
      method: "message/send",
      params: {
        message: { kind: "message", messageId: "m-1", role: "user", parts: [{ kind: "text", text: "hi" }] },
      },
    });
    expect(sent.body.result).toMatchObject({ kind: "task", status: { state: "completed" } });
    expect(sent.body.result.artifacts[0].parts[0]).toMatchObject({ kind: "text" });
    const read = await call("POST", path(rt, "a2a"), {
      jsonrpc: "2.0",
      id: "b",
      method: "tasks/get",
      params: { id: sent.body.result.id },
    });
    expect(read.body.result).toEqual(sent.body.result);

    // The SDK's v0.3 transport (its compat layer), chosen by the card's 0.3 interface.
    const card = await (await connect(rt)).getAgentCard();
    const legacy = await new ClientFactory({
      transports: [
        new JsonRpcTransportFactory({ fetchImpl: withToken(dev), legacyCompat: { enabled: true } }),
      ],
    }).createFromAgentCard({
      ...card,
      supportedInterfaces: card.supportedInterfaces.filter((i) => i.protocolVersion === "0.3"),
    });
    expect(legacy.protocolVersion).toBe("0.3");
    const task = asTask(await legacy.sendMessage(ask("What is a hyper-node?")));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const events: StreamResponse[] = [];
    for await (const event of legacy.sendMessageStream(ask("Stream it"))) events.push(event);
    expect(events.map((e) => e.payload?.$case)).toEqual(["task", "artifactUpdate", "statusUpdate"]);
    expect(await legacy.getTask({ tenant: "", id: task.id })).toEqual(task);
    // The same task, whichever version reads it.
    const modern = await (await connect(rt)).getTask({ tenant: "", id: task.id });
    expect(textOf(modern.artifacts[0]?.parts)).toBe(textOf(task.artifacts[0]?.parts));
  });
});
