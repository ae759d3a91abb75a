import { defineConfig } from "vitest/config";

// `npx vitest run` in this folder: the program's unit tests under agentCloudMocks (no engine needed).
export default defineConfig({ test: { include: ["*.test.ts"], testTimeout: 30_000 } });
