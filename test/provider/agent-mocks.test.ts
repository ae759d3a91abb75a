import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentCloudMocks, agentCloudMocks } from "../../provider/testing/mocks.ts";

/**
 * examples/agent-code's agent under `agentCloudMocks()`: the program runs in this process against
 * the emulator behind msw (no engine, no socket), and the agent's code runs in its sandbox process
 * as it does under `pulumi up`: a task answered by its model, the fallback when the primary is
 * throttled, memory across a recycled sandbox, a hand-off to its reviewer over a channel.
 */
describe("the Node.js agent of examples/agent-code under agentCloudMocks()", () => {
  let mocks: AgentCloudMocks | undefined;
  afterEach(async () => {
    await mocks?.close();
    mocks = undefined;
  });

  it("deploys and runs: model, fallback, memory across a recycled sandbox, a channel to its peer", async () => {
    mocks = agentCloudMocks();
    await pulumi.runtime.setMocks(mocks, "agent-code", "dev", false);
    const { outputs, errors } = await mocks.run(() => import("../../examples/agent-code/index.ts"));
    expect(errors).toEqual([]);
    const invokeUrl = String(outputs.invokeUrl?.value);
    const reviewerUrl = String(outputs.reviewerInvokeUrl?.value);
    const cloud = mocks.cloud;
    const invoke = async (input: string, url = invokeUrl) =>
      (await cloud.api("POST", `${new URL(url).pathname}/invocations`, { input })).body;

    const first = await invoke("What is a hyper-node?");
    expect(first).toMatchObject({ status: "SUCCEEDED", placement: { start: "cold" } });
    expect(first.output.text).toContain(`[answered by ${outputs.primaryEndpointId?.value}]`);

    await cloud.admin.inferenceRule({
      match: { endpointId: String(outputs.primaryEndpointId?.value) },
      answer: { error: { status: 429, message: "throttled by the test" } },
    });
    expect((await invoke("And now?")).output.text).toContain(
      `[answered by ${outputs.fallbackEndpointId?.value}]`,
    );

    expect((await invoke("remember: kept across sandboxes")).output.text).toBe("remembered");
    await cloud.admin.advanceClock(61_000);
    const recalled = await invoke("recall");
    expect(recalled.placement.start).toBe("cold");
    expect(recalled.output.text).toBe("I remember: kept across sandboxes");

    expect((await invoke("hand off: the plan")).output.text).toMatch(/^handed off as msg-/);
    expect((await invoke("review", reviewerUrl)).output.text).toBe("reviewed: the plan");
  });
});
