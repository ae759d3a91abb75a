/**
 * MCP for an agent runtime whose `protocol` is `mcp`: its tools at `{invokeUrl}/mcp`, streamable
 * HTTP through the official SDK v2 as the cloud's own `/mcp` (2025-era clients stateless, 2026-era
 * ones per request), with the account's bearer token.
 *
 * - `run_task` `{ input, async? }` sends the agent a task, started as `POST {invokeUrl}/invocations`
 *   starts one (the same built-in loop or code answers it, through the runtime's gateway): the
 *   answer is the task's output text (and the task as structured content); a task that FAILED is an
 *   error result with its code and message; `async: true` answers at once with the task RUNNING.
 * - `get_task` `{ taskId }` reads a task of the runtime, from the same durable store.
 * - With `memory.enabled`, `memory_get`, `memory_put` and `memory_search`: the runtime's memory, as
 *   the requests of `{invokeUrl}/memory` with the caller's token (so its checks apply).
 *
 * A server is built for each request from the runtime as it is then (its name, description tag and
 * memory). A missing or unknown token (401) and a runtime the account does not hold or that does not
 * speak MCP (404) are the API's own answers; what the transport refuses, the SDK answers.
 */
import {
  type AuthInfo,
  type CallToolResult,
  createMcpHandler,
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  McpServer,
  originValidationResponse,
} from "@modelcontextprotocol/server";
import type { Context } from "hono";
import { z } from "zod";
import { Task } from "../../api/tasks.ts";
import { MockCloudError } from "../errors.ts";
import type { StoredResource } from "../store/repo.ts";
import { TaskStore } from "../store/tasks.ts";
import { discardBody } from "./body.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { callerRuntime, type taskHandlers, whatRuntimeRuns } from "./gateway.ts";
import { inProcess } from "./in-process.ts";
import { memoryTools } from "./memory-tools.ts";

/** The longest input a task takes (as `POST {invokeUrl}/invocations`). */
const maxInput = 100_000;

const protocolOf = (runtime: StoredResource) => String(runtime.body.protocol ?? "http");

/** What one request's server is built for: the caller, its token, the runtime, the request's context. */
interface Session {
  c: Context<AppEnv>;
  account: string;
  authorization: string;
  runtime: StoredResource;
}

/** What the runtime does, for its tools: its `description` tag, or what it runs. */
function describeRuntime(runtime: StoredResource): string {
  const tags = runtime.body.tags as Record<string, string> | undefined;
  return tags?.description ?? whatRuntimeRuns(runtime);
}

const text = (t: string) => [{ type: "text" as const, text: t }];

/** An error result: `<code>: <message>`, as a task's error or an API error says it. */
const failure = (code: string, message: string): CallToolResult => ({
  content: text(`${code}: ${message}`),
  isError: true,
});

/** A thrown error as an error result (the API's errors by their code). */
function failureOf(e: unknown): CallToolResult {
  if (e instanceof MockCloudError) return failure(e.code, e.message);
  return failure("InternalError", e instanceof Error ? e.message : String(e));
}

/** What `run_task` answers: the output text of a task that SUCCEEDED, why one FAILED (an error). */
function taskResult(task: Task): CallToolResult {
  const structuredContent = task as unknown as Record<string, unknown>;
  if (task.status === "FAILED") {
    const error = task.error ?? { code: "InternalError", message: "the task failed" };
    return { ...failure(error.code, error.message), structuredContent };
  }
  if (task.status === "RUNNING")
    return {
      content: text(`task ${task.id} is RUNNING: read it with get_task { taskId: "${task.id}" }`),
      structuredContent,
    };
  return { content: text(task.output?.text ?? ""), structuredContent };
}

/**
 * `{invokeUrl}/mcp` of the runtimes whose protocol is `mcp`. `tasks`: the runtime's task handlers
 * (gateway.ts), whose `start` runs each task; `fetchApp`: the app, for the memory's requests.
 */
