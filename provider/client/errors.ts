/**
 * Errors of the client layer. Provider code runs from a serialized copy in another process, so
 * callers branch on `code` (stable strings), never on `instanceof`.
 */

// Codes the client adds to the API's own error codes (provider/api/common.ts): ConnectionFailed,
// DeadlineExceeded, OperationFailed, UnexpectedResponse.

export class AgentCloudError extends Error {
  override readonly name = "AgentCloudError";
  readonly code: string;
  readonly status: number | null;
  readonly requestId: string | null;
  readonly details: Record<string, unknown> | undefined;

  constructor(init: {
    code: string;
    message: string;
    status?: number | null;
    requestId?: string | null;
    details?: Record<string, unknown> | undefined;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status ?? null;
    this.requestId = init.requestId ?? null;
    this.details = init.details;
  }

  /** One line for a Pulumi diagnostic: code, message and the request id to grep the emulator log for. */
  override toString(): string {
    const where = this.requestId ? ` (request ${this.requestId})` : "";
    return `${this.code}: ${this.message}${where}`;
  }
}

export function isAgentCloudError(e: unknown): e is AgentCloudError {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "AgentCloudError";
}

/** Removes every occurrence of the given secrets from a message before it leaves the process. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  }
  return out.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, "Bearer [redacted]");
}
