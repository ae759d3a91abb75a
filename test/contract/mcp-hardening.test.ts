import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenTable } from "../../provider/mock-cloud/http/auth.ts";
import { maxArgumentElements } from "../../provider/mock-cloud/mcp/server.ts";
import { McpState, maxApprovals, maxOpenPlans } from "../../provider/mock-cloud/mcp/state.ts";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { mcpSessions, type ToolResult } from "../support/mcp.ts";
import { repoRoot } from "../support/paths.ts";
import { admin, cluster, dev } from "./fixtures.ts";

const inspectorCli = join(repoRoot, "node_modules/@modelcontextprotocol/inspector-cli/build/index.js");
const stdioServer = join(repoRoot, "provider/mock-cloud/mcp/stdio.ts");

/** A nesting of `{a: {a: ...}}` `levels` deep, as JSON text (built as text: no client serializes it). */
const nestedText = (levels: number) => `${'{"a":'.repeat(levels)}"x"${"}".repeat(levels)}`;

/**
 * The emulator's MCP server against what it should survive: the official inspector's CLI over
 * `agentcloud-mcp`, hostile arguments and floods from one session, the admin plane's tools, and
 * no token in anything it answers or logs. The emulator runs as its own process (a crash is its
 * exit, not this worker's), with its request lines on stderr.
 */
