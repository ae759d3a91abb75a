import { type ErrorCode, errorStatus } from "../api/common.ts";
import { type FieldIssue, summarize } from "../api/issues.ts";

/**
 * An API error of the emulator: a stable code from the catalogue, its HTTP status, and details.
 * Routes throw it; the app turns it into `{ error: { code, message, requestId, details } }`.
 */
export class MockCloudError extends Error {
  override readonly name = "MockCloudError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.code = code;
    this.status = errorStatus[code];
    this.details = details;
    this.headers = headers;
  }
}

export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new MockCloudError(code, message, details);
}

/** A validation error listing field paths, as the provider's check() reports them. */
export function invalid(issues: FieldIssue[]): never {
  throw new MockCloudError("ValidationError", summarize(issues), { issues });
}
