import { Agent, type Dispatcher, request } from "undici";
import { ErrorBody } from "../api/common.ts";
import { type BackoffPolicy, backoffDelay, defaultBackoff, parseRetryAfter, sleep } from "./backoff.ts";
import { AgentCloudError, redact } from "./errors.ts";
import { Limiter } from "./limiter.ts";

export interface TransportOptions {
  endpoint: string;
  token: string;
  /** Attempts after the first, for retryable failures. */
  maxRetries?: number;
  backoff?: BackoffPolicy;
  /** Requests in flight at once from this process. */
  concurrency?: number;
  /** Per-attempt timeout for headers and body. */
  attemptTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Absolute epoch ms after which no further attempt starts. */
  deadline?: number;
  /** Answers with this status are returned instead of thrown (e.g. 404 on delete). */
  accept?: number[];
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

const retryableStatus = new Set([429, 502, 503, 504]);
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

/**
 * HTTP to the AgentCloud API: one keep-alive agent, a concurrency limit, retries with backoff and
 * jitter on 429/5xx/connection failures honouring Retry-After, and errors that never carry the token.
 */
export class Transport {
  readonly endpoint: string;
  readonly #token: string;
  readonly #dispatcher: Dispatcher;
  readonly #limiter: Limiter;
  readonly #maxRetries: number;
  readonly #backoff: BackoffPolicy;
  readonly #attemptTimeoutMs: number;

  constructor(options: TransportOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.#token = options.token;
    this.#dispatcher =
      options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: options.concurrency ?? 16 });
    this.#limiter = new Limiter(options.concurrency ?? 16);
    this.#maxRetries = options.maxRetries ?? 8;
    this.#backoff = options.backoff ?? defaultBackoff;
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
    const deadline = options.deadline ?? Date.now() + 5 * 60_000;
    for (let attempt = 0; ; attempt++) {
      let failure: AgentCloudError;
      let retryAfterMs: number | null = null;
      try {
        const res = await this.#limiter.run(() => this.#attempt(method, path, options, deadline));
        if (res.status < 400 || options.accept?.includes(res.status)) return res;
        failure = this.#apiError(res);
        if (!retryableStatus.has(res.status)) throw failure;
        retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
      } catch (e) {
        if (e instanceof AgentCloudError && !e.retryable) throw e;
        failure = e instanceof AgentCloudError ? e : this.#networkError(e, method, path);
        if (failure.code !== "ConnectionFailed" && !failure.retryable) throw failure;
      }
      const wait = Math.max(retryAfterMs ?? 0, backoffDelay(attempt, this.#backoff));
      if (attempt >= this.#maxRetries || Date.now() + wait >= deadline) throw failure;
      await sleep(wait);
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #attempt(method: string, path: string, options: CallOptions, deadline: number): Promise<Response> {
    const timeout = Math.max(1, Math.min(this.#attemptTimeoutMs, deadline - Date.now()));
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
      headersTimeout: timeout,
      bodyTimeout: timeout,
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
