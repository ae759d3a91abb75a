import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { repoRoot, scratchRoot } from "./paths.ts";

/**
 * The offline engine environment: the version-stamped CLI from the project's cache (or a pulumi
 * already on PATH), a file backend, a passphrase, no update checks, no plugin downloads.
 */
export function pulumiEnv(stateDir = join(scratchRoot, "state")): Record<string, string> {
  const cache =
    process.env.AGENTCLOUD_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pulumi-agentcloud");
  const version = pinnedPulumiVersion();
  const cached = join(cache, `pulumi-${version}`, "bin");
  const hasCached = existsSync(join(cached, "pulumi"));
  // Beside the CLI when it is ours (the CLI warns when it finds the plugin elsewhere).
  const plugins = providerPluginDir(hasCached ? cached : join(repoRoot, ".agentcloud", "bin"));
  const path = [hasCached ? cached : null, join(process.execPath, ".."), process.env.PATH, plugins]
    .filter(Boolean)
    .join(delimiter);
  if (!onPath("pulumi", path)) {
    throw new Error(
      `the Pulumi CLI is not built: run \`bash scripts/test.sh\` (it builds ${version} into ${cached}) or put pulumi >= 3.181 on PATH`,
    );
  }
  const home = join(cache, "pulumi-home");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  return {
    PATH: path,
    PULUMI_HOME: process.env.PULUMI_HOME ?? home,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "agentcloud-local",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
}

function pinnedPulumiVersion(): string {
  const gomod = readFileSync(join(repoRoot, "tools/pulumi/go.mod"), "utf8");
  const m = /github\.com\/pulumi\/pulumi\/pkg\/v3 (v[0-9.]+)/.exec(gomod);
  if (!m?.[1]) throw new Error("tools/pulumi/go.mod does not pin github.com/pulumi/pulumi/pkg/v3");
  return m[1];
}

function onPath(bin: string, path: string): boolean {
  return path.split(delimiter).some((dir) => dir && existsSync(join(dir, bin)));
}

/** The engine starts dynamic providers through @pulumi/pulumi's `pulumi-resource-pulumi-nodejs` script. */
function providerPluginDir(dir: string): string {
  const target = join(dir, "pulumi-resource-pulumi-nodejs");
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(repoRoot, "node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"), target);
    chmodSync(target, 0o755);
  }
  return dir;
}
