/**
 * A2A (https://a2a-protocol.org) for an agent runtime whose `protocol` is `a2a`, as the official
 * SDKs speak it: the agent card at `GET {invokeUrl}/.well-known/agent-card.json` (no token needed)
 * and JSON-RPC 2.0 at `POST {invokeUrl}/a2a` (the account's bearer token). A2A 1.0 is the card's
 * first interface and what `A2A-Version: 1.0` asks for (`SendMessage`, `SendStreamingMessage`,
 * `GetTask`, in ProtoJSON); a request without `A2A-Version` is 0.3, as A2A says (`message/send`,
 * `message/stream`, `tasks/get`, with `kind`s), and so is the card it gets.
 *
 * A message is a task of the runtime, started as `POST {invokeUrl}/invocations` starts one (so the
 * same built-in loop or code answers it, through the runtime's gateway), and read back from the same
 * durable store. A task answers one message: its answer is an artifact (and the reply in its status
 * and history); a failed task says why in its status. Its context is its own (`ctx-…` for
 * `task-…`): a message naming another task or a context is refused, as A2A lets an agent refuse it.
 * Errors about the request are JSON-RPC errors (HTTP 200); a missing or unknown token (401), and a
 * runtime the account does not hold or that does not speak A2A (404), are the API's own answers.
 */
import type { Context } from "hono";
import type { z } from "zod";
import {
  type A2aTaskMetadata,
  type A2aVersion,
  type AgentCard,
  GetTaskParams,
  JsonRpcRequest,
  type LegacyAgentCard,
  LegacyGetTaskParams,
  LegacySendMessageParams,
  SendMessageParams,
} from "../../api/a2a.ts";
import { fieldIssues } from "../../api/issues.ts";
import type { Task } from "../../api/tasks.ts";
import { MockCloudError } from "../errors.ts";
import type { StoredResource } from "../store/repo.ts";
import { TaskStore } from "../store/tasks.ts";
import { json } from "./body.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { callerRuntime, type taskHandlers, whatRuntimeRuns } from "./gateway.ts";

type Id = string | number | null;

/** A JSON-RPC error a method answers with: its code, message and google.rpc details. */
class RpcError extends Error {
  readonly code: number;
  readonly data: Record<string, unknown>[] | undefined;

  constructor(code: number, message: string, data?: Record<string, unknown>[]) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** A2A's error details: `google.rpc.ErrorInfo` in the domain a2a-protocol.org. */
const errorInfo = (reason: string, metadata: Record<string, string> = {}) => [
  { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: "a2a-protocol.org", metadata },
];
const taskNotFound = (taskId: string) =>
  new RpcError(-32001, `task ${taskId} not found`, errorInfo("TASK_NOT_FOUND", { taskId }));
const unsupported = (message: string) => new RpcError(-32004, message, errorInfo("UNSUPPORTED_OPERATION"));
const contentTypeNotSupported = (message: string) =>
  new RpcError(-32005, message, errorInfo("CONTENT_TYPE_NOT_SUPPORTED"));

/** -32602, with each field that is wrong (`google.rpc.BadRequest`); a field's path is within params. */
function invalidParams(violations: { field: string; description: string }[]): RpcError {
  const said = violations.map((v) => `${v.field ? `params.${v.field}` : "params"}: ${v.description}`);
  return new RpcError(-32602, `Invalid params: ${said.join("; ")}`, [
    { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: violations },
  ]);
}

/** The params of a method, or -32602. */
function paramsOf<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  throw invalidParams(fieldIssues(r.error.issues).map((i) => ({ field: i.path, description: i.message })));
}

/**
 * The version a request speaks: its `A2A-Version` header (or parameter), Major.Minor; none is 0.3.
 * Null: one this agent does not speak.
 */
