/**
 * The exit codes of `agentcloud`: stable, one class of failure each, so that a script can branch on
 * `$?` without reading the output. `exitCodes` is the one map from an error code (the API's, in
 * provider/api/common.ts, and the CLI's own) to its exit code; `--help` prints it.
 */
import type { ErrorCode } from "../api/common.ts";

/** Errors the CLI raises itself, besides the API's codes. */
type LocalCode =
  /** A command, flag, argument or value refused before any request. */
  | "UsageError"
  /** No answer: connection refused, reset, DNS, TLS. */
  | "ConnectionFailed"
  /** No answer in time. */
  | "DeadlineExceeded";

export type ExitCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Every error code and its exit code; a new API error code fails to compile until it is placed here. */
export const exitCodes = {
  UsageError: 2,
  NotFound: 3,
  Conflict: 4,
  DependencyViolation: 4,
  IdempotencyMismatch: 4,
  IdempotencyKeyReleased: 4,
  PreconditionFailed: 4,
  ImmutableField: 4,
  Unauthenticated: 5,
  Throttled: 6,
  CapacityUnavailable: 6,
  InternalError: 6,
  ConnectionFailed: 6,
  DeadlineExceeded: 6,
  ValidationError: 7,
  QuotaExceeded: 7,
  InsufficientQuota: 7,
  ChipNotAvailable: 7,
  ModelTooLarge: 7,
  InvalidPageToken: 7,
  PayloadTooLarge: 7,
  UnsupportedMediaType: 7,
} as const satisfies Record<ErrorCode | LocalCode, ExitCode>;

/** What each exit code means, for `--help`. */
export const exitMeaning: Record<ExitCode, string> = {
  0: "ok",
  1: "an answer the CLI cannot read (not an AgentCloud error body)",
  2: "usage: a bad command, argument, flag or value, or no endpoint or token; refused before any request",
  3: "not found",
  4: "conflict or precondition",
  5: "authentication",
  6: "throttled or unavailable, or no answer: retryable",
  7: "validation or quota",
};

/** The exit code that says a later attempt may succeed. */
export const retryableExit: ExitCode = 6;

/**
 * The exit code of an error: its code's, or for a code not in `exitCodes` (a fault rule may inject
 * any), its HTTP status's class.
 */
export function exitCodeOf(code: string, status: number | null): ExitCode {
  if (Object.hasOwn(exitCodes, code)) return exitCodes[code as keyof typeof exitCodes];
  if (status === null) return 1;
  if (status === 401 || status === 403) return 5;
  if (status === 404) return 3;
  if (status === 409 || status === 412) return 4;
  if (status === 408 || status === 429 || status >= 500) return 6;
  if (status >= 400) return 7;
  return 1;
}

/** The exit codes as `--help` lists them: each with its meaning and the error codes it stands for. */
export function exitCodesHelp(): string {
  const codesOf = (n: ExitCode) =>
    Object.entries(exitCodes)
      .filter(([, e]) => e === n)
      .map(([c]) => c);
  const lines = (Object.keys(exitMeaning).map(Number) as ExitCode[]).flatMap((n) => [
    `  ${n}  ${exitMeaning[n]}`,
    ...wrap(codesOf(n).join(", "), 96).map((l) => `       ${l}`),
  ]);
  return [
    "exit codes:",
    ...lines,
    "  an error code not listed exits by its HTTP status:",
    "       401/403 → 5, 404 → 3, 409/412 → 4, 408/429/5xx → 6, other 4xx → 7",
  ].join("\n");
}

/** Text in lines of at most `width`, broken after commas. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ").filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}
