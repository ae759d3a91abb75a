import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nodeServer, useAdapterCloud } from "../contract/fixtures.ts";
import { pooledEndpoint } from "../support/fixtures.ts";
import { scratchRoot } from "../support/paths.ts";

/**
 * A `code` artifact's Node.js entrypoint, run for each task in a child process under Node's
 * permission model, calling its models through the context the emulator gives it.
 */
describe("a code artifact's agent", () => {
  const { call, adminCall } = useAdapterCloud(nodeServer);
  const wait = { headers: { Prefer: "wait" } };
  let primary: string;
  let fallback: string;
  const codeDir = join(scratchRoot, "agents", "support");

  beforeAll(async () => {
    mkdirSync(codeDir, { recursive: true });
    writeFileSync(
      join(codeDir, "index.mjs"),
      `import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
export default async function handle(input, context) {
  if (input === "read outside") return readFileSync("/etc/hostname", "utf8");
  if (input === "open a socket") return await new Promise((resolve, reject) => {
    const socket = connect(80, "127.0.0.1", () => resolve("connected"));
    socket.on("error", reject);
  });
  if (input === "fetch") return (await fetch("http://127.0.0.1:9/")).status;
  if (input === "env") return process.env.GREETING + " " + process.env.SECRET_WORD;
  if (input === "remember") {
    const put = await context.memory.put("notes", "k", "kept");
    const got = await context.memory.get("notes", "k");
    return [put.status, got.body.value].join(" ");
  }
  if (input === "crash") process.exit(3);
  if (input === "throw") throw new Error("the agent gave up");
  writeFileSync(join(context.scratch, "note.txt"), input);
  const answer = await context.models.chat({ messages: [{ role: "user", content: input }] });
  if (answer.status !== 200) return { failed: answer.status };
  return "agent says: " + answer.body.choices[0].message.content;
}
`,
    );
  });
  beforeEach(async () => {
    primary = (await call("POST", "/v1/model-endpoints", pooledEndpoint("primary", 10_000), wait)).body
      .resource.id;
    fallback = (await call("POST", "/v1/model-endpoints", pooledEndpoint("fallback", 10_000), wait)).body
      .resource.id;
  });

  const runtime = async (code: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    (
      await call(
        "POST",
        "/v1/agent-runtimes",
        {
          name: `code-${Math.random().toString(36).slice(2, 8)}`,
          region: "cn-hangzhou",
          artifact: { code },
          models: [
            { endpointId: primary, role: "primary" },
            { endpointId: fallback, role: "fallback" },
          ],
          ...spec,
        },
        wait,
      )
    ).body.resource as { id: string; invokeUrl: string };
  const node = { uri: pathToFileURL(codeDir).href, entrypoint: "index.mjs", runtime: "nodejs24" };
  const invoke = async (rt: { invokeUrl: string }, input: string) =>
    (await call("POST", `${new URL(rt.invokeUrl).pathname}/invocations`, { input })).body;

  it("runs the entrypoint, which calls its primary model through the context", async () => {
    const task = await invoke(await runtime(node), "hello");
    expect(task).toMatchObject({
      status: "SUCCEEDED",
      output: { routedTo: primary, hops: `${primary}:200` },
    });
    expect(task.output.text).toMatch(/^agent says: \S/);
  });

  it("falls back through the gateway when the primary is throttled", async () => {
    await adminCall("POST", "/_mock/inference/rules", {
      match: { endpointId: primary },
      answer: { error: { status: 429, message: "throttled by the test" } },
    });
    const task = await invoke(await runtime(node), "hello");
    expect(task).toMatchObject({
      status: "SUCCEEDED",
      output: { routedTo: fallback, hops: `${primary}:429,${fallback}:200` },
    });
  });

  it("reports an agent that reads outside its folder, throws or exits, and keeps serving", async () => {
    const rt = await runtime(node);
    expect(await invoke(rt, "read outside")).toMatchObject({
      status: "FAILED",
      error: { code: "ERR_ACCESS_DENIED" },
    });
    expect(await invoke(rt, "throw")).toMatchObject({
      status: "FAILED",
      error: { code: "AgentError", message: "the agent gave up" },
    });
    expect(await invoke(rt, "crash")).toMatchObject({ status: "FAILED", error: { code: "AgentExited" } });
    expect((await invoke(rt, "fine again")).status).toBe("SUCCEEDED");
  });

  it("refuses a socket and fetch: the sandbox has no network", async () => {
    const rt = await runtime(node);
    for (const input of ["open a socket", "fetch"]) {
      const task = await invoke(rt, input);
      expect(task).toMatchObject({ status: "FAILED", error: { code: "ERR_ACCESS_DENIED" } });
      expect(task.error.message).toMatch(/the sandbox has no network/);
    }
  });

  it("gives the agent its runtime's env and secretEnv, and its memory through the context", async () => {
    const rt = await runtime(node, {
      env: { GREETING: "hello" },
      secretEnv: { SECRET_WORD: "swordfish" },
      memory: { enabled: true },
    });
    expect((await invoke(rt, "env")).output.text).toBe("hello swordfish");
    expect((await invoke(rt, "remember")).output.text).toBe("200 kept");
  });

  it("refuses what cannot run here, saying why", async () => {
    const missing = await invoke(await runtime({ ...node, uri: "file:///nowhere/agent" }), "hi");
    expect(missing).toMatchObject({ status: "FAILED", error: { code: "ArtifactNotRunnable" } });
  });
});
