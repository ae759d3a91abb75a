import { STATUS_CODES } from "node:http";
import { Agent, type Dispatcher, interceptors, type RetryHandler, request } from "undici";
import { ErrorBody, errorStatus } from "../api/common.ts";
import { AgentCloudError, redact } from "./errors.ts";

/** Progress a caller may show: a retry about to wait, or a long-running wait still going on. */
export type ClientEvent =
  | {
      kind: "retry";
      method: string;
      path: string;
      /** HTTP status of the refused attempt; null for a connection failure. */
      status: number | null;
      /** The API's error code for the status, or the network error's code (ECONNRESET, ...). */
      code: string;
      /** The attempt about to start: 2 for the first retry. */
      attempt: number;
      retryAfterMs: number | null;
      delayMs: number;
    }
  | { kind: "waiting"; resourceId: string; status: string; elapsedMs: number };

export interface TransportOptions {
  endpoint: string;
  token: string;
  /** Attempts after the first, for retryable failures. */
  maxRetries?: number;
  /** Exponential backoff with full jitter: the nth retry waits up to min(maxMs, baseMs * 2^(n-1)). */
  backoff?: { baseMs: number; maxMs: number };
  /** Requests in flight at once from this process (undici's Agent `connections`). */
  concurrency?: number;
  /** Per-attempt timeout for headers and body. */
  attemptTimeoutMs?: number;
  /** Called on every retry and every poll of a long-running wait; must not throw. */
  onEvent?: (event: ClientEvent) => void;
  /**
   * Awaited before every request that may change the cloud (any method but GET and HEAD): the
   * provider's check that its engine is still there to record the result.
   */
  beforeWrite?: () => Promise<void>;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Absolute epoch ms after which no further attempt starts, and the one in flight is aborted. */
  deadline?: number;
  /** Answers with this status are returned instead of thrown (e.g. 404 on delete). */
  accept?: number[];
  /** A POST the API defines as safe to repeat although it carries no Idempotency-Key. */
  idempotent?: boolean;
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * The one table of statuses worth another attempt. 500 is in it: only requests that are safe to
 * repeat are retried at all (see `repeatable`), so a 500 that did apply the write is harmless to
 * retry (a POST's Idempotency-Key replays the first result; a DELETE then answers 404, accepted).
 */
const retryableStatus = new Set([429, 500, 502, 503, 504]);
const retryableNetworkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);
// The API gives each retryable status one code (api/common.ts), so a retry event can name it: the
// retry is decided on the status line, before the body is read.
const codeOfStatus = new Map<number, string>(Object.entries(errorStatus).map(([c, s]) => [s, c]));

/**
 * Whether a request may be sent twice. A POST only with an Idempotency-Key (the cloud replays the
 * first answer) or when the API defines it as repeatable; a PATCH only with If-Match (a second
 * application is refused with 412, never applied twice).
 */
function repeatable(method: string, options: CallOptions): boolean {
  const has = (h: string) => Object.keys(options.headers ?? {}).some((k) => k.toLowerCase() === h);
  if (method === "POST") return options.idempotent === true || has("idempotency-key");
  if (method === "PATCH") return has("if-match");
  return true;
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
function parseRetryAfter(value: unknown, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== "string" || v.trim() === "") return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * HTTP to the AgentCloud API on undici: one keep-alive Agent whose `connections` is the
 * concurrency limit, undici's retry interceptor re-sending the request, and errors that never
 * carry the token. What undici's default retry policy cannot express is our `decide` callback:
 * retry only what is safe to repeat (by method and headers, for network errors too), jittered
 * backoff, Retry-After, and no attempt whose wait would end past the call's deadline.
 */
export class Transport {
  readonly endpoint: string;
  readonly #token: string;
  readonly #dispatcher: Dispatcher;
  readonly #agent: Agent;
  readonly #maxRetries: number;
  readonly #backoff: { baseMs: number; maxMs: number };
  readonly #attemptTimeoutMs: number;
  readonly #onEvent: ((event: ClientEvent) => void) | undefined;
  readonly #beforeWrite: (() => Promise<void>) | undefined;

  constructor(options: TransportOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.#token = options.token;
    // HTTP/1.1 only: over h2 one connection would carry many requests, past the limit.
    this.#agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: options.concurrency ?? 16,
      allowH2: false,
    });
    // The failing answer is handed back, not thrown: its body carries the cloud's code and request id.
    this.#dispatcher = this.#agent.compose(interceptors.retry({ throwOnError: false }));
    this.#maxRetries = options.maxRetries ?? 8;
    this.#backoff = options.backoff ?? { baseMs: 200, maxMs: 10_000 };
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
    this.#onEvent = options.onEvent;
    this.#beforeWrite = options.beforeWrite;
  }

