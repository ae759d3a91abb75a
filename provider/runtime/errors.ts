import { isAgentCloudError, redact } from "../client/errors.ts";
import { secrets } from "./config.ts";

/** An Error whose message names the resource, the cloud's code and request id, with secrets scrubbed. */
export function providerError(what: string, e: unknown): Error {
  const text = isAgentCloudError(e) ? e.toString() : e instanceof Error ? e.message : String(e);
  // The field the cloud refused, as preview would name it: `deployment.chipsPerReplica: ModelTooLarge: …`.
  const field = isAgentCloudError(e) && typeof e.details?.field === "string" ? `${e.details.field}: ` : "";
  const err = new OneLineError(redact(`${what}: ${field}${text}`, secrets()));
  if (isAgentCloudError(e)) Object.assign(err, { code: e.code });
  // A fault of our own code keeps its stack (with secrets scrubbed): that one is worth reading.
  const bug = [TypeError, RangeError, ReferenceError, SyntaxError].some((t) => e instanceof t);
  if (bug) err.stack = redact((e as Error).stack ?? "", secrets());
  return err;
}

/**
 * An expected failure (the cloud refused, a deadline passed, a resource failed) reaches the user
 * as one line. For a failed check, diff, read or delete the dynamic-provider host writes
 * `${err}: ${err.stack}` to stderr (create and update send only `err.message` to the engine): a
 * stack of the message line would print it twice, so the stack is empty and the line reads
 * `pulumi-agentcloud: <message>: `.
 */
class OneLineError extends Error {
  override name = "pulumi-agentcloud";

  constructor(message: string) {
    super(message);
    this.stack = "";
  }
}

/**
 * The cloud accepted the create but the resource did not become ready: the dynamic-provider host
 * records it in state with this id and outputs (so it is never orphaned) and fails the update.
 */
export function partialCreateError(
  what: string,
  e: unknown,
  id: string,
  properties: Record<string, unknown>,
): Error {
  const err = providerError(what, e);
  return Object.assign(err, { id, properties, reasons: [err.message] });
}

/** Whether an error already is a partial-create error (and must reach the engine as it is). */
export function isPartial(e: unknown): boolean {
  return (
    typeof e === "object" && e !== null && typeof (e as { id?: unknown }).id === "string" && "properties" in e
  );
}
