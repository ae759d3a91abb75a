import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockCloudServer } from "../../provider/mock-cloud/index.ts";
import { repoRoot } from "../support/paths.ts";
import { cluster, dev, tokens } from "./fixtures.ts";

/** `agentcloud-mcp`, the stdio server for desktop agents, through the SDK's own stdio client. */
describe("agentcloud-mcp over stdio", () => {
  let server: Awaited<ReturnType<typeof startMockCloudServer>>;
  beforeAll(async () => {
    server = await startMockCloudServer({ port: 0, tokens });
  });
  afterAll(() => server.close());

  const spawnClient = async (env: Record<string, string>, args: string[] = []) => {
    const stderr: string[] = [];
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(repoRoot, "provider/mock-cloud/mcp/stdio.ts"), ...args],
      env: { PATH: process.env.PATH ?? "", ...env },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
    const client = new Client({ name: "stdio-test", version: "1.0.0" });
    await client.connect(transport);
    return { client, stderr };
  };

  it("relays the emulator's tools and calls, with the token from the environment", async () => {
    const { client, stderr } = await spawnClient({ AGENTCLOUD_TOKEN: dev }, ["--endpoint", server.url]);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("createChipCluster");
      expect(tools.find((t) => t.name === "getChipCluster")?.annotations?.readOnlyHint).toBe(true);
      const made = (await client.callTool({ name: "createChipCluster", arguments: cluster("stdio") })) as {
        structuredContent?: { resource: { name: string; id: string } };
      };
      expect(made.structuredContent?.resource.name).toBe("stdio");
      const plan = (await client.callTool({
        name: "deleteChipCluster",
        arguments: { id: made.structuredContent?.resource.id },
      })) as { structuredContent?: { plan?: { id: string } } };
      expect(plan.structuredContent?.plan?.id).toMatch(/^plan-/);
    } finally {
      await client.close();
    }
    expect(stderr.join("")).not.toContain(dev);
  });

  it("refuses to start without a token, saying what is missing", async () => {
    await expect(spawnClient({}, ["--endpoint", server.url])).rejects.toThrow();
  });
});