export function runtimeMcpHandlers(
  deps: AppDeps,
  tasks: Pick<ReturnType<typeof taskHandlers>, "start">,
  fetchApp: (request: Request) => Promise<Response>,
) {
  const { service } = deps;
  const store = new TaskStore(service.db);

  /** One request of the caller's to the app (the runtime's memory): its status and JSON body. */
  const call = (session: Session, method: string, path: string, body?: unknown) =>
    inProcess(fetchApp, {
      method,
      path,
      authorization: session.authorization,
      ...(body === undefined ? {} : { body }),
    });

  /** The app's answer as a tool result: its body as structured content, an error by its code. */
  function answerOf(answer: { status: number; body: unknown }): CallToolResult {
    if (answer.status < 400)
      return {
        content: text(JSON.stringify(answer.body)),
        structuredContent: answer.body as Record<string, unknown>,
      };
    const e = (answer.body as { error?: { code?: string; message?: string } } | null)?.error;
    return failure(e?.code ?? `HTTP${answer.status}`, e?.message ?? `the emulator answered ${answer.status}`);
  }

  /** The MCP server of one request: the runtime's tools. */
  function serverOf(session: Session): McpServer {
    const { runtime } = session;
    const name = String(runtime.body.name);
    const memory = (runtime.body.memory as { enabled?: boolean } | undefined)?.enabled === true;
    const server = new McpServer(
      { name: `agentcloud-runtime-${name}`, version: String(runtime.body.version ?? 1) },
      {
        instructions: `The AgentCloud agent runtime ${name} (${runtime.id}): ${describeRuntime(runtime)}. run_task sends it a task and answers its output; get_task reads a task.${memory ? " memory_get, memory_put and memory_search read and write its cross-task memory." : ""}`,
      },
    );
    const base = `/agents/${encodeURIComponent(runtime.id)}/invoke`;

    server.registerTool(
      "run_task",
      {
        title: `Run a task on ${name}`,
        description: `Send the agent ${name} a task and answer its output text: ${describeRuntime(runtime)}. A task that fails is an error result with its code and message. With async: true, answers at once with the task RUNNING (read it with get_task).`,
        inputSchema: z.strictObject({
          input: z.string().min(1).max(maxInput).describe("what the agent is asked"),
          async: z
            .boolean()
            .optional()
            .describe("answer at once with the task RUNNING; read it with get_task"),
        }),
        outputSchema: Task,
        annotations: {
          title: `Run a task on ${name}`,
          readOnlyHint: false,
          destructiveHint: false,
          idempotentHint: false,
          // The agent's model answers (and its code may reach out): not a closed set of things.
          openWorldHint: true,
        },
      },
      async ({ input, async: background }) => {
        try {
          const { task, finished } = tasks.start(session.c, runtime.id, input);
          if (background) {
            // The task's own record says how it ended; get_task reads it.
            finished.catch(() => undefined);
            await service.durable();
            return taskResult(task);
          }
          const done = await finished;
          // Nothing is answered before it is on disk (the answer may go out after the HTTP request's own commit).
          await service.durable();
          return taskResult(done);
        } catch (e) {
          return failureOf(e);
        }
      },
    );

    server.registerTool(
      "get_task",
      {
        title: `Read a task of ${name}`,
        description: `A task of the agent ${name}: RUNNING, SUCCEEDED (its output, and where its model calls went) or FAILED (why).`,
        inputSchema: z.strictObject({
          taskId: z.string().min(1).max(256).describe("the task's id (task-…), as run_task answered it"),
        }),
        outputSchema: Task,
        annotations: {
          title: `Read a task of ${name}`,
          readOnlyHint: true,
          destructiveHint: false,
          idempotentHint: true,
          openWorldHint: false,
        },
      },
      async ({ taskId }) => {
        try {
          const task = store.get(session.account, runtime.id, taskId);
          if (!task) return failure("NotFound", `task ${taskId} of ${runtime.id} not found`);
          return {
            content: text(JSON.stringify(task)),
            structuredContent: task as unknown as Record<string, unknown>,
          };
        } catch (e) {
          return failureOf(e);
        }
      },
    );

    if (!memory) return server;
    for (const tool of memoryTools) {
      server.registerTool(
        tool.name,
        {
          title: tool.title(name),
          description: tool.description(name),
          inputSchema: tool.input,
          outputSchema: tool.output,
          annotations: {
            title: tool.title(name),
            readOnlyHint: tool.readOnly,
            // memory_put overwrites the entry under the same key.
            destructiveHint: !tool.readOnly,
            idempotentHint: true,
            openWorldHint: false,
          },
        },
        async (args: Record<string, unknown>) => {
          const request = tool.request(args);
          if ("refused" in request) return failure("ValidationError", request.refused);
          try {
            return answerOf(await call(session, request.method, `${base}/${request.path}`, request.body));
          } catch (e) {
            return failureOf(e);
          }
        },
      );
    }
    return server;
  }

  const mcp = createMcpHandler(({ authInfo }) =>
    serverOf((authInfo as AuthInfo & { extra: { session: Session } }).extra.session),
  );

  return {
    /** `{invokeUrl}/mcp`: 401 without the account's token, 404 for a runtime it has none such or not `mcp`. */
    async serve(c: Context<AppEnv>, runtimeId: string): Promise<Response> {
      if (deps.loopback) {
        const refused =
          hostHeaderValidationResponse(c.req.raw, localhostAllowedHostnames()) ??
          originValidationResponse(c.req.raw, localhostAllowedOrigins());
        if (refused) return refused;
      }
      const { account, runtime } = callerRuntime(deps, c, runtimeId, "an agent runtime's MCP endpoint");
      if (protocolOf(runtime) !== "mcp")
        throw new MockCloudError(
          "NotFound",
          `AgentRuntime ${runtime.id} speaks ${protocolOf(runtime)}, not mcp: it has no MCP endpoint`,
        );
      const authorization = c.req.header("authorization") as string;
      // As at /mcp: a declared length over the SDK's limit is refused by that header alone; drop the
      // body first, so the client hears that 413 instead of a connection closed under its upload.
      let request = c.req.raw;
      if (Number(c.req.header("content-length") ?? 0) > DEFAULT_MAX_REQUEST_BODY_SIZE) {
        await discardBody(c);
        request = new Request(request.url, { method: request.method, headers: request.headers });
      }
      const session: Session = { c, account, authorization, runtime };
      return mcp.fetch(request, {
        authInfo: { token: authorization, clientId: account, scopes: [], extra: { session } },
      });
    },
  };
}
