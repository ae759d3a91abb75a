/**
 * An agent runtime's skills as tools an agent can call: what the built-in agent loop offers its
 * model, and what a code artifact reaches through `context.skills`.
 *
 * - `mcp` skills: the tools of the MCP server at `target` (the official client, streamable HTTP),
 *   only those `allowedTools` names when it names any. A target on the emulator itself (the cloud's
 *   own `/mcp`, or another runtime's `{invokeUrl}/mcp`) is called in process with the account's
 *   token: an `mcp` skill whose target is the emulator's `/mcp` gives the agent the cloud itself. A
 *   target elsewhere is called without a token (the account's token never leaves the emulator).
 * - `builtin` skills with target `memory`: the runtime's own memory (`memory_get`, `memory_put`,
 *   `memory_search`).
 * - `openapi` skills, and other builtin targets, offer no tools here (listed in `unavailable`).
 *
 * A tool is named `<skill>__<tool>` (OpenAI's function names: letters, digits, `_` and `-`, at most
 * 64 characters).
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { z } from "zod";
import { inProcess } from "./in-process.ts";
import { memoryTools } from "./memory-tools.ts";

type Skill = { name: string; kind: "mcp" | "openapi" | "builtin"; target: string; allowedTools: string[] };

/** A tool as OpenAI's chat completions take it. */
interface FunctionTool {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

interface ToolResult {
  isError: boolean;
  /** The result as the model reads it (a tool message's content). */
  text: string;
}

export interface SkillTools {
  tools: FunctionTool[];
  /** Skills that offer no tools here, and why. */
  unavailable: { skill: string; reason: string }[];
  call(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

const toolName = (skill: string, tool: string) =>
  `${skill}__${tool}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);

/**
 * Connects to the runtime's skills. `fetchApp` answers requests to the emulator itself; `origin` is
 * the emulator's (the runtime's invokeUrl's); `authorization` the account's token.
 */
export async function skillTools(
  runtime: { id: string; name: string; invokeUrl: string; skills: Skill[] },
  authorization: string,
  fetchApp: (request: Request) => Promise<Response>,
): Promise<SkillTools> {
  const origin = new URL(runtime.invokeUrl).origin;
  const tools: FunctionTool[] = [];
  const unavailable: SkillTools["unavailable"] = [];
  const handlers = new Map<string, (args: Record<string, unknown>) => Promise<ToolResult>>();
  const clients: Client[] = [];
  const own = (url: string) => {
    try {
      return new URL(url).origin === origin;
    } catch {
      return false;
    }
  };
  // The emulator's own server, in process: with the Host a request over the network would carry
  // (its /mcp refuses a request without one when it serves a loopback address).
  const ownFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input instanceof Request ? input : String(input), init);
    const headers = new Headers(request.headers);
    headers.set("host", new URL(request.url).host);
    return fetchApp(new Request(request, { headers }));
  };

  for (const skill of runtime.skills) {
    const allowed = (name: string) => skill.allowedTools.length === 0 || skill.allowedTools.includes(name);
    if (skill.kind === "mcp") {
      const ours = own(skill.target);
      const client = new Client({ name: `agentcloud-runtime-${runtime.id}`, version: "1.0.0" });
      try {
        await client.connect(
          new StreamableHTTPClientTransport(new URL(skill.target), {
            ...(ours ? { fetch: ownFetch, requestInit: { headers: { authorization } } } : {}),
          }),
        );
        clients.push(client);
        const listed = await client.listTools();
        for (const tool of listed.tools.filter((t) => allowed(t.name))) {
          const name = toolName(skill.name, tool.name);
          tools.push({
            type: "function",
            function: {
              name,
              description: tool.description ?? tool.title ?? tool.name,
              parameters: tool.inputSchema as Record<string, unknown>,
            },
          });
          handlers.set(name, async (args) => {
            const result = await client.callTool({ name: tool.name, arguments: args });
            const content = (result.content ?? []) as { type: string; text?: string }[];
            const text = content
              .filter((c) => c.type === "text")
              .map((c) => c.text ?? "")
              .join("\n");
            return {
              isError: result.isError === true,
              text: text || JSON.stringify(result.structuredContent ?? null),
            };
          });
        }
      } catch (e) {
        unavailable.push({
          skill: skill.name,
          reason: `its MCP server did not answer: ${(e as Error).message}`,
        });
        await client.close().catch(() => {});
      }
    } else if (skill.kind === "builtin" && skill.target === "memory") {
      for (const tool of memoryTools.filter((t) => allowed(t.name))) {
        const name = toolName(skill.name, tool.name);
        tools.push({
          type: "function",
          function: {
            name,
            description: tool.description(String(runtime.name)),
            parameters: z.toJSONSchema(tool.input) as Record<string, unknown>,
          },
        });
        handlers.set(name, async (args) => {
          const request = tool.request(args);
          if ("refused" in request) return { isError: true, text: request.refused };
          const answer = await inProcess(fetchApp, {
            ...request,
            path: `${runtime.invokeUrl}/${request.path}`,
            authorization,
          });
          return { isError: answer.status >= 400, text: JSON.stringify(answer.body) };
        });
      }
    } else {
      unavailable.push({
        skill: skill.name,
        reason:
          skill.kind === "openapi"
            ? "openapi skills offer no tools in this emulator"
            : `no builtin ${skill.target} here (builtin skills: memory)`,
      });
    }
  }

  return {
    tools,
    unavailable,
    async call(name, args) {
      const handler = handlers.get(name);
      if (!handler)
        return {
          isError: true,
          text: `no tool ${name}: the runtime's skills offer ${[...handlers.keys()].join(", ") || "none"}`,
        };
      try {
        return await handler(args);
      } catch (e) {
        return { isError: true, text: (e as Error).message };
      }
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    },
  };
}