function versionOf(c: Context<AppEnv>, query: { "A2A-Version"?: string | undefined }): A2aVersion | null {
  const raw = (c.req.header("a2a-version") ?? query["A2A-Version"] ?? "").trim();
  if (raw === "") return "0.3";
  const [, major, minor = "0"] = /^(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(raw) ?? [];
  const version = `${Number(major)}.${Number(minor)}`;
  return version === "1.0" || version === "0.3" ? version : null;
}

const protocolOf = (runtime: StoredResource) => String(runtime.body.protocol ?? "http");

/** A task's context: its own, named after it. */
const contextOf = (taskId: string) => taskId.replace(/^task-/, "ctx-");

/** The longest input a task takes (as `POST {invokeUrl}/invocations`). */
const maxInput = 100_000;

/** What the agent's answer can be given as, in an `acceptedOutputModes` list. */
const textModes = new Set(["text/plain", "text", "text/*", "*/*"]);

/** A message to send, whatever the version: what checkSend and start read. */
interface Outgoing {
  text: string;
  taskId: string;
  contextId: string;
  acceptedOutputModes: string[];
  historyLength: number | undefined;
  returnImmediately: boolean;
  push: boolean;
}

function fromV1(p: z.output<typeof SendMessageParams>): Outgoing {
  const texts = p.message.parts.map((part, i) => {
    if (part.text !== undefined) return part.text;
    const what = part.raw !== undefined ? "raw bytes" : part.url !== undefined ? "a url" : "data";
    if (part.raw === undefined && part.url === undefined && part.data === undefined)
      throw invalidParams([
        { field: `message.parts[${i}]`, description: "holds no text, raw, url nor data" },
      ]);
    throw contentTypeNotSupported(
      `message.parts[${i}] holds ${what}: this agent reads text parts (text/plain) only`,
    );
  });
  return {
    text: texts.join("\n"),
    taskId: p.message.taskId ?? "",
    contextId: p.message.contextId ?? "",
    acceptedOutputModes: p.configuration?.acceptedOutputModes ?? [],
    historyLength: p.configuration?.historyLength,
    returnImmediately: p.configuration?.returnImmediately ?? false,
    push: p.configuration?.taskPushNotificationConfig !== undefined,
  };
}

function fromLegacy(p: z.output<typeof LegacySendMessageParams>): Outgoing {
  const texts = p.message.parts.map((part, i) => {
    if (part.kind === "text") return part.text;
    throw contentTypeNotSupported(
      `message.parts[${i}] is a ${part.kind} part: this agent reads text parts (text/plain) only`,
    );
  });
  return {
    text: texts.join("\n"),
    taskId: p.message.taskId ?? "",
    contextId: p.message.contextId ?? "",
    acceptedOutputModes: p.configuration?.acceptedOutputModes ?? [],
    historyLength: p.configuration?.historyLength,
    returnImmediately: p.configuration?.blocking === false,
    push: p.configuration?.pushNotificationConfig !== undefined,
  };
}

const states = {
  "1.0": { RUNNING: "TASK_STATE_WORKING", SUCCEEDED: "TASK_STATE_COMPLETED", FAILED: "TASK_STATE_FAILED" },
  "0.3": { RUNNING: "working", SUCCEEDED: "completed", FAILED: "failed" },
} as const;

/**
 * A task in a version's shape: 1.0's ProtoJSON (`TASK_STATE_*`, `ROLE_*`, the result's member
 * naming its type) or 0.3's (`kind`, lower-case states and roles).
 */
function dialect(version: A2aVersion) {
  const legacy = version === "0.3";
  const kind = (k: string) => (legacy ? { kind: k } : {});
  const part = (text: string) => (legacy ? { kind: "text", text } : { text, mediaType: "text/plain" });
  const turns = (task: Task) => {
    const input = { id: `${task.id}-input`, role: "user" as const, text: task.input };
    const reply =
      task.status === "SUCCEEDED" && task.output
        ? task.output.text
        : task.status === "FAILED" && task.error
          ? `${task.error.code}: ${task.error.message}`
          : null;
    return {
      input,
      reply: reply === null ? null : { id: `${task.id}-reply`, role: "agent" as const, text: reply },
    };
  };
  const message = (task: Task, turn: { id: string; role: "user" | "agent"; text: string }) => ({
    ...kind("message"),
    messageId: turn.id,
    contextId: contextOf(task.id),
    taskId: task.id,
    role: legacy ? turn.role : turn.role === "user" ? "ROLE_USER" : "ROLE_AGENT",
    parts: [part(turn.text)],
  });
  const status = (task: Task) => {
    const { reply } = turns(task);
    return {
      state: states[version][task.status],
      ...(reply ? { message: message(task, reply) } : {}),
      timestamp: task.finishedAt ?? task.createdAt,
    };
  };
  const artifact = (task: Task) =>
    task.status === "SUCCEEDED" && task.output
      ? { artifactId: `${task.id}-answer`, name: "answer", parts: [part(task.output.text)] }
      : null;
  const metadata = (task: Task): A2aTaskMetadata => ({
    agentcloud: {
      runtimeId: task.runtimeId,
      routedTo: task.output?.routedTo ?? null,
      hops: task.output?.hops ?? "",
      error: task.error,
    },
  });
  /** The task; `historyLength`: its last messages kept (0: none; none: all). */
  const taskOf = (task: Task, historyLength?: number) => {
    const { input, reply } = turns(task);
    const history = [input, ...(reply ? [reply] : [])].map((t) => message(task, t));
    const kept = historyLength === undefined ? history : history.slice(history.length - historyLength);
    const answer = artifact(task);
    return {
      ...kind("task"),
      id: task.id,
      contextId: contextOf(task.id),
      status: status(task),
      ...(answer ? { artifacts: [answer] } : {}),
      ...(historyLength !== 0 && kept.length > 0 ? { history: kept } : {}),
      metadata: metadata(task),
    };
  };
  return {
    /** What GetTask and tasks/get answer. */
    task: taskOf,
    /** What SendMessage answers (`{ task }`) and message/send (the task), and a stream's first event. */
    sent: (task: Task, historyLength?: number) =>
      legacy ? taskOf(task, historyLength) : { task: taskOf(task, historyLength) },
    /** A stream's last events: the answer's artifact, then the final status. */
    closing(task: Task): unknown[] {
      const ids = { taskId: task.id, contextId: contextOf(task.id) };
      const answer = artifact(task);
      const events: unknown[] = [];
      if (answer)
        events.push(
          legacy
            ? { kind: "artifact-update", ...ids, artifact: answer, lastChunk: true }
            : { artifactUpdate: { ...ids, artifact: answer, lastChunk: true } },
        );
      events.push(
        legacy
          ? { kind: "status-update", ...ids, status: status(task), final: true }
          : { statusUpdate: { ...ids, status: status(task) } },
      );
      return events;
    },
  };
}

/** A call of a method: who, which runtime, the request's id, its params and version. */
interface Call {
  account: string;
  runtimeId: string;
  id: Id;
  params: unknown;
  version: A2aVersion;
}
type Method = (c: Context<AppEnv>, call: Call) => Promise<Response>;

/** The methods of A2A this agent does not serve: -32003 for push notifications, -32004 for the rest. */
const unserved: Record<A2aVersion, Record<string, "push" | "other">> = {
  "1.0": {
    CancelTask: "other",
    ListTasks: "other",
    SubscribeToTask: "other",
    GetExtendedAgentCard: "other",
    CreateTaskPushNotificationConfig: "push",
    GetTaskPushNotificationConfig: "push",
    ListTaskPushNotificationConfigs: "push",
    DeleteTaskPushNotificationConfig: "push",
  },
  "0.3": {
    "tasks/cancel": "other",
    "tasks/resubscribe": "other",
    "agent/getAuthenticatedExtendedCard": "other",
    "tasks/pushNotificationConfig/set": "push",
    "tasks/pushNotificationConfig/get": "push",
    "tasks/pushNotificationConfig/list": "push",
    "tasks/pushNotificationConfig/delete": "push",
  },
};
const pushNotSupported = () =>
  new RpcError(
    -32003,
    "push notifications are not supported (the agent card says capabilities.pushNotifications: false)",
    errorInfo("PUSH_NOTIFICATION_NOT_SUPPORTED"),
  );

/** `tasks`: the runtime's task handlers (gateway.ts), whose `start` runs each message. */
export function a2aHandlers(deps: AppDeps, tasks: Pick<ReturnType<typeof taskHandlers>, "start">) {
  const { service, tokens } = deps;
  const store = new TaskStore(service.db);

  /** The caller's runtime that speaks A2A: 401 without the account's token, 404 if it has none such. */
  const a2aRuntimeOf = (c: Context<AppEnv>, runtimeId: string) => {
    const { account, runtime } = callerRuntime(deps, c, runtimeId, "an agent runtime's A2A endpoint");
    if (protocolOf(runtime) !== "a2a") throw notA2a(runtime);
    return { account, runtime };
  };
  const notA2a = (runtime: StoredResource) =>
    new MockCloudError(
      "NotFound",
      `AgentRuntime ${runtime.id} speaks ${protocolOf(runtime)}, not a2a: it has no agent card nor A2A endpoint`,
    );

  const reply = (c: Context<AppEnv>, id: Id, payload: { result: unknown } | { error: unknown }) =>
    c.json({ jsonrpc: "2.0", id, ...payload }, 200);
  const errorOf = (e: RpcError) => ({
    code: e.code,
    message: e.message,
    ...(e.data ? { data: e.data } : {}),
  });
  const internal = (e: unknown) =>
    new RpcError(-32603, `Internal error: ${e instanceof Error ? e.message : String(e)}`);

  /** What a message may not ask: push notifications, no text answer, another task or a context. */
  function checkSend(call: Call, out: Outgoing): void {
    if (out.push) throw pushNotSupported();
    if (
      out.acceptedOutputModes.length > 0 &&
      !out.acceptedOutputModes.some((m) => textModes.has(m.split(";")[0]?.trim().toLowerCase() ?? ""))
    )
      throw contentTypeNotSupported(
        `this agent answers text/plain, which acceptedOutputModes (${out.acceptedOutputModes.join(", ")}) leaves out`,
      );
    if (out.text.length === 0)
      throw invalidParams([{ field: "message.parts", description: "the message's text is empty" }]);
    if (out.text.length > maxInput)
      throw invalidParams([
        { field: "message.parts", description: `the message's text is longer than ${maxInput} characters` },
      ]);
    if (out.taskId) {
      const task = store.get(call.account, call.runtimeId, out.taskId);
      if (!task) throw taskNotFound(out.taskId);
      throw unsupported(
        `task ${out.taskId} is ${states[call.version][task.status]}: a task of this agent answers one message; send a new message without taskId`,
      );
    }
    if (out.contextId)
      throw unsupported(
        `this agent keeps no conversations: each message is a task in a context of its own; send it without contextId (${out.contextId})`,
      );
  }

  /** The finished task; a task that could not finish is -32603. */
  async function settled(finished: Promise<Task>): Promise<Task> {
    try {
      return await finished;
    } catch (e) {
      throw internal(e);
    }
  }

  /**
   * The stream of a task: the task as it starts (working), then, when it has finished and is on
   * disk, its answer's artifact and its final status; an error event if it could not finish.
   */
  function stream(c: Context<AppEnv>, call: Call, task: Task, finished: Promise<Task>, history?: number) {
    const d = dialect(call.version);
    const encoder = new TextEncoder();
    let open = true;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (payload: { result: unknown } | { error: unknown }) => {
          if (open)
            controller.enqueue(
              encoder.encode(`data: ${JSON.stringify({ jsonrpc: "2.0", id: call.id, ...payload })}\n\n`),
            );
        };
        send({ result: d.sent(task, history) });
        try {
          const done = await settled(finished);
          await service.durable();
          for (const event of d.closing(done)) send({ result: event });
        } catch (e) {
          send({ error: errorOf(e instanceof RpcError ? e : internal(e)) });
        }
        if (open) {
          open = false;
          controller.close();
        }
      },
      cancel() {
        open = false;
      },
    });
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-request-id": c.get("requestId"),
      },
    });
  }

  const send =
    (streamed: boolean): Method =>
    async (c, call) => {
      const out =
        call.version === "1.0"
          ? fromV1(paramsOf(SendMessageParams, call.params))
          : fromLegacy(paramsOf(LegacySendMessageParams, call.params));
      checkSend(call, out);
      const { task, finished } = tasks.start(c, call.runtimeId, out.text);
      if (streamed) return stream(c, call, task, finished, out.historyLength);
      const answered = out.returnImmediately ? task : await settled(finished);
      return reply(c, call.id, { result: dialect(call.version).sent(answered, out.historyLength) });
    };

  const getTask: Method = async (c, call) => {
    const p =
      call.version === "1.0"
        ? paramsOf(GetTaskParams, call.params)
        : paramsOf(LegacyGetTaskParams, call.params);
    const task = store.get(call.account, call.runtimeId, p.id);
    if (!task) throw taskNotFound(p.id);
    return reply(c, call.id, { result: dialect(call.version).task(task, p.historyLength) });
  };

  const methods: Record<A2aVersion, Record<string, Method>> = {
    "1.0": { SendMessage: send(false), SendStreamingMessage: send(true), GetTask: getTask },
    "0.3": { "message/send": send(false), "message/stream": send(true), "tasks/get": getTask },
  };

  /** -32601, saying which version has the method when the other one does. */
  function methodNotFound(version: A2aVersion, method: string): RpcError {
    const other: A2aVersion = version === "1.0" ? "0.3" : "1.0";
    const hint =
      method in methods[other] || method in unserved[other]
        ? `: it is A2A ${other}'s; send ${other === "1.0" ? "A2A-Version: 1.0" : "no A2A-Version (or 0.3)"}`
        : `; A2A ${version} has ${Object.keys(methods[version]).join(", ")}`;
    return new RpcError(-32601, `Method not found: ${method}${hint}`);
  }

  return {
    /** `GET {invokeUrl}/.well-known/agent-card.json`: no token needed, as agent cards are read. */
    card(c: Context<AppEnv>, runtimeId: string, query: { "A2A-Version"?: string | undefined }): Response {
      service.tick();
      const runtime = service.repo.getAnyResource("AgentRuntime", runtimeId);
      if (!runtime || protocolOf(runtime) !== "a2a") {
        // Only its account learns that a runtime exists but speaks another protocol.
        const owner = runtime && tokens.account(c.req.header("authorization")) === runtime.account;
        throw owner
          ? notA2a(runtime)
          : new MockCloudError(
              "NotFound",
              `no A2A agent runtime ${runtimeId} (none such, or not protocol a2a)`,
            );
      }
      const url = new URL(c.req.url);
      // The same card at {invokeUrl}/.well-known/… and beside the invokeUrl: the endpoint is the invokeUrl's.
      const rpcUrl = `${url.origin}/agents/${runtimeId}/invoke/a2a`;
      // The card differs by the A2A-Version asked for; it changes when the runtime does.
      c.header("vary", "A2A-Version");
      c.header("cache-control", "no-cache");
      return c.json(versionOf(c, query) === "0.3" ? legacyCardOf(runtime, rpcUrl) : cardOf(runtime, rpcUrl));
    },

    /** `POST {invokeUrl}/a2a`: one JSON-RPC request. */
    async rpc(c: Context<AppEnv>, runtimeId: string, query: { "A2A-Version"?: string | undefined }) {
      const { account } = a2aRuntimeOf(c, runtimeId);
      let raw: unknown;
      try {
        raw = await json(c);
      } catch (e) {
        if (e instanceof MockCloudError && e.code === "ValidationError")
          return reply(c, null, { error: { code: -32700, message: `Parse error: ${e.message}` } });
        if (e instanceof MockCloudError && e.code === "UnsupportedMediaType")
          return reply(c, null, {
            error: errorOf(contentTypeNotSupported(`Content type not supported: ${e.message}`)),
          });
        throw e;
      }
      const rawId = (raw as { id?: unknown } | null)?.id;
      let id: Id = typeof rawId === "string" || typeof rawId === "number" ? rawId : null;
      try {
        const request = JsonRpcRequest.safeParse(raw);
        if (!request.success)
          throw new RpcError(
            -32600,
            Array.isArray(raw)
              ? "Invalid Request: batches are not served; send one request"
              : `Invalid Request: ${fieldIssues(request.error.issues)
                  .map((i) => `${i.path || "(request)"}: ${i.message}`)
                  .join("; ")}`,
          );
        id = request.data.id;
        const version = versionOf(c, query);
        if (!version)
          throw new RpcError(
            -32009,
            `A2A-Version ${c.req.header("a2a-version") ?? query["A2A-Version"]} is not supported: this agent speaks 1.0 and 0.3`,
            errorInfo("VERSION_NOT_SUPPORTED", { supportedVersions: "1.0,0.3" }),
          );
        const { method, params } = request.data;
        const handler = Object.hasOwn(methods[version], method) ? methods[version][method] : undefined;
        if (!handler) {
          const known = Object.hasOwn(unserved[version], method) ? unserved[version][method] : undefined;
          if (known === "push") throw pushNotSupported();
          if (known) throw unsupported(`${method} is not served by this agent`);
          throw methodNotFound(version, method);
        }
        return await handler(c, { account, runtimeId, id, params, version });
      } catch (e) {
        if (e instanceof RpcError) return reply(c, id, { error: errorOf(e) });
        throw e;
      }
    },
  };
}

