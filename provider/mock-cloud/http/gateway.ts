/**
 * An agent runtime's model gateway: OpenAI's chat completions at `{invokeUrl}/models/v1`, routed to
 * the runtime's bound endpoints, each asked for the model it serves (the request's `model` is
 * replaced). The primary answers first; on a 429, a 5xx or an endpoint that is
 * gone or not serving, the next binding does (the fallbacks in the order declared, then the router).
 * Each hop is the endpoint's own request (its key, its metering and throttling), and the answer
 * says where it went: `x-agentcloud-routed-to` (the endpoint that answered) and `x-agentcloud-hops`
 * (`<endpoint>:<status>` for each try, in order); the request log has every hop too.
 */
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "hono";
import { agentRuntimeLifecycle } from "../../api/agent-runtime.ts";
import type { Task } from "../../api/tasks.ts";
import { MockCloudError } from "../errors.ts";
import { type ChatAnswer, runCode } from "../sandbox/runner.ts";
import { tx } from "../store/db.ts";
import type { StoredResource } from "../store/repo.ts";
import { TaskStore } from "../store/tasks.ts";
import type { AppDeps, AppEnv } from "./deps.ts";

type Binding = { endpointId: string; role: "primary" | "fallback" | "router" };

const roleOrder = { primary: 0, fallback: 1, router: 2 } as const;

/** An error in OpenAI's shape, as the data plane answers them. */
function openAiError(c: Context<AppEnv>, status: 401 | 404 | 503, code: string, message: string): Response {
  c.set("errorCode", code);
  return c.json(
    {
      error: { message, type: status === 503 ? "server_error" : "invalid_request_error", param: null, code },
    },
    status,
  );
}

/** Whether the next binding should answer instead. */
const handOn = (status: number) => status === 429 || status >= 500;

export function gatewayHandler(deps: AppDeps, fetchApp: (request: Request) => Promise<Response>) {
  const { service, tokens } = deps;
  return async (c: Context<AppEnv>, runtimeId: string): Promise<Response> => {
    const account = tokens.account(c.req.header("authorization"));
    if (!account)
      return openAiError(c, 401, "invalid_api_key", "the gateway takes the runtime's account token");
    c.set("account", account);
    service.tick();
    const runtime = service.repo.getResource(account, "AgentRuntime", runtimeId);
    if (!runtime) return openAiError(c, 404, "not_found", `agent runtime ${runtimeId} not found`);
    const status = String(runtime.body.status);
    if (status !== agentRuntimeLifecycle.ready && status !== agentRuntimeLifecycle.updating)
      return openAiError(c, 503, "runtime_unavailable", `agent runtime ${runtimeId} is ${status}`);
    const bindings = [...(runtime.body.models as Binding[])].sort(
      (a, b) => roleOrder[a.role] - roleOrder[b.role],
    );
    const raw = await c.req.arrayBuffer();
    // Each endpoint serves its own model: the request is sent to each as a request for it. A body
    // that is not a JSON object goes as it came (the endpoint answers what is wrong with it).
    let request: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(raw));
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
        request = parsed as Record<string, unknown>;
    } catch {}
    const bodyFor = (model: unknown) => (request ? JSON.stringify({ ...request, model }) : raw);
    const hops: string[] = [];
    let last: Response | null = null;
    for (const [i, binding] of bindings.entries()) {
      const endpoint = service.repo.getResource(account, "ModelEndpoint", binding.endpointId);
      if (!endpoint) {
        hops.push(`${binding.endpointId}:404`);
        continue;
      }
      const answer = await fetchApp(
        new Request(`http://agentcloud.internal/inference/${endpoint.id}/v1/chat/completions`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${String(endpoint.body.apiKey)}`,
            "content-type": c.req.header("content-type") ?? "application/json",
            "x-agentcloud-runtime": runtimeId,
          },
          body: bodyFor(endpoint.body.model),
        }),
      );
      hops.push(`${endpoint.id}:${answer.status}`);
      if (handOn(answer.status) && i < bindings.length - 1) {
        await answer.body?.cancel();
        continue;
      }
      last = answer;
      const headers = new Headers(answer.headers);
      headers.set("x-agentcloud-routed-to", endpoint.id);
      headers.set("x-agentcloud-hops", hops.join(","));
      if (answer.status >= 400) c.set("errorCode", `upstream_${answer.status}`);
      return new Response(answer.body, { status: answer.status, headers });
    }
    c.header("x-agentcloud-hops", hops.join(","));
    return (
      last ??
      openAiError(c, 503, "no_endpoint", `none of agent runtime ${runtimeId}'s model endpoints could answer`)
    );
  };
}

