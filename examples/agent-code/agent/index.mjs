// A support agent: it answers a question with its primary model (or the fallback the gateway
// picks when the primary is throttled) and says which endpoint answered.
export default async function handle(input, context) {
  const answer = await context.models.chat({
    messages: [
      { role: "system", content: "You answer questions about AgentCloud briefly." },
      { role: "user", content: input },
    ],
  });
  if (answer.status !== 200) return `no model could answer (${answer.status}, ${answer.hops})`;
  return `${answer.body.choices[0].message.content} [answered by ${answer.routedTo}]`;
}
