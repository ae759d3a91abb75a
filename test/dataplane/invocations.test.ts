import { beforeEach, describe, expect, it } from "vitest";
import { nodeServer, other, useAdapterCloud } from "../contract/fixtures.ts";
import { pooledEndpoint } from "../support/fixtures.ts";

/**
 * Tasks of an agent runtime over plain HTTP: `POST {invokeUrl}/invocations` at once or in the
 * background, `GET {invokeUrl}/tasks/{id}`, the built-in agent loop through the model gateway.
 */
describe("an agent runtime's tasks", () => {
  const { call, adminCall } = useAdapterCloud(nodeServer);
  const wait = { headers: { Prefer: "wait" } };
  let primary: string;
  let fallback: string;

  beforeEach(async () => {
    primary = (await call("POST", "/v1/model-endpoints", pooledEndpoint("primary", 10_000), wait)).body
      .resource.id;
    fallback = (await call("POST", "/v1/model-endpoints", pooledEndpoint("fallback", 10_000), wait)).body
      .resource.id;
  });

  const runtime = async (artifact: Record<string, unknown> = { image: "agents/support:1" }) =>
    (
      await call(
        "POST",
        "/v1/agent-runtimes",
        {
          name: `agent-${Math.random().toString(36).slice(2, 8)}`,
          region: "cn-hangzhou",
          artifact,
          models: [
            { endpointId: primary, role: "primary" },
            { endpointId: fallback, role: "fallback" },
          ],
        },
        wait,
      )
    ).body.resource as { id: string; invokeUrl: string };
  const path = (rt: { invokeUrl: string }, rest: string) => `${new URL(rt.invokeUrl).pathname}/${rest}`;

  it("runs a task at once: the built-in loop's primary model answers the input", async () => {
    const rt = await runtime();
    const task = await call("POST", path(rt, "invocations"), { input: "What is a hyper-node?" });
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({
      runtimeId: rt.id,
      status: "SUCCEEDED",
      input: "What is a hyper-node?",
      output: { routedTo: primary, hops: `${primary}:200` },
      error: null,
    });
    expect(task.body.output.text.length).toBeGreaterThan(0);
    // Deterministic: the same input gets the same answer.
    const again = await call("POST", path(rt, "invocations"), { input: "What is a hyper-node?" });
    expect(again.body.output.text).toBe(task.body.output.text);
  });

  it("falls back when the primary is throttled, and says so in the task", async () => {
    const rt = await runtime();
    await adminCall("POST", "/_mock/inference/rules", {
      match: { endpointId: primary },
      answer: { error: { status: 429, message: "throttled by the test" } },
    });
    const task = await call("POST", path(rt, "invocations"), { input: "hello" });
    expect(task.body).toMatchObject({
      status: "SUCCEEDED",
      output: { routedTo: fallback, hops: `${primary}:429,${fallback}:200` },
    });
  });

  it("runs a task in the background, readable at tasks/{id} until and after it finishes", async () => {
    const rt = await runtime();
    const started = await call("POST", path(rt, "invocations"), { input: "later", async: true });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: "RUNNING", output: null, finishedAt: null });
    let task = started.body;
    // Its instance cold-starts first (a few hundred ms of emulated latency).
    for (let i = 0; i < 250 && task.status === "RUNNING"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      task = (await call("GET", path(rt, `tasks/${started.body.id}`))).body;
    }
    expect(task).toMatchObject({ id: started.body.id, status: "SUCCEEDED", output: { routedTo: primary } });
  });

  it("fails a code artifact's task, saying it does not run here yet", async () => {
    const rt = await runtime({
      code: { uri: "file:///tmp/agent", entrypoint: "index.js", runtime: "nodejs24" },
    });
    const task = await call("POST", path(rt, "invocations"), { input: "hello" });
    expect(task.body).toMatchObject({ status: "FAILED", error: { code: "ArtifactNotRunnable" } });
  });

  it("keeps accounts apart and refuses bad input", async () => {
    const rt = await runtime();
    const theirs = await call("POST", path(rt, "invocations"), { input: "hello" }, { token: other });
    expect(theirs.status).toBe(404);
    expect((await call("POST", path(rt, "invocations"), { input: "hi" }, { token: "nope" })).status).toBe(
      401,
    );
    const bad = await call("POST", path(rt, "invocations"), { input: "" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("ValidationError");
  });
});
