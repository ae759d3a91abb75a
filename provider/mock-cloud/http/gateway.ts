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
import { fileURLToPath } from "node:url";
import type { Context } from "hono";
import { agentRuntimeLifecycle } from "../../api/agent-runtime.ts";
import type { SandboxInstance, Task } from "../../api/tasks.ts";
import { MockCloudError } from "../errors.ts";
import { InstancePool, type Seat } from "../sandbox/instances.ts";
import { findPython } from "../sandbox/python.ts";
import type { AgentCall } from "../sandbox/runner.ts";
import { tx } from "../store/db.ts";
import type { StoredResource } from "../store/repo.ts";
import { TaskStore } from "../store/tasks.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { dataPlaneFault } from "./faults.ts";
import { inProcess } from "./in-process.ts";
import { skillTools } from "./skill-tools.ts";

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
    const fault = await dataPlaneFault(c, service, {
      kind: "AgentRuntime",
      operation: "createRuntimeChatCompletion",
      region: String(runtime.body.region),
      account,
    });
    if (fault) return fault;
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

/** What a runtime runs: its code's entrypoint, or its image's built-in agent loop. */
export function whatRuntimeRuns(runtime: StoredResource): string {
  const artifact = runtime.body.artifact as {
    image?: string;
    code?: { entrypoint: string; runtime: string };
  };
  return artifact.code
    ? `runs ${artifact.code.entrypoint} (${artifact.code.runtime})`
    : `the built-in agent loop of ${artifact.image}: its primary model answers`;
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
 * account's token, on a seat of one of its sandbox instances (sandbox/instances.ts: warm, resumed
 * or cold-started; 429 Throttled when every seat is taken). A `code` artifact runs its entrypoint in
 * the instance's process; an `image` artifact runs the built-in agent loop: the primary endpoint's
 * model, through the runtime's own gateway (so its fallback applies), answers the input. Also the
 * control plane's lists of a runtime's instances and tasks.
 */
