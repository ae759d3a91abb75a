/**
 * Asks the stack's qwen endpoint a question with the official `openai` client, twice with the same
 * long system prompt (the second answer is served from the context cache), then prints what the
 * cloud metered. Typed in this folder after `pulumi up`:
 *
 *   node ask.ts "$(pulumi stack output qwenUrl)" "$(pulumi stack output --show-secrets qwenApiKey)"
 *
 * AGENTCLOUD_ENDPOINT and AGENTCLOUD_TOKEN (the account's token) let it read GET /v1/usage too.
 */
import OpenAI from "openai";

const [url, apiKey, question = "Which cluster serves you?"] = process.argv.slice(2);
if (!url || !apiKey) {
  console.error('usage: node ask.ts <qwenUrl> <qwenApiKey> ["question"]');
  process.exit(2);
}
const qwen = new OpenAI({ baseURL: `${url}/v1`, apiKey });
const system = `You are the assistant of a platform team. ${"Read the runbook before you act. ".repeat(300)}`;
for (const attempt of [1, 2]) {
  const answer = await qwen.chat.completions.create({
    model: "qwen3.7-max",
    messages: [
      { role: "system", content: system },
      { role: "user", content: question },
    ],
  });
  const usage = answer.usage;
  console.log(`answer ${attempt}: ${answer.choices[0]?.message.content}`);
  console.log(
    `usage ${attempt}: prompt ${usage?.prompt_tokens} (cached ${usage?.prompt_tokens_details?.cached_tokens}), completion ${usage?.completion_tokens}`,
  );
}
const endpoint = process.env.AGENTCLOUD_ENDPOINT;
const token = process.env.AGENTCLOUD_TOKEN;
if (endpoint && token) {
  const res = await fetch(`${endpoint}/v1/usage?groupBy=model`, {
    headers: { authorization: `Bearer ${token}` },
  });
  console.log(`metered: ${JSON.stringify((await res.json()).rows)}`);
}
