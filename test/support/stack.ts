import { mkdirSync, readFileSync } from "node:fs";
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
  options: { configVia?: "stack config" | "environment" } = {},
): Promise<Stack> {
  const workDir = join(scratchRoot, "work", stackName);
  mkdirSync(workDir, { recursive: true });
  const viaEnv = options.configVia === "environment";
  const envVars = {
    ...pulumiEnv(),
    ...(viaEnv ? { AGENTCLOUD_ENDPOINT: cloud.url, AGENTCLOUD_TOKEN: cloud.token } : {}),
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: "agentcloud-e2e", stackName, program },
    { workDir, envVars },
  );
  if (!viaEnv) {
    await stack.setConfig("agentcloud:endpoint", { value: cloud.url });
    await stack.setConfig("agentcloud:token", { value: cloud.token, secret: true });
  }
  return stack;
}

/** Collects what the engine printed, to assert on it (and on what it must never print). */
export function capture(): { lines: string[]; onOutput: (s: string) => void; text: () => string } {
  const lines: string[] = [];
  return { lines, onOutput: (s) => lines.push(s), text: () => lines.join("") };
}

/**
 * The state file as the file backend stored it on disk (secrets encrypted), which is what must
 * never hold a plaintext secret; `stack.exportStack()` decrypts secrets and cannot show that.
 */
export function stateOnDisk(stack: Stack, project = "agentcloud-e2e"): string {
  const backend = (process.env.PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, "");
  return readFileSync(join(backend, ".pulumi", "stacks", project, `${stack.name}.json`), "utf8");
}
