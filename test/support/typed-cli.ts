import { execFile } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { devToken } from "./fixtures.ts";
import { repoRoot, scratchRoot } from "./paths.ts";
import { pulumiEnv } from "./pulumi-env.ts";

/** What a command did: its exit code (-1 when it could not run or was killed) and its output. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of an own state and PULUMI_HOME under the run's scratch directory (`name`). */
export function cliEnv(name: string): { root: string; env: Record<string, string> } {
  const root = join(scratchRoot, name);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...pulumiEnv(join(root, "state")),
    PULUMI_HOME: join(root, "home"),
  };
  mkdirSync(env.PULUMI_HOME as string, { recursive: true });
  return { root, env };
}

/** Runs a program to its end (3 minutes at most), never throwing: the result says how it went. */
export function run(
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeout?: number },
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { ...options, timeout: options.timeout ?? 180_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * One stack of an example, typed as a user does: `pulumi <args> --stack <name> --non-interactive`
 * inside examples/<example>, with the state and PULUMI_HOME of `cliEnv(stackName)`.
 */
export function typedStack(example: string, stackName: string) {
  const { root, env } = cliEnv(stackName);
  const dir = join(repoRoot, "examples", example);
  const typed = (args: string[]) =>
    run("pulumi", [...args, "--stack", stackName, "--non-interactive"], { cwd: dir, env });
  /** A command that must succeed: its output, or a failure that shows it. */
  const pulumi = async (args: string[]): Promise<string> => {
    const r = await typed(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  return {
    root,
    env,
    dir,
    run: typed,
    pulumi,
    /** A new stack configured for an emulator (the token as a secret). */
    async init(endpoint: string) {
      rmSync(join(dir, `Pulumi.${stackName}.yaml`), { force: true });
      await pulumi(["stack", "init", "--no-select"]);
      await pulumi([
        "config",
        "set-all",
        "--plaintext",
        `agentcloud:endpoint=${endpoint}`,
        "--secret",
        `agentcloud:token=${devToken}`,
      ]);
    },
    /** The stack and its config file gone (after a destroy when `destroy`). */
    async remove(options: { destroy?: boolean } = {}) {
      if (options.destroy) await typed(["destroy", "--yes", "--skip-preview"]);
      await typed(["stack", "rm", "--yes", "--force"]);
      rmSync(join(dir, `Pulumi.${stackName}.yaml`), { force: true });
    },
  };
}
