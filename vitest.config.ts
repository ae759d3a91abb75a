import { join, resolve } from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
// One scratch directory per run (test/support/paths.ts): set here, in the main process, so the
// global setups and every worker see the same one, and another run in this checkout gets its own.
process.env.AGENTCLOUD_TEST_SCRATCH ??= join(root, ".agentcloud", `test-${process.pid}`);

/**
 * Three projects:
 * - `unit` (`npm run test:unit`): in process, fast: needs neither the Pulumi CLI nor a build, starts
 *   no child process. `pulumi-agentcloud` resolves to the TypeScript sources, not to dist/.
 * - `contract` (`npm run test:contract`): the emulator's API, MCP and data plane against real
 *   servers (both adapters), with child processes where the test is about one (kill -9, stdio).
 *   Sources too, no build.
 * - `e2e`: the real engine and the compiled package; its global setup builds dist/ and checks the CLI.
 * `npm test` runs all three.
 *
 * No test depends on the day it runs: those about dates pin the clock (check's with `setClock` of
 * provider/runtime/config.ts, the emulator's with its clock). Checked by running the unit project
 * on 2028-08-01 under libfaketime (`apt-get install faketime`), as an offset so that the emulator
 * processes a test starts read the same time:
 *   faketime -f "+$(( $(date -ud 2028-08-01 +%s) - $(date +%s) ))" npm run test:unit
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        resolve: {
          alias: [
            { find: /^pulumi-agentcloud$/, replacement: resolve(root, "provider/index.ts") },
            { find: /^pulumi-agentcloud\/([a-z-]+)$/, replacement: resolve(root, "provider/$1/index.ts") },
          ],
        },
        test: {
          name: "unit",
          include: [
            "provider/**/*.test.ts",
            "test/property/**/*.test.ts",
            "test/provider/**/*.test.ts",
            "examples/*/*.test.ts",
          ],
          globalSetup: ["test/support/scratch-setup.ts"],
        },
      },
      {
        extends: true,
        resolve: {
          alias: [
            { find: /^pulumi-agentcloud$/, replacement: resolve(root, "provider/index.ts") },
            { find: /^pulumi-agentcloud\/([a-z-]+)$/, replacement: resolve(root, "provider/$1/index.ts") },
          ],
        },
        test: {
          name: "contract",
          include: ["test/contract/**/*.test.ts", "test/dataplane/**/*.test.ts"],
          globalSetup: ["test/support/scratch-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts", "test/browser/**/*.test.ts", "test/serialization.test.ts"],
          globalSetup: ["test/support/scratch-setup.ts", "test/support/global-setup.ts"],
          // The compiled package is what the engine's provider process loads; load it natively here
          // too, so the provider object is serialized from the same code users get.
          server: { deps: { external: [/\/dist\//, /node_modules/] } },
        },
      },
    ],
  },
});