  /** Reports progress to the caller's hook; a hook that throws never fails the request. */
  emit(event: ClientEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // progress is best effort
    }
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
    const deadline = options.deadline ?? Date.now() + 5 * 60_000;
    if (method !== "GET" && method !== "HEAD") await this.#beforeWrite?.();
    const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    let res: Response;
    try {
      res = await this.#send(method, path, options, signal, this.#decide(method, path, options, deadline));
    } catch (e) {
      if (signal.aborted) {
        throw new AgentCloudError({
          code: "DeadlineExceeded",
          message: `${method} ${this.endpoint}${path} got no answer before the deadline`,
        });
      }
      throw this.#networkError(e, method, path);
    }
    if (res.status < 400 || options.accept?.includes(res.status)) return res;
    throw this.#apiError(res);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** undici's retry callback for one call: `done()` sends again, `done(err)` hands the failure back. */
  #decide(method: string, path: string, options: CallOptions, deadline: number): RetryHandler.RetryCallback {
    const safe = repeatable(method, options);
    return (err, { state }, done) => {
      const { statusCode, code, headers } = err as Error & {
        statusCode?: number;
        code?: string;
        headers?: Record<string, unknown>;
      };
      const status = code === "UND_ERR_REQ_RETRY" && statusCode ? statusCode : null;
      const retryable = status !== null ? retryableStatus.has(status) : retryableNetworkCodes.has(code ?? "");
      if (!safe || !retryable || state.counter > this.#maxRetries) return done(err);
      const retryAfterMs = status === null ? null : parseRetryAfter(headers?.["retry-after"]);
      const ceiling = Math.min(this.#backoff.maxMs, this.#backoff.baseMs * 2 ** (state.counter - 1));
      const delayMs = Math.max(retryAfterMs ?? 0, Math.floor(Math.random() * ceiling));
      if (Date.now() + delayMs >= deadline) return done(err);
      this.emit({
        kind: "retry",
        method,
        path,
        status,
        code:
          status === null
            ? (code ?? "ConnectionFailed")
            : (codeOfStatus.get(status) ?? STATUS_CODES[status] ?? ""),
        attempt: state.counter + 1,
        retryAfterMs,
        delayMs,
      });
      // Returned so that undici cancels the wait when the call is aborted.
      return setTimeout(() => done(null), delayMs);
    };
  }

  async #send(
    method: string,
    path: string,
    options: CallOptions,
    signal: AbortSignal,
    retry: RetryHandler.RetryCallback,
  ): Promise<Response> {
    const res = await request(`${this.endpoint}${path}`, {
      method: method as Dispatcher.HttpMethod,
      dispatcher: this.#dispatcher,
      headers: {
        authorization: `Bearer ${this.#token}`,
        accept: "application/json",
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers,
      },
      body: options.body === undefined ? null : JSON.stringify(options.body),
      headersTimeout: this.#attemptTimeoutMs,
      bodyTimeout: this.#attemptTimeoutMs,
      signal,
      // Read by undici's retry interceptor (the request's options reach its dispatch as they are).
      ...({ retryOptions: { retry } } as object),
    });
    const text = await res.body.text();
    let body: unknown = null;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = { unparsed: text.slice(0, 200) };
      }
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  #apiError(res: Response): AgentCloudError {
    const parsed = ErrorBody.safeParse(res.body);
    const requestId = (res.headers["x-request-id"] as string | undefined) ?? null;
    if (!parsed.success) {
      return new AgentCloudError({
        code: res.status >= 500 ? "InternalError" : "UnexpectedResponse",
        message: `HTTP ${res.status} without an AgentCloud error body`,
        status: res.status,
        requestId,
      });
    }
    const { code, message, details } = parsed.data.error;
    return new AgentCloudError({
      code,
      message: redact(message, [this.#token]),
      status: res.status,
      requestId: parsed.data.error.requestId ?? requestId,
      details,
    });
  }

  #networkError(e: unknown, method: string, path: string): AgentCloudError {
    const code = (e as { code?: string }).code ?? "";
    const reason = redact(e instanceof Error ? e.message : String(e), [this.#token]);
    const kind = retryableNetworkCodes.has(code) || code === "" ? "ConnectionFailed" : "UnexpectedResponse";
    return new AgentCloudError({
      code: kind,
      message: `${method} ${this.endpoint}${path} failed: ${code ? `${code} ` : ""}${reason}`,
    });
  }
}
