import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["provider/**/*.test.ts", "test/**/*.test.ts", "examples/*/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // The compiled package is what the engine's provider process loads; load it natively here too,
    // so the provider object is serialized from the same code users get.
    server: { deps: { external: [/\/dist\//, /node_modules/] } },
  },
});
