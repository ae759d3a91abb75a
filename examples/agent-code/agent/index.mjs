// A support agent. It answers a question with its primary model (or the fallback the gateway picks
// when the primary is throttled) and says which endpoint answered; it remembers a fact across tasks
// (its runtime's memory outlives any sandbox); and it hands work to its reviewer over a channel.
export default async function handle(input, context) {
  if (input.startsWith("remember: ")) {
    const put = await context.memory.put("facts", "latest", input.slice("remember: ".length));
    return put.status === 200 ? "remembered" : `could not remember (${put.status})`;
  }
  if (input === "recall") {
    const fact = await context.memory.get("facts", "latest");
    return fact.status === 200 ? `I remember: ${fact.body.value}` : "I remember nothing";
  }
  if (input.startsWith("hand off: ")) {
    // The reviewer's id comes from the runtime's env (the program sets it from the peer's output).
    const sent = await context.channels.publish(
      process.env.REVIEWER_RUNTIME_ID,
      { review: input.slice("hand off: ".length) },
      "reviews",
    );
    return sent.status === 201 ? `handed off as ${sent.body.id}` : `could not hand off (${sent.status})`;
  }
  const answer = await context.models.chat({
    messages: [
      { role: "system", content: "You answer questions about AgentCloud briefly." },
      { role: "user", content: input },
    ],
  });
  if (answer.status !== 200) return `no model could answer (${answer.status}, ${answer.hops})`;
  return `${answer.body.choices[0].message.content} [answered by ${answer.routedTo}]`;
}
