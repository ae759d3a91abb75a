import type { Stack } from "@pulumi/pulumi/automation/index.js";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot } from "../support/paths.ts";
import { capture, inlineStack, stateOnDisk } from "../support/stack.ts";
import { run as runCommand } from "../support/typed-cli.ts";

const types = {
  cluster: "pulumi-nodejs:dynamic/agentcloud:ChipCluster",
  endpoint: "pulumi-nodejs:dynamic/agentcloud:ModelEndpoint",
  runtime: "pulumi-nodejs:dynamic/agentcloud:AgentRuntime",
};
let emulator: RunningEmulator;
let stack: Stack;
let run = 0;
const output = capture();

// The example itself is the program, evaluated afresh on every engine run.
const program = async () => ({ ...(await import(`${repoRoot}/examples/agent-stack/index.ts?run=${run++}`)) });

async function count(collection: string): Promise<number> {
  const res = await emulator.api("GET", `/v1/${collection}`);
  expect(res.status).toBe(200);
  return res.body.items.length;
}

async function withConfig(values: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  for (const [k, v] of Object.entries(values)) await stack.setConfig(k, { value: v });
  try {
    await fn();
  } finally {
    for (const k of Object.keys(values)) await stack.removeConfig(k);
  }
}

describe("examples/agent-stack through the real Pulumi engine", { timeout: 300_000 }, () => {
  beforeAll(async () => {
    emulator = await startEmulator();
    stack = await inlineStack("agent-stack", program, { url: emulator.url, token: devToken });
  });

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await emulator?.stop();
  });

  it("previews one create per resource", async () => {
    const preview = await stack.preview({ onOutput: output.onOutput });
    expect(preview.changeSummary).toEqual({ create: 6 });
  });

  it("creates the cluster, both endpoints and both runtimes", async () => {
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toEqual({ create: 6 });
    expect(up.outputs.qwenApiKey?.secret).toBe(true);
    expect(up.outputs.assistantVersion?.value).toBe(1);
    expect([
      await count("chip-clusters"),
      await count("model-endpoints"),
      await count("agent-runtimes"),
    ]).toEqual([1, 2, 2]);
  });

  it("changes nothing on a second up", async () => {
    const up = await stack.up({ onOutput: output.onOutput });
    expect(up.summary.resourceChanges).toEqual({ same: 6 });
  });

  it("serves tokens: the openai client, pointed at the endpoint's url + /v1 with its apiKey from the stack outputs, answers, caches a repeated prompt and meters", async () => {
    const outputs = await stack.outputs();
    const baseURL = `${outputs.qwenUrl?.value}/v1`;
    const qwen = new OpenAI({ baseURL, apiKey: outputs.qwenApiKey?.value as string, maxRetries: 0 });
    const system = `You are the assistant of a platform team. ${"Read the runbook before acting. ".repeat(400)}`;
    const ask = (question: string) =>
      qwen.chat.completions.create({
        model: "qwen3.7-max",
        messages: [
          { role: "system", content: system },
          { role: "user", content: question },
        ],
      });
    const first = await ask("Which cluster serves you?");
    expect(first.choices[0]?.message.content?.length).toBeGreaterThan(0);
    // The repeated long prompt is served from the context cache (implicit, 3600 s in the example).
    const second = await ask("And which model?");
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(1000);
    const usage = await emulator.api("GET", "/v1/usage?groupBy=model");
    expect(usage.body.rows).toEqual([
      expect.objectContaining({
        group: "qwen3.7-max",
        requests: 2,
        cachedTokens: second.usage?.prompt_tokens_details?.cached_tokens,
      }),
    ]);
    expect(usage.body.rows[0].costUsd).toBeGreaterThan(0);
  });

  it("runs the README's walk: examples/agent-stack/ask.ts asks the endpoint twice, the second from the cache, and prints the metered usage", async () => {
    const outputs = await stack.outputs();
    const { stdout } = await runCommand(
      process.execPath,
      ["examples/agent-stack/ask.ts", String(outputs.qwenUrl?.value), String(outputs.qwenApiKey?.value)],
      {
        cwd: repoRoot,
        env: { ...process.env, AGENTCLOUD_ENDPOINT: emulator.url, AGENTCLOUD_TOKEN: devToken } as Record<
          string,
          string
        >,
      },
    ).then((r) => {
      expect(r.code, r.stderr).toBe(0);
      return r;
    });
    expect(stdout).toMatch(/^answer 1: \S+/m);
    expect(stdout).toMatch(/^usage 1: prompt \d+ \(cached 0\)/m);
    expect(stdout).toMatch(/^usage 2: prompt \d+ \(cached [1-9]\d{3,}\)/m);
    expect(stdout).toMatch(/^metered: \[\{"group":"qwen3.7-max","requests":4/m);
    expect(stdout).not.toContain(String(outputs.qwenApiKey?.value));
  });

  it("previews deployment.chipsPerReplica as a replace of the endpoint", async () => {
    await withConfig({ chipsPerReplica: "64" }, async () => {
      const preview = await stack.preview({ onOutput: output.onOutput });
      expect(preview.changeSummary).toEqual({ same: 4, replace: 1, update: 1 });
      expect(preview.stdout).toMatch(
        /\+- pulumi-nodejs:dynamic\/agentcloud:ModelEndpoint qwen replace \[diff: ~deployment/,
      );
      // The assistant only follows qwen's new id, in place.
      expect(preview.stdout).toMatch(
        /~ {2}pulumi-nodejs:dynamic\/agentcloud:AgentRuntime assistant update \[diff: ~models\]/,
      );
    });
  });

  it("previews throughput.tokensPerMinute as an in-place update of the endpoint", async () => {
    await withConfig({ tokensPerMinute: "800000" }, async () => {
      const preview = await stack.preview({ onOutput: output.onOutput });
      expect(preview.changeSummary).toEqual({ same: 5, update: 1 });
    });
  });

  it("rejects at preview a model that does not fit in chipsPerReplica, naming the field", async () => {
    await withConfig({ chipsPerReplica: "16" }, async () => {
      const failed = await stack.preview({ onOutput: output.onOutput }).then(
        () => null,
        (e: Error) => e,
      );
      expect(String(failed?.message)).toMatch(/deployment\.chipsPerReplica.*ModelTooLarge/);
    });
  });

  it("keeps API keys, the token and secret env out of the exported state in plaintext", async () => {
    const state = await stack.exportStack();
    const text = stateOnDisk(stack);
    const endpoints = (await emulator.api("GET", "/v1/model-endpoints")).body.items;
    for (const e of endpoints) expect(text).not.toContain(e.apiKey);
    expect(text).not.toContain(devToken);
    expect(text).not.toContain("dev-tickets-token");
    const stored = state.deployment.resources.filter((r: any) => r.type === types.endpoint);
    expect(stored).toHaveLength(2);
    for (const r of stored) expect(r.outputs.apiKey).toHaveProperty("4dabf18193072939515e22adb298388d");
  });

  it("destroys in dependency order without a DependencyViolation", async () => {
    const destroy = await stack.destroy({ onOutput: output.onOutput });
    expect(destroy.summary.resourceChanges).toEqual({ delete: 6 });
    expect(output.text()).not.toContain("DependencyViolation");
    expect([
      await count("chip-clusters"),
      await count("model-endpoints"),
      await count("agent-runtimes"),
    ]).toEqual([0, 0, 0]);
  });

  it("never printed an API key or the token", async () => {
    expect(output.text()).not.toContain(devToken);
    expect(output.text()).not.toMatch(/ak-[0-9a-f]{16,}/);
  });
});
