/**
 * An agent runtime's tasks and the sandbox instances that run them. `POST {invokeUrl}/invocations`
 * runs a task, at once or in the background, and `GET {invokeUrl}/tasks/{id}` reads it. A task goes
 * to a warm instance of the runtime, or resumes a paused one, or cold-starts a new one, up to
 * `maxInstances × concurrencyPerInstance` tasks at once (beyond: 429 Throttled). A `code` artifact
 * runs its Node.js entrypoint in the instance's process (mock-cloud/sandbox); an `image` artifact
 * runs the emulator's built-in agent loop (there is no container engine here): its primary model,
 * through the runtime's model gateway (so the fallback takes over when the primary is throttled),
 * answers the input.
 */
import { z } from "zod";

export const InvocationRequest = z.strictObject({
  /** What the agent is asked. */
  input: z.string().min(1).max(100_000),
  /** Answer at once with the task RUNNING (202) and run it in the background; read it at `tasks/{id}`. */
  async: z.boolean().default(false),
});

/** How long a sandbox takes to start, by isolation and size: a documented latency the emulator waits. */
export const coldStart = {
  /** The base latency of each isolation (a microVM boots faster than a container is pulled and started). */
  baseMs: { microvm: 150, container: 400 },
  /** Added for each GiB of `sandbox.memoryMiB` (memory to map) and each vCPU of `sandbox.cpu`. */
  perGiBMs: 20,
  perVcpuMs: 10,
  /** A paused instance resumes in this long (its state is kept). */
  resumeMs: 25,
} as const;

/** The cold start of a sandbox of this size and isolation, in ms. */
export function coldStartMs(sandbox: {
  cpu: number;
  memoryMiB: number;
  isolation: "microvm" | "container";
}): number {
  return Math.round(
    coldStart.baseMs[sandbox.isolation] +
      (sandbox.memoryMiB / 1024) * coldStart.perGiBMs +
      sandbox.cpu * coldStart.perVcpuMs,
  );
}

/** Where a task ran: the instance, whether it had to start (cold) or resume, and how long each part took. */
const Placement = z.object({
  instanceId: z.string(),
  /** `cold`: a new instance started for it; `resumed`: a paused one; `warm`: an idle or busy one took it. */
  start: z.enum(["cold", "resumed", "warm"]),
  /** The wait for the instance to start or resume (0 when warm), in ms. */
  startMs: z.number().int(),
  /** From the instance taking it to its answer, in ms (emulator clock). */
  runMs: z.number().int().nullable(),
});

export const Task = z.object({
  id: z.string(),
  runtimeId: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  input: z.string(),
  /** The instance that ran it; null for a task that found none (or ran before instances were kept). */
  placement: Placement.nullable(),
  /** The agent's answer, and the endpoints its model calls went to (`x-agentcloud-hops`). */
  output: z
    .object({
      text: z.string(),
      routedTo: z.string().nullable(),
      hops: z.string(),
      /** The built-in loop's tool calls (the runtime's skills), in order; absent when it made none. */
      toolCalls: z.array(z.object({ name: z.string(), ok: z.boolean() })).optional(),
    })
    .nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;

export const TaskList = z.object({ items: z.array(Task) });
export const TaskListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .describe("at most this many tasks (1–500, default 50)"),
});

const instanceStates = ["STARTING", "RUNNING", "IDLE", "PAUSED", "STOPPED"] as const;

/**
 * A sandbox instance of an agent runtime. STARTING (its cold start), RUNNING (tasks in flight), IDLE
 * (warm, none), PAUSED (`onIdle: pause` after `idleTimeoutSeconds`: its process and files kept, not
 * billed), STOPPED (`onIdle: stop`, `maxLifetimeSeconds`, a drain after the artifact changed, the
 * runtime deleted, a crash or an emulator restart; its scratch folder removed). Billed from its start
 * to its pause or stop, and again from a resume, at the catalog's sandbox prices.
 */
export const SandboxInstance = z.object({
  id: z.string(),
  runtimeId: z.string(),
  state: z.enum(instanceStates),
  /** No new tasks: the runtime's artifact, sandbox or env changed, or its lifetime ended while busy. */
  draining: z.boolean(),
  /** The runtime's version it started with. */
  runtimeVersion: z.number().int(),
  tasksInFlight: z.number().int(),
  tasksServed: z.number().int(),
  coldStartMs: z.number().int(),
  startedAt: z.string(),
  lastActiveAt: z.string(),
  pausedAt: z.string().nullable(),
  stoppedAt: z.string().nullable(),
  stopReason: z
    .enum(["idle", "maxLifetime", "drained", "runtimeDeleted", "crashed", "emulatorRestarted", "startFailed"])
    .nullable(),
  /** Seconds billed so far (the open span included). */
  billedSeconds: z.number(),
  /** The start of the open billed span (the start or the last resume); null while paused or stopped. */
  billingSince: z.string().nullable(),
});
export type SandboxInstance = z.infer<typeof SandboxInstance>;
export const SandboxInstanceList = z.object({ items: z.array(SandboxInstance) });

export const InstanceListQuery = z.object({
  state: z.enum(instanceStates).optional().describe("only instances in this state"),
});

/** A tool as OpenAI's chat completions take it. */
const FunctionTool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string(),
    description: z.string(),
    parameters: z.record(z.string(), z.unknown()),
  }),
});

/** `GET {invokeUrl}/tools`: the runtime's skills as tools, and the skills that offer none here (why). */
export const RuntimeTools = z.object({
  tools: z.array(FunctionTool),
  unavailable: z.array(z.object({ skill: z.string(), reason: z.string() })),
});

/** `POST {invokeUrl}/tools/{name}`: the tool's arguments. */
export const ToolCallRequest = z.strictObject({ arguments: z.record(z.string(), z.unknown()).default({}) });

/** What a tool answered: its text (as a model reads a tool message), and whether it is an error. */
export const ToolCallResult = z.object({ isError: z.boolean(), text: z.string() });
