#!/usr/bin/env node
/**
 * agentcloud-mock: the AgentCloud emulator as a local server.
 *   agentcloud-mock [--host 127.0.0.1] [--port 4600] [--data .agentcloud] [--tokens tokens.json]
 *                   [--admin-token T] [--seed seed.json] [--log]
 *                   [--mcp-read-only] [--mcp-allow tool,tool] [--mcp-admin-tools] [--mcp-anonymous account]
 * Env: AGENTCLOUD_MOCK_TOKENS="tok=acct,tok2=acct2", AGENTCLOUD_MOCK_ADMIN_TOKEN.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseTokenList } from "./http/auth.ts";
import { type Seed, startMockCloudServer } from "./index.ts";

function fatal(message: string): never {
  process.stderr.write(`agentcloud-mock: ${message}\n`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "4600" },
      data: { type: "string", default: ".agentcloud" },
      tokens: { type: "string" },
      "admin-token": { type: "string" },
      seed: { type: "string" },
      log: { type: "boolean", default: false },
      "mcp-read-only": { type: "boolean", default: false },
      "mcp-allow": { type: "string" },
      "mcp-admin-tools": { type: "boolean", default: false },
      "mcp-anonymous": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
}
try {
  args = parse();
} catch (e) {
  fatal((e as Error).message);
}
const { values } = args;
if (values.help) {
  const usage = readFileSync(new URL(import.meta.url), "utf8")
    .split("\n")
    .slice(2, 7)
    .join("\n");
  process.stdout.write(`${usage.replace(/^ \*/gm, "")}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fatal(`--port must be 0-65535, got ${values.port}`);

const readJson = (file: string, what: string) => {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    fatal(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
};
let tokens: Record<string, string> | undefined;
if (values.tokens) tokens = readJson(values.tokens, "tokens file");
else if (process.env.AGENTCLOUD_MOCK_TOKENS) tokens = parseTokenList(process.env.AGENTCLOUD_MOCK_TOKENS);

const server = await startMockCloudServer({
  host: values.host,
  port,
  dataDir: values.data,
  tokens,
  adminToken: values["admin-token"] ?? process.env.AGENTCLOUD_MOCK_ADMIN_TOKEN,
  seed: values.seed ? (readJson(values.seed, "seed file") as Seed) : undefined,
  verbose: values.log,
  ...(values["mcp-anonymous"] ? { mcpAnonymousAccount: values["mcp-anonymous"] } : {}),
  mcp: {
    readOnly: values["mcp-read-only"],
    adminTools: values["mcp-admin-tools"],
    ...(values["mcp-allow"] ? { allowTools: values["mcp-allow"].split(",").map((t) => t.trim()) } : {}),
  },
}).catch((e: Error) => fatal(e.message));
process.stdout.write(`agentcloud-mock listening on ${server.url}\n`);
process.stdout.write(`agentcloud-mock console at ${server.consoleUrl} (admin token unlocks the controls)\n`);
process.stdout.write(
  values["mcp-anonymous"]
    ? `agentcloud-mock MCP at ${server.url}/mcp: WITHOUT a token it acts as account ${values["mcp-anonymous"]} (--mcp-anonymous; for conformance suites, never a shared emulator)\n`
    : `agentcloud-mock MCP at ${server.url}/mcp (an account token as the bearer)\n`,
);

const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
