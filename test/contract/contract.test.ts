import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Answer, type Call, type Client, client } from "../support/cloud-client.ts";
import { adapters, admin, cluster, dev, expectError, freshAndImmediate, other } from "./fixtures.ts";

describe.each(adapters)("AgentCloud API contract on $name", (adapter) => {
  let stop: () => Promise<void>;
  let setClock: (now: string) => void;
  let call: Call;
  let closeClient: () => Promise<void>;
  let checked: Client["conformance"];
  const adminCall: Call = (m, p, b, o) => call(m, p, b, { ...o, token: admin });

  async function ready(collection: string, body: unknown): Promise<any> {
    const created = await call("POST", `/v1/${collection}`, body);
    expect(created.status).toBe(202);
    return (await call("GET", `/v1/${collection}/${created.body.resource.id}`)).body;
  }

  beforeAll(async () => {
    const started = await adapter.start();
    stop = started.stop;
    setClock = started.setClock;
    // Every exchange below is checked against the server's own /openapi.json (see client.ts).
    ({ call, close: closeClient, conformance: checked } = client(started.baseUrl, dev));
  });
  afterAll(async () => {
    const c = checked();
    if (c) {
      process.stdout.write(
        `[conformance] ${adapter.name}: ${c.checked} exchanges checked against /openapi.json, ` +
          `${c.covered.size} of ${c.operations().length} operations exercised` +
          ` (not: ${
            c
              .operations()
              .filter((o) => !c.covered.has(o))
              .join(", ") || "none"
          })\n`,
      );
    }
    await closeClient();
    await stop();
  });
  beforeEach(async () => {
    await freshAndImmediate(adminCall);
    await adminCall("PUT", "/_mock/limits", {
      chipsPerType: 2048,
      capacityPerRegion: 4096,
      tokensPerMinutePerRegion: 10_000_000,
    });
  });

  describe("authentication and tenancy", () => {
    it("answers 401 Unauthenticated without a token, with an unknown one, and on the admin plane with an API token", async () => {
      expectError(await call("GET", "/v1/chip-clusters", undefined, { token: null }), 401, "Unauthenticated");
      expectError(
        await call("GET", "/v1/chip-clusters", undefined, { token: "nope" }),
        401,
        "Unauthenticated",
      );
      expectError(await call("GET", "/_mock/faults"), 401, "Unauthenticated");
    });

    it("hides one account's resources from another: 404 on get, update and delete, absent from lists", async () => {
      const c = await ready("chip-clusters", cluster("mine"));
      const as = { token: other };
      expectError(await call("GET", `/v1/chip-clusters/${c.id}`, undefined, as), 404, "NotFound");
      expectError(
        await call("PATCH", `/v1/chip-clusters/${c.id}`, { hyperNodeCount: 2 }, as),
        404,
        "NotFound",
      );
      expectError(await call("DELETE", `/v1/chip-clusters/${c.id}`, undefined, as), 404, "NotFound");
      expect((await call("GET", "/v1/chip-clusters", undefined, as)).body.items).toEqual([]);
      // The same name is free in the other account.
      expect((await call("POST", "/v1/chip-clusters", cluster("mine"), as)).status).toBe(202);
    });

    it("never records a token in the request log", async () => {
      await call("GET", "/v1/chip-clusters");
      const log = await adminCall("GET", "/_mock/requests?limit=50");
      expect(log.body.items.length).toBeGreaterThan(0);
      expect(JSON.stringify(log.body)).not.toContain(dev);
      expect(JSON.stringify(log.body)).not.toContain(admin);
    });

    it("records each request's status and, for an error, its code", async () => {
      const missing = await call("GET", "/v1/chip-clusters/cc-000000000000");
      expectError(missing, 404, "NotFound");
      expectError(await call("GET", "/v1/chip-clusters", undefined, { token: null }), 401, "Unauthenticated");
      await call("GET", "/v1/chip-clusters");
      const items = (await adminCall("GET", "/_mock/requests?limit=50")).body.items as {
        requestId: string;
        path: string;
        status: number;
        code: string | null;
      }[];
      expect(items.find((e) => e.requestId === missing.body.error.requestId)).toMatchObject({
        path: "/v1/chip-clusters/cc-000000000000",
        status: 404,
        code: "NotFound",
      });
      const byStatus = (status: number) =>
        items.filter((e) => e.path === "/v1/chip-clusters" && e.status === status);
      expect(byStatus(401).map((e) => e.code)).toContain("Unauthenticated");
      expect(byStatus(200).every((e) => e.code === null)).toBe(true);
    });
  });

  describe("validation", () => {
    it("rejects unknown fields, bad enums and wrong types with field paths, never a 5xx", async () => {
      const a = await call(
        "POST",
        "/v1/chip-clusters",
        cluster("v", { colour: "red", chipsPerHyperNode: 96, scheduling: "often" }),
      );
      expectError(a, 400, "ValidationError");
      const paths = a.body.error.details.issues.map((i: { path: string }) => i.path).sort();
      expect(paths).toEqual(["", "chipsPerHyperNode", "scheduling"]);
      expect(a.body.error.message).toContain("chipsPerHyperNode");
    });

    it("answers malformed and empty JSON with 400 ValidationError", async () => {
      expectError(
        await call("POST", "/v1/chip-clusters", undefined, { raw: "{not json" }),
        400,
        "ValidationError",
      );
      expectError(await call("POST", "/v1/chip-clusters", undefined, { raw: "" }), 400, "ValidationError");
      expectError(await call("GET", "/v1/chip-clusters?pageSize=lots"), 400, "ValidationError");
      expectError(await call("GET", "/v1/chip-clusters?pageToken=%%%"), 400, "InvalidPageToken");
    });

    it("refuses a body over 256 KiB with 413 PayloadTooLarge", async () => {
      const tags = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, "x".repeat(256)]));
      const huge = { ...cluster("big"), tags, padding: "y".repeat(300 * 1024) };
      expectError(await call("POST", "/v1/chip-clusters", huge), 413, "PayloadTooLarge");
    });

    it("rejects more chips per hyper-node than the chip allows, naming the field", async () => {
      const a = await call(
        "POST",
        "/v1/chip-clusters",
        cluster("wide", { chipType: "zhenwu-810e", chipsPerHyperNode: 64 }),
      );
      expectError(a, 400, "ValidationError");
      expect(a.body.error.details.issues[0].path).toBe("chipsPerHyperNode");
    });

    it("refuses a roadmap chip with ChipNotAvailable until its date on the emulator clock", async () => {
      setClock("2026-12-01T00:00:00Z"); // before 2027-07-01, whatever day the test runs
      const a = await call("POST", "/v1/chip-clusters", cluster("early", { chipType: "zhenwu-v900" }));
      expectError(a, 400, "ChipNotAvailable");
      expect(a.body.error.details.availableFrom).toBe("2027-07-01");
      const now = Date.parse((await adminCall("GET", "/_mock/clock")).body.now);
      await adminCall("POST", "/_mock/clock/advance", { ms: Date.parse("2027-07-02T00:00:00Z") - now });
      expect(
        (await call("POST", "/v1/chip-clusters", cluster("later", { chipType: "zhenwu-v900" }))).status,
      ).toBe(202);
    });
  });

  describe("lifecycle", () => {
    it("creates through an operation to ACTIVE, with an ETag, then deletes to 404", async () => {
      const created = await call("POST", "/v1/chip-clusters", cluster("life"));
      expect(created.status).toBe(202);
      expect(created.body.operation).toMatchObject({
        action: "create",
        status: "RUNNING",
        kind: "ChipCluster",
      });
      expect(created.body.resource).toMatchObject({
        status: "ACCEPTED",
        totalChips: 8,
        totalMemoryGiB: 1152,
      });
      const op = await call("GET", `/v1/operations/${created.body.operation.id}`);
      expect(op.body.status).toBe("SUCCEEDED");
      const got = await call("GET", `/v1/chip-clusters/${created.body.resource.id}`);
      expect(got.body).toMatchObject({
        status: "ACTIVE",
        readyHyperNodes: 1,
        interconnect: { chipToChipGBps: 800 },
      });
      expect(got.headers.etag).toBe(`"${got.body.etag}"`);
      const del = await call("DELETE", `/v1/chip-clusters/${got.body.id}`);
      expect(del.status).toBe(202);
      expect((await call("GET", `/v1/operations/${del.body.operation.id}`)).body.status).toBe("SUCCEEDED");
      expectError(await call("GET", `/v1/chip-clusters/${got.body.id}`), 404, "NotFound");
    });

    it("finishes an immediate create and update before answering when asked with Prefer: wait", async () => {
      const created = await call("POST", "/v1/chip-clusters", cluster("waited"), {
        headers: { prefer: "wait" },
      });
      expect(created.status).toBe(202);
      expect(created.headers["preference-applied"]).toBe("wait");
      expect(created.body.operation).toMatchObject({ action: "create", status: "SUCCEEDED" });
      expect(created.body.resource).toMatchObject({ status: "ACTIVE", readyHyperNodes: 1 });
      const got = await call("GET", `/v1/chip-clusters/${created.body.resource.id}`);
      expect(got.body).toEqual(created.body.resource);
      const patched = await call(
        "PATCH",
        `/v1/chip-clusters/${got.body.id}`,
        { hyperNodeCount: 2 },
        { headers: { "if-match": `"${got.body.etag}"`, prefer: "respond-async, wait=30" } },
      );
      expect(patched.headers["preference-applied"]).toBe("wait");
      expect(patched.body.operation).toMatchObject({ action: "update", status: "SUCCEEDED" });
      expect(patched.body.resource).toMatchObject({
        status: "ACTIVE",
        hyperNodeCount: 2,
        readyHyperNodes: 2,
      });
      expect(patched.headers.etag).toBe(`"${patched.body.resource.etag}"`);
      // What takes time still answers at once, RUNNING, and says the preference was not applied.
      await adminCall("PUT", "/_mock/transitions", { ChipCluster: { mode: "duration", ms: 60_000 } });
      const slow = await call("POST", "/v1/chip-clusters", cluster("slow"), { headers: { prefer: "wait" } });
      expect(slow.body.operation.status).toBe("RUNNING");
      expect(slow.headers["preference-applied"]).toBeUndefined();
    });

    it("moves through PROVISIONING after a duration on the emulator clock", async () => {
      await adminCall("PUT", "/_mock/transitions", { ChipCluster: { mode: "duration", ms: 600_000 } });
      const created = await call("POST", "/v1/chip-clusters", cluster("slow"));
      const id = created.body.resource.id;
      expect((await call("GET", `/v1/chip-clusters/${id}`)).body.status).toBe("PROVISIONING");
      await adminCall("POST", "/_mock/clock/advance", { ms: 600_000 });
      expect((await call("GET", `/v1/chip-clusters/${id}`)).body.status).toBe("ACTIVE");
      expect((await call("GET", `/v1/operations/${created.body.operation.id}`)).body.status).toBe(
        "SUCCEEDED",
      );
    });

    it("advances an operation started after requests that found nothing running", async () => {
      const quiet = await call("POST", "/v1/chip-clusters", cluster("quiet"), {
        headers: { prefer: "wait" },
      });
      const quietId = quiet.body.resource.id;
      for (let i = 0; i < 3; i++)
        expect((await call("GET", `/v1/chip-clusters/${quietId}`)).status).toBe(200);
      await adminCall("PUT", "/_mock/transitions", { ChipCluster: { mode: "duration", ms: 60_000 } });
      const created = await call("POST", "/v1/chip-clusters", cluster("later"));
      const id = created.body.resource.id;
      expect((await call("GET", `/v1/chip-clusters/${id}`)).body.status).toBe("PROVISIONING");
      await adminCall("POST", "/_mock/clock/advance", { ms: 60_000 });
      // Any request advances the lifecycle: here a read of the other cluster.
      expect((await call("GET", `/v1/chip-clusters/${quietId}`)).status).toBe(200);
      expect((await call("GET", `/v1/operations/${created.body.operation.id}`)).body.status).toBe(
        "SUCCEEDED",
      );
      const got = await call("GET", `/v1/chip-clusters/${id}`);
      expect(got.body.status).toBe("ACTIVE");
      expect(got.headers.etag).toBe(`"${got.body.etag}"`);
      expect(got.headers["content-type"]).toMatch(/^application\/json/);
    });

    it("finishes after N reads, and refuses an update while an operation runs", async () => {
      await adminCall("PUT", "/_mock/transitions", { ChipCluster: { mode: "reads", reads: 3 } });
      const c = await call("POST", "/v1/chip-clusters", cluster("reads"));
      const id = c.body.resource.id;
      expect((await call("GET", `/v1/chip-clusters/${id}`)).body.status).toBe("PROVISIONING");
      expectError(await call("PATCH", `/v1/chip-clusters/${id}`, { hyperNodeCount: 2 }), 409, "Conflict");
      await call("GET", `/v1/chip-clusters/${id}`);
      expect((await call("GET", `/v1/chip-clusters/${id}`)).body.status).toBe("ACTIVE");
    });

    it("keeps a queued cluster WAITING_FOR_CAPACITY, then fails it at its deadline", async () => {
      await adminCall("PUT", "/_mock/limits", { capacityPerRegion: 8 });
      await ready("chip-clusters", cluster("first"));
      const now = Date.parse((await adminCall("GET", "/_mock/clock")).body.now);
      const queued = await call(
        "POST",
        "/v1/chip-clusters",
        cluster("queued", {
          provisioning: { mode: "queued", queueDeadline: new Date(now + 3_600_000).toISOString() },
        }),
      );
      expect(queued.status).toBe(202);
      const id = queued.body.resource.id;
      expect((await call("GET", `/v1/chip-clusters/${id}`)).body.status).toBe("WAITING_FOR_CAPACITY");
      await adminCall("POST", "/_mock/clock/advance", { ms: 3_600_001 });
      const failed = await call("GET", `/v1/chip-clusters/${id}`);
      expect(failed.body).toMatchObject({
        status: "FAILED",
        statusReason: expect.stringContaining("capacity"),
      });
      expect((await call("GET", `/v1/operations/${queued.body.operation.id}`)).body).toMatchObject({
        status: "FAILED",
        error: { code: "CapacityUnavailable" },
      });
    });
  });

  describe.each([
    { mode: { mode: "immediate" }, settle: async () => {} },
    { mode: { mode: "reads", reads: 2 }, settle: async () => {} },
    {
      mode: { mode: "duration", ms: 30_000 },
      settle: () => adminCall("POST", "/_mock/clock/advance", { ms: 30_000 }),
    },
  ])(
    "every kind's create → update → delete with transitions $mode.mode (regression: a delete finished by a read was rolled back by its own 404)",
    ({ mode, settle }) => {
      async function settled(collection: string, id: string, status: string) {
        for (let i = 0; i < 5; i++) {
          const got = await call("GET", `/v1/${collection}/${id}`);
          if (got.status === 404 || got.body.status === status) return got;
          await settle();
        }
        return call("GET", `/v1/${collection}/${id}`);
      }

      it("moves a cluster, an endpoint on it and a runtime using it through their states", async () => {
        await adminCall("PUT", "/_mock/transitions", {
          ChipCluster: mode,
          ModelEndpoint: mode,
          AgentRuntime: mode,
        });
        const kinds = [
          { collection: "chip-clusters", ready: "ACTIVE", patch: { hyperNodeCount: 2 } },
          {
            collection: "model-endpoints",
            ready: "IN_SERVICE",
            patch: { throughput: { tokensPerMinute: 20_000 } },
          },
          { collection: "agent-runtimes", ready: "READY", patch: { protocol: "mcp" } },
        ];
        const ids: string[] = [];
        for (const k of kinds) {
          const body =
            k.collection === "chip-clusters"
              ? cluster("states", { chipsPerHyperNode: 32 })
              : k.collection === "model-endpoints"
                ? {
                    name: "states",
                    region: "cn-hangzhou",
                    model: "glm-5.1",
                    deployment: { mode: "dedicated", clusterId: ids[0], chipsPerReplica: 8 },
                    throughput: { tokensPerMinute: 10_000 },
                  }
                : {
                    name: "states",
                    region: "cn-hangzhou",
                    artifact: { image: "a:1" },
                    models: [{ endpointId: ids[1], role: "primary" }],
                  };
          const created = await call("POST", `/v1/${k.collection}`, body);
          expect(created.status).toBe(202);
          const id = created.body.resource.id;
          ids.push(id);
          expect((await settled(k.collection, id, k.ready)).body.status).toBe(k.ready);
          const patched = await call("PATCH", `/v1/${k.collection}/${id}`, k.patch);
          expect(patched.status, JSON.stringify(patched.body)).toBe(202);
          expect((await settled(k.collection, id, k.ready)).body.status).toBe(k.ready);
          expect((await call("GET", `/v1/operations/${patched.body.operation.id}`)).body.status).toBe(
            "SUCCEEDED",
          );
        }
        for (const [i, k] of [...kinds.entries()].reverse()) {
          const deleted = await call("DELETE", `/v1/${k.collection}/${ids[i]}`);
          expect(deleted.status, JSON.stringify(deleted.body)).toBe(202);
          const gone = await settled(k.collection, ids[i] as string, "gone");
          expect(gone.status, `${k.collection} ${JSON.stringify(gone.body)}`).toBe(404);
        }
      });
    },
  );

  describe("the data plane of model endpoints", () => {
    const endpointBody = (name: string) => ({
      name,
      region: "cn-hangzhou",
      model: "glm-5.1",
      deployment: { mode: "pooled" },
      throughput: { tokensPerMinute: 100_000 },
    });
    const ask = { model: "glm-5.1", messages: [{ role: "user", content: "hello" }] };

    it("routes an agent runtime's gateway calls to its primary endpoint, with the hops in the answer", async () => {
      const e = await ready("model-endpoints", endpointBody("gw"));
      const rt = await ready("agent-runtimes", {
        name: "gw-agent",
        region: "cn-hangzhou",
        artifact: { image: "agents/gw:1" },
        models: [{ endpointId: e.id, role: "primary" }],
      });
      const done = await call("POST", `/agents/${rt.id}/invoke/models/v1/chat/completions`, ask);
      expect(done.status).toBe(200);
      expect(done.headers["x-agentcloud-hops"]).toBe(`${e.id}:200`);
      expect(done.body.choices[0].message.role).toBe("assistant");
      const missing = await call("POST", "/agents/ar-nope/invoke/models/v1/chat/completions", ask);
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe("not_found");
      const task = await call("POST", `/agents/${rt.id}/invoke/invocations`, { input: "hello" });
      expect(task.body).toMatchObject({ status: "SUCCEEDED", output: { routedTo: e.id } });
      const read = await call("GET", `/agents/${rt.id}/invoke/tasks/${task.body.id}`);
      expect(read.body).toEqual(task.body);
      expectError(await call("GET", `/agents/${rt.id}/invoke/tasks/task-nope`), 404, "NotFound");
      // The instance the task ran on, and the task, in the control plane's lists.
      const instances = await call("GET", `/v1/agent-runtimes/${rt.id}/instances`);
      expect(instances.body.items).toMatchObject([{ id: task.body.placement.instanceId, tasksServed: 1 }]);
      const tasks = await call("GET", `/v1/agent-runtimes/${rt.id}/tasks?limit=1`);
      expect(tasks.body.items).toEqual([task.body]);
      expectError(await call("GET", "/v1/agent-runtimes/ar-nope/instances"), 404, "NotFound");
      // Its skills as tools: none declared, none offered; calling one is 404.
      expect((await call("GET", `/agents/${rt.id}/invoke/tools`)).body).toEqual({
        tools: [],
        unavailable: [],
      });
      expectError(
        await call("POST", `/agents/${rt.id}/invoke/tools/nope__tool`, { arguments: {} }),
        404,
        "NotFound",
      );
    });

    it("speaks A2A for an a2a runtime: its agent card without a token, JSON-RPC with the account's", async () => {
      const e = await ready("model-endpoints", endpointBody("a2a"));
      const runtime = (name: string, protocol: string) =>
        ready("agent-runtimes", {
          name,
          region: "cn-hangzhou",
          artifact: { image: "agents/a2a:1" },
          protocol,
          models: [{ endpointId: e.id, role: "primary" }],
        });
      const rt = await runtime("a2a-agent", "a2a");
      const base = `/agents/${rt.id}/invoke`;
      const v1 = { headers: { "A2A-Version": "1.0" } };
      const card = await call("GET", `${base}/.well-known/agent-card.json`, undefined, {
        ...v1,
        token: null,
      });
      expect(card.status).toBe(200);
      expect(card.body).toMatchObject({ name: "a2a-agent", capabilities: { streaming: true } });
      expect(card.body.supportedInterfaces[0]).toMatchObject({
        protocolBinding: "JSONRPC",
        protocolVersion: "1.0",
      });
      expect(card.body.supportedInterfaces[0].url).toBe(`${rt.invokeUrl}/a2a`);
      const beside = await call("GET", `/agents/${rt.id}/.well-known/agent-card.json`, undefined, {
        ...v1,
        token: null,
      });
      expect(beside.body).toEqual(card.body);
      const message = { messageId: "m-1", role: "ROLE_USER", parts: [{ text: "hello" }] };
      const sent = await call(
        "POST",
        `${base}/a2a`,
        { jsonrpc: "2.0", id: 1, method: "SendMessage", params: { message } },
        v1,
      );
      expect(sent.status).toBe(200);
      expect(sent.body).toMatchObject({
        jsonrpc: "2.0",
        id: 1,
        result: {
          task: { status: { state: "TASK_STATE_COMPLETED" }, metadata: { agentcloud: { routedTo: e.id } } },
        },
      });
      const read = await call(
        "POST",
        `${base}/a2a`,
        { jsonrpc: "2.0", id: 2, method: "GetTask", params: { id: sent.body.result.task.id } },
        v1,
      );
      expect(read.body.result).toEqual(sent.body.result.task);
      const unknown = await call("POST", `${base}/a2a`, { jsonrpc: "2.0", id: 3, method: "Nope" }, v1);
      expect(unknown.body).toMatchObject({ id: 3, error: { code: -32601 } });
      const get = { jsonrpc: "2.0", id: 4, method: "GetTask", params: { id: "task-nope" } };
      expect((await call("POST", `${base}/a2a`, get, v1)).body.error.code).toBe(-32001);
      expectError(await call("POST", `${base}/a2a`, get, { ...v1, token: other }), 404, "NotFound");
      const plain = await runtime("http-agent", "http");
      expectError(
        await call("GET", `/agents/${plain.id}/invoke/.well-known/agent-card.json`, undefined, {
          token: null,
        }),
        404,
        "NotFound",
      );
    });

    it("serves an mcp runtime's tools at {invokeUrl}/mcp, with the account's token", async () => {
      const e = await ready("model-endpoints", endpointBody("mcp"));
      const runtime = (name: string, protocol: string) =>
        ready("agent-runtimes", {
          name,
          region: "cn-hangzhou",
          artifact: { image: "agents/mcp:1" },
          protocol,
          models: [{ endpointId: e.id, role: "primary" }],
        });
      const rt = await runtime("mcp-agent", "mcp");
      // 2026-era requests (the `_meta` envelope, Mcp-Method): answered in one JSON body.
      const envelope = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
      };
      const mcp = (id: number, method: string, params: Record<string, unknown>, token?: string) =>
        call(
          "POST",
          `/agents/${rt.id}/invoke/mcp`,
          { jsonrpc: "2.0", id, method, params: { ...params, _meta: envelope } },
          {
            headers: {
              accept: "application/json, text/event-stream",
              "mcp-protocol-version": "2026-07-28",
              "mcp-method": method,
              ...(typeof params.name === "string" ? { "mcp-name": params.name } : {}),
            },
            ...(token ? { token } : {}),
          },
        );
      const listed = await mcp(1, "tools/list", {});
      expect(listed.status).toBe(200);
      expect(listed.body.result.tools.map((t: { name: string }) => t.name)).toEqual(["run_task", "get_task"]);
      const ran = await mcp(2, "tools/call", { name: "run_task", arguments: { input: "hello" } });
      expect(ran.status).toBe(200);
      expect(ran.body).toMatchObject({
        jsonrpc: "2.0",
        id: 2,
        result: { structuredContent: { status: "SUCCEEDED", output: { routedTo: e.id } } },
      });
      expect(ran.body.result.isError).toBeFalsy();
      const task = ran.body.result.structuredContent;
      expect(ran.body.result.content[0].text).toBe(task.output.text);
      expect((await call("GET", `/agents/${rt.id}/invoke/tasks/${task.id}`)).body).toEqual(task);
      expectError(await mcp(3, "tools/list", {}, other), 404, "NotFound");
      const plain = await runtime("http-agent-mcp", "http");
      expectError(
        await call("POST", `/agents/${plain.id}/invoke/mcp`, { jsonrpc: "2.0", id: 4, method: "ping" }),
        404,
        "NotFound",
      );
    });

    it("keeps an agent runtime's memory when it is enabled: put, get, list, search, delete", async () => {
      const e = await ready("model-endpoints", endpointBody("mem"));
      const runtime = (name: string, enabled: boolean) =>
        ready("agent-runtimes", {
          name,
          region: "cn-hangzhou",
          artifact: { image: "agents/mem:1" },
          models: [{ endpointId: e.id, role: "primary" }],
          memory: { enabled },
        });
      const rt = await runtime("mem-agent", true);
      const base = `/agents/${rt.id}/invoke/memory`;
      const put = await call("PUT", `${base}/notes/n1`, { value: { n: 1 }, text: "Blue whales sing" });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        namespace: "notes",
        key: "n1",
        value: { n: 1 },
        text: "Blue whales sing",
      });
      expect((await call("GET", `${base}/notes/n1`)).body).toEqual(put.body);
      const size = await call("GET", `/v1/agent-runtimes/${rt.id}/memory`);
      expect(size.body).toEqual({
        entries: 1,
        bytes: JSON.stringify({ n: 1 }).length + "Blue whales sing".length,
        namespaces: 1,
      });
      const keys = await call("GET", `${base}/notes?pageSize=10`);
      expect(keys.body).toMatchObject({ items: [{ key: "n1" }], nextPageToken: null });
      const found = await call("GET", `${base}?q=whales%20BLUE`);
      expect(found.body.items).toEqual([{ ...put.body, matches: 2 }]);
      expect((await call("DELETE", `${base}/notes/n1`)).body).toEqual({
        namespace: "notes",
        key: "n1",
        deleted: true,
      });
      expectError(await call("GET", `${base}/notes/n1`), 404, "NotFound");
      expectError(await call("DELETE", `${base}/notes/n1`), 404, "NotFound");
      expectError(await call("PUT", `${base}/notes/n1`, { text: "no value" }), 400, "ValidationError");
      const off = await runtime("mem-off", false);
      expectError(await call("GET", `/agents/${off.id}/invoke/memory/notes`), 409, "Conflict");
      expect((await call("GET", `/v1/agent-runtimes/${off.id}/memory`)).body).toEqual({
        entries: 0,
        bytes: 0,
        namespaces: 0,
      });
      expectError(
        await call("GET", `/v1/agent-runtimes/${rt.id}/memory`, undefined, { token: other }),
        404,
        "NotFound",
      );
      expectError(await call("GET", `${base}/notes`, undefined, { token: other }), 404, "NotFound");
    });

    it("carries messages between agent runtimes over declared channels: publish, receive, ack, inbox, dead letters", async () => {
      const e = await ready("model-endpoints", endpointBody("chan"));
      const runtime = (name: string, channels: { peerRuntimeId: string; mode: "a2a" }[]) =>
        ready("agent-runtimes", {
          name,
          region: "cn-hangzhou",
          artifact: { image: "agents/chan:1" },
          models: [{ endpointId: e.id, role: "primary" }],
          channels,
        });
      const b = await runtime("chan-b", []);
      const a = await runtime("chan-a", [{ peerRuntimeId: b.id, mode: "a2a" }]);
      const sent = await call("POST", `/agents/${a.id}/invoke/channels/${b.id}/messages`, {
        body: { hello: "b" },
        key: "k1",
      });
      expect(sent.status).toBe(201);
      expect(sent.body).toMatchObject({ from: a.id, to: b.id, key: "k1", state: "ready", attempts: 0 });
      expectError(
        await call("POST", `/agents/${b.id}/invoke/channels/${a.id}/messages`, { body: 1 }),
        409,
        "Conflict",
      );
      expectError(
        await call("POST", `/agents/${a.id}/invoke/channels/ar-nope/messages`, { body: 1 }),
        404,
        "NotFound",
      );
      const inbox = `/agents/${b.id}/invoke/inbox`;
      const got = await call("POST", `${inbox}/receive`, { maxMessages: 5, visibilityTimeoutSeconds: 10 });
      expect(got.status).toBe(200);
      expect(got.body.items).toEqual([
        {
          ...sent.body,
          state: "inFlight",
          attempts: 1,
          visibleAt: expect.any(String),
          receipt: expect.any(String),
        },
      ]);
      expect((await call("GET", inbox)).body).toMatchObject({ ready: 0, inFlight: 1, deadLetters: 0 });
      const ack = `${inbox}/messages/${sent.body.id}/ack`;
      expect((await call("POST", ack, { receipt: got.body.items[0].receipt })).body).toEqual({
        id: sent.body.id,
        acked: true,
      });
      expectError(await call("POST", ack), 404, "NotFound");
      const late = await call("POST", `/agents/${a.id}/invoke/channels/${b.id}/messages`, { body: "late" });
      await call("POST", `${inbox}/receive`, { visibilityTimeoutSeconds: 1 });
      await adminCall("POST", "/_mock/clock/advance", { ms: 1000 });
      expectError(await call("POST", `${inbox}/messages/${late.body.id}/ack`, {}), 409, "Conflict");
      const dead = await call("GET", `${inbox}/dead-letters?pageSize=10`);
      expect(dead.body).toEqual({ items: [], nextPageToken: null });
      const depth = await call("GET", inbox);
      expect(depth.body).toMatchObject({
        ready: 1,
        inFlight: 0,
        deadLetters: 0,
        peers: [],
        maxDeliveries: 5,
      });
      expect(depth.body.oldestAgeSeconds).toBeGreaterThanOrEqual(1);
      expectError(await call("GET", inbox, undefined, { token: other }), 404, "NotFound");
      expectError(await call("POST", `${inbox}/receive`, { maxMessages: 0 }), 400, "ValidationError");
    });

    it("serves chat completions and the model list with the endpoint's key, meters them in /v1/usage, and answers OpenAI's errors", async () => {
      const e = await ready("model-endpoints", endpointBody("dp"));
      const key = { token: e.apiKey as string };
      const models = await call("GET", `/inference/${e.id}/v1/models`, undefined, key);
      expect(models.status).toBe(200);
      expect(models.body.data[0].id).toBe("glm-5.1");
      const done = await call("POST", `/inference/${e.id}/v1/chat/completions`, ask, key);
      expect(done.status).toBe(200);
      expect(done.headers["x-ratelimit-limit-tokens"]).toBe("100000");
      const usage = await call("GET", "/v1/usage?groupBy=endpoint");
      expect(usage.body.rows).toEqual([
        expect.objectContaining({
          group: e.id,
          requests: 1,
          inputTokens: done.body.usage.prompt_tokens,
          outputTokens: done.body.usage.completion_tokens,
        }),
      ]);
      const one = await call("GET", `/v1/model-endpoints/${e.id}/usage`);
      expect(one.body.rows[0].costUsd).toBeGreaterThan(0);
      expectError(await call("GET", "/v1/model-endpoints/me-nope/usage"), 404, "NotFound");
      const bad = await call("POST", `/inference/${e.id}/v1/chat/completions`, { model: "glm-5.1" }, key);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ type: "invalid_request_error", param: "messages" });
      const anonymous = await call("POST", `/inference/${e.id}/v1/chat/completions`, ask, { token: dev });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe("invalid_api_key");
      // Another account's endpoint key learns nothing of this endpoint.
      const theirs = await call("POST", "/v1/model-endpoints", endpointBody("dp-other"), { token: other });
      const theirKey = (
        await call("GET", `/v1/model-endpoints/${theirs.body.resource.id}`, undefined, { token: other })
      ).body.apiKey;
      const foreign = await call("POST", `/inference/${e.id}/v1/chat/completions`, ask, { token: theirKey });
      expect(foreign.status).toBe(404);
      const gone = await call("GET", "/inference/me-000000000000/v1/models", undefined, key);
      expect(gone.status).toBe(404);
    });

    it("answers 503 with Retry-After while the endpoint is not in service", async () => {
      await adminCall("PUT", "/_mock/transitions", { ModelEndpoint: { mode: "duration", ms: 60_000 } });
      const created = await call("POST", "/v1/model-endpoints", endpointBody("dp-creating"));
      const e = (await call("GET", `/v1/model-endpoints/${created.body.resource.id}`)).body;
      const res = await call("POST", `/inference/${e.id}/v1/chat/completions`, ask, { token: e.apiKey });
      expect(res.status).toBe(503);
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      expect(res.body.error.code).toBe("endpoint_unavailable");
    });

    it("scripts answers with admin-plane rules, first match first, used up after `remaining`", async () => {
      const e = await ready("model-endpoints", endpointBody("dp-rules"));
      const key = { token: e.apiKey as string };
      const rule = await adminCall("POST", "/_mock/inference/rules", {
        match: { endpointId: e.id, lastMessage: "^hello$" },
        answer: { text: "scripted hello" },
        remaining: 1,
      });
      expect(rule.status).toBe(201);
      expect((await adminCall("GET", "/_mock/inference/rules")).body.items).toHaveLength(1);
      const first = await call("POST", `/inference/${e.id}/v1/chat/completions`, ask, key);
      expect(first.body.choices[0].message.content).toBe("scripted hello");
      const second = await call("POST", `/inference/${e.id}/v1/chat/completions`, ask, key);
      expect(second.body.choices[0].message.content).not.toBe("scripted hello");
      await adminCall("POST", "/_mock/inference/rules", {
        answer: { error: { status: 503, code: "overloaded", message: "try later" } },
      });
      const failed = await call("POST", `/inference/${e.id}/v1/chat/completions`, ask, key);
      expect(failed.status).toBe(503);
      expect(failed.body.error).toMatchObject({ code: "overloaded", message: "try later" });
      expect((await adminCall("DELETE", "/_mock/inference/rules")).body.items).toEqual([]);
      expectError(await adminCall("POST", "/_mock/inference/rules", { answer: {} }), 400, "ValidationError");
    });
  });

  describe("idempotency, ETags and names", () => {
    it("answers the same Idempotency-Key and body with the same resource and operation", async () => {
      const headers = { "idempotency-key": "k-1" };
      const a = await call("POST", "/v1/chip-clusters", cluster("idem"), { headers });
      const b = await call("POST", "/v1/chip-clusters", cluster("idem"), { headers });
      expect(b.status).toBe(202);
      expect(b.body.resource.id).toBe(a.body.resource.id);
      expect(b.body.operation.id).toBe(a.body.operation.id);
      expect((await call("GET", "/v1/chip-clusters")).body.items).toHaveLength(1);
    });

    it("refuses the same key with another body (409 IdempotencyMismatch), and starts afresh once its resource is deleted", async () => {
      const headers = { "idempotency-key": "k-2" };
      const a = await call("POST", "/v1/chip-clusters", cluster("idem2"), { headers });
      expectError(
        await call("POST", "/v1/chip-clusters", cluster("idem2", { hyperNodeCount: 2 }), { headers }),
        409,
        "IdempotencyMismatch",
      );
      await call("DELETE", `/v1/chip-clusters/${a.body.resource.id}`);
      await call("GET", "/v1/chip-clusters");
      const again = await call("POST", "/v1/chip-clusters", cluster("idem2"), { headers });
      expect(again.status).toBe(202);
      expect(again.body.resource.id).not.toBe(a.body.resource.id);
    });

    it("releases a key: it then refuses to hand its resource out again (409 IdempotencyKeyReleased) while the resource exists", async () => {
      const headers = { "idempotency-key": "k-3" };
      const a = await call("POST", "/v1/chip-clusters", cluster("idem3"), { headers });
      const info = await call("GET", "/v1/idempotency-keys/k-3");
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({
        key: "k-3",
        kind: "ChipCluster",
        resourceId: a.body.resource.id,
        released: false,
      });
      const released = await call("POST", "/v1/idempotency-keys/k-3/release");
      expect(released.body).toMatchObject({ resourceId: a.body.resource.id, released: true });
      const again = await call("POST", "/v1/chip-clusters", cluster("idem3"), { headers });
      expectError(again, 409, "IdempotencyKeyReleased");
      expect(again.body.error.details).toMatchObject({ resourceId: a.body.resource.id });
      expectError(await call("GET", "/v1/idempotency-keys/never-used"), 404, "NotFound");
      expectError(await call("POST", "/v1/idempotency-keys/never-used/release"), 404, "NotFound");
      // Adoption: an unknown key bound, released, to an existing resource.
      const bound = await call("POST", "/v1/idempotency-keys/k-4/release", {
        resourceId: a.body.resource.id,
      });
      expect(bound.body).toMatchObject({ key: "k-4", resourceId: a.body.resource.id, released: true });
      await call("DELETE", `/v1/chip-clusters/${a.body.resource.id}`);
      await call("GET", "/v1/chip-clusters");
      expectError(await call("GET", "/v1/idempotency-keys/k-3"), 404, "NotFound");
      expect((await call("POST", "/v1/chip-clusters", cluster("idem3"), { headers })).status).toBe(202);
    });

    it("lists the keys not released yet, and releases many at once (unknown keys reported, not refused)", async () => {
      const a = await call("POST", "/v1/chip-clusters", cluster("idem5"), {
        headers: { "idempotency-key": "k-5" },
      });
      const b = await call("POST", "/v1/chip-clusters", cluster("idem6"), {
        headers: { "idempotency-key": "k-6" },
      });
      const pending = await call("GET", "/v1/idempotency-keys?released=false");
      expect(pending.status).toBe(200);
      const held = (pending.body.items as { key: string; resourceId: string }[]).filter((i) =>
        ["k-5", "k-6"].includes(i.key),
      );
      expect(held.map((i) => [i.key, i.resourceId]).sort()).toEqual([
        ["k-5", a.body.resource.id],
        ["k-6", b.body.resource.id],
      ]);
      const out = await call("POST", "/v1/idempotency-key-releases", { keys: ["k-5", "k-6", "never-used"] });
      expect(out.status).toBe(200);
      expect(out.body.released.map((i: { key: string; released: boolean }) => [i.key, i.released])).toEqual([
        ["k-5", true],
        ["k-6", true],
      ]);
      expect(out.body.unknown).toEqual(["never-used"]);
      const after = await call("GET", "/v1/idempotency-keys?released=false");
      expect(after.body.items.map((i: { key: string }) => i.key)).not.toContain("k-5");
      const released = await call("GET", "/v1/idempotency-keys?released=true");
      expect(released.body.items.map((i: { key: string }) => i.key)).toEqual(
        expect.arrayContaining(["k-5", "k-6"]),
      );
      expectError(await call("POST", "/v1/idempotency-key-releases", { keys: [] }), 400, "ValidationError");
      expectError(await call("GET", "/v1/idempotency-keys?released=maybe"), 400, "ValidationError");
      expectError(
        await call("POST", "/v1/chip-clusters", cluster("idem5"), { headers: { "idempotency-key": "k-5" } }),
        409,
        "IdempotencyKeyReleased",
      );
    });

    it("refuses a second resource with the same name in the same region (409 Conflict)", async () => {
      await ready("chip-clusters", cluster("dup"));
      expectError(await call("POST", "/v1/chip-clusters", cluster("dup")), 409, "Conflict");
      expect((await call("POST", "/v1/chip-clusters", cluster("dup", { region: "cn-beijing" }))).status).toBe(
        202,
      );
    });

    it("updates with a current If-Match and refuses a stale one with 412", async () => {
      const c = await ready("chip-clusters", cluster("etag"));
      const ok = await call(
        "PATCH",
        `/v1/chip-clusters/${c.id}`,
        { hyperNodeCount: 2 },
        { headers: { "if-match": `"${c.etag}"` } },
      );
      expect(ok.status).toBe(202);
      await call("GET", `/v1/chip-clusters/${c.id}`);
      expectError(
        await call(
          "PATCH",
          `/v1/chip-clusters/${c.id}`,
          { hyperNodeCount: 3 },
          { headers: { "if-match": `"${c.etag}"` } },
        ),
        412,
        "PreconditionFailed",
      );
    });

    it("names the immutable field a PATCH tries to change, and accepts it unchanged", async () => {
      const c = await ready("chip-clusters", cluster("immut"));
      const a = await call("PATCH", `/v1/chip-clusters/${c.id}`, { chipType: "zhenwu-810e" });
      expectError(a, 400, "ImmutableField");
      expect(a.body.error.details.field).toBe("chipType");
      expect(
        (await call("PATCH", `/v1/chip-clusters/${c.id}`, { chipType: "zhenwu-m890", hyperNodeCount: 2 }))
          .status,
      ).toBe(202);
    });
  });

  describe("model endpoints and agent runtimes", () => {
    const pooled = (name: string) => ({
      name,
      region: "cn-hangzhou",
      model: "glm-5.1",
      deployment: { mode: "pooled" },
      throughput: { tokensPerMinute: 10_000 },
    });

    it("scales an endpoint for a throughput change and rolls out a new version for a model change", async () => {
      await adminCall("PUT", "/_mock/transitions", { ModelEndpoint: { mode: "reads", reads: 1 } });
      const created = await call("POST", "/v1/model-endpoints", pooled("ep"));
      const id = created.body.resource.id;
      await call("GET", `/v1/model-endpoints/${id}`);
      const scaled = await call("PATCH", `/v1/model-endpoints/${id}`, {
        throughput: { tokensPerMinute: 20_000, elastic: true },
      });
      expect(scaled.body.resource).toMatchObject({
        status: "SCALING",
        effectiveTokensPerMinute: 40_000,
        activeVersion: 1,
      });
      expect((await call("GET", `/v1/model-endpoints/${id}`)).body.status).toBe("IN_SERVICE");
      const rolled = await call("PATCH", `/v1/model-endpoints/${id}`, { model: "kimi-k2.6" });
      expect(rolled.body.resource).toMatchObject({ status: "UPDATING", activeVersion: 2 });
    });

    it("refuses to change an endpoint's deployment mode or chips per replica in place", async () => {
      const e = await ready("model-endpoints", pooled("fixed"));
      const a = await call("PATCH", `/v1/model-endpoints/${e.id}`, {
        deployment: { mode: "dedicated", clusterId: "cc-1", chipsPerReplica: 8 },
      });
      expectError(a, 400, "ImmutableField");
      expect(a.body.error.details.field).toBe("deployment.mode");
    });

    it("bumps a runtime's version on every update, keeps secret env write-only, and refuses an artifact kind switch", async () => {
      const e = await ready("model-endpoints", pooled("rt-model"));
      const r = await ready("agent-runtimes", {
        name: "rt",
        region: "cn-hangzhou",
        artifact: { image: "a:1" },
        models: [{ endpointId: e.id, role: "primary" }],
        secretEnv: { API_KEY: "s3cr3t-value" },
      });
      expect(r).toMatchObject({ version: 1, secretEnvKeys: ["API_KEY"] });
      expect(JSON.stringify(r)).not.toContain("s3cr3t-value");
      const updated = await call("PATCH", `/v1/agent-runtimes/${r.id}`, { artifact: { image: "a:2" } });
      expect(updated.body.resource).toMatchObject({ version: 2, status: "UPDATING" });
      await call("GET", `/v1/agent-runtimes/${r.id}`);
      const switched = await call("PATCH", `/v1/agent-runtimes/${r.id}`, {
        artifact: { code: { uri: "oss://b/a.zip", entrypoint: "main.py", runtime: "python3.12" } },
      });
      expectError(switched, 400, "ImmutableField");
      expect(switched.body.error.details.field).toBe("artifact");
    });
  });

  describe("quotas, capacity and fit", () => {
    it("answers 402 QuotaExceeded with limit, current and requested", async () => {
      await adminCall("PUT", "/_mock/limits", { chipsPerType: 16 });
      await ready("chip-clusters", cluster("q1"));
      const a = await call("POST", "/v1/chip-clusters", cluster("q2", { hyperNodeCount: 2 }));
      expectError(a, 402, "QuotaExceeded");
      expect(a.body.error.details).toEqual({ limit: 16, current: 8, requested: 16 });
    });

    it("reads the account's quotas and usage at GET /v1/quotas (more in scheduling.test.ts)", async () => {
      await adminCall("PUT", "/_mock/limits", { chipsPerType: 16 });
      await ready("chip-clusters", cluster("q1"));
      const q = await call("GET", "/v1/quotas");
      expect(q.status).toBe(200);
      expect(
        q.body.chips.find(
          (r: { region: string; chipType: string }) =>
            r.region === "cn-hangzhou" && r.chipType === "zhenwu-m890",
        ),
      ).toEqual({ region: "cn-hangzhou", chipType: "zhenwu-m890", limit: 16, used: 8 });
    });

    it("answers 503 CapacityUnavailable with Retry-After for on-demand capacity", async () => {
      await adminCall("PUT", "/_mock/limits", { capacityPerRegion: 8, retryAfterSeconds: 7 });
      const a = await call("POST", "/v1/chip-clusters", cluster("cap", { hyperNodeCount: 2 }));
      expectError(a, 503, "CapacityUnavailable");
      expect(a.headers["retry-after"]).toBe("7");
    });

    it("answers 400 InsufficientQuota past the tokens-per-minute quota", async () => {
      await adminCall("PUT", "/_mock/limits", { tokensPerMinutePerRegion: 50_000 });
      const body = {
        name: "tpm",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 60_000 },
      };
      expectError(await call("POST", "/v1/model-endpoints", body), 400, "InsufficientQuota");
    });

    it("answers 422 ModelTooLarge with required and available memory", async () => {
      const c = await ready("chip-clusters", cluster("fit", { chipsPerHyperNode: 32 }));
      const body = {
        name: "qwen",
        region: "cn-hangzhou",
        model: "qwen3.7-max",
        deployment: {
          mode: "dedicated",
          clusterId: c.id,
          chipsPerReplica: 16,
          minReplicas: 1,
          maxReplicas: 1,
        },
        throughput: { tokensPerMinute: 10_000 },
      };
      const a = await call("POST", "/v1/model-endpoints", body);
      expectError(a, 422, "ModelTooLarge");
      expect(a.body.error.details).toMatchObject({ requiredGiB: 2600, availableGiB: 2304 });
    });
  });

  describe("references and dependencies", () => {
    it("refuses to delete a cluster with an endpoint on it, or an endpoint a runtime uses (409 DependencyViolation)", async () => {
      const c = await ready("chip-clusters", cluster("base", { chipsPerHyperNode: 32 }));
      const e = await ready("model-endpoints", {
        name: "glm",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "dedicated", clusterId: c.id, chipsPerReplica: 8 },
        throughput: { tokensPerMinute: 10_000 },
      });
      const r = await ready("agent-runtimes", {
        name: "agent",
        region: "cn-hangzhou",
        artifact: { image: "a:1" },
        models: [{ endpointId: e.id, role: "primary" }],
      });
      const a = await call("DELETE", `/v1/chip-clusters/${c.id}`);
      expectError(a, 409, "DependencyViolation");
      expect(a.body.error.details.dependents).toEqual([e.id]);
      expect((await call("DELETE", `/v1/model-endpoints/${e.id}`)).body.error.details.dependents).toEqual([
        r.id,
      ]);
      expect((await call("DELETE", `/v1/agent-runtimes/${r.id}`)).status).toBe(202);
      await call("GET", "/v1/agent-runtimes");
      expect((await call("DELETE", `/v1/model-endpoints/${e.id}`)).status).toBe(202);
    });

    it("refuses references to resources that do not exist, naming the field", async () => {
      const a = await call("POST", "/v1/agent-runtimes", {
        name: "lost",
        region: "cn-hangzhou",
        artifact: { image: "a:1" },
        models: [{ endpointId: "me-000000000000", role: "primary" }],
      });
      expectError(a, 400, "ValidationError");
      expect(a.body.error.details.issues[0].path).toBe("models[0].endpointId");
    });
  });

  describe("lists", () => {
    it("pages with pageSize and pageToken, each resource once, and filters by region", async () => {
      for (let i = 0; i < 5; i++)
        await call(
          "POST",
          "/v1/chip-clusters",
          cluster(`p${i}`, { region: i < 3 ? "cn-hangzhou" : "cn-beijing" }),
        );
      const seen: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const page: Answer = await call(
          "GET",
          `/v1/chip-clusters?pageSize=2${token ? `&pageToken=${token}` : ""}`,
        );
        seen.push(...page.body.items.map((c: { name: string }) => c.name));
        token = page.body.nextPageToken;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual(["p0", "p1", "p2", "p3", "p4"]);
      expect(
        (await call("GET", "/v1/chip-clusters?region=cn-beijing")).body.items
          .map((c: { name: string }) => c.name)
          .sort(),
      ).toEqual(["p3", "p4"]);
    });
  });

  describe("what the document says, as the emulator does it", () => {
    it("refuses a pageSize outside 1–500 (0 is not clamped) and an unknown region with 400", async () => {
      for (const q of ["pageSize=0", "pageSize=501", "pageSize=-1", "pageSize=2.5", "region=mars-1"]) {
        expectError(await call("GET", `/v1/chip-clusters?${q}`), 400, "ValidationError");
      }
      expect((await call("GET", "/v1/chip-clusters?pageSize=500&region=cn-beijing")).status).toBe(200);
      expect((await call("GET", "/v1/model-endpoints?pageSize=1")).status).toBe(200);
      expect((await call("GET", "/v1/agent-runtimes?pageSize=1")).status).toBe(200);
    });

    it("refuses more than 50 tags", async () => {
      const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
      expectError(
        await call("POST", "/v1/chip-clusters", cluster("tags51", { tags: tags(51) })),
        400,
        "ValidationError",
      );
      expect((await call("POST", "/v1/chip-clusters", cluster("tags50", { tags: tags(50) }))).status).toBe(
        202,
      );
    });

    it("takes a PATCH that restates name and region unchanged, as the document allows", async () => {
      const c = await ready("chip-clusters", cluster("restate"));
      const a = await call("PATCH", `/v1/chip-clusters/${c.id}`, {
        name: "restate",
        region: "cn-hangzhou",
        hyperNodeCount: 2,
      });
      expect(a.status).toBe(202);
      expect(a.headers.etag).toBe(`"${a.body.resource.etag}"`);
      await call("GET", `/v1/chip-clusters/${c.id}`);
      expectError(
        await call("PATCH", `/v1/chip-clusters/${c.id}`, { name: "renamed" }),
        400,
        "ImmutableField",
      );
    });

    it("serves the catalog it documents", async () => {
      const chips = (await call("GET", "/v1/catalog/chips")).body.items;
      expect(chips.length).toBeGreaterThan(0);
      // Illustrative chip-hour prices for every provisioning mode (docs/pricing.md).
      expect(chips.find((c: { chipType: string }) => c.chipType === "zhenwu-m890").pricing).toEqual({
        currency: "USD",
        perChipHour: { onDemand: 4.2, reserved: 2.73, spot: 1.68, queued: 3.15 },
      });
      const models = (await call("GET", "/v1/catalog/models")).body.items;
      expect(models.find((m: { model: string }) => m.model === "glm-5.1").pricing).toMatchObject({
        inputPerMTokens: 0.6,
        outputPerMTokens: 2.2,
      });
      const regions = (await call("GET", "/v1/catalog/regions")).body.items;
      expect(regions[0]).toMatchObject({
        region: "cn-hangzhou",
        zones: ["cn-hangzhou-a", "cn-hangzhou-b", "cn-hangzhou-c"],
      });
    });

    it("declares the answers' headers: WWW-Authenticate on 401, the request id on every answer", async () => {
      const a = await call("GET", "/v1/catalog/chips", undefined, { token: null });
      expectError(a, 401, "Unauthenticated");
      expect(a.headers["www-authenticate"]).toBe('Bearer realm="agentcloud"');
      expect((await call("GET", "/_mock/health", undefined, { token: null })).status).toBe(200);
      expect((await call("GET", "/openapi.json", undefined, { token: null })).status).toBe(200);
    });

    it("answers an injected 500 with the documented error body", async () => {
      await adminCall("POST", "/_mock/faults", {
        kind: "ChipCluster",
        operation: "get",
        status: 500,
        remaining: 1,
      });
      expectError(await call("GET", "/v1/chip-clusters/cc-000000000000"), 500, "InternalError");
    });
  });

  describe("the admin plane", () => {
    it("resets one account and leaves the other", async () => {
      await ready("chip-clusters", cluster("a"));
      await call("POST", "/v1/chip-clusters", cluster("b"), { token: other });
      await adminCall("POST", "/_mock/reset", { account: "dev" });
      expect((await call("GET", "/v1/chip-clusters")).body.items).toEqual([]);
      expect((await call("GET", "/v1/chip-clusters", undefined, { token: other })).body.items).toHaveLength(
        1,
      );
    });

    it("injects faults: a 429 Throttled with Retry-After for a number of requests, then normal answers", async () => {
      await adminCall("POST", "/_mock/faults", {
        kind: "ChipCluster",
        operation: "list",
        status: 429,
        code: "Throttled",
        retryAfterSeconds: 2,
        remaining: 2,
      });
      for (let i = 0; i < 2; i++) {
        const a = await call("GET", "/v1/chip-clusters");
        expectError(a, 429, "Throttled");
        expect(a.headers["retry-after"]).toBe("2");
      }
      expect((await call("GET", "/v1/chip-clusters")).status).toBe(200);
    });

    it("gives an injected Throttled answer a Retry-After even when the rule names none", async () => {
      await adminCall("PUT", "/_mock/limits", { retryAfterSeconds: 3 });
      await adminCall("POST", "/_mock/faults", { operation: "list", code: "Throttled", remaining: 1 });
      const a = await call("GET", "/v1/chip-clusters");
      expectError(a, 429, "Throttled");
      expect(a.headers["retry-after"]).toBe("3");
    });

    it("resets everything: resources, limits, transitions and the clock go back to how they started", async () => {
      const started = (await adminCall("GET", "/_mock/limits")).body;
      await adminCall("PUT", "/_mock/limits", { chipsPerType: 8 });
      await adminCall("PUT", "/_mock/transitions", { ChipCluster: { mode: "duration", ms: 60_000 } });
      const before = Date.parse((await adminCall("GET", "/_mock/clock")).body.now);
      await adminCall("POST", "/_mock/clock/advance", { ms: 86_400_000 });
      expect((await adminCall("POST", "/_mock/reset", {})).status).toBe(200);
      expect((await adminCall("GET", "/_mock/limits")).body).toEqual({ ...started, chipsPerType: 2048 });
      expect((await adminCall("GET", "/_mock/transitions")).body).toEqual({});
      expect(Date.parse((await adminCall("GET", "/_mock/clock")).body.now) - before).toBeLessThan(3_600_000);
    });

    it("lists every account's resources for the admin, API keys masked", async () => {
      const made = await call("POST", "/v1/model-endpoints", {
        name: "masked",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 20_000 },
      });
      expect(made.status).toBe(202);
      const all = await adminCall("GET", "/_mock/resources?kind=ModelEndpoint");
      expect(all.status).toBe(200);
      const mine = all.body.items.find((i: any) => i.resource.id === made.body.resource.id);
      expect(mine.resource.apiKey).not.toBe(made.body.resource.apiKey);
      expectError(await call("GET", "/_mock/resources"), 401, "Unauthenticated");
    });

    it("lists every account's quotas for the admin, each as the account's own GET /v1/quotas answers them", async () => {
      await adminCall("PUT", "/_mock/limits", { chipsPerType: 64, endpointsPerRegion: 5 });
      await ready("chip-clusters", cluster("qa"));
      const ep = await ready("model-endpoints", {
        name: "qa-ep",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 20_000 },
      });
      const rt = await call("POST", "/v1/agent-runtimes", {
        name: "qa-rt",
        region: "cn-hangzhou",
        artifact: { image: "agents/qa:1" },
        protocol: "a2a",
        models: [{ endpointId: ep.id, role: "primary" }],
      });
      expect(rt.status).toBe(202);
      const as = { token: other };
      expect(
        (
          await call(
            "POST",
            "/v1/chip-clusters",
            cluster("qb", { region: "cn-shanghai", hyperNodeCount: 2 }),
            as,
          )
        ).status,
      ).toBe(202);

      const own = {
        dev: (await call("GET", "/v1/quotas")).body,
        other: (await call("GET", "/v1/quotas", undefined, as)).body,
      };
      const all = await adminCall("GET", "/_mock/quotas");
      expect(all.status).toBe(200);
      expect(all.body).toEqual({
        items: [
          { account: "dev", quotas: own.dev },
          { account: "other", quotas: own.other },
        ],
      });
      // What the two accounts use, to be sure the comparison is not of empty quotas.
      const used = (q: any, region: string) =>
        q.chips.find((r: any) => r.region === region && r.chipType === "zhenwu-m890");
      expect(used(own.dev, "cn-hangzhou")).toMatchObject({ limit: 64, used: 8 });
      expect(used(own.other, "cn-shanghai")).toMatchObject({ limit: 64, used: 16 });
      expect(own.dev.tokensPerMinute.find((r: any) => r.region === "cn-hangzhou").used).toBe(20_000);

      // One account; and an account the tokens name keeps its place when it holds nothing.
      expect((await adminCall("GET", "/_mock/quotas?account=other")).body).toEqual({
        items: [{ account: "other", quotas: own.other }],
      });
      await adminCall("POST", "/_mock/reset", { account: "other" });
      const after = await adminCall("GET", "/_mock/quotas");
      expect(after.body.items.map((i: any) => i.account)).toEqual(["dev", "other"]);
      expect(after.body.items[1].quotas).toEqual((await call("GET", "/v1/quotas", undefined, as)).body);
      expect(after.body.items[1].quotas.chips.every((r: any) => r.used === 0)).toBe(true);
      expectError(await call("GET", "/_mock/quotas"), 401, "Unauthenticated");
      expectError(await adminCall("GET", "/_mock/quotas?account="), 400, "ValidationError");
    });

    it("lists every account's usage for the admin, each as the account's own GET /v1/usage answers the same query", async () => {
      const as = { token: other };
      const serve = async (name: string, token: { token: string }, prompts: string[]) => {
        const made = await call(
          "POST",
          "/v1/model-endpoints",
          {
            name,
            region: "cn-hangzhou",
            model: "glm-5.1",
            deployment: { mode: "pooled" },
            throughput: { tokensPerMinute: 100_000 },
          },
          token,
        );
        expect(made.status).toBe(202);
        const e = (await call("GET", `/v1/model-endpoints/${made.body.resource.id}`, undefined, token)).body;
        expect(e.status).toBe("IN_SERVICE");
        for (const content of prompts) {
          const done = await call(
            "POST",
            `/inference/${e.id}/v1/chat/completions`,
            { model: "glm-5.1", messages: [{ role: "user", content }] },
            { token: e.apiKey as string },
          );
          expect(done.status).toBe(200);
        }
        return e.id as string;
      };
      const devA = await serve("use-a", { token: dev }, ["hello", "how are you?"]);
      const devB = await serve("use-b", { token: dev }, ["summarise the runbook"]);
      await serve("use-c", as, ["hello from the other account", "and again", "once more"]);

      const now = Date.parse((await adminCall("GET", "/_mock/clock")).body.now);
      const from = new Date(Math.floor(now / 3_600_000) * 3_600_000 - 23 * 3_600_000).toISOString();
      const queries = [
        "",
        "?groupBy=endpoint",
        "?groupBy=model",
        `?groupBy=hour&from=${encodeURIComponent(from)}`,
        `?endpointId=${devA}&groupBy=day`,
      ];
      for (const q of queries) {
        const own = {
          dev: (await call("GET", `/v1/usage${q}`)).body,
          other: (await call("GET", `/v1/usage${q}`, undefined, as)).body,
        };
        const all = await adminCall("GET", `/_mock/usage${q}`);
        expect(all.status, q).toBe(200);
        expect(all.body, q).toEqual({
          items: [
            { account: "dev", usage: own.dev },
            { account: "other", usage: own.other },
          ],
        });
      }
      // What the two accounts used, to be sure the comparison is not of empty reports.
      const byEndpoint = (await adminCall("GET", "/_mock/usage?groupBy=endpoint")).body.items;
      expect(Object.fromEntries(byEndpoint[0].usage.rows.map((r: any) => [r.group, r.requests]))).toEqual({
        [devA]: 2,
        [devB]: 1,
      });
      expect(byEndpoint[1].usage.rows).toHaveLength(1);
      expect(byEndpoint[1].usage.rows[0]).toMatchObject({ requests: 3, throttledRequests: 0 });
      for (const { usage } of byEndpoint)
        for (const row of usage.rows) {
          expect(row.inputTokens).toBeGreaterThan(0);
          expect(row.outputTokens).toBeGreaterThan(0);
          expect(row.costUsd).toBeGreaterThan(0);
        }

      // One account, with the query; an account the tokens name keeps its place when it used nothing.
      expect((await adminCall("GET", "/_mock/usage?account=other&groupBy=endpoint")).body).toEqual({
        items: [
          { account: "other", usage: (await call("GET", "/v1/usage?groupBy=endpoint", undefined, as)).body },
        ],
      });
      await adminCall("POST", "/_mock/reset", { account: "other" });
      const after = (await adminCall("GET", "/_mock/usage")).body.items;
      expect(after.map((i: any) => i.account)).toEqual(["dev", "other"]);
      expect(after[1].usage).toEqual((await call("GET", "/v1/usage", undefined, as)).body);
      expectError(await call("GET", "/_mock/usage"), 401, "Unauthenticated");
      expectError(await adminCall("GET", "/_mock/usage?account="), 400, "ValidationError");
      expectError(await adminCall("GET", "/_mock/usage?groupBy=week"), 400, "ValidationError");
    });

    it("checks and plans specs without writing: POST /v1/validations and /v1/plans", async () => {
      const v = await call("POST", "/v1/validations", { kind: "ChipCluster", spec: cluster("c") });
      expect(v.body).toMatchObject({ valid: true, failures: [] });
      const p = await call("POST", "/v1/plans", { resources: [{ kind: "ChipCluster", spec: cluster("c") }] });
      expect(p.body.steps).toMatchObject([{ action: "create", name: "c" }]);
      expectError(await call("POST", "/v1/plans", { resources: "all" }), 400, "ValidationError");
    });

    it("keeps the MCP gates: read and set them whole, per account too; lists and decides approvals", async () => {
      const set = await adminCall("PUT", "/_mock/mcp", {
        readOnly: true,
        accounts: { other: { readOnly: false } },
      });
      expect(set.body).toMatchObject({
        readOnly: true,
        confirmDestructive: true,
        accounts: { other: { readOnly: false } },
      });
      expect((await adminCall("GET", "/_mock/mcp")).body).toEqual(set.body);
      expectError(await adminCall("PUT", "/_mock/mcp", { readOnly: "yes" }), 400, "ValidationError");
      expect((await adminCall("PUT", "/_mock/mcp", {})).body.readOnly).toBe(false);
      expect((await adminCall("GET", "/_mock/approvals")).body).toEqual({ items: [] });
      expectError(await adminCall("POST", "/_mock/approvals/approval-0/approve"), 404, "NotFound");
      expectError(await call("GET", "/_mock/mcp"), 401, "Unauthenticated");
    });

    it("rejects a request-log limit that is not a positive whole number", async () => {
      expectError(await adminCall("GET", "/_mock/requests?limit=abc"), 400, "ValidationError");
      expectError(await adminCall("GET", "/_mock/requests?limit=0"), 400, "ValidationError");
    });

    it("injects a dropped connection", async () => {
      await adminCall("POST", "/_mock/faults", { operation: "list", drop: true, remaining: 1 });
      await expect(call("GET", "/v1/chip-clusters")).rejects.toThrow();
      expect((await call("GET", "/v1/chip-clusters")).status).toBe(200);
    });

    it("fails a create after it was accepted with a provision fault", async () => {
      await adminCall("POST", "/_mock/faults", {
        kind: "ChipCluster",
        operation: "provision",
        code: "InternalError",
        message: "burn-in failed",
      });
      const c = await call("POST", "/v1/chip-clusters", cluster("burn"));
      expect(c.status).toBe(202);
      const op = await call("GET", `/v1/operations/${c.body.operation.id}`);
      expect(op.body).toMatchObject({
        status: "FAILED",
        error: { code: "InternalError", message: "burn-in failed" },
      });
      expect((await call("GET", `/v1/chip-clusters/${c.body.resource.id}`)).body).toMatchObject({
        status: "FAILED",
        statusReason: "burn-in failed",
      });
    });

    it("rolls a failed update back to the resource as it was, with the reason", async () => {
      const c = await ready("chip-clusters", cluster("rollback", { tags: { v: "1" } }));
      await adminCall("POST", "/_mock/faults", {
        kind: "ChipCluster",
        operation: "provision",
        code: "InternalError",
        message: "hyper-node 2 failed burn-in",
        remaining: 1,
      });
      const patched = await call("PATCH", `/v1/chip-clusters/${c.id}`, {
        hyperNodeCount: 2,
        tags: { v: "2" },
      });
      expect(patched.body.resource).toMatchObject({ status: "SCALING", hyperNodeCount: 2 });
      const op = await call("GET", `/v1/operations/${patched.body.operation.id}`);
      expect(op.body).toMatchObject({
        status: "FAILED",
        error: { code: "InternalError", message: "hyper-node 2 failed burn-in" },
      });
      expect((await call("GET", `/v1/chip-clusters/${c.id}`)).body).toMatchObject({
        status: "ACTIVE",
        hyperNodeCount: 1,
        totalChips: 8,
        tags: { v: "1" },
        statusReason: "update rolled back: hyper-node 2 failed burn-in",
      });
    });

    it("restores a snapshot", async () => {
      const c = await ready("chip-clusters", cluster("snap"));
      const snap = await adminCall("POST", "/_mock/snapshot");
      await adminCall("POST", "/_mock/reset", {});
      expectError(await call("GET", `/v1/chip-clusters/${c.id}`), 404, "NotFound");
      expect((await adminCall("POST", "/_mock/restore", snap.body)).status).toBe(200);
      expect((await call("GET", `/v1/chip-clusters/${c.id}`)).body).toMatchObject({
        name: "snap",
        status: "ACTIVE",
      });
      expectError(
        await adminCall("POST", "/_mock/restore", { version: 1, tables: { resources: [{ "id; DROP": 1 }] } }),
        400,
        "ValidationError",
      );
    });

    it("reads transitions and limits, and removes fault rules one by one or all at once", async () => {
      expect((await adminCall("GET", "/_mock/transitions")).body.ChipCluster).toEqual({ mode: "immediate" });
      expect((await adminCall("GET", "/_mock/limits")).body.chipsPerType).toBe(2048);
      await adminCall("POST", "/_mock/faults", { id: "one", operation: "get", code: "Throttled" });
      await adminCall("POST", "/_mock/faults", { id: "two", operation: "get", code: "Throttled" });
      expect((await adminCall("DELETE", "/_mock/faults/one")).body).toEqual({ deleted: "one" });
      expectError(await adminCall("DELETE", "/_mock/faults/one"), 404, "NotFound");
      expect((await adminCall("DELETE", "/_mock/faults")).body).toEqual({ items: [] });
    });

    it("edits a resource out of band, with derived outputs recomputed", async () => {
      const c = await ready("chip-clusters", cluster("drift"));
      const edited = await adminCall("PATCH", `/_mock/resources/chip-clusters/${c.id}`, {
        hyperNodeCount: 4,
      });
      // Ready as edited: its ready hyper-nodes follow, unless the edit says otherwise.
      expect(edited.body).toMatchObject({ hyperNodeCount: 4, totalChips: 32, readyHyperNodes: 4 });
      expect(edited.body.etag).not.toBe(c.etag);
      const degraded = await adminCall("PATCH", `/_mock/resources/chip-clusters/${c.id}`, {
        hyperNodeCount: 5,
        readyHyperNodes: 3,
      });
      expect(degraded.body).toMatchObject({ hyperNodeCount: 5, readyHyperNodes: 3 });
    });
  });

  it("has checked an exchange with every operation the document declares", () => {
    const c = checked();
    expect(c).not.toBeNull();
    // The change feed is a stream that never ends: test/contract/events.test.ts covers it.
    expect(c?.operations().filter((o) => !c.covered.has(o) && o !== "events")).toEqual([]);
  });
});
