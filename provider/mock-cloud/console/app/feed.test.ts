import { describe, expect, it } from "vitest";
import { describe as describeChange, follow, type LiveMode } from "./feed.ts";
import type { Change } from "./types.ts";

/** A response whose body streams these chunks, then ends (or stays open until aborted). */
function stream(chunks: string[], status = 200, open = false, signal?: AbortSignal): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      if (!open) controller.close();
      else signal?.addEventListener("abort", () => controller.error(new Error("aborted")));
    },
  });
  return new Response(body, { status });
}

function recorder() {
  const seen: { live: [LiveMode, string][]; hello: number; changes: Change[] } = {
    live: [],
    hello: 0,
    changes: [],
  };
  return {
    seen,
    on: {
      live: (mode: LiveMode, text: string) => seen.live.push([mode, text]),
      hello: () => {
        seen.hello++;
      },
      change: (c: Change) => seen.changes.push(c),
    },
  };
}

describe("follow", () => {
  it("reads the change feed: live on hello, each change parsed, and reconnects when the stream ends", async () => {
    const controller = new AbortController();
    const { seen, on } = recorder();
    const sleeps: number[] = [];
    let opened = 0;
    const api = {
      events: async (signal: AbortSignal) => {
        opened++;
        if (opened === 1)
          return stream([
            'event: hello\ndata: {"seq":1}\n\nid: 2\nevent: change\ndata: {"type":"clock",',
            '"now":"2026-01-01T00:00:00.000Z"}\n\n',
          ]);
        if (opened === 2) return new Response("busy", { status: 503 });
        return stream(["event: hello\ndata: {}\n\n"], 200, true, signal);
      },
    };
    // The third stream stays open: the test ends it once it said hello.
    const hello = on.hello;
    on.hello = () => {
      hello();
      if (seen.hello === 2) controller.abort();
    };
    await follow(api, on, controller.signal, async (ms) => {
      sleeps.push(ms);
    });
    expect(seen.hello).toBe(2);
    expect(seen.changes).toEqual([{ type: "clock", now: "2026-01-01T00:00:00.000Z" }]);
    expect(seen.live.map(([mode]) => mode)).toEqual([
      "connecting",
      "on",
      "connecting", // the first stream ended
      "connecting",
      "connecting", // 503
      "connecting",
      "on",
    ]);
    // 0.5 s, then doubled: a hello resets it only for the next failure.
    expect(sleeps).toEqual([500, 1000]);
  });

  it("stops for good when the admin token is refused", async () => {
    const { seen, on } = recorder();
    let opened = 0;
    await follow(
      {
        events: async () => {
          opened++;
          return new Response("{}", { status: 401 });
        },
      },
      on,
      new AbortController().signal,
      async () => {},
    );
    expect(opened).toBe(1);
    expect(seen.live.at(-1)).toEqual(["error", "admin token refused"]);
  });
});

describe("the change feed's lines", () => {
  it("says what changed", () => {
    expect(
      describeChange({
        type: "resource.created",
        account: "dev",
        kind: "ChipCluster",
        id: "cc-1",
        resource: { name: "a", status: "PROVISIONING" },
      }),
    ).toBe("dev: ChipCluster a (cc-1) created, PROVISIONING");
    expect(
      describeChange({ type: "resource.deleted", account: "dev", kind: "ChipCluster", id: "cc-1" }),
    ).toBe("dev: ChipCluster cc-1 deleted");
    expect(describeChange({ type: "clock", now: "2026-01-01T00:00:00.000Z" })).toBe(
      "clock now 2026-01-01 00:00:00Z",
    );
    expect(describeChange({ type: "store.reset", account: null })).toBe("emulator reset");
    expect(describeChange({ type: "settings", what: "faults" })).toBe("faults changed");
  });

  it("leaves out requests and started operations", () => {
    expect(
      describeChange({
        type: "request",
        request: {
          time: "",
          requestId: "r",
          account: null,
          method: "GET",
          path: "/",
          status: 200,
          code: null,
          durationMs: 1,
        },
      }),
    ).toBeNull();
  });
});
