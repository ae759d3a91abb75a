import { z } from "zod";
import { modelIds } from "./catalog.ts";
import { Timestamp } from "./common.ts";

/**
 * The data plane of a ModelEndpoint: the OpenAI wire protocol under `{url}/v1` (chat completions
 * and models), and the usage it meters. Request schemas accept what OpenAI's API accepts and read
 * only what the emulator serves; unknown fields are passed over, as OpenAI's own server does.
 */

const Text = z.string();
const ContentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
/** A message's content: a string, or parts of which the text ones are read. */
const Content = z.union([Text, z.array(ContentPart)]).nullish();

const ToolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

export const ChatMessage = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content: Content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("developer"), content: Content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("user"), content: Content, name: z.string().optional() }),
  z.looseObject({
    role: z.literal("assistant"),
    content: Content,
    tool_calls: z.array(ToolCall).optional(),
    name: z.string().optional(),
  }),
  z.looseObject({ role: z.literal("tool"), content: Content, tool_call_id: z.string() }),
]);
export type ChatMessage = z.infer<typeof ChatMessage>;

const FunctionTool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** `POST {url}/v1/chat/completions`: what the emulator reads of OpenAI's request. */
export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  tools: z.array(FunctionTool).nullish(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.looseObject({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
    ])
    .nullish(),
  response_format: z.looseObject({ type: z.enum(["text", "json_object", "json_schema"]) }).nullish(),
  n: z.literal(1).nullish(),
  temperature: z.number().nullish(),
  seed: z.number().int().nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const Usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }),
});
export type Usage = z.infer<typeof Usage>;

const AssistantMessage = z.object({
  role: z.literal("assistant"),
  content: z.string().nullable(),
  refusal: z.null(),
  tool_calls: z
    .array(
      z.object({
        id: z.string(),
        type: z.literal("function"),
        function: z.object({ name: z.string(), arguments: z.string() }),
      }),
    )
    .optional(),
});

/** The answer of a chat completion that is not streamed (a streamed one sends `chat.completion.chunk` events). */
export const ChatCompletion = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.null(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: AssistantMessage,
      finish_reason: z.enum(["stop", "length", "tool_calls"]),
      logprobs: z.null(),
    }),
  ),
  usage: Usage,
});

export const ModelList = z.object({
  object: z.literal("list"),
  data: z.array(
    z.object({ id: z.string(), object: z.literal("model"), created: z.number().int(), owned_by: z.string() }),
  ),
});

/** OpenAI's error answer: `{ error: { message, type, param, code } }`. */
export const OpenAiError = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

/** An admin-plane rule that scripts the model's answers (`POST /_mock/inference/rules`). */
export const InferenceRule = z.strictObject({
  /** What the request must match; every given condition must hold. */
  match: z
    .strictObject({
      endpointId: z.string().optional(),
      model: z.enum(modelIds).optional(),
      /** A regular expression the last message's text must match. */
      lastMessage: z.string().max(1000).optional(),
      /** Whether the request offers tools. */
      tools: z.boolean().optional(),
    })
    .default({}),
  /** The answer: text, tool calls, a JSON value (as the message's text), or an error. */
  answer: z.union([
    z.strictObject({ text: z.string() }),
    z.strictObject({
      toolCalls: z
        .array(z.strictObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()) }))
        .min(1),
    }),
    z.strictObject({ json: z.unknown() }),
    z.strictObject({
      error: z.strictObject({
        status: z.number().int().min(400).max(599),
        code: z.string().default("server_error"),
        message: z.string().default("scripted error"),
      }),
    }),
  ]),
  /** Time to first token and tokens per second of a streamed answer (real time). */
  timing: z
    .strictObject({
      firstTokenMs: z.number().int().min(0).max(60_000).default(0),
      tokensPerSecond: z.number().min(0).max(1_000_000).default(0),
    })
    .optional(),
  /** A streamed answer breaks off (the connection is closed) after this many completion tokens. */
  dropAfterTokens: z.number().int().min(0).optional(),
  /** How many requests it answers before it is used up; absent: all of them. */
  remaining: z.number().int().min(1).optional(),
});
export type InferenceRule = z.infer<typeof InferenceRule>;

const usageGroups = ["hour", "day", "endpoint", "model", "runtime"] as const;

/** `GET /v1/usage` (and `/v1/model-endpoints/{id}/usage`): filters on the emulator clock, and a grouping. */
export const UsageQuery = z.object({
  endpointId: z.string().optional().describe("only this endpoint"),
  model: z.enum(modelIds).optional().describe("only this model"),
  runtimeId: z
    .string()
    .optional()
    .describe("only what this agent runtime used: its sandbox time and the requests its model gateway sent"),
  from: Timestamp.optional().describe("from this time on the emulator clock (inclusive)"),
  to: Timestamp.optional().describe("until this time on the emulator clock (exclusive)"),
  groupBy: z
    .enum(usageGroups)
    .optional()
    .describe(
      "one row per hour, day, endpoint, model or agent runtime (the group '': requests sent to an endpoint directly); absent: one total. Sandbox time has no endpoint or model: grouped or filtered by those, it is left out",
    ),
});

const UsageRow = z.object({
  /** The group: an hour or day (its start, ISO), an endpoint id or a model; "total" without groupBy. */
  group: z.string(),
  requests: z.number().int(),
  throttledRequests: z.number().int(),
  inputTokens: z.number().int(),
  cachedTokens: z.number().int(),
  outputTokens: z.number().int(),
  /** Tokens served above `tokensPerMinute` on elastic endpoints, billed at the elastic price. */
  elasticTokens: z.number().int(),
  /** Seconds of agent runtimes' sandbox instances (billed spans that ended in the group's time). */
  sandboxSeconds: z.number(),
  /** Tokens at the catalog's prices, and sandbox time at its sandbox prices. */
  costUsd: z.number(),
});
export const UsageReport = z.object({ currency: z.literal("USD"), rows: z.array(UsageRow) });
export type UsageReport = z.infer<typeof UsageReport>;
