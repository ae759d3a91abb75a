import { randomUUID } from "node:crypto";
import { SendMessageRequest, type Task } from "@a2a-js/sdk";
import {
  ClientFactory,
  createAuthenticatingFetchWithRetry,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot } from "../support/paths.ts";
import { inlineStack } from "../support/stack.ts";

/**
 * examples/agent-code as a new user walks it: `pulumi up` deploys a Node.js agent and its reviewer;
 * a task sent to its invokeUrl cold-starts a sandbox and runs the agent's code, which calls its
 * primary model, and the fallback when the admin plane throttles the primary; it remembers a fact
 * across a recycled sandbox, hands work to its reviewer over a channel, and scales back to zero.
 */
describe("examples/agent-code: a Node.js agent deployed by pulumi up", { timeout: 300_000 }, () => {
  let emulator: RunningEmulator;
  let stack: Stack;
  let outputs: Record<string, string>;

  const invoke = async (input: string, invokeUrl = outputs.invokeUrl as string) => {
    const res = await fetch(`${invokeUrl}/invocations`, {
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
    expect(up.summary.resourceChanges).toEqual({ create: 5 });
    outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, String(v.value)]));
  });
  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await emulator?.stop();
  });

  const runtimeId = (invokeUrl: string) => new URL(invokeUrl).pathname.split("/")[2] as string;
  const instances = async () =>
    (await emulator.api("GET", `/v1/agent-runtimes/${runtimeId(outputs.invokeUrl as string)}/instances`)).body
      .items as {
      id: string;
      state: string;
      stopReason: string | null;
    }[];

  it("runs the agent's code for a task on a cold-started sandbox, answered by its primary model", async () => {
    const task = await invoke("What is a hyper-node?");
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({
      status: "SUCCEEDED",
      output: { routedTo: outputs.primaryEndpointId },
      placement: { start: "cold" },
    });
    expect(task.body.output.text).toContain(`[answered by ${outputs.primaryEndpointId}]`);
  });

  it("answers a message sent with the official A2A client, found from its invokeUrl", async () => {
    const client = await new ClientFactory({
      transports: [
        new JsonRpcTransportFactory({
          fetchImpl: createAuthenticatingFetchWithRetry(fetch, {
            headers: async () => ({ authorization: `Bearer ${devToken}` }),
            shouldRetryWithHeaders: async () => undefined,
          }),
        }),
      ],
    }).createFromUrl(outputs.invokeUrl as string);
    const task = (await client.sendMessage(
      SendMessageRequest.fromJSON({
        message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: "What is a chip?" }] },
      }),
    )) as Task;
    const parts = task.artifacts[0]?.parts ?? [];
    const text = parts.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");
    expect(text).toContain(`[answered by ${outputs.primaryEndpointId}]`);
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

  it("remembers a fact in one task and recalls it in a later one, after its sandbox was recycled", async () => {
    expect((await invoke("remember: the cluster is in cn-hangzhou")).body.output.text).toBe("remembered");
    // Idle for a minute (onIdle: stop): the sandbox stops, and the runtime scales to zero.
    await emulator.admin("POST", "/_mock/clock/advance", { ms: 61_000 });
    expect((await instances()).filter((i) => i.state !== "STOPPED")).toEqual([]);
    expect((await instances())[0]?.stopReason).toBe("idle");
    const recalled = (await invoke("recall")).body;
    expect(recalled.placement.start).toBe("cold");
    expect(recalled.output.text).toBe("I remember: the cluster is in cn-hangzhou");
  });

  it("hands work to its reviewer over a channel, which the reviewer's own task reads", async () => {
    expect((await invoke("hand off: check the quota plan")).body.output.text).toMatch(/^handed off as msg-/);
    const reviewed = (await invoke("review", outputs.reviewerInvokeUrl as string)).body;
    expect(reviewed).toMatchObject({
      status: "SUCCEEDED",
      output: { text: "reviewed: check the quota plan" },
    });
    expect((await invoke("review", outputs.reviewerInvokeUrl as string)).body.output.text).toBe(
      "nothing to review",
    );
  });

  it("destroys the agents and their endpoints, their sandboxes stopped", async () => {
    expect((await stack.destroy()).summary.resourceChanges).toEqual({ delete: 5 });
  });
});
