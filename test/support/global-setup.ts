import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.ts";
import { pulumiEnv } from "./pulumi-env.ts";

/**
 * Once per test run: compile the package (the provider process loads the compiled runtime, as it
 * would from an installed package), make it resolvable by name from the repo, and check that the
 * real Pulumi CLI is there. A missing engine fails the run; it never skips tests. Only the e2e
 * project runs it (the scratch directory is scratch-setup.ts's).
 */
export default function setup(): void {
  execFileSync(
    process.execPath,
    [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: repoRoot,
      stdio: "inherit",
    },
  );
  linkSelf();
  const env = pulumiEnv();
  const version = execFileSync("pulumi", ["version"], { env: { ...process.env, ...env } })
    .toString()
    .trim();
  process.stdout.write(`[setup] pulumi ${version}, node ${process.version}\n`);
}

/** node_modules/pulumi-agentcloud → the repo, so `require("pulumi-agentcloud/runtime")` resolves. */
export function linkSelf(): void {
  const link = join(repoRoot, "node_modules", "pulumi-agentcloud");
  if (existsSync(link) || isDanglingLink(link)) return;
  symlinkSync("..", link, "dir");
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
