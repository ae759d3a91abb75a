import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.ts";
import { nodeServer, useAdapterCloud } from "./fixtures.ts";

const run = promisify(execFile);

/**
 * A client generated from the live document: openapi-typescript (default options) turns the running
 * emulator's /openapi.json into types, `generated-client/program.ts` uses them with plain fetch,
 * `tsc --noEmit` must accept it, and it must then create, read, patch and delete every kind.
 */
describe("a client generated from /openapi.json by openapi-typescript", { timeout: 120_000 }, () => {
  // The generated program is a child process: the node server.
  const server = useAdapterCloud(nodeServer);
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "agentcloud-generated-client-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("generates types that a fetch client type-checks against, and that client works", async () => {
    await run(process.execPath, [
      join(repoRoot, "node_modules/openapi-typescript/bin/cli.js"),
      `${server.baseUrl}/openapi.json`,
      "--output",
      join(dir, "api.ts"),
    ]);
    expect(readFileSync(join(dir, "api.ts"), "utf8")).toContain('"/v1/catalog/regions"');
    copyFileSync(join(repoRoot, "test/contract/generated-client/program.ts"), join(dir, "program.ts"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2023",
          lib: ["es2023"],
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noUncheckedIndexedAccess: true,
          allowImportingTsExtensions: true,
          noEmit: true,
          types: ["node"],
          typeRoots: [join(repoRoot, "node_modules/@types")],
        },
        files: ["program.ts", "api.ts"],
      }),
    );
    const tsc = await run(process.execPath, [
      join(repoRoot, "node_modules/typescript/bin/tsc"),
      "-p",
      join(dir, "tsconfig.json"),
    ]).catch((e: { stdout?: string; message: string }) => {
      throw new Error(`tsc --noEmit failed on the generated client:\n${e.stdout ?? e.message}`);
    });
    expect(tsc.stdout).toBe("");
    const program = await run(process.execPath, [
      join(dir, "program.ts"),
      server.baseUrl,
      "agentcloud-dev-token",
    ]);
    expect(program.stdout).toContain("created, read, patched and deleted every kind");
  });
});
