import { isAgentCloudError, redact } from "../client/errors.ts";
import { secrets } from "./config.ts";

/** An Error whose message names the resource, the cloud's code and request id, with secrets scrubbed. */
export function providerError(what: string, e: unknown): Error {
  const text = isAgentCloudError(e) ? e.toString() : e instanceof Error ? e.message : String(e);
  // The field the cloud refused, as preview would name it: `deployment.chipsPerReplica: ModelTooLarge: …`.
  const field = isAgentCloudError(e) && typeof e.details?.field === "string" ? `${e.details.field}: ` : "";
  const err = new Error(redact(`${what}: ${field}${text}`, secrets()));
  if (isAgentCloudError(e)) Object.assign(err, { code: e.code });
  return err;
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
