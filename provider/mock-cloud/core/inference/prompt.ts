import type { ChatCompletionRequest, ChatMessage } from "../../../api/inference.ts";

/**
 * What a model reads of a chat request, as one text in a ChatML-like template: each message as
 * `<|im_start|>{role}\n{text}<|im_end|>\n`, the offered tools first as a system message holding
 * their JSON, and the assistant's turn opened at the end. Its tokens are the prompt tokens.
 */
export function promptText(req: Pick<ChatCompletionRequest, "messages" | "tools">): {
  text: string;
  /** Where the last message marked with `cache_control` ends (explicit caching), or null. */
  markedUpTo: number | null;
} {
  let text = "";
  let markedUpTo: number | null = null;
  if (req.tools?.length) text += turn("system", `# Tools\n${JSON.stringify(req.tools)}`);
  for (const m of req.messages) {
    text += turn(m.role, messageText(m));
    if (marked(m)) markedUpTo = text.length;
  }
  return { text: `${text}<|im_start|>assistant\n`, markedUpTo };
}

const turn = (role: string, body: string) => `<|im_start|>${role}\n${body}<|im_end|>\n`;

/** A message's text: its content (text parts joined) and any tool calls it made, as JSON. */
export function messageText(m: ChatMessage): string {
  const content =
    typeof m.content === "string"
      ? m.content
      : Array.isArray(m.content)
        ? m.content.map((p) => p.text ?? "").join("")
        : "";
  const calls = m.role === "assistant" && m.tool_calls?.length ? `\n${JSON.stringify(m.tool_calls)}` : "";
  return content + calls;
}

/** A message marked for explicit caching: a content part with `cache_control: { type: "ephemeral" }`. */
function marked(m: ChatMessage): boolean {
  return (
    Array.isArray(m.content) &&
    m.content.some((p) => (p as { cache_control?: { type?: unknown } }).cache_control?.type === "ephemeral")
  );
}
