import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Scratch space inside the repo (gitignored): the provider process resolves our package from here. */
export const scratchRoot = join(repoRoot, ".agentcloud", "test");
