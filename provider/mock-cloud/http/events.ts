import type { Context } from "hono";
import type { ChangeFeed, FeedEntry } from "../core/feed.ts";

/** A comment line every so often: proxies keep the stream open, and a gone client is noticed. */
const heartbeatMs = 15_000;
/** Events queued for a client that does not read; past this it is cut off (it reconnects and reloads). */
const maxQueued = 5_000;

/**
 * The change feed as server-sent events (text/event-stream): first `event: hello` with the feed's
 * position and the emulator clock, then one `event: change` per entry (`id:` is its sequence
 * number, `data:` the change as JSON), and `: ping` comments in between.
 */
export function changeStream(c: Context, feed: ChangeFeed, now: () => string): Response {
  const encoder = new TextEncoder();
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if ((controller.desiredSize ?? 0) < -maxQueued) {
          stop();
          controller.error(new Error("change feed client too slow"));
          return;
        }
        controller.enqueue(encoder.encode(text));
      };
      send(`event: hello\ndata: ${JSON.stringify({ seq: feed.seq, now: now() })}\n\n`);
      const unsubscribe = feed.subscribe((e: FeedEntry) =>
        send(`id: ${e.seq}\nevent: change\ndata: ${JSON.stringify(e.event)}\n\n`),
      );
      const timer = setInterval(() => send(": ping\n\n"), heartbeatMs);
      timer.unref();
      stop = () => {
        clearInterval(timer);
        unsubscribe();
      };
    },
    cancel() {
      stop();
    },
  });
  // The client going away (or the server closing) ends the subscription too.
  c.req.raw.signal?.addEventListener("abort", () => stop(), { once: true });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
