import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll } from "vitest";

/** A tool call's result as the tests read it. */
export type ToolResult = {
  isError?: boolean;
  structuredContent?: any;
  content: { type: string; text?: string }[];
};

/**
 * MCP sessions to an emulator's /mcp through the SDK's own client over streamable HTTP, each with
 * an account's token; every session of the describe block is closed after it.
 */
export function mcpSessions(baseUrl: () => string) {
  const open: Client[] = [];
  afterAll(() => Promise.all(open.map((c) => c.close())));
  return async (token: string, name = "agentcloud-test"): Promise<Client> => {
    const mcp = new Client({ name, version: "1.0.0" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${baseUrl()}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    open.push(mcp);
    return mcp;
  };
}
