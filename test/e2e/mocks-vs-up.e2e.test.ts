import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentCloudMocks, agentCloudMocks, type ProgramResult } from "../../provider/testing/mocks.ts";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot } from "../support/paths.ts";
import { capture, inlineStack } from "../support/stack.ts";

/**
 * The same program (examples/agent-stack) under `agentCloudMocks()` and under a real `pulumi up`
 * against the emulator: the program's exports, every resource's outputs and which of them are
 * secret must be the same, ids, timestamps and the cloud's URL aside. So must a check failure's text.
 */
const project = "agentcloud-e2e"; // what inlineStack uses: automatic names derive from project/stack/name
const stackName = "mocks-vs-up";
let run = 0;
const program = async () => ({ ...(await import(`${repoRoot}/examples/agent-stack/index.ts?run=${run++}`)) });

type Outputs = Record<string, unknown>;
interface Seen {
  exports: Record<string, { value: unknown; secret: boolean }>;
  resources: { type: string; name: string; id: string; outputs: Outputs; secrets: string[] }[];
  url: string;
}

let emulator: RunningEmulator;
let stack: Stack;
let real: Seen;
let realPreviewError = "";
const output = capture();

/** Ids become the logical name of their resource, the cloud's URL a placeholder, timestamps go. */
function normalize(seen: Seen) {
  const names = new Map(seen.resources.map((r) => [r.id, `<${r.name}>`]));
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      let s = v.split(seen.url).join("<cloud>");
      for (const [id, name] of names) s = s.split(id).join(name);
      return s;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => !["createdAt", "updatedAt", "apiKey"].includes(k))
          .map(([k, x]) => [k, walk(x)]),
      );
    }
    return v;
  };
  return {
    exports: walk(Object.fromEntries(Object.entries(seen.exports).filter(([k]) => k !== "qwenApiKey"))),
    secretExports: Object.entries(seen.exports)
      .filter(([, o]) => o.secret)
      .map(([k]) => k)
      .sort(),
    resources: seen.resources
      .map((r) => ({ type: r.type, name: r.name, outputs: walk(r.outputs), secrets: [...r.secrets].sort() }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

const sigKey = "4dabf18193072939515e22adb298388d";

describe("agentCloudMocks against a real `pulumi up` of the same program", { timeout: 300_000 }, () => {
  beforeAll(async () => {
    emulator = await startEmulator();
    stack = await inlineStack(stackName, program, { url: emulator.url, token: devToken });
    const up = await stack.up({ onOutput: output.onOutput });
    const state = await stack.exportStack();
    const resources = state.deployment.resources
      .filter((r: { type: string }) => r.type.startsWith("pulumi-nodejs:dynamic/agentcloud:"))
      .map((r: { type: string; urn: string; id: string; outputs: Outputs }) => ({
        type: r.type,
        name: r.urn.split("::").pop() as string,
        id: r.id,
        // What the program reads: the engine's own `__` bookkeeping aside (see agentCloudMocks).
        outputs: Object.fromEntries(
          Object.entries(r.outputs)
            .filter(([k]) => !k.startsWith("__"))
            .map(([k, v]) => [k, isStateSecret(v) ? JSON.parse(v.plaintext) : v]),
        ),
        secrets: Object.keys(r.outputs).filter((k) => isStateSecret(r.outputs[k])),
      }));
    real = { exports: up.outputs, resources, url: emulator.url };
    await stack.setConfig("chipsPerReplica", { value: "16" });
    realPreviewError = await stack.preview({ onOutput: output.onOutput }).then(
      () => "",
      (e: Error) => e.message,
    );
    await stack.removeConfig("chipsPerReplica");
  });

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await emulator?.stop();
  });

  async function underMocks(config: Record<string, string> = {}): Promise<{
    mocks: AgentCloudMocks;
    result: ProgramResult;
  }> {
    const mocks = agentCloudMocks();
    await pulumi.runtime.setMocks(mocks, project, stackName);
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project}:${k}`, v])),
    );
    const result = await mocks.run(program);
    await mocks.close();
    return { mocks, result };
  }

  it("exports the same outputs, and every resource the same outputs and secrets", async () => {
    const { mocks, result } = await underMocks();
    expect(result.errors).toEqual([]);
    const mocked: Seen = {
      exports: result.outputs,
      resources: mocks.resources.map((r) => ({
        type: r.type,
        name: r.name,
        id: r.id as string,
        outputs: r.state,
        secrets: r.secrets,
      })),
      url: mocks.cloud.url,
    };
    expect(mocked.resources).toHaveLength(5);
    expect(normalize(mocked)).toEqual(normalize(real));
    // The secret itself is a real API key in both.
    expect(result.outputs.qwenApiKey).toEqual({ value: expect.stringMatching(/^ak-/), secret: true });
    expect(real.exports.qwenApiKey).toEqual({ value: expect.stringMatching(/^ak-/), secret: true });
  });

  it("fails a check with the text `pulumi preview` prints", async () => {
    const { result } = await underMocks({ chipsPerReplica: "16" });
    const line = result.errors
      .map((e) => /pulumi-nodejs:dynamic\/agentcloud:ModelEndpoint resource 'qwen'.*/.exec(e.message)?.[0])
      .find(Boolean);
    expect(line).toMatch(/deployment\.chipsPerReplica/);
    expect(realPreviewError).toContain(line);
  });
});

function isStateSecret(v: unknown): v is { plaintext: string } {
  return v !== null && typeof v === "object" && sigKey in v && "plaintext" in v;
}
