import { describe, expect, it } from "vitest";
import { sseParser } from "./sse.ts";

describe("the SSE parser", () => {
  it("returns each event once its blank line arrives, however the text is split", () => {
    const stream =
      'event: hello\ndata: {"seq":0}\n\n: ping\n\nid: 7\nevent: change\ndata: {"type":"clock"}\n\n';
    for (const size of [1, 2, 5, 13, stream.length]) {
      const p = sseParser();
      const events = [];
      for (let i = 0; i < stream.length; i += size) events.push(...p.push(stream.slice(i, i + size)));
      expect(events).toEqual([
        { event: "hello", data: '{"seq":0}' },
        { event: "change", data: '{"type":"clock"}' },
      ]);
    }
  });

  it("joins data lines with newlines, names an unnamed event 'message', and reads CRLF and CR", () => {
    const p = sseParser();
    expect(p.push("data: a\r\ndata:b\r\n\r")).toEqual([]);
    expect(p.push("\ndata:  c\r\revent: x\nretry: 5\ndata\n\n")).toEqual([
      { event: "message", data: "a\nb" },
      { event: "message", data: " c" },
      { event: "x", data: "" },
    ]);
  });

  it("dispatches nothing for a block without data, and keeps an unfinished event", () => {
    const p = sseParser();
    expect(p.push("event: lonely\n\nevent: change\ndata: 1\n")).toEqual([]);
    expect(p.push("\n")).toEqual([{ event: "change", data: "1" }]);
  });
});
