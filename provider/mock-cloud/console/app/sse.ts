/** One server-sent event: its `event:` name ("message" when none) and its `data:` lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * A server-sent events parser fed text as it arrives: `push` returns the events that the text
 * completed (an event ends at a blank line) and keeps the rest for the next chunk. Lines end with
 * LF, CRLF or CR; comment lines (`:`) and fields other than event and data are skipped.
 */
export function sseParser(): { push(text: string): SseEvent[] } {
  let buffer = "";
  let event = "";
  let data: string[] = [];
  return {
    push(text: string): SseEvent[] {
      buffer += text;
      const out: SseEvent[] = [];
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        // A lone CR at the very end may be the first half of a CRLF: wait for the next chunk.
        if (!m || (m[0] === "\r" && m.index === buffer.length - 1)) break;
        const line = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        if (line === "") {
          if (data.length > 0) out.push({ event: event || "message", data: data.join("\n") });
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      return out;
    },
  };
}