export function taskHandlers(deps: AppDeps, fetchApp: (request: Request) => Promise<Response>) {
  const { service } = deps;
  const tasks = new TaskStore(service.db);
  const pool = new InstancePool(service, tasks);

  const runtimeOf = (c: Context<AppEnv>, runtimeId: string) =>
    callerRuntime(deps, c, runtimeId, "an agent runtime");

  const finish = (account: string, task: Task, result: Pick<Task, "status" | "output" | "error">): Task => {
    const done = { ...task, ...result, finishedAt: service.clock.now().toISOString() };
    tx(service.db, () => tasks.put(account, done, Date.parse(task.createdAt)));
    return done;
  };
  const failed = (code: string, message: string) => ({
    status: "FAILED" as const,
    output: null,
    error: { code, message },
  });

  /** A request of the agent to its own invokeUrl (`models/v1/chat/completions`, `memory/…`), as its account. */
  const callAs =
    (runtime: StoredResource, authorization: string): AgentCall =>
    async ({ method, path, body }) => {
      const answer = await inProcess(fetchApp, {
        method,
        path: `/agents/${runtime.id}/invoke/${path.replace(/^\/+/, "")}`,
        authorization,
        ...(body === undefined ? {} : { body }),
      });
      return {
        status: answer.status,
        body: answer.body,
        routedTo: answer.headers.get("x-agentcloud-routed-to"),
        hops: answer.headers.get("x-agentcloud-hops") ?? "",
      };
    };

  /** Why a code artifact cannot run here, or null: a Python runtime needs a python3 (sandbox/python.ts). */
  function notRunnable(code: { uri: string; runtime: string }): string | null {
    if (code.runtime.startsWith("python")) {
      const found = findPython(code.runtime);
      if ("missing" in found) return found.missing;
    } else if (!code.runtime.startsWith("nodejs"))
      return `${code.runtime} does not run in this emulator; nodejs22, nodejs24, python3.12 and python3.13 do`;
    if (!code.uri.startsWith("file://"))
      return `the code's uri must be a file:// folder the emulator can read, not ${code.uri}`;
    const dir = fileURLToPath(code.uri);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      return `${code.uri} is not a folder the emulator can read`;
    return null;
  }

  /** A `code` artifact's task in its instance's process. */
  async function runCode(
    seat: Seat,
    task: Task,
    call: AgentCall,
  ): Promise<Pick<Task, "status" | "output" | "error">> {
    const sandbox = seat.process;
    if (!sandbox) return failed("AgentExited", "the instance's process is gone");
    const result = await sandbox.run(task.id, task.input, call, taskTimeoutMs);
    if (!result.ok) return failed(result.code, result.message);
    const text = typeof result.output === "string" ? result.output : JSON.stringify(result.output);
    return {
      status: "SUCCEEDED",
      output: { text, routedTo: result.lastChat?.routedTo ?? null, hops: result.lastChat?.hops ?? "" },
      error: null,
    };
  }

  /**
   * The built-in agent loop: the primary model (through the gateway, so the fallback applies) with
   * the runtime's skills as tools; each tool call it answers is made and its result given back,
   * until it answers with text (at most `maxLoopSteps` model calls).
   */
  async function runLoop(runtime: StoredResource, task: Task, call: AgentCall, authorization: string) {
    const skills = await runtimeSkillTools(runtime, authorization);
    try {
      const messages: Record<string, unknown>[] = [
        { role: "system", content: `You are the agent ${runtime.body.name}.` },
        { role: "user", content: task.input },
      ];
      const toolCalls: { name: string; ok: boolean }[] = [];
      const hops: string[] = [];
      for (let step = 0; step < maxLoopSteps; step++) {
        const answer = await call({
          method: "POST",
          path: "models/v1/chat/completions",
          body: { model: "default", messages, ...(skills.tools.length ? { tools: skills.tools } : {}) },
        });
        hops.push(answer.hops);
        const body = answer.body as {
          choices?: { message?: { content?: string | null; tool_calls?: ToolCall[] } }[];
          error?: { code?: string | null; message?: string };
        };
        if (answer.status >= 400)
          return failed(
            body?.error?.code ?? `HTTP${answer.status}`,
            `${body?.error?.message ?? `the model answered ${answer.status}`} (hops ${answer.hops})`,
          );
        const message = body?.choices?.[0]?.message;
        const asked = message?.tool_calls ?? [];
        if (asked.length === 0 || skills.tools.length === 0)
          return {
            status: "SUCCEEDED" as const,
            output: {
              text: message?.content ?? JSON.stringify(asked),
              routedTo: answer.routedTo,
              hops: hops.join(","),
              ...(toolCalls.length ? { toolCalls } : {}),
            },
            error: null,
          };
        messages.push({ role: "assistant", content: message?.content ?? null, tool_calls: asked });
        for (const asking of asked) {
          let args: Record<string, unknown> = {};
          try {
            args = JSON.parse(asking.function.arguments || "{}") as Record<string, unknown>;
          } catch {}
          const result = await skills.call(asking.function.name, args);
          toolCalls.push({ name: asking.function.name, ok: !result.isError });
          messages.push({ role: "tool", tool_call_id: asking.id, content: result.text });
        }
      }
      return failed("AgentLoopLimit", `the model still asked for tools after ${maxLoopSteps} answers`);
    } finally {
      await skills.close();
    }
  }

  /** The runtime's skills as tools, its account's token for its own surfaces. */
  const runtimeSkillTools = (runtime: StoredResource, authorization: string) =>
    skillTools(
      {
        id: runtime.id,
        name: runtime.body.name,
        invokeUrl: String(runtime.body.invokeUrl),
        skills: (runtime.body.skills ?? []) as Parameters<typeof skillTools>[0]["skills"],
      },
      authorization,
      fetchApp,
    );

  /** Waits for the seat's instance, runs the task on it, gives the seat back. */
  async function run(
    account: string,
    runtime: StoredResource,
    task: Task,
    seat: Seat,
    call: AgentCall,
    authorization: string,
  ) {
    try {
      try {
        await seat.ready;
      } catch (e) {
        const err = e as { code?: string; message?: string };
        return finish(
          account,
          task,
          failed(err.code ?? "AgentError", `the instance did not start: ${err.message}`),
        );
      }
      const ranFrom = service.clock.now().getTime();
      const placement = {
        ...(task.placement as NonNullable<Task["placement"]>),
        startMs: ranFrom - seat.startedAtMs,
      };
      const code = (runtime.body.artifact as { code?: unknown }).code;
      const result = code
        ? await runCode(seat, task, call)
        : await runLoop(runtime, task, call, authorization);
      return finish(
        account,
        { ...task, placement: { ...placement, runMs: service.clock.now().getTime() - ranFrom } },
        result,
      );
    } catch (e) {
      return finish(account, task, failed("InternalError", e instanceof Error ? e.message : String(e)));
    } finally {
      seat.release();
    }
  }

  return {
    /**
     * Starts a task of the runtime the request names (its account's token): the task RUNNING, and
     * the promise of it finished. What `invocations` and the runtime's other protocols share.
     * Throws Throttled (429) when every seat of the runtime's instances is taken.
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
        placement: null,
        output: null,
        error: null,
        createdAt: now.toISOString(),
        finishedAt: null,
      };
      const code = (runtime.body.artifact as { code?: { uri: string; runtime: string } }).code;
      const refused = code ? notRunnable(code) : null;
      if (refused) {
        tx(service.db, () => tasks.put(account, task, now.getTime()));
        return {
          task,
          finished: Promise.resolve(finish(account, task, failed("ArtifactNotRunnable", refused))),
        };
      }
      const seat = pool.acquire(account, runtime);
      task.placement = { instanceId: seat.instance.id, start: seat.start, startMs: 0, runMs: null };
      tx(service.db, () => tasks.put(account, task, now.getTime()));
      const authorization = c.req.header("authorization") as string;
      const call = callAs(runtime, authorization);
      return { task, finished: run(account, runtime, task, seat, call, authorization) };
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
    /** `GET {invokeUrl}/tools`: the runtime's skills as tools (OpenAI function tools), and those that offer none. */
    async listTools(c: Context<AppEnv>, runtimeId: string) {
      const { runtime } = runtimeOf(c, runtimeId);
      const skills = await runtimeSkillTools(runtime, c.req.header("authorization") as string);
      await skills.close();
      return c.json({ tools: skills.tools, unavailable: skills.unavailable });
    },
    /** `POST {invokeUrl}/tools/{name}`: calls one of them. */
    async callTool(c: Context<AppEnv>, runtimeId: string, name: string, args: Record<string, unknown>) {
      const { runtime } = runtimeOf(c, runtimeId);
      const skills = await runtimeSkillTools(runtime, c.req.header("authorization") as string);
      try {
        if (!skills.tools.some((t) => t.function.name === name))
          throw new MockCloudError("NotFound", `AgentRuntime ${runtimeId}'s skills offer no tool ${name}`);
        return c.json(await skills.call(name, args));
      } finally {
        await skills.close();
      }
    },
    /** `GET /v1/agent-runtimes/{id}/instances`: its sandbox instances, newest first, up to the clock. */
    listInstances(c: Context<AppEnv>, runtimeId: string, state: SandboxInstance["state"] | undefined) {
      const { account, runtime } = runtimeOf(c, runtimeId);
      const items = pool.list(account, runtime).filter((i) => !state || i.state === state);
      return c.json({ items });
    },
    /** `GET /v1/agent-runtimes/{id}/tasks`: its tasks, newest first. */
    listTasks(c: Context<AppEnv>, runtimeId: string, limit: number) {
      const { account } = runtimeOf(c, runtimeId);
      return c.json({ items: tasks.list(account, runtimeId, limit) });
    },
  };
}

/** The most model calls the built-in loop makes for one task. */
const maxLoopSteps = 8;

type ToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };

/** How long a task may run before it fails with TaskTimeout. */
const taskTimeoutMs = 60_000;
