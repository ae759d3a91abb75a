import { createHash } from "node:crypto";
import type { ChatCompletionRequest, InferenceRule } from "../../../api/inference.ts";
import { messageText } from "./prompt.ts";

/**
 * The model's answer, deterministic: the same request (model, messages, tools, options) gives the
 * same answer. Without a scripted rule:
 * - text of `defaultAnswerTokens` words drawn from a fixed vocabulary by a seed of the request, cut
 *   at `max_tokens` (finish_reason `length`) or before a `stop` string (`stop`);
 * - with tools offered (and `tool_choice` not `none`) and the last message the user's, a call of
 *   the first tool (or the one `tool_choice` names) with arguments made from its JSON schema; after
 *   a tool's result, text again, so an agent loop ends;
 * - `response_format` `json_object`: a JSON object `{"answer": "<text>"}`.
 * A scripted rule's answer replaces it (admin plane, `/_mock/inference/rules`).
 */
export const defaultAnswerTokens = 48;

export interface Answer {
  /** The text, in the pieces a stream sends (one word, with its leading space, a piece). */
  pieces: string[];
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: "stop" | "length" | "tool_calls";
}

const vocabulary =
  "the model answers with words from a small and fixed list so that every test can predict what it says and count each token exactly as the endpoint bills it while agents plan call tools read results and write short notes about clusters chips tokens caches queues memory channels sandboxes runtimes endpoints regions quotas".split(
    " ",
  );

/** A deterministic stream of numbers in [0, 1) from a text. */
function seeded(text: string): () => number {
  let state = createHash("sha256").update(text).digest();
  let i = 0;
  return () => {
    if (i + 4 > state.length) {
      state = createHash("sha256").update(state).digest();
      i = 0;
    }
    const n = state.readUInt32BE(i);
    i += 4;
    return n / 2 ** 32;
  };
}

/**
 * `count`: the model's token count of a text. `max_tokens` counts tokens: an answer ends before the
 * piece that would take it past the limit (so it may hold fewer), with finish_reason `length`.
 */
export function answer(
  req: ChatCompletionRequest,
  model: string,
  rule: InferenceRule | null,
  count: (text: string) => number,
): Answer {
  const limit = req.max_completion_tokens ?? req.max_tokens ?? Number.POSITIVE_INFINITY;
  const cut = (pieces: string[], stop: ChatCompletionRequest["stop"]) => cutAt(pieces, limit, stop, count);
  if (rule && "text" in rule.answer) return cut(words(rule.answer.text), req.stop);
  if (rule && "json" in rule.answer) return cut(words(JSON.stringify(rule.answer.json)), req.stop);
  if (rule && "toolCalls" in rule.answer) {
    return {
      pieces: [],
      toolCalls: rule.answer.toolCalls.map((c, i) => ({
        id: callId(req, i),
        name: c.name,
        arguments: JSON.stringify(c.arguments),
      })),
      finishReason: "tool_calls",
    };
  }
  const random = seeded(
    JSON.stringify([model, req.messages, req.tools ?? null, req.response_format ?? null]),
  );
  const last = req.messages[req.messages.length - 1];
  const tool = chosenTool(req);
  if (tool && last?.role !== "tool") {
    return {
      pieces: [],
      toolCalls: [
        {
          id: callId(req, 0),
          name: tool.name,
          arguments: JSON.stringify(argumentsFor(tool.parameters, random)),
        },
      ],
      finishReason: "tool_calls",
    };
  }
  const pieces: string[] = [];
  for (let i = 0; i < defaultAnswerTokens; i++) {
    pieces.push(`${i === 0 ? "" : " "}${vocabulary[Math.floor(random() * vocabulary.length)]}`);
  }
  if (req.response_format?.type === "json_object" || req.response_format?.type === "json_schema") {
    return cut(words(JSON.stringify({ answer: pieces.join("") })), null);
  }
  return cut(pieces, req.stop);
}

/** A text in stream pieces: each word with the white space before it. */
function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function cutAt(
  pieces: string[],
  limit: number,
  stop: ChatCompletionRequest["stop"],
  count: (text: string) => number,
): Answer {
  const stops =
    stop === null || stop === undefined ? [] : (Array.isArray(stop) ? stop : [stop]).filter(Boolean);
  let text = "";
  let tokens = 0;
  const out: string[] = [];
  for (const piece of pieces) {
    tokens += count(piece);
    if (tokens > limit) return { pieces: out, toolCalls: [], finishReason: "length" };
    const next = text + piece;
    const at = stops.map((s) => next.indexOf(s)).filter((i) => i >= 0);
    if (at.length > 0) {
      const end = Math.min(...at);
      if (end > text.length) out.push(next.slice(text.length, end));
      return { pieces: out, toolCalls: [], finishReason: "stop" };
    }
    out.push(piece);
    text = next;
  }
  return { pieces: out, toolCalls: [], finishReason: "stop" };
}

function chosenTool(req: ChatCompletionRequest): { name: string; parameters: unknown } | null {
  if (!req.tools?.length || req.tool_choice === "none") return null;
  const named = typeof req.tool_choice === "object" && req.tool_choice ? req.tool_choice.function.name : null;
  const tool = req.tools.find((t) => t.function.name === named) ?? req.tools[0];
  return tool ? { name: tool.function.name, parameters: tool.function.parameters } : null;
}

/** Arguments that satisfy a JSON schema's required properties, by type (deterministic). */
function argumentsFor(schema: unknown, random: () => number): Record<string, unknown> {
  const s = (schema ?? {}) as {
    properties?: Record<string, { type?: string; enum?: unknown[] }>;
    required?: string[];
  };
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    if (s.required && !s.required.includes(name)) continue;
    if (prop.enum?.length) out[name] = prop.enum[0];
    else if (prop.type === "number" || prop.type === "integer") out[name] = 1 + Math.floor(random() * 9);
    else if (prop.type === "boolean") out[name] = true;
    else if (prop.type === "array") out[name] = [];
    else if (prop.type === "object") out[name] = {};
    else out[name] = vocabulary[Math.floor(random() * vocabulary.length)];
  }
  return out;
}

function callId(req: ChatCompletionRequest, i: number): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([req.messages.map(messageText), i]))
    .digest("hex");
  return `call_${digest.slice(0, 24)}`;
}
