/**
 * What runs in a code artifact's sandbox: a child process of the emulator under Node's permission
 * model (runner.ts starts it). It loads the agent's entrypoint, whose default export is
 * `async (input, context) => output`, and gives it the context: the runtime's model gateway
 * (`context.models.chat(request)`, answered by the emulator over the IPC channel, so the agent
 * needs no address or key) and its scratch folder. The output goes back over the same channel.
 */
type Message =
  | { type: "run"; entry: string; input: string; scratch: string }
  | { type: "chat-result"; id: number; status: number; body: unknown; routedTo: string | null; hops: string };

const send = (m: unknown) => new Promise<void>((resolve) => process.send?.(m, () => resolve()));
const pending = new Map<number, (r: Extract<Message, { type: "chat-result" }>) => void>();
let next = 0;

const context = (scratch: string) => ({
  scratch,
  models: {
    /** OpenAI's chat completions through the runtime's gateway: `{ status, body, routedTo, hops }`. */
    chat(request: Record<string, unknown>) {
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        void send({ type: "chat", id, request });
      });
    },
  },
});

process.on("message", async (m: Message) => {
  if (m.type === "chat-result") {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
    return;
  }
  if (m.type !== "run") return;
  try {
    const mod = (await import(m.entry)) as { default?: (input: string, ctx: unknown) => unknown };
    if (typeof mod.default !== "function")
      throw Object.assign(new Error("the entrypoint has no default export function"), { code: "NoHandler" });
    const output = await mod.default(m.input, context(m.scratch));
    await send({ type: "done", output: output ?? null });
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    await send({
      type: "error",
      code: typeof err.code === "string" ? err.code : "AgentError",
      message: String(err.message ?? e),
    });
  }
  process.exit(0);
});
void send({ type: "ready" });
