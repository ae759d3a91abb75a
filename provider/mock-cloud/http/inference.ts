import type { Context } from "hono";
import type { Usage } from "../../api/inference.ts";
import {
  InferenceError,
  type InferenceError as InferenceErrorType,
  outputTokensOf,
  type Prepared,
} from "../core/inference/serve.ts";
import { countTokens } from "../core/inference/tokenizer.ts";
import { MockCloudError } from "../errors.ts";
import type { StoredResource } from "../store/repo.ts";
import { json } from "./body.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { dataPlaneFault } from "./faults.ts";
import type { HandlersOfTags } from "./route-spec.ts";

/** Prompts may be long: a larger body than the control plane's 256 KiB. */
const maxPromptBytes = 8 * 1024 * 1024;

/**
 * The OpenAI wire protocol of each model endpoint, under its `url`: `{url}/v1` is the base URL an
 * OpenAI client takes (`GET /models`, `POST /chat/completions`, plain or streamed). Authenticated
 * by the endpoint's own `apiKey`; every error in OpenAI's shape.
 */
export function inferenceHandlers(deps: AppDeps): HandlersOfTags<"inference", AppEnv> {
  const { service } = deps;

  const fail = (c: Context<AppEnv>, e: InferenceErrorType) => {
    c.set("errorCode", e.code ?? e.type);
    return c.json(e.body(), e.status as 400, e.headers);
  };
  const guarded =
    (handler: (c: Context<AppEnv>) => Promise<Response> | Response) =>
    async (c: Context<AppEnv>): Promise<Response> => {
      try {
        return await handler(c);
      } catch (e) {
        if (e instanceof InferenceError) return fail(c, e);
        if (e instanceof MockCloudError) return fail(c, fromCloudError(e));
        throw e;
      }
    };

  /**
   * The agent runtime that sent the request through its gateway (`x-agentcloud-runtime`), when it is
   * one of the account's runtimes and binds this endpoint: what usage is attributed to.
   */
  const sendingRuntime = (c: Context<AppEnv>, account: string, endpointId: string): string | null => {
    const id = c.req.header("x-agentcloud-runtime");
    if (!id) return null;
    const runtime = service.repo.getResource(account, "AgentRuntime", id);
    const binds = (runtime?.body.models as { endpointId: string }[] | undefined)?.some(
      (m) => m.endpointId === endpointId,
    );
    return binds ? id : null;
  };

  /** A fault rule (`/_mock/faults`) on the operation, once the caller is authorized. */
  const faulted = (c: Context<AppEnv>, endpoint: StoredResource, operation: string) =>
    dataPlaneFault(c, service, {
      kind: "ModelEndpoint",
      operation,
      region: String(endpoint.body.region),
      account: endpoint.account,
    });

  const listEndpointModels = guarded(async (c) => {
    const { account, endpoint } = service.inference.authorize(
      c.req.param("id") ?? "",
      c.req.header("authorization"),
    );
    c.set("account", account);
    const fault = await faulted(c, endpoint, "listEndpointModels");
    if (fault) return fault;
    const created = Math.floor(Date.parse(String(endpoint.body.createdAt)) / 1000);
    return c.json({
      object: "list",
      data: [{ id: endpoint.body.model, object: "model", created, owned_by: endpoint.id }],
    });
  });

  const chatCompletions = guarded(async (c) => {
    const { account, endpoint } = service.inference.authorize(
      c.req.param("id") ?? "",
      c.req.header("authorization"),
    );
    c.set("account", account);
    const fault = await faulted(c, endpoint, "createChatCompletion");
    if (fault) return fault;
    const requestId = c.get("requestId");
    const p = service.inference.prepare(
      account,
      endpoint,
      await json(c, { maxBytes: maxPromptBytes }),
      requestId,
      sendingRuntime(c, account, endpoint.id),
    );
    const id = `chatcmpl-${requestId.replace(/^req-/, "")}`;
    const created = Math.floor(p.atMs / 1000);
    if (!p.request.stream) {
      const completionTokens = p.outputTokens;
      service.inference.meter(p, requestId, completionTokens);
      const text = p.answer.pieces.join("");
      return c.json(
        {
          id,
          object: "chat.completion",
          created,
          model: p.model,
          system_fingerprint: null,
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content: p.answer.toolCalls.length && !text ? null : text,
                refusal: null,
                ...(p.answer.toolCalls.length ? { tool_calls: toolCalls(p) } : {}),
              },
              finish_reason: p.answer.finishReason,
              logprobs: null,
            },
          ],
          usage: usage(p, completionTokens),
        },
        200,
        p.headers,
      );
    }
    return new Response(stream(p, id, created, requestId), {
      status: 200,
      headers: {
        ...p.headers,
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-request-id": requestId,
      },
    });
  });

  /**
   * The answer as server-sent events: a role chunk, one chunk per piece of text (or the tool calls),
   * the finishing chunk, the usage chunk when `stream_options.include_usage`, and `[DONE]`. Metered
   * once: before the finishing chunks, durably; or, if the client goes away or a rule breaks the
   * stream off, for the pieces sent until then.
   */
  function stream(p: Prepared, id: string, created: number, requestId: string): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const timing = p.rule?.timing ?? { firstTokenMs: 0, tokensPerSecond: 0 };
    const sent: string[] = [];
    let sentTokens = 0;
    let callsSent = false;
    let metered = false;
    const meterSent = () => {
      if (metered) return;
      metered = true;
      // The whole answer was counted by prepare; only a part of it needs counting again.
      const whole = sent.length === p.answer.pieces.length && (callsSent || p.answer.toolCalls.length === 0);
      service.inference.meter(
        p,
        requestId,
        whole
          ? p.outputTokens
          : outputTokensOf(p.model, { pieces: sent, toolCalls: callsSent ? p.answer.toolCalls : [] }),
      );
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model: p.model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
    let cancelled = false;
    return new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (data: unknown) => {
          if (!cancelled)
            controller.enqueue(
              encoder.encode(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`),
            );
        };
        try {
          await sleep(timing.firstTokenMs);
          send(chunk({ role: "assistant", content: "", refusal: null }));
          const perPieceMs = timing.tokensPerSecond > 0 ? 1000 / timing.tokensPerSecond : 0; // per token
          // A content event is the same JSON but for the piece: built around it, not serialized
          // whole. Without a pace, pieces go out in batches of 64 events per write.
          const head = `data: ${JSON.stringify(chunk({ content: "" })).replace(/"content":""\}.*$/, '"content":')}`;
          const tail = '},"finish_reason":null,"logprobs":null}]}\n\n';
          const batch = perPieceMs > 0 || p.rule?.dropAfterTokens !== undefined ? 1 : 64;
          for (let i = 0; i < p.answer.pieces.length; i += batch) {
            if (cancelled) return;
            if (p.rule?.dropAfterTokens !== undefined && sentTokens >= p.rule.dropAfterTokens) {
              // What was sent goes out first (and the answer's head with it), then the connection breaks.
              await sleep(20);
              meterSent();
              controller.error(new Error("the scripted rule broke the stream off"));
              return;
            }
            const pieces = p.answer.pieces.slice(i, i + batch);
            controller.enqueue(
              encoder.encode(pieces.map((piece) => head + JSON.stringify(piece) + tail).join("")),
            );
            sent.push(...pieces);
            const tokens = batch === 1 ? countTokens(p.model, pieces.join("")) : 0;
            sentTokens += tokens;
            await sleep(perPieceMs * tokens);
          }
          if (p.answer.toolCalls.length) {
            send(chunk({ tool_calls: toolCalls(p).map((t, index) => ({ index, ...t })) }));
            callsSent = true;
          }
          meterSent();
          await service.durable();
          send(chunk({}, p.answer.finishReason));
          if (p.request.stream_options?.include_usage) {
            const completionTokens = p.outputTokens;
            send({
              id,
              object: "chat.completion.chunk",
              created,
              model: p.model,
              choices: [],
              usage: usage(p, completionTokens),
            });
          }
          send("[DONE]");
          if (!cancelled) controller.close();
        } catch (e) {
          meterSent();
          if (!cancelled) controller.error(e);
        }
      },
      cancel() {
        cancelled = true;
        meterSent();
        void service.durable();
      },
    });
  }

  return { listEndpointModels, chatCompletions };
}

function toolCalls(p: Prepared) {
  return p.answer.toolCalls.map((t) => ({
    id: t.id,
    type: "function",
    function: { name: t.name, arguments: t.arguments },
  }));
}

function usage(p: Prepared, completionTokens: number): Usage {
  return {
    prompt_tokens: p.promptTokens,
    completion_tokens: completionTokens,
    total_tokens: p.promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: p.cachedTokens },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/** A body the control plane's reader refused, as OpenAI would answer it. */
function fromCloudError(e: MockCloudError): InferenceErrorType {
  const type = e.status >= 500 ? "server_error" : "invalid_request_error";
  const code =
    e.code === "PayloadTooLarge"
      ? "request_too_large"
      : e.code === "UnsupportedMediaType"
        ? "unsupported_media_type"
        : "invalid_request";
  return new InferenceError(e.status, type, code, e.message, null, e.headers);
}