/** What the runtime is, for its card when its tags give no `description`. */
function describeRuntime(runtime: StoredResource): string {
  const tags = runtime.body.tags as Record<string, string> | undefined;
  if (tags?.description) return tags.description;
  return `AgentCloud agent runtime ${runtime.body.name} in ${runtime.body.region}; ${whatRuntimeRuns(runtime)}`;
}

type Skill = { name: string; kind: string; target: string; allowedTools?: string[] };

/** The runtime's skills as A2A skills; a runtime without any has one: ask it. */
function skillsOf(runtime: StoredResource) {
  const skills = (runtime.body.skills as Skill[] | undefined) ?? [];
  if (skills.length === 0)
    return [
      {
        id: "ask",
        name: "ask",
        description: `ask ${runtime.body.name} in text; it answers in text`,
        tags: ["text"],
      },
    ];
  return skills.map((s) => {
    const tools = s.allowedTools ?? [];
    return {
      id: s.name,
      name: s.name,
      description: `${s.kind} skill ${s.target}${tools.length ? `; tools: ${tools.join(", ")}` : ""}`,
      tags: [s.kind, ...tools],
    };
  });
}

const interfacesOf = (url: string) => [
  { url, protocolBinding: "JSONRPC" as const, protocolVersion: "1.0" as const },
  { url, protocolBinding: "JSONRPC" as const, protocolVersion: "0.3" as const },
];
const tokenDescription = "the runtime's account token (the AgentCloud API's bearer token)";

/** A2A 1.0's card. */
function cardOf(runtime: StoredResource, url: string): AgentCard {
  return {
    name: runtime.body.name,
    description: describeRuntime(runtime),
    supportedInterfaces: interfacesOf(url),
    version: String(runtime.body.version),
    capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: false },
    securitySchemes: {
      bearer: { httpAuthSecurityScheme: { scheme: "Bearer", description: tokenDescription } },
    },
    securityRequirements: [{ schemes: { bearer: { list: [] } } }],
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: skillsOf(runtime),
  };
}

/** A2A 0.3's card: `url` and `preferredTransport`, and 1.0's interfaces beside. */
function legacyCardOf(runtime: StoredResource, url: string): LegacyAgentCard {
  return {
    protocolVersion: "0.3.0",
    name: runtime.body.name,
    description: describeRuntime(runtime),
    url,
    preferredTransport: "JSONRPC",
    version: String(runtime.body.version),
    capabilities: { streaming: true, pushNotifications: false, stateTransitionHistory: false },
    securitySchemes: { bearer: { type: "http", scheme: "bearer", description: tokenDescription } },
    security: [{ bearer: [] }],
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: skillsOf(runtime),
    supportedInterfaces: interfacesOf(url),
  };
}
