/**
 * Unit-testing a program under agentCloudMocks() against running it through the engine: the same
 * program (examples/agent-stack), once by `pulumi up` (Automation API, real CLI, emulator process)
 * and several times under the mocks in this process. The engine runs first: setMocks takes over
 * this process's Pulumi runtime for good.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { agentCloudMocks } from "pulumi-agentcloud/testing";
import { devToken, startEmulator } from "../test/support/emulator.ts";
import { repoRoot } from "../test/support/paths.ts";
import { pulumiEnv } from "../test/support/pulumi-env.ts";
import { type Row, row } from "./table.ts";

const example = join(repoRoot, "examples/agent-stack/index.ts");
let runs = 0;
const program = () => import(`${example}?bench=${runs++}`);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

export async function benchMocks(): Promise<Row[]> {
  const env = pulumiEnv(join(repoRoot, ".agentcloud", "bench", "state"));
  Object.assign(process.env, env);
  const emulator = await startEmulator({ compiled: true });
  let engine = 0;
  try {
    const workDir = join(repoRoot, ".agentcloud", "bench", "mocks-engine");
    mkdirSync(workDir, { recursive: true });
    const stack = await LocalWorkspace.createOrSelectStack(
      {
        projectName: "agentcloud-agent-stack",
        stackName: "bench-mocks",
        program: async () => ({ ...(await program()) }),
      },
      { workDir, envVars: env },
    );
    await stack.setConfig("agentcloud:endpoint", { value: emulator.url });
    await stack.setConfig("agentcloud:token", { value: devToken, secret: true });
    engine = await timed(() => stack.up());
    await stack.destroy();
  } finally {
    await emulator.stop();
  }
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const mocks = agentCloudMocks();
    await pulumi.runtime.setMocks(mocks, "agentcloud-agent-stack", "dev", false);
    const t = await timed(async () => {
      const result = await mocks.run(program);
      if (result.errors.length > 0) throw result.errors[0];
    });
    await mocks.close();
    if (i > 0) times.push(t); // the first run loads msw and warms the serializer
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  return [
    row("examples/agent-stack under agentCloudMocks (median of 5)", median, "s", engine, "pulumi up of it"),
  ];
}
