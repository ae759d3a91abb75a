#!/usr/bin/env node
/**
 * `agentcloud-mcp`: the emulator's MCP server over stdio, for desktop agents. It relays to a running
 * emulator's `/mcp` with an account token, so the emulator's own tools and gates (read-only,
 * allow-list, plans, approvals) apply as they do over HTTP.
 *
 *   agentcloud-mcp --endpoint http://127.0.0.1:4566 [--token <account token>]
 *
 * The token may come from AGENTCLOUD_TOKEN instead (better: a flag shows in the process list), the
 * endpoint from AGENTCLOUD_ENDPOINT. stdout is the protocol: messages go to stderr, never the token.
 */
import { parseArgs } from "node:util";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Server } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { maxArgumentDepth, nestsDeeperThan, tooDeep } from "./bounds.ts";

const usage =
  "usage: agentcloud-mcp --endpoint <emulator URL> [--token <account token>] (or AGENTCLOUD_ENDPOINT, AGENTCLOUD_TOKEN)";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { endpoint: { type: "string" }, token: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    process.stderr.write(`${usage}\n`);
    return;
  }
  const endpoint = values.endpoint ?? process.env.AGENTCLOUD_ENDPOINT;
  const token = values.token ?? process.env.AGENTCLOUD_TOKEN;
  if (!endpoint || !token) {
    process.stderr.write(`agentcloud-mcp: ${endpoint ? "no token" : "no endpoint"}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const upstream = new Client({ name: "agentcloud-mcp", version: "0.1.0" });
  try {
    await upstream.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", endpoint), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
  } catch (e) {
    // The SDK's message names the URL and the status, never the headers.
    process.stderr.write(`agentcloud-mcp: cannot reach ${endpoint}/mcp: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  serveStdio(() => {
    const server = new Server(
      { name: "agentcloud-mock", version: "0.1.0" },
      { capabilities: { tools: {} }, instructions: upstream.getInstructions() },
    );
    server.setRequestHandler("tools/list", (request) => upstream.listTools(request.params));
    server.setRequestHandler("tools/call", (request) =>
      // Refused here as the emulator would (its client could not even serialize them), not relayed.
      nestsDeeperThan(request.params.arguments, maxArgumentDepth)
        ? {
            content: [
              {
                type: "text" as const,
                text: `Input validation error: Invalid arguments for tool ${request.params.name.slice(0, 64)}: ${tooDeep}`,
              },
            ],
            isError: true,
          }
        : upstream.callTool(request.params),
    );
    return server;
  });
}

await main();
