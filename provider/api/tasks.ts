/**
 * An agent runtime's tasks: `POST {invokeUrl}/invocations` runs one, at once or in the background,
 * and `GET {invokeUrl}/tasks/{id}` reads it. A `code` artifact runs its Node.js entrypoint in a
 * sandbox (mock-cloud/sandbox); an `image` artifact runs the emulator's built-in agent loop (there
 * is no container engine here): its primary model, through the runtime's model gateway (so the
 * fallback takes over when the primary is throttled), answers the input.
 */
import { z } from "zod";

export const InvocationRequest = z.strictObject({
  /** What the agent is asked. */
  input: z.string().min(1).max(100_000),
  /** Answer at once with the task RUNNING (202) and run it in the background; read it at `tasks/{id}`. */
  async: z.boolean().default(false),
});

export const Task = z.object({
  id: z.string(),
  runtimeId: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  input: z.string(),
  /** The agent's answer, and the endpoints its model calls went to (`x-agentcloud-hops`). */
  output: z.object({ text: z.string(), routedTo: z.string().nullable(), hops: z.string() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;
