/**
 * An agent runtime's model gateway: OpenAI's chat completions at `{invokeUrl}/models/v1`, routed to
 * the runtime's bound endpoints. The primary answers first; on a 429, a 5xx or an endpoint that is
 * gone or not serving, the next binding does (the fallbacks in the order declared, then the router).
 * Each hop is the endpoint's own request (its key, its metering and throttling), and the answer
 * says where it went: `x-agentcloud-routed-to` (the endpoint that answered) and `x-agentcloud-hops`
 * (`<endpoint>:<status>` for each try, in order); the request log has every hop too.
 */
import type { Context } from "hono";
import { agentRuntimeLifecycle } from "../../api/agent-runtime.ts";
import type { AppDeps, AppEnv } from "./deps.ts";

type Binding = { endpointId: string; role: "primary" | "fallback" | "router" };

const roleOrder = { primary: 0, fallback: 1, router: 2 } as const;

/** An error in OpenAI's shape, as the data plane answers them. */
function openAiError(c: Context<AppEnv>, status: 401 | 404 | 503, code: string, message: string): Response {
  c.set("errorCode", code);
  return c.json(
    {
      error: { message, type: status === 503 ? "server_error" : "invalid_request_error", param: null, code },
    },
    status,
  );
}

/** Whether the next binding should answer instead. */
const handOn = (status: number) => status === 429 || status >= 500;

export function gatewayHandler(deps: AppDeps, fetchApp: (request: Request) => Promise<Response>) {
  const { service, tokens } = deps;
  return async (c: Context<AppEnv>, runtimeId: string): Promise<Response> => {
    const account = tokens.account(c.req.header("authorization"));
    if (!account)
      return openAiError(c, 401, "invalid_api_key", "the gateway takes the runtime's account token");
    c.set("account", account);
    service.tick();
    const runtime = service.repo.getResource(account, "AgentRuntime", runtimeId);
    if (!runtime) return openAiError(c, 404, "not_found", `agent runtime ${runtimeId} not found`);
    const status = String(runtime.body.status);
    if (status !== agentRuntimeLifecycle.ready && status !== agentRuntimeLifecycle.updating)
      return openAiError(c, 503, "runtime_unavailable", `agent runtime ${runtimeId} is ${status}`);
    const bindings = [...(runtime.body.models as Binding[])].sort(
      (a, b) => roleOrder[a.role] - roleOrder[b.role],
    );
    const body = await c.req.arrayBuffer();
    const hops: string[] = [];
    let last: Response | null = null;
    for (const [i, binding] of bindings.entries()) {
      const endpoint = service.repo.getResource(account, "ModelEndpoint", binding.endpointId);
      if (!endpoint) {
        hops.push(`${binding.endpointId}:404`);
        continue;
      }
      const answer = await fetchApp(
        new Request(`http://agentcloud.internal/inference/${endpoint.id}/v1/chat/completions`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${String(endpoint.body.apiKey)}`,
            "content-type": c.req.header("content-type") ?? "application/json",
            "x-agentcloud-runtime": runtimeId,
          },
          body,
        }),
      );
      hops.push(`${endpoint.id}:${answer.status}`);
      if (handOn(answer.status) && i < bindings.length - 1) {
        await answer.body?.cancel();
        continue;
      }
      last = answer;
      const headers = new Headers(answer.headers);
      headers.set("x-agentcloud-routed-to", endpoint.id);
      headers.set("x-agentcloud-hops", hops.join(","));
      if (answer.status >= 400) c.set("errorCode", `upstream_${answer.status}`);
      return new Response(answer.body, { status: answer.status, headers });
    }
    c.header("x-agentcloud-hops", hops.join(","));
    return (
      last ??
      openAiError(c, 503, "no_endpoint", `none of agent runtime ${runtimeId}'s model endpoints could answer`)
    );
  };
}
