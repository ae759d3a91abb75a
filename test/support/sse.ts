/** One server-sent event: its `event:` name (absent for the default, "message"), its data lines joined by "\n", its `id:`. */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/**
 * The one reader of text/event-stream for the tests and the benchmarks, as the WHATWG spec reads
 * one: LF, CRLF or CR line ends, `:` comments, several `data:` lines joined, one space after the
 * colon dropped, an event without data not dispatched, and an event the stream ends in the middle
 * of dropped (as a browser drops it). The console has its own (it ships to the browser).
 */
class SseReader {
  #decoder = new TextDecoder();
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #id: string | undefined;
  #started = false;

  /** The events a chunk completes. */
  push(chunk: Uint8Array | string): SseEvent[] {
    // The decoder drops a byte-order mark at the start by itself; a string keeps it.
    const text = typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    this.#buffer += this.#started ? text : text.replace(/^\uFEFF/, "");
    this.#started ||= text.length > 0;
    // A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
    const cut = this.#buffer.endsWith("\r") ? this.#buffer.length - 1 : this.#buffer.length;
    const lines = this.#buffer.slice(0, cut).split(/\r\n|\r|\n/);
    this.#buffer = (lines.pop() ?? "") + this.#buffer.slice(cut);
    const events: SseEvent[] = [];
    for (const line of lines) {
      const e = this.#line(line);
      if (e) events.push(e);
    }
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(line[colon + 1] === " " ? colon + 2 : colon + 1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const { data, event, id } = { data: this.#data, event: this.#event, id: this.#id };
    this.#data = [];
    this.#event = "";
    this.#id = undefined;
    if (data.length === 0) return undefined;
    return { ...(event ? { event } : {}), data: data.join("\n"), ...(id === undefined ? {} : { id }) };
  }
}

/** The events of a whole text/event-stream body. */
export function parseSse(text: string): SseEvent[] {
  return new SseReader().push(text);
}

/**
 * The events of a text/event-stream body as its chunks arrive (undici's `res.body`, a fetch
 * body, a node stream). Ending the loop early (`break`) stops reading the body.
 */
export async function* sseEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const reader = new SseReader();
  for await (const chunk of body) yield* reader.push(chunk);
}