describe("MCP hardening", () => {
  let emulator: RunningEmulator;
  let log = "";
  /** Every answer any client got: checked for tokens at the end. */
  const seen: string[] = [];
  const session = mcpSessions(() => emulator.url);

  const tool = async (mcp: Client, name: string, args: Record<string, unknown> = {}) => {
    const r = (await mcp.callTool({ name, arguments: args })) as ToolResult;
    seen.push(JSON.stringify(r));
    return r;
  };
  const errorOf = (r: ToolResult) => {
    expect(r.isError, JSON.stringify(r).slice(0, 500)).toBe(true);
    return JSON.parse(r.content[0]?.text ?? "{}").error;
  };
  const textOf = (r: ToolResult) => r.content.map((c) => c.text ?? "").join("\n");
  const clusters = async () =>
    (await emulator.api("GET", "/v1/chip-clusters")).body.items as { id: string; name: string }[];

  /** One JSON-RPC request as raw text (stateless, as any HTTP client may send it): the HTTP status and the message. */
  const rpc = async (body: string) => {
    const res = await fetch(`${emulator.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${dev}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
      },
      body,
    });
    const text = await res.text();
    seen.push(text);
    const data = /^data: (.*)$/m.exec(text)?.[1] ?? text;
    return { status: res.status, message: JSON.parse(data) };
  };
  const rpcCall = (name: string, argumentsText: string) =>
    rpc(
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${name}","arguments":${argumentsText}}}`,
    );

  /** The inspector's CLI over `agentcloud-mcp` (its version speaks stdio without headers): exit code and output. */
  const inspector = (args: string[], env: Record<string, string> = { AGENTCLOUD_TOKEN: dev }) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [inspectorCli, process.execPath, stdioServer, "--endpoint", emulator.url, ...args],
        { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 20_000 },
        (error, stdout, stderr) => {
          seen.push(stdout, stderr);
          resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
        },
      );
    });

  const healthy = async () => {
    const res = await fetch(`${emulator.url}/_mock/health`);
    expect(res.status).toBe(200);
    expect(emulator.process.exitCode).toBeNull();
  };

  beforeAll(async () => {
    emulator = await startEmulator({ args: ["--log"] });
    emulator.process.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
    });
    await emulator.admin("PUT", "/_mock/transitions", {
      ChipCluster: { mode: "immediate" },
      ModelEndpoint: { mode: "immediate" },
      AgentRuntime: { mode: "immediate" },
    });
  });
  afterAll(() => emulator?.stop());

  describe("the inspector's CLI over agentcloud-mcp", () => {
    it("lists every tool with its annotations", async () => {
      const { code, stdout, stderr } = await inspector(["--method", "tools/list"]);
      expect(code, stderr).toBe(0);
      const { tools } = JSON.parse(stdout) as {
        tools: { name: string; annotations?: Record<string, boolean>; inputSchema: { type: string } }[];
      };
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(["createChipCluster", "getChipCluster", "deleteChipCluster"]),
      );
      for (const t of tools) {
        expect(t.inputSchema.type, t.name).toBe("object");
        expect(Object.keys(t.annotations ?? {}), t.name).toEqual(
          expect.arrayContaining(["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"]),
        );
      }
      const byName = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
      expect(byName.getChipCluster).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(byName.deleteChipCluster).toMatchObject({ readOnlyHint: false, destructiveHint: true });
      // The admin plane's tools are not offered unless the emulator is told to.
      expect(byName.reset).toBeUndefined();
    });

    it("creates with key=value arguments, numbers and objects as strings", async () => {
      // chipsPerHyperNode is a union of literals in the schema: the CLI sends it as the string "8".
      const { code, stdout, stderr } = await inspector([
        "--method",
        "tools/call",
        "--tool-name",
        "createChipCluster",
        "--tool-arg",
        "name=from-cli",
        "region=cn-hangzhou",
        "chipType=zhenwu-m890",
        "chipsPerHyperNode=8",
        "hyperNodeCount=1",
        'tags={"made-by":"inspector"}',
        "wait=true",
      ]);
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout);
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent.resource).toMatchObject({
        name: "from-cli",
        chipsPerHyperNode: 8,
        hyperNodeCount: 1,
        totalChips: 8,
        status: "ACTIVE",
        tags: { "made-by": "inspector" },
      });
      expect((await clusters()).map((c) => c.name)).toContain("from-cli");
    });

    it("prints a failed call's structured error and exits 0; a protocol error exits 1", async () => {
      const missing = await inspector([
        "--method",
        "tools/call",
        "--tool-name",
        "getChipCluster",
        "--tool-arg",
        "id=cc-missing",
      ]);
      // A tool's error is a result, not a failure of the call: the CLI prints it and exits 0.
      expect(missing.code, missing.stderr).toBe(0);
      const result = JSON.parse(missing.stdout);
      expect(result.isError).toBe(true);
      const error = JSON.parse(result.content[0].text).error;
      expect(error).toMatchObject({
        code: "NotFound",
        retryable: false,
        requestId: expect.stringMatching(/^req-/),
      });
      expect(error.nextSteps.length).toBeGreaterThan(0);

      await emulator.admin("POST", "/_mock/faults", {
        kind: "ChipCluster",
        operation: "list",
        code: "Throttled",
        status: 429,
        remaining: 1,
      });
      const throttled = await inspector(["--method", "tools/call", "--tool-name", "listChipClusters"]);
      expect(throttled.code, throttled.stderr).toBe(0);
      expect(JSON.parse(JSON.parse(throttled.stdout).content[0].text).error).toMatchObject({
        code: "Throttled",
        retryable: true,
        retryAfterSeconds: expect.any(Number),
        nextSteps: [expect.stringMatching(/retryAfterSeconds/)],
      });

      // An unknown tool is a protocol error: nothing on stdout, the reason on stderr, exit 1.
      const unknown = await inspector(["--method", "tools/call", "--tool-name", "noSuchTool"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe("");
      expect(unknown.stderr).toMatch(/noSuchTool not found/);
    }, 60_000);

    it("exits 1 when agentcloud-mcp cannot start: no token, or a token the emulator refuses", async () => {
      const none = await inspector(["--method", "tools/list"], {});
      expect(none.code).toBe(1);
      expect(none.stdout).toBe("");
      const refused = await inspector(["--method", "tools/list"], { AGENTCLOUD_TOKEN: "not-a-token" });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).not.toContain("not-a-token");
    });
  });

  it("agentcloud-mcp answers arguments too deep to relay itself, and goes on serving", async () => {
    const relay = spawn(process.execPath, [stdioServer, "--endpoint", emulator.url], {
      env: { PATH: process.env.PATH ?? "", AGENTCLOUD_TOKEN: dev },
      stdio: ["pipe", "pipe", "pipe"],
    });
    try {
      const answers = new Map<number, any>();
      let buffered = "";
      const arrived = new Promise<void>((resolve) => {
        relay.stdout.on("data", (d: Buffer) => {
          buffered += d.toString();
          for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
            const message = JSON.parse(buffered.slice(0, end));
            buffered = buffered.slice(end + 1);
            seen.push(JSON.stringify(message));
            answers.set(message.id, message);
            if (answers.has(1) && answers.has(2)) resolve();
          }
        });
      });
      relay.stdin.write(
        [
          JSON.stringify({
            jsonrpc: "2.0",
            id: 0,
            method: "initialize",
            params: {
              protocolVersion: "2025-06-18",
              capabilities: {},
              clientInfo: { name: "raw", version: "1" },
            },
          }),
          JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"validateSpec","arguments":{"kind":"ChipCluster","spec":${nestedText(10_000)}}}}`,
          JSON.stringify({
            jsonrpc: "2.0",
            id: 2,
            method: "tools/call",
            params: { name: "getQuotas", arguments: {} },
          }),
          "",
        ].join("\n"),
      );
      await arrived;
      expect(answers.get(1).result).toMatchObject({ isError: true });
      expect(answers.get(1).result.content[0].text).toMatch(/more than 64 levels deep/);
      expect(answers.get(2).result.structuredContent.chips.length).toBeGreaterThan(0);
    } finally {
      relay.kill();
    }
  });

  describe("the admin plane's tools", () => {
    afterAll(async () => {
      await emulator.admin("PUT", "/_mock/mcp", {});
    });

    it("are offered only with adminTools, and act as the admin in an account's session", async () => {
      const mcp = await session(dev);
      const names = async () => (await mcp.listTools()).tools;
      expect((await names()).map((t) => t.name)).not.toContain("addFault");
      expect((await emulator.admin("PUT", "/_mock/mcp", { adminTools: true })).status).toBe(200);
      const tools = await names();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["reset", "addFault", "listRequests"]));
      const reset = tools.find((t) => t.name === "reset");
      expect(reset?.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
      expect(reset?.inputSchema.properties).toHaveProperty("confirm");

      // The admin plane refuses the account's token: the tool is called with the emulator's own pass.
      const fault = await tool(mcp, "addFault", {
        kind: "ChipCluster",
        operation: "get",
        code: "Throttled",
        status: 429,
        remaining: 1,
      });
      expect(fault.isError, textOf(fault)).toBeFalsy();
      expect(fault.structuredContent).toMatchObject({
        id: expect.stringMatching(/^fault-/),
        code: "Throttled",
      });
      expect(errorOf(await tool(mcp, "getChipCluster", { id: "cc-any" })).code).toBe("Throttled");
      const listed = await tool(mcp, "listRequests", { limit: 5 });
      expect(listed.isError, textOf(listed)).toBeFalsy();
      // The same routes by the account's own token stay refused.
      expect((await emulator.api("GET", "/_mock/faults")).status).toBe(401);
    });

    it("resets only with a confirmed plan", async () => {
      const mcp = await session(dev);
      await emulator.admin("PUT", "/_mock/mcp", { adminTools: true });
      await emulator.api("POST", "/v1/chip-clusters", cluster("kept-until-reset"));
      const first = await tool(mcp, "reset", {});
      expect(first.isError, textOf(first)).toBeFalsy();
      const plan = first.structuredContent.plan;
      expect(plan).toMatchObject({ id: expect.stringMatching(/^plan-/), tool: "reset", action: "reset" });
      expect((await clusters()).length).toBeGreaterThan(0);
      const done = await tool(mcp, "reset", { confirm: plan.id });
      expect(done.isError, textOf(done)).toBeFalsy();
      expect(done.structuredContent).toEqual({ reset: "all" });
      expect(await clusters()).toEqual([]);
      // A reset is the emulator's: the MCP settings it started with (no admin tools) are back.
      expect((await mcp.listTools()).tools.map((t) => t.name)).not.toContain("reset");
      await emulator.admin("PUT", "/_mock/transitions", {
        ChipCluster: { mode: "immediate" },
        ModelEndpoint: { mode: "immediate" },
        AgentRuntime: { mode: "immediate" },
      });
    });
  });

  describe("hostile input", () => {
    let mcp: Client;
    beforeAll(async () => {
      mcp = await session(dev);
    });

    it("refuses arguments nested 10,000 levels deep, wherever they are, naming the depth", async () => {
      const base = JSON.stringify(cluster("deep")).slice(0, -1);
      for (const [name, args] of [
        ["createChipCluster", `${base},"tags":${nestedText(10_000)}}`],
        ["createChipCluster", `${base},"notAField":${nestedText(10_000)}}`],
        // A field that takes any JSON: nothing walks it before the bound (it used to overflow the stack).
        ["validateSpec", `{"kind":"ChipCluster","spec":${nestedText(10_000)}}`],
        ["planSpecs", `{"resources":[{"kind":"ChipCluster","name":"x","spec":${nestedText(10_000)}}]}`],
      ] as const) {
        const { status, message } = await rpcCall(name, args);
        expect(status).toBe(200);
        expect(message.result?.isError, JSON.stringify(message).slice(0, 300)).toBe(true);
        expect(message.result.content[0].text).toMatch(/more than 64 levels deep/);
      }
      // Within the bound the call goes through: the API checks the spec and says what is wrong with it.
      const within = await tool(mcp, "validateSpec", {
        kind: "ChipCluster",
        spec: JSON.parse(nestedText(60)),
      });
      expect(within.isError).toBeFalsy();
      expect(within.structuredContent).toMatchObject({ valid: false, failures: expect.any(Array) });
      expect(await clusters()).not.toContainEqual(expect.objectContaining({ name: "deep" }));
    });

    it("answers a 5 MB argument with the size limit, and a large one within it with a short error", async () => {
      const huge = mcp.callTool({ name: "createChipCluster", arguments: cluster("x".repeat(5_000_000)) });
      await expect(huge).rejects.toThrow(/Payload Too Large.*4194304/);
      const long = await tool(mcp, "createChipCluster", cluster("x".repeat(3_000_000)));
      expect(textOf(long)).toMatch(/name: Too big/);
      expect(textOf(long).length).toBeLessThan(2_000);
      // A free-form field passes the tool's schema; the API's own body limit answers.
      const spec = await tool(mcp, "validateSpec", {
        kind: "ChipCluster",
        spec: { blob: "x".repeat(3_000_000) },
      });
      expect(errorOf(spec)).toMatchObject({ code: "PayloadTooLarge", retryable: false });
    });

    it("answers 10,000 arguments in a short error that counts them, and too many elements by the bound", async () => {
      const many: Record<string, string> = {};
      for (let i = 0; i < 10_000; i++) many[`k${i}`] = "v";
      const r = await tool(mcp, "createChipCluster", { ...cluster("many"), ...many });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/10000 unknown fields: "k0", "k1"/);
      expect(textOf(r)).toMatch(/and 9990 more/);
      expect(textOf(r).length).toBeLessThan(2_000);
      // A long unknown name is cut short too.
      const named = await tool(mcp, "listChipClusters", { ["y".repeat(100_000)]: 1 });
      expect(textOf(named).length).toBeLessThan(2_000);
      // Every bad element of a huge list would be one problem each: counted before any schema runs.
      const list = await tool(mcp, "planSpecs", { resources: new Array(maxArgumentElements + 1).fill(1) });
      expect(list.isError).toBe(true);
      expect(textOf(list)).toMatch(new RegExp(`more than the maximum of ${maxArgumentElements} elements`));
      const bad = await tool(mcp, "planSpecs", { resources: new Array(400).fill(1) });
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toMatch(/and \d+ more problems/);
      expect(textOf(bad).length).toBeLessThan(5_000);
      await healthy();
    });

    it("takes 2,000 unconfirmed plans in a row from one session: the oldest drop past the cap, all expire", async () => {
      const { id } = (await emulator.api("POST", "/v1/chip-clusters", cluster("flooded"))).body.resource;
      const plans: string[] = [];
      for (let i = 0; i < 2_000; i++) {
        const r = await tool(mcp, "deleteChipCluster", { id });
        expect(r.isError, textOf(r)).toBeFalsy();
        plans.push(r.structuredContent.plan.id);
      }
      expect(new Set(plans).size).toBe(2_000);
      // The first 1,000 were dropped as the next 1,000 came: each is no plan at all now.
      for (const dropped of [plans[0], plans[2_000 - maxOpenPlans - 1]]) {
        const r = errorOf(await tool(mcp, "deleteChipCluster", { id, confirm: dropped }));
        expect(r).toMatchObject({ code: "PlanNotConfirmable", message: expect.stringMatching(/^no plan/) });
      }
      expect((await clusters()).map((c) => c.id)).toContain(id);
      // The oldest one kept still acts.
      const kept = await tool(mcp, "deleteChipCluster", { id, confirm: plans[2_000 - maxOpenPlans] });
      expect(kept.isError, textOf(kept)).toBeFalsy();
      expect((await clusters()).map((c) => c.id)).not.toContain(id);
      // Past their time the rest expire, on the emulator clock.
      await emulator.admin("POST", "/_mock/clock/advance", { ms: 601_000 });
      const late = errorOf(await tool(mcp, "deleteChipCluster", { id, confirm: plans[1_999] }));
      expect(late).toMatchObject({ code: "PlanNotConfirmable", message: expect.stringMatching(/expired/) });
      await healthy();
    }, 60_000);

    it("answers 200 concurrent calls from one session, each with a result", async () => {
      const calls = Array.from({ length: 200 }, (_, i) => {
        const kind = i % 4;
        if (kind === 0) return tool(mcp, "getQuotas");
        if (kind === 1) return tool(mcp, "listChipClusters", { region: "cn-hangzhou" });
        if (kind === 2) return tool(mcp, "createChipCluster", { ...cluster(`c-${i}`), dryRun: true });
        return tool(mcp, "getChipCluster", { id: `cc-${i}` });
      });
      const results = await Promise.all(calls);
      results.forEach((r, i) => {
        if (i % 4 === 3) expect(errorOf(r).code).toBe("NotFound");
        else expect(r.isError, textOf(r)).toBeFalsy();
      });
      await healthy();
    });
  });

  it("puts no token in any answer, log line or request log entry", async () => {
    const requests = await emulator.admin("GET", "/_mock/requests?limit=1000");
    expect(requests.status).toBe(200);
    const everything = [requests.text, log, ...seen].join("\n");
    expect(seen.length).toBeGreaterThan(2_000);
    expect(log).toMatch(/POST \/mcp 200/);
    for (const token of [dev, admin]) expect(everything).not.toContain(token);
    // Nor the passes the admin tools were called with.
    expect(everything).not.toMatch(/pass-[0-9a-f]{64}/);
    await healthy();
  });
});

describe("MCP state and credentials, bounded", () => {
  it("keeps at most maxOpenPlans plans per account, dropping the oldest, and sweeps expired ones", () => {
    const state = new McpState();
    const first = state.plan("a", "deleteChipCluster", "d0", 0);
    for (let i = 1; i < 5_000; i++) state.plan("a", "deleteChipCluster", `d${i}`, 0);
    const theirs = state.plan("b", "deleteChipCluster", "x", 0);
    expect(state.openPlans("a", 0)).toBe(maxOpenPlans);
    expect(state.openPlans("b", 0)).toBe(1);
    expect(state.confirm(first.id, "a", "deleteChipCluster", "d0", 0)).toMatch(/^no plan/);
    expect(state.confirm(theirs.id, "b", "deleteChipCluster", "x", 0)).toBeNull();
    expect(state.openPlans("a", 600_000)).toBe(0);
  });

  it("keeps at most maxApprovals approvals per account, dropping decided ones first", () => {
    const state = new McpState();
    const ask = (account: string, n: number) =>
      state.approval(
        { account, tool: "createChipCluster", arguments: { name: `c${n}` }, chips: 64, monthlyUsd: 1 },
        new Date(0).toISOString(),
      );
    const decided = ask("a", -1);
    const pending = ask("a", 0);
    decided.status = "denied";
    for (let i = 1; i < maxApprovals; i++) ask("a", i);
    expect(state.approvals.has(decided.id)).toBe(false);
    expect(state.approvals.has(pending.id)).toBe(true);
    for (let i = 0; i < 2_000; i++) ask("a", maxApprovals + i);
    ask("b", 0);
    const count = (account: string) =>
      [...state.approvals.values()].filter((x) => x.account === account).length;
    expect(count("a")).toBe(maxApprovals);
    expect(count("b")).toBe(1);
    expect(state.approvals.has(pending.id)).toBe(false);
  });

  it("gives a one-off admin pass that works until revoked, and is no account's token", () => {
    const table = new TokenTable({ [dev]: "dev" }, admin);
    const pass = table.adminPass();
    expect(table.isAdmin(pass.authorization)).toBe(true);
    expect(table.account(pass.authorization)).toBeNull();
    expect(table.isAdmin(`Bearer ${admin}`)).toBe(true);
    pass.revoke();
    expect(table.isAdmin(pass.authorization)).toBe(false);
    expect(table.isAdmin(`Bearer ${dev}`)).toBe(false);
  });
});
