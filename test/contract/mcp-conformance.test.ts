import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockCloudServer } from "../../provider/mock-cloud/index.ts";
import { repoRoot, scratchRoot } from "../support/paths.ts";

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) against the emulator's
 * /mcp, with the committed baseline of what it does not pass and why
 * (mcp-conformance-baseline.yml). Its client sends no token, so the emulator runs with
 * `mcpAnonymousAccount` (`--mcp-anonymous`), on a loopback address (its DNS-rebinding check).
 */
describe("the MCP conformance suite", { timeout: 240_000 }, () => {
  let server: Awaited<ReturnType<typeof startMockCloudServer>>;
  beforeAll(async () => {
    server = await startMockCloudServer({ port: 0, mcpAnonymousAccount: "dev" });
  });
  afterAll(() => server.close());

  it("passes every scenario but the baseline's, and the baseline holds no scenario that passes", async () => {
    const bin = join(repoRoot, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
    const args = [
      bin,
      "server",
      "--url",
      `${server.url}/mcp`,
      "--expected-failures",
      join(repoRoot, "test/contract/mcp-conformance-baseline.yml"),
      "--output-dir",
      join(scratchRoot, "conformance"),
    ];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code, out.slice(-4000)).toBe(0);
    expect(out).toMatch(/server-initialize: 1 passed, 0 failed/);
    expect(out).toMatch(/tools-list: 1 passed, 0 failed/);
    expect(out).toMatch(/dns-rebinding-protection: \d+ passed, 0 failed/);
  });
});