/**
 * The caller's agent runtime at its invokeUrl: 401 without its account's bearer token, 404 when
 * the account has none such. `what` names the surface in the 401 ("an agent runtime's memory").
 */
export function callerRuntime(deps: AppDeps, c: Context<AppEnv>, runtimeId: string, what: string) {
  const account = deps.tokens.account(c.req.header("authorization"));
  if (!account) throw new MockCloudError("Unauthenticated", `${what} takes its account's bearer token`);
  c.set("account", account);
  deps.service.tick();
  const runtime = deps.service.repo.getResource(account, "AgentRuntime", runtimeId);
  if (!runtime) throw new MockCloudError("NotFound", `AgentRuntime ${runtimeId} not found`);
  return { account, runtime };
}

/**
 * `POST {invokeUrl}/invocations` and `GET {invokeUrl}/tasks/{id}`: a task of the runtime, with the
 * account's token. An `image` artifact runs the built-in agent loop: the primary endpoint's model,
 * through the runtime's own gateway (so its fallback applies), answers the input. A `code`
 * artifact does not run yet: its task fails saying so.
 */
export function taskHandlers(deps: AppDeps, fetchApp: (request: Request) => Promise<Response>) {
  const { service } = deps;
  const tasks = new TaskStore(service.db);

  const runtimeOf = (c: Context<AppEnv>, runtimeId: string) =>
    callerRuntime(deps, c, runtimeId, "an agent runtime");

  const finish = (account: string, task: Task, result: Pick<Task, "status" | "output" | "error">): Task => {
    const done = { ...task, ...result, finishedAt: service.clock.now().toISOString() };
    tx(service.db, () => tasks.put(account, done, Date.parse(task.createdAt)));
    return done;
  };

  /** A chat completion through the runtime's own gateway, as the agent's code asks for one. */
  async function chat(
    runtime: StoredResource,
    account: string,
    authorization: string,
    request: Record<string, unknown>,
  ): Promise<ChatAnswer> {
    const bindings = runtime.body.models as Binding[];
    const primary = bindings.find((b) => b.role === "primary");
    const endpoint = primary && service.repo.getResource(account, "ModelEndpoint", primary.endpointId);
    const answer = await fetchApp(
      new Request(`http://agentcloud.internal/agents/${runtime.id}/invoke/models/v1/chat/completions`, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify({ model: endpoint?.body.model ?? "default", ...request }),
      }),
    );
    const text = await answer.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return {
      status: answer.status,
      body,
      routedTo: answer.headers.get("x-agentcloud-routed-to"),
      hops: answer.headers.get("x-agentcloud-hops") ?? "",
    };
  }

  /** A `code` artifact: its Node.js entrypoint in a sandbox (sandbox/runner.ts). */
  async function runCodeTask(
    account: string,
    runtime: StoredResource,
    task: Task,
    authorization: string,
    code: { uri: string; entrypoint: string; runtime: string },
  ): Promise<Task> {
    const refuse = (message: string) =>
      finish(account, task, {
        status: "FAILED",
        output: null,
        error: { code: "ArtifactNotRunnable", message },
      });
    if (!code.runtime.startsWith("nodejs"))
      return refuse(`${code.runtime} does not run in this emulator yet; nodejs22 and nodejs24 do`);
    if (!code.uri.startsWith("file://"))
      return refuse(`the code's uri must be a file:// folder the emulator can read, not ${code.uri}`);
    const codeDir = fileURLToPath(code.uri);
    if (!existsSync(codeDir) || !statSync(codeDir).isDirectory())
      return refuse(`${code.uri} is not a folder the emulator can read`);
    const result = await runCode({
      codeDir,
      entrypoint: code.entrypoint,
      input: task.input,
      scratchDir: join(tmpdir(), "agentcloud-sandboxes", runtime.id, task.id),
      timeoutMs: 60_000,
      chat: (request) => chat(runtime, account, authorization, request),
    });
    if (!result.ok)
      return finish(account, task, {
        status: "FAILED",
        output: null,
        error: { code: result.code, message: result.message },
      });
    const text = typeof result.output === "string" ? result.output : JSON.stringify(result.output);
    return finish(account, task, {
      status: "SUCCEEDED",
      output: { text, routedTo: result.lastChat?.routedTo ?? null, hops: result.lastChat?.hops ?? "" },
      error: null,
    });
  }

  /** The built-in agent loop: one answer of the primary model, through the gateway. */
  async function run(
    account: string,
    runtime: StoredResource,
    task: Task,
    authorization: string,
  ): Promise<Task> {
    const artifact = runtime.body.artifact as { code?: { uri: string; entrypoint: string; runtime: string } };
    if (artifact.code) return runCodeTask(account, runtime, task, authorization, artifact.code);
    try {
      const answer = await chat(runtime, account, authorization, {
        messages: [
          { role: "system", content: `You are the agent ${runtime.body.name}.` },
          { role: "user", content: task.input },
        ],
      });
      const body = answer.body as {
        choices?: { message?: { content?: string | null; tool_calls?: unknown[] } }[];
        error?: { code?: string | null; message?: string };
      };
      if (answer.status >= 400) {
        return finish(account, task, {
          status: "FAILED",
          output: null,
          error: {
            code: body?.error?.code ?? `HTTP${answer.status}`,
            message: `${body?.error?.message ?? `the model answered ${answer.status}`} (hops ${answer.hops})`,
          },
        });
      }
      const message = body?.choices?.[0]?.message;
      const text = message?.content ?? JSON.stringify(message?.tool_calls ?? []);
      return finish(account, task, {
        status: "SUCCEEDED",
        output: { text, routedTo: answer.routedTo, hops: answer.hops },
        error: null,
      });
    } catch (e) {
      return finish(account, task, {
        status: "FAILED",
        output: null,
        error: { code: "InternalError", message: e instanceof Error ? e.message : String(e) },
      });
    }
  }

  return {
    /**
     * Starts a task of the runtime the request names (its account's token): the task RUNNING, and
     * the promise of it finished. What `invocations` and the runtime's other protocols share.
     */
    start(c: Context<AppEnv>, runtimeId: string, input: string): { task: Task; finished: Promise<Task> } {
      const { account, runtime } = runtimeOf(c, runtimeId);
      const status = String(runtime.body.status);
      if (status !== agentRuntimeLifecycle.ready && status !== agentRuntimeLifecycle.updating)
        throw new MockCloudError(
          "Conflict",
          `AgentRuntime ${runtimeId} is ${status}, not ${agentRuntimeLifecycle.ready}`,
        );
      const now = service.clock.now();
      const task: Task = {
        id: `task-${randomBytes(8).toString("hex")}`,
        runtimeId,
        status: "RUNNING",
        input,
        output: null,
        error: null,
        createdAt: now.toISOString(),
        finishedAt: null,
      };
      tx(service.db, () => tasks.put(account, task, now.getTime()));
      return { task, finished: run(account, runtime, task, c.req.header("authorization") as string) };
    },
    async invoke(c: Context<AppEnv>, runtimeId: string, body: { input: string; async: boolean }) {
      const { task, finished } = this.start(c, runtimeId, body.input);
      if (body.async) return c.json(task, 202);
      return c.json(await finished, 200);
    },
    getTask(c: Context<AppEnv>, runtimeId: string, taskId: string) {
      const { account } = runtimeOf(c, runtimeId);
      const task = tasks.get(account, runtimeId, taskId);
      if (!task) throw new MockCloudError("NotFound", `task ${taskId} of ${runtimeId} not found`);
      return c.json(task);
    },
  };
}
