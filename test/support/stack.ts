import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace, type PulumiFn, type Stack } from "@pulumi/pulumi/automation/index.js";
import { scratchRoot } from "./paths.ts";
import { pulumiEnv } from "./pulumi-env.ts";

Object.assign(process.env, pulumiEnv());

/**
 * A stack of an inline program run by the real `pulumi` CLI. Its work directory is inside the repo
 * so the dynamic-provider process (started there) resolves `pulumi-agentcloud/runtime`.
 */
export async function inlineStack(
  stackName: string,
  program: PulumiFn,
  cloud: { url: string; token: string },
): Promise<Stack> {
  const workDir = join(scratchRoot, "work", stackName);
  mkdirSync(workDir, { recursive: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: "agentcloud-e2e", stackName, program },
    { workDir, envVars: pulumiEnv() },
  );
  await stack.setConfig("agentcloud:endpoint", { value: cloud.url });
  await stack.setConfig("agentcloud:token", { value: cloud.token, secret: true });
  return stack;
}

/** Collects what the engine printed, to assert on it (and on what it must never print). */
export function capture(): { lines: string[]; onOutput: (s: string) => void; text: () => string } {
  const lines: string[] = [];
  return { lines, onOutput: (s) => lines.push(s), text: () => lines.join("") };
}
