import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/**
 * Scratch space inside the repo (gitignored): the provider process resolves our package from here.
 * One per test run (vitest.config.ts sets AGENTCLOUD_TEST_SCRATCH to `.agentcloud/test-<pid>` before
 * the workers start, and the global setup removes it at the end), so two runs in one checkout never
 * share it.
 */
export const scratchRoot = process.env.AGENTCLOUD_TEST_SCRATCH ?? join(repoRoot, ".agentcloud", "test");

/**
 * This checkout's build installed under `<dir>/node_modules/pulumi-agentcloud` as a registry install
 * lays it out: package.json and dist/ copied, not linked (Node resolves a link to the checkout, and
 * the serializer then stores the provider's functions, not a `require` of its module). Its own
 * dependencies resolve to the repo's node_modules when dir is inside the repo. Returns the package
 * directory.
 */
export function installBuiltPackage(dir: string): string {
  const pkg = join(dir, "node_modules", "pulumi-agentcloud");
  const dist = join(repoRoot, "dist");
  if (!existsSync(join(dist, "index.js"))) throw new Error(`${dist} is missing: run \`npm run build\` first`);
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(repoRoot, "package.json"), join(pkg, "package.json"));
  cpSync(dist, join(pkg, "dist"), { recursive: true });
  return pkg;
}
