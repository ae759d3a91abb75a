// The reviewer: each task reads the work handed to it over its channel, acks it, and says what it
// reviewed. A message it does not ack would be delivered again once its lease ends.
export default async function review(_input, context) {
  const received = await context.channels.receive({ maxMessages: 10 });
  if (received.status !== 200) return `could not read the inbox (${received.status})`;
  const reviewed = [];
  for (const message of received.body.items) {
    await context.channels.ack(message.id, message.receipt);
    reviewed.push(message.body.review);
  }
  return reviewed.length ? `reviewed: ${reviewed.join("; ")}` : "nothing to review";
}
