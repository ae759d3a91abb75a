import { isAgentCloudError, redact } from "../client/errors.ts";
import { secrets } from "./config.ts";

/** An Error whose message names the resource, the cloud's code and request id, with secrets scrubbed. */
export function providerError(what: string, e: unknown): Error {
  const text = isAgentCloudError(e) ? e.toString() : e instanceof Error ? e.message : String(e);
  // The field the cloud refused, as preview would name it: `deployment.chipsPerReplica: ModelTooLarge: …`.
  const field = isAgentCloudError(e) && typeof e.details?.field === "string" ? `${e.details.field}: ` : "";
  const message = redact(`${what}: ${field}${text}`, secrets());
  // A fault of our own code keeps its stack (with secrets scrubbed): that one is worth reading. So
  // does one wrapped a second time.
  const bug =
    [TypeError, RangeError, ReferenceError, SyntaxError].some((t) => e instanceof t) ||
    (e instanceof ProviderError && e.fault);
  const err = new ProviderError(message, bug ? redact((e as Error).stack ?? "", secrets()) : null);
  if (isAgentCloudError(e)) Object.assign(err, { code: e.code });
  return err;
}

/**
 * An expected failure (the cloud refused, a deadline passed, a resource failed) reaches the user
 * as one line. For a failed check, diff, read or delete the dynamic-provider host
 * (@pulumi/pulumi/cmd/dynamic-provider) writes `${err}: ${err.stack}` to stderr, which the engine
 * shows as a message of the stack; create and update send only `err.message` to the engine, which
 * shows it as the resource's error. A stack of the message line would print the message twice, so
 * an expected failure's stack is empty and the line reads `pulumi-agentcloud: <message>: ` (the
 * host's own colon left at the end: `String(err)` must keep the message, and the host's line is
 * made of it). A fault of our own code keeps its trace as its stack.
 */
class ProviderError extends Error {
  override name = "pulumi-agentcloud";
  readonly #fault: boolean;

  constructor(message: string, trace: string | null) {
    super(message);
    this.#fault = trace !== null;
    this.stack = trace ?? "";
  }

  /** Whether this is a fault of our own code (its stack is that fault's trace). */
  get fault(): boolean {
    return this.#fault;
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
