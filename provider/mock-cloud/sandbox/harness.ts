/**
 * What runs in a code artifact's sandbox instance: a child process of the emulator under Node's
 * permission model (runner.ts starts it), alive as long as the instance. It loads the agent's
 * entrypoint once (its module state lasts while the instance is warm), then runs one task per
 * `run` message, several at once up to the runtime's concurrency. The entrypoint's default export
 * is `async (input, context) => output`; the context reaches the runtime's own surfaces under its
 * invokeUrl (the model gateway, memory, channels) over the IPC channel, so the agent needs no
 * address, key or network. Its environment is the runtime's `env` and `secretEnv`.
 */
import dgram from "node:dgram";
import net from "node:net";

/**
 * No network in the sandbox: Node 24's permission model has no network switch, so the harness
 * closes the public ways out before the agent's code loads (sockets, servers, datagrams, fetch,
 * WebSocket), for good (the properties cannot be set again). The agent reaches its models, memory
 * and channels through its context.
 */
function closeNetwork(): void {
  const denied = (what: string) =>
    Object.assign(
      new Error(`${what}: the sandbox has no network; reach models, memory and channels through the context`),
      { code: "ERR_ACCESS_DENIED" },
    );
  const seal = (target: object, key: string, value: unknown) =>
    Object.defineProperty(target, key, { value, writable: false, configurable: false });
  const refuse = (what: string) =>
    function refused(): never {
      throw denied(what);
    };
  seal(net.Socket.prototype, "connect", refuse("net.Socket.connect"));
  seal(net.Server.prototype, "listen", refuse("net.Server.listen"));
  seal(dgram.Socket.prototype, "bind", refuse("dgram.Socket.bind"));
  seal(dgram.Socket.prototype, "send", refuse("dgram.Socket.send"));
  seal(globalThis, "fetch", () => Promise.reject(denied("fetch")));
  seal(globalThis, "WebSocket", refuse("WebSocket"));
}
closeNetwork();

type Message =
  | { type: "load"; entry: string }
  | { type: "run"; taskId: string; input: string; scratch: string }
  | { type: "call-result"; id: number; status: number; body: unknown; routedTo: string | null; hops: string };

type CallResult = Omit<Extract<Message, { type: "call-result" }>, "type" | "id">;

const send = (m: unknown) => new Promise<void>((resolve) => process.send?.(m, () => resolve()));
const pending = new Map<number, (r: CallResult) => void>();
let next = 0;
let handler: ((input: string, context: unknown) => unknown) | null = null;

/** A request to `{invokeUrl}/{path}`, answered by the emulator: `{ status, body, routedTo, hops }`. */
function call(taskId: string, method: string, path: string, body?: unknown): Promise<CallResult> {
  const id = next++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    void send({ type: "call", id, taskId, method, path, body });
  });
}

const segment = (s: string) => encodeURIComponent(s);

function context(taskId: string, scratch: string) {
  return {
    taskId,
    /** A folder the agent may write; it lasts as long as this instance (not across a stop or recycle). */
    scratch,
    models: {
      /** OpenAI's chat completions through the runtime's gateway: `{ status, body, routedTo, hops }`. */
      chat: (request: Record<string, unknown>) => call(taskId, "POST", "models/v1/chat/completions", request),
    },
    /** The runtime's cross-task memory (`memory.enabled`): each answers `{ status, body }`. */
    memory: {
      put: (namespace: string, key: string, value: unknown, text?: string) =>
        call(taskId, "PUT", `memory/${segment(namespace)}/${segment(key)}`, {
          value,
          ...(text === undefined ? {} : { text }),
        }),
      get: (namespace: string, key: string) =>
        call(taskId, "GET", `memory/${segment(namespace)}/${segment(key)}`),
      delete: (namespace: string, key: string) =>
        call(taskId, "DELETE", `memory/${segment(namespace)}/${segment(key)}`),
      list: (namespace: string) => call(taskId, "GET", `memory/${segment(namespace)}`),
      search: (q: string) => call(taskId, "GET", `memory?q=${segment(q)}`),
    },
    /** Messages to the peers the runtime's `channels` declare, and its own inbox: each answers `{ status, body }`. */
    channels: {
      publish: (peerRuntimeId: string, body: unknown, key?: string) =>
        call(taskId, "POST", `channels/${segment(peerRuntimeId)}/messages`, {
          body,
          ...(key === undefined ? {} : { key }),
        }),
      receive: (options: { maxMessages?: number; visibilityTimeoutSeconds?: number } = {}) =>
        call(taskId, "POST", "inbox/receive", options),
      ack: (messageId: string, receipt?: string) =>
        call(
          taskId,
          "POST",
          `inbox/messages/${segment(messageId)}/ack`,
          receipt === undefined ? {} : { receipt },
        ),
      inbox: () => call(taskId, "GET", "inbox"),
    },
    /** The runtime's skills as tools: `list()` answers `{ tools, unavailable }`, `call()` `{ isError, text }` (in `body`). */
    skills: {
      list: () => call(taskId, "GET", "tools"),
      call: (name: string, args: Record<string, unknown> = {}) =>
        call(taskId, "POST", `tools/${segment(name)}`, { arguments: args }),
    },
    /** Any request under the runtime's invokeUrl: `{ status, body }`. */
    request: (method: string, path: string, body?: unknown) => call(taskId, method, path, body),
  };
}

process.on("message", async (m: Message) => {
  if (m.type === "call-result") {
    const { id, type: _type, ...result } = m;
    pending.get(id)?.(result);
    pending.delete(id);
    return;
  }
  if (m.type === "load") {
    try {
      const mod = (await import(m.entry)) as { default?: (input: string, ctx: unknown) => unknown };
      if (typeof mod.default !== "function")
        throw Object.assign(new Error("the entrypoint has no default export function"), {
          code: "NoHandler",
        });
      handler = mod.default;
      await send({ type: "loaded" });
    } catch (e) {
      await send({ type: "load-error", ...errorOf(e) });
      process.exit(1);
    }
    return;
  }
  if (m.type !== "run" || !handler) return;
  try {
    const output = await handler(m.input, context(m.taskId, m.scratch));
    await send({ type: "done", taskId: m.taskId, output: output ?? null });
  } catch (e) {
    await send({ type: "error", taskId: m.taskId, ...errorOf(e) });
  }
});

function errorOf(e: unknown): { code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  return {
    code: typeof err?.code === "string" ? err.code : "AgentError",
    message: String(err?.message ?? e),
  };
}

// The emulator is gone: so is its sandbox.
process.on("disconnect", () => process.exit(0));
void send({ type: "ready" });
