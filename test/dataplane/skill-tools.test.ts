import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nodeServer, other, useAdapterCloud } from "../contract/fixtures.ts";
import { cluster, pooledEndpoint } from "../support/fixtures.ts";
import { scratchRoot } from "../support/paths.ts";

/**
 * An agent runtime's skills as tools: an `mcp` skill on the emulator's own `/mcp` gives the agent
 * the cloud itself, a builtin `memory` skill its memory; the built-in loop offers them to its model
 * and makes the calls the model asks for, and a code agent calls them through `context.skills`.
 */
describe("an agent runtime's skills as tools", () => {
  const { call, adminCall } = useAdapterCloud(nodeServer);
  const wait = { headers: { Prefer: "wait" } };
  let primary: string;
  const codeDir = join(scratchRoot, "agents", "skills");

  beforeAll(() => {
    mkdirSync(codeDir, { recursive: true });
    writeFileSync(
      join(codeDir, "index.mjs"),
      `export default async function handle(input, context) {
  const listed = await context.skills.list();
  const names = listed.body.tools.map((t) => t.function.name);
  const clusters = await context.skills.call("cloud__listChipClusters", {});
  return { names, isError: clusters.body.isError, text: clusters.body.text };
}
`,
    );
  });
  beforeEach(async () => {
    primary = (await call("POST", "/v1/model-endpoints", pooledEndpoint("primary", 100_000), wait)).body
      .resource.id;
  });

  const runtime = async (artifact: Record<string, unknown>) => {
    // The emulator's own MCP server: its origin is the runtime's invokeUrl's.
    const probe = (await call("GET", "/v1/model-endpoints")).body.items[0].url as string;
    const mcp = `${new URL(probe).origin}/mcp`;
    return (
      await call(
        "POST",
        "/v1/agent-runtimes",
        {
          name: `skills-${Math.random().toString(36).slice(2, 8)}`,
          region: "cn-hangzhou",
          artifact,
          models: [{ endpointId: primary, role: "primary" }],
          memory: { enabled: true },
          skills: [
            { name: "cloud", kind: "mcp", target: mcp, allowedTools: ["listChipClusters", "getChipCluster"] },
            { name: "mem", kind: "builtin", target: "memory" },
            { name: "docs", kind: "openapi", target: "https://example.invalid/openapi.json" },
          ],
        },
        wait,
      )
    ).body.resource as { id: string; invokeUrl: string };
  };
  const at = (rt: { invokeUrl: string }, path: string) => `${new URL(rt.invokeUrl).pathname}/${path}`;

  it("lists the skills' tools: the cloud's allowed MCP tools, its memory, and what offers none", async () => {
    const rt = await runtime({ image: "agents/skills:1" });
    const listed = (await call("GET", at(rt, "tools"))).body;
    expect(listed.tools.map((t: { function: { name: string } }) => t.function.name).sort()).toEqual([
      "cloud__getChipCluster",
      "cloud__listChipClusters",
      "mem__memory_get",
      "mem__memory_put",
      "mem__memory_search",
    ]);
    expect(listed.unavailable).toEqual([{ skill: "docs", reason: expect.stringMatching(/openapi/) }]);
    const put = await call("POST", at(rt, "tools/mem__memory_put"), {
      arguments: { namespace: "facts", key: "k", value: "v" },
    });
    expect(put.body.isError).toBe(false);
    expect((await call("GET", at(rt, "memory/facts/k"))).body.value).toBe("v");
    expect((await call("POST", at(rt, "tools/cloud__deleteChipCluster"), { arguments: {} })).status).toBe(
      404,
    );
    expect((await call("GET", at(rt, "tools"), undefined, { token: other })).status).toBe(404);
  });

  it("runs the built-in loop with tools: the model asks for the cloud's clusters, reads them, answers", async () => {
    await call("POST", "/v1/chip-clusters", cluster("looked-at"), wait);
    await adminCall("POST", "/_mock/inference/rules", {
      match: { tools: true, lastMessage: "^how many clusters" },
      answer: { toolCalls: [{ name: "cloud__listChipClusters", arguments: {} }] },
      remaining: 1,
    });
    await adminCall("POST", "/_mock/inference/rules", {
      match: { lastMessage: "looked-at" },
      answer: { text: "one cluster: looked-at" },
    });
    const rt = await runtime({ image: "agents/skills:1" });
    const task = (await call("POST", at(rt, "invocations"), { input: "how many clusters do I have?" })).body;
    expect(task).toMatchObject({
      status: "SUCCEEDED",
      output: { text: "one cluster: looked-at", toolCalls: [{ name: "cloud__listChipClusters", ok: true }] },
    });
    // Two model calls, both answered by the primary.
    expect(task.output.hops).toBe(`${primary}:200,${primary}:200`);
  });

  it("stops a loop whose model keeps asking for tools", async () => {
    await adminCall("POST", "/_mock/inference/rules", {
      match: { tools: true },
      answer: { toolCalls: [{ name: "mem__memory_search", arguments: { q: "anything" } }] },
    });
    const rt = await runtime({ image: "agents/skills:1" });
    const task = (await call("POST", at(rt, "invocations"), { input: "loop forever" })).body;
    expect(task).toMatchObject({ status: "FAILED", error: { code: "AgentLoopLimit" } });
  });

  it("gives a code agent its skills through context.skills", async () => {
    await call("POST", "/v1/chip-clusters", cluster("seen-by-code"), wait);
    const rt = await runtime({
      code: { uri: pathToFileURL(codeDir).href, entrypoint: "index.mjs", runtime: "nodejs24" },
    });
    const task = (await call("POST", at(rt, "invocations"), { input: "go" })).body;
    expect(task.status).toBe("SUCCEEDED");
    const out = JSON.parse(task.output.text);
    expect(out.names).toContain("cloud__listChipClusters");
    expect(out.isError).toBe(false);
    expect(out.text).toContain("seen-by-code");
  });
});
