/**
 * The data plane under load, next to a bare node:http server measured in the same run: 256
 * concurrent streamed chat completions of 1,000 tokens each (token throughput and time to first
 * token), non-streamed completions per second (what metering, throttling and the tokenizer cost per
 * request), and memory per open stream. The bare server writes the same SSE chunks (64 events per
 * write, as the emulator does for an unpaced answer) and answers the same JSON, without
 * authorization, counting, metering or storage.
 * `node bench/tokens.ts [--streams 256] [--tokens 1000]` prints the table alone.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { startMockCloudServer } from "../provider/mock-cloud/index.ts";
import { sseEvents } from "../test/support/sse.ts";
import { printTable, type Row, row } from "./table.ts";

interface Target {
  url: string;
  key: string;
  close(): Promise<void>;
}

const body = (stream: boolean) =>
  JSON.stringify({ model: "glm-5.1", messages: [{ role: "user", content: "bench" }], stream });

function chunk(piece: string, i: number): string {
  return `data: ${JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 0,
    model: "glm-5.1",
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        delta: i === 0 ? { role: "assistant", content: "" } : { content: piece },
        finish_reason: null,
        logprobs: null,
      },
    ],
  })}\n\n`;
}

/** The floor: the same chunks written by a bare node:http server. */
async function bare(pieces: string[]): Promise<Target> {
  const answer = JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: pieces.slice(0, 48).join("") },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 48, total_tokens: 58 },
  });
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => {
      text += d;
    });
    req.on("end", () => {
      if (!text.includes('"stream":true')) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(answer);
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      // 64 events per write, as the emulator writes an unpaced answer.
      res.write(chunk("", 0));
      for (let i = 0; i < pieces.length; i += 64) {
        res.write(
          pieces
            .slice(i, i + 64)
            .map((piece, j) => chunk(piece, i + j + 1))
            .join(""),
        );
      }
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key: "none",
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** An in-memory emulator with one pooled endpoint whose answer (for streams) is the given text. */
async function emulator(pieces: string[]): Promise<Target> {
  const server = await startMockCloudServer({
    port: 0,
    dataDir: ":memory:",
    limits: { tokensPerMinutePerRegion: 1e9 },
  });
  const auth = { authorization: "Bearer agentcloud-dev-token", "content-type": "application/json" };
  const created = (await (
    await request(`${server.url}/v1/model-endpoints`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        name: "bench",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 1_000_000_000 },
        contextCache: { mode: "disabled", ttlSeconds: 60 },
      }),
    })
  ).body.json()) as { resource: { id: string } };
  const endpoint = (await (
    await request(`${server.url}/v1/model-endpoints/${created.resource.id}`, { headers: auth })
  ).body.json()) as { url: string; apiKey: string };
  await request(`${server.url}/_mock/inference/rules`, {
    method: "POST",
    headers: { ...auth, authorization: "Bearer agentcloud-admin-token" },
    body: JSON.stringify({ match: { lastMessage: "^bench$" }, answer: { text: pieces.join("") } }),
  }).then((r) => r.body.dump());
  return { url: `${endpoint.url}/v1`, key: endpoint.apiKey, close: () => server.close() };
}

/** Streams at once; time to the first content chunk of each, and tokens per second overall. */
async function streams(target: Target, n: number, dispatcher: Agent) {
  const started = performance.now();
  const firsts: number[] = [];
  let pieces = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      const t = performance.now();
      const res = await request(`${target.url}/chat/completions`, {
        dispatcher,
        method: "POST",
        headers: { authorization: `Bearer ${target.key}`, "content-type": "application/json" },
        body: body(true),
      });
      let first = true;
      for await (const { data } of sseEvents(res.body)) {
        // A content chunk, told without JSON.parse: the client's own cost stays small next to the server's.
        if (!data.includes('"content":"') || data.includes('"content":""')) continue;
        if (first) {
          firsts.push(performance.now() - t);
          first = false;
        }
        pieces++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  firsts.sort((a, b) => a - b);
  return {
    tokensPerSecond: pieces / seconds,
    p99FirstMs: firsts[Math.floor(0.99 * (firsts.length - 1))] ?? 0,
  };
}

/** Non-streamed completions per second, 16 at a time. */
async function completions(target: Target, n: number, dispatcher: Agent): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next++ < n) {
        const res = await request(`${target.url}/chat/completions`, {
          dispatcher,
          method: "POST",
          headers: { authorization: `Bearer ${target.key}`, "content-type": "application/json" },
          body: JSON.stringify({
            model: "glm-5.1",
            messages: [{ role: "user", content: `question ${next}` }],
          }),
        });
        await res.body.dump();
      }
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

export async function benchTokens(options: { streams?: number; tokens?: number } = {}): Promise<Row[]> {
  const n = options.streams ?? 256;
  const pieces = Array.from({ length: options.tokens ?? 1000 }, (_, i) => (i === 0 ? "token" : " token"));
  const dispatcher = new Agent({ connections: n });
  const floor = await bare(pieces);
  const ours = await emulator(pieces);
  const rows: Row[] = [];
  try {
    // Warm-up of both (JIT, the tokenizer's tables).
    await streams(floor, 16, dispatcher);
    await streams(ours, 16, dispatcher);
    await completions(floor, 200, dispatcher);
    await completions(ours, 200, dispatcher);
    // Light load first: 16 streams, each one after the other, so time to first token is the
    // server's own latency, not a queue of 256 streams on 2 cores.
    const quiet = { ours: [] as number[], floor: [] as number[] };
    for (let i = 0; i < 16; i++) {
      quiet.floor.push((await streams(floor, 1, dispatcher)).p99FirstMs);
      quiet.ours.push((await streams(ours, 1, dispatcher)).p99FirstMs);
    }
    const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.99 * (xs.length - 1))] ?? 0;
    rows.push(
      row(
        "p99 time to first token, one stream at a time (scripted: 0 ms)",
        p99(quiet.ours),
        "ms",
        p99(quiet.floor),
        "bare node:http SSE",
      ),
    );
    const base = await streams(floor, n, dispatcher);
    const rssBefore = process.memoryUsage().rss;
    const run = await streams(ours, n, dispatcher);
    const rssGrowth = Math.max(0, process.memoryUsage().rss - rssBefore);
    rows.push(
      row(
        `tokens/s, ${n} streams of ${pieces.length} tokens`,
        run.tokensPerSecond,
        "tok/s",
        base.tokensPerSecond,
        "bare node:http SSE",
      ),
      row(
        `p99 time to first token, ${n} streams at once (scripted: 0 ms)`,
        run.p99FirstMs,
        "ms",
        base.p99FirstMs,
        "bare node:http SSE",
      ),
    );
    const baseRps = await completions(floor, 2000, dispatcher);
    const rps = await completions(ours, 2000, dispatcher);
    rows.push(
      row("chat completions/s (count, meter, answer)", rps, "req/s", baseRps, "bare node:http JSON"),
      row("cost per completion above the bare server", 1000 / rps - 1000 / baseRps, "ms"),
      row("memory growth per stream (RSS, peak run)", rssGrowth / n / 1024, "KiB"),
    );
  } finally {
    await dispatcher.close();
    await floor.close();
    await ours.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { streams: { type: "string" }, tokens: { type: "string" } } });
  printTable(
    await benchTokens({
      ...(values.streams ? { streams: Number(values.streams) } : {}),
      ...(values.tokens ? { tokens: Number(values.tokens) } : {}),
    }),
  );
}
