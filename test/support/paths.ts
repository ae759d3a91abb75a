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
