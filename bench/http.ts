/**
 * Emulator HTTP throughput and latency on loopback, next to a bare node:http server measured in
 * the same run: GET of one resource and POST creates, in memory and on disk (WAL + fsync). Creates
 * on disk are also measured against the naive durable limit: a bare node:http server that makes one
 * fsync'd SQLite insert per request (WAL, synchronous = FULL) and answers after it.
 * `node bench/http.ts [--data <dir>]` prints the table alone; the disk runs use a fresh directory
 * under `<dir>` (default: .agentcloud/ in the repository).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { startMockCloudServer } from "../provider/mock-cloud/index.ts";
import { repoRoot } from "../test/support/paths.ts";
import { printTable, type Row, row } from "./table.ts";

const requests = 2000;
const concurrency = 16;
const warmup = 1000;
const auth = { authorization: "Bearer agentcloud-dev-token", "content-type": "application/json" };

interface Measure {
  rps: number;
  p50: number;
  p99: number;
}

async function load(fire: (i: number) => Promise<void>, n = requests): Promise<Measure> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await fire(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: n / seconds, p50: at(0.5), p99: at(0.99) };
}

async function send(dispatcher: Agent, url: string, method: "GET" | "POST", body?: unknown): Promise<void> {
  const res = await request(url, {
    dispatcher,
    method,
    headers: auth,
    body: body === undefined ? null : JSON.stringify(body),
  });
  await res.body.dump();
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode}`);
}

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function bare(): Promise<{ url: string; close(): Promise<void> }> {
  return listen(
    createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(req.method === "POST" ? 202 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: "cc-000000000000", status: "ACTIVE" }));
      });
    }),
  );
}

/** The naive durable limit: one SQLite insert per request, committed with its own fsync, then the answer. */
async function naiveDurable(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const db = new DatabaseSync(join(dir, "naive.sqlite"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  db.exec("CREATE TABLE resources (id TEXT PRIMARY KEY, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO resources (id, body) VALUES (?, ?)");
  let n = 0;
  const server = await listen(
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const id = `cc-${(n++).toString(16).padStart(12, "0")}`;
        insert.run(id, Buffer.concat(chunks).toString());
        res.writeHead(202, { "content-type": "application/json" });
        res.end(JSON.stringify({ id, status: "ACCEPTED" }));
      });
    }),
  );
  return {
    url: server.url,
    close: async () => {
      await server.close();
      db.close();
    },
  };
}

const spec = (name: string) => ({
  name,
  region: "cn-hangzhou",
  chipType: "zhenwu-810e",
  chipsPerHyperNode: 8,
  hyperNodeCount: 1,
});

export async function benchEmulator(options: { dataDir?: string } = {}): Promise<Row[]> {
  const dataRoot = options.dataDir ?? join(repoRoot, ".agentcloud");
  mkdirSync(dataRoot, { recursive: true });
  const dispatcher = new Agent({ connections: concurrency });
  const baseline = await bare();
  const rows: Row[] = [];
  try {
    // Warm-up (JIT) of the client and the servers, so that every figure is of the steady state.
    await load(() => send(dispatcher, `${baseline.url}/x`, "GET"), warmup);
    await load((i) => send(dispatcher, `${baseline.url}/x`, "POST", spec(`w${i}`)), warmup);
    for (const storage of ["memory", "disk"] as const) {
      const dataDir = storage === "disk" ? mkdtempSync(join(dataRoot, "bench-http-")) : ":memory:";
      const server = await startMockCloudServer({
        port: 0,
        dataDir,
        limits: { chipsPerType: 1e9, capacityPerRegion: 1e9 },
      });
      try {
        await send(dispatcher, `${server.url}/v1/chip-clusters`, "POST", spec("target"));
        const id = (
          (await (await request(`${server.url}/v1/chip-clusters`, { headers: auth })).body.json()) as {
            items: { id: string }[];
          }
        ).items[0]?.id;
        await load(() => send(dispatcher, `${server.url}/v1/chip-clusters/${id}`, "GET"), warmup);
        await load((i) => send(dispatcher, `${server.url}/v1/chip-clusters`, "POST", spec(`w${i}`)), warmup);
        // Each baseline is measured just before the emulator, so that both see the same machine.
        const bareGet = await load(() => send(dispatcher, `${baseline.url}/x`, "GET"));
        const get = await load(() => send(dispatcher, `${server.url}/v1/chip-clusters/${id}`, "GET"));
        const barePost = await load((i) => send(dispatcher, `${baseline.url}/x`, "POST", spec(`b${i}`)));
        const post = await load((i) =>
          send(dispatcher, `${server.url}/v1/chip-clusters`, "POST", spec(`c${i}`)),
        );
        rows.push(
          row(`emulator GET throughput (${storage})`, get.rps, "req/s", bareGet.rps, "bare node:http"),
          row(`emulator GET p50 (${storage})`, get.p50, "ms", bareGet.p50, "bare node:http"),
          row(`emulator GET p99 (${storage})`, get.p99, "ms", bareGet.p99, "bare node:http"),
          row(`emulator POST throughput (${storage})`, post.rps, "req/s", barePost.rps, "bare node:http"),
          row(`emulator POST p50 (${storage})`, post.p50, "ms", barePost.p50, "bare node:http"),
          row(`emulator POST p99 (${storage})`, post.p99, "ms", barePost.p99, "bare node:http"),
        );
        if (storage === "disk") {
          const naive = await naiveDurable(dataDir);
          let durable: Measure;
          let emulator: Measure;
          try {
            durable = await load((i) => send(dispatcher, `${naive.url}/x`, "POST", spec(`n${i}`)));
            emulator = await load((i) =>
              send(dispatcher, `${server.url}/v1/chip-clusters`, "POST", spec(`d${i}`)),
            );
          } finally {
            await naive.close();
          }
          const name = "naive durable (fsync per insert)";
          rows.push(
            row("emulator POST throughput (disk, group commit)", emulator.rps, "req/s", durable.rps, name),
            row("emulator POST p50 (disk, group commit)", emulator.p50, "ms", durable.p50, name),
            row("emulator POST p99 (disk, group commit)", emulator.p99, "ms", durable.p99, name),
          );
        }
      } finally {
        await server.close();
        if (storage === "disk") rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await baseline.close();
    await dispatcher.close();
  }
  return rows;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { data: { type: "string" } } });
  printTable(await benchEmulator({ dataDir: values.data }));
}
