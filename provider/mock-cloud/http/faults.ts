/**
 * Fault rules (`/_mock/faults`) where requests meet them: the API's middleware (`/v1`, errors in the
 * API's shape) and the data plane's handlers (an endpoint's models and chat completions, a
 * runtime's gateway; errors in OpenAI's shape). Both pick the rule the same way (`pickFault`), play
 * its latency, drop the connection or answer its error, 429 and 503 with Retry-After.
 */
import type { Context } from "hono";
import { type ErrorCode, errorStatus } from "../../api/common.ts";
import { InferenceError } from "../core/inference/serve.ts";
import type { CloudService } from "../core/service.ts";
import { type FaultTarget, pickFault } from "../core/settings.ts";
import type { AppEnv } from "./deps.ts";

/** Marks an answer that the in-process adapter must turn into a dropped connection. */
export const dropHeader = "x-agentcloud-mock-drop";

/** The error a fault rule injects: its status (given, or its code's, else 500), code, message, headers. */
export interface InjectedError {
  status: number;
  code: string | undefined;
  message: string;
  headers: Record<string, string>;
}

/**
 * The fault rule the request meets, if one fires: after its latency, a dropped connection (as a
 * Response to return), the error to answer, or null when the request goes on (no rule, or a rule
 * of latency only).
 */
export async function injectFault(
  c: Context<AppEnv>,
  service: CloudService,
  target: FaultTarget,
): Promise<Response | InjectedError | null> {
  if (service.faults.length === 0) return null;
  const fault = pickFault(service.faults, target);
  if (!fault) return null;
  if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
  if (fault.drop) {
    const incoming = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming;
    if (incoming?.socket) {
      incoming.socket.destroy();
      return c.body(null, 500);
    }
    // In process (msw adapter): the adapter turns this marker into a network error.
    return c.body(null, 500, { [dropHeader]: "1" });
  }
  if (!fault.status && !fault.code) return null;
  const status = fault.status ?? errorStatus[fault.code as ErrorCode] ?? 500;
  // Throttled and CapacityUnavailable always say when to come back, as the real answers do.
  const retryable =
    fault.code === "Throttled" || fault.code === "CapacityUnavailable" || status === 429 || status === 503;
  const retryAfter = fault.retryAfterSeconds ?? (retryable ? service.limits.retryAfterSeconds : undefined);
  return {
    status,
    code: fault.code,
    message: fault.message ?? "injected fault",
    headers: retryAfter === undefined ? {} : { "retry-after": String(retryAfter) },
  };
}

/**
 * A fault rule on a data-plane operation (its operationId), once the caller is authorized: null
 * when the request goes on, else the answer, an error in OpenAI's shape. The request is not served,
 * so it is neither metered nor counted against the endpoint's window.
 */
export async function dataPlaneFault(
  c: Context<AppEnv>,
  service: CloudService,
  target: FaultTarget,
): Promise<Response | null> {
  const injected = await injectFault(c, service, target);
  if (!injected || injected instanceof Response) return injected;
  const { status } = injected;
  const e =
    status === 429
      ? new InferenceError(status, "requests", injected.code ?? "rate_limit_exceeded", injected.message)
      : status >= 500
        ? new InferenceError(
            status,
            "server_error",
            injected.code ?? (status === 503 ? "service_unavailable" : "server_error"),
            injected.message,
          )
        : new InferenceError(
            status,
            "invalid_request_error",
            injected.code ?? "injected_fault",
            injected.message,
          );
  c.set("errorCode", e.code);
  return c.json(e.body(), status as 400, injected.headers);
}
