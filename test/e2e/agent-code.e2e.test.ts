import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot } from "../support/paths.ts";
import { inlineStack } from "../support/stack.ts";

/**
 * examples/agent-code as a new user walks it: `pulumi up` deploys a Node.js agent, a task sent to
 * its invokeUrl runs the agent's code, which calls its primary model, and the fallback when the
 * admin plane throttles the primary.
 */
describe("examples/agent-code: a Node.js agent deployed by pulumi up", { timeout: 300_000 }, () => {
  let emulator: RunningEmulator;
  let stack: Stack;
  let outputs: Record<string, string>;

  const invoke = async (input: string) => {
    const res = await fetch(`${outputs.invokeUrl}/invocations`, {
      method: "POST",
      headers: { authorization: `Bearer ${devToken}`, "content-type": "application/json" },
      body: JSON.stringify({ input }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    emulator = await startEmulator();
    const program = async () => ({ ...(await import(`${repoRoot}/examples/agent-code/index.ts`)) });
    stack = await inlineStack("example-agent-code", program, { url: emulator.url, token: devToken });
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ create: 4 });
    outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, String(v.value)]));
  });
  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await emulator?.stop();
  });

  it("runs the agent's code for a task, answered by its primary model", async () => {
    const task = await invoke("What is a hyper-node?");
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({ status: "SUCCEEDED", output: { routedTo: outputs.primaryEndpointId } });
    expect(task.body.output.text).toContain(`[answered by ${outputs.primaryEndpointId}]`);
  });

  it("falls back when the admin plane throttles the primary", async () => {
    await emulator.admin("POST", "/_mock/inference/rules", {
      match: { endpointId: outputs.primaryEndpointId },
      answer: { error: { status: 429, message: "throttled for the walk" } },
    });
    const task = await invoke("And a chip cluster?");
    expect(task.body.output.text).toContain(`[answered by ${outputs.fallbackEndpointId}]`);
    expect(task.body.output.hops).toBe(`${outputs.primaryEndpointId}:429,${outputs.fallbackEndpointId}:200`);
  });

  it("destroys the agent and its endpoints", async () => {
    expect((await stack.destroy()).summary.resourceChanges).toEqual({ delete: 4 });
  });
});
