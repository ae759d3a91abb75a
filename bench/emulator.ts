/**
 * Emulator HTTP throughput and latency on 127.0.0.1, next to a bare node:http server measured in
 * the same run as the baseline. Workloads: GET of one ChipCluster, and POST creates with distinct
 * names; the emulator is measured with `:memory:` storage and with a data directory on disk
 * (SQLite WAL + fsync). Ratios are emulator / bare: for throughput < 1 means slower, for latency
 * > 1 means slower. `node bench/emulator.ts` prints the table alone.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { startMockCloudServer } from "../provider/mock-cloud/index.ts";
import { printTable, type Row, row } from "./table.ts";

const concurrency = 16;
const warmup = 500;
const requests = 2000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const devHeaders = { authorization: "Bearer agentcloud-dev-token", "content-type": "application/json" };
const adminHeaders = { authorization: "Bearer agentcloud-admin-token", "content-type": "application/json" };
const baselineName = "bare node:http";

interface Measure {
  rps: number;
  p50: number;
  p99: number;
}

interface Target {
  url: string;
  close(): Promise<void>;
}

const spec = (name: string) => ({
  name,
  region: "cn-hangzhou",
  chipType: "zhenwu-810e",
  chipsPerHyperNode: 8,
  hyperNodeCount: 1,
});

/** `n` calls of `fire(i)`, `concurrency` at a time; the first failure stops the run. */
async function load(fire: (i: number) => Promise<void>, n: number): Promise<Measure> {
  const latencies = new Float64Array(n);
  let next = 0;
  let failed = false;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!failed && next < n) {
        const i = next++;
        const t = performance.now();
        try {
          await fire(i);
        } catch (e) {
          failed = true;
          throw e;
        }
        latencies[i] = performance.now() - t;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  const at = (q: number) => latencies[Math.min(n - 1, Math.ceil(q * n) - 1)] ?? 0;
  return { rps: n / seconds, p50: at(0.5), p99: at(0.99) };
}

async function send(
  dispatcher: Agent,
  url: string,
  method: "GET" | "POST" | "PUT",
  expect: number,
  body?: unknown,
  headers: Record<string, string> = devHeaders,
): Promise<unknown> {
  const res = await request(url, {
    dispatcher,
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== expect) {
    throw new Error(`${method} ${url}: ${res.statusCode} (expected ${expect}) ${text.slice(0, 300)}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** The baseline: a node:http server answering a small JSON body (200 to GET, 202 to POST). */
async function startBare(): Promise<Target> {
  const payload = JSON.stringify({ id: "cc-000000000000", name: "target", status: "ACTIVE" });
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(req.method === "POST" ? 202 : 200, { "content-type": "application/json" });
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** GET then POST against one target: warm-up, then the measured run, for each. */
async function workloads(
  dispatcher: Agent,
  getUrl: string,
  postUrl: string,
  prefix: string,
): Promise<{ get: Measure; post: Measure }> {
  const get = (_: number) => send(dispatcher, getUrl, "GET", 200).then(() => undefined);
  const post = (tag: string) => (i: number) =>
    send(dispatcher, postUrl, "POST", 202, spec(`${prefix}-${tag}-${i}`)).then(() => undefined);
  await load(get, warmup);
  const getM = await load(get, requests);
  await load(post("warm"), warmup);
  const postM = await load(post("run"), requests);
  return { get: getM, post: postM };
}

export async function benchEmulator(): Promise<Row[]> {
  const dispatcher = new Agent({ connections: concurrency });
  const rows: Row[] = [];
  const bareServer = await startBare();
  try {
    // Process-wide warm-up first (undici, node:http, JSON), so the first measured workload is not the coldest.
    await workloads(dispatcher, `${bareServer.url}/x`, `${bareServer.url}/x`, "jit");
    const bare = await workloads(dispatcher, `${bareServer.url}/x`, `${bareServer.url}/x`, "bare");
    rows.push(
      row("bare node:http GET throughput", bare.get.rps, "req/s"),
      row("bare node:http GET p50", bare.get.p50, "ms"),
      row("bare node:http GET p99", bare.get.p99, "ms"),
      row("bare node:http POST throughput", bare.post.rps, "req/s"),
      row("bare node:http POST p50", bare.post.p50, "ms"),
      row("bare node:http POST p99", bare.post.p99, "ms"),
    );
    for (const storage of ["memory", "disk"] as const) {
      let dataDir = ":memory:";
      if (storage === "disk") {
        const parent = join(repoRoot, ".agentcloud", "bench");
        mkdirSync(parent, { recursive: true });
        dataDir = mkdtempSync(join(parent, "emulator-"));
      }
      const server = await startMockCloudServer({ port: 0, dataDir });
      try {
        await send(
          dispatcher,
          `${server.url}/_mock/limits`,
          "PUT",
          200,
          { chipsPerType: 100_000_000, capacityPerRegion: 100_000_000 },
          adminHeaders,
        );
        const created = (await send(
          dispatcher,
          `${server.url}/v1/chip-clusters`,
          "POST",
          202,
          spec("target"),
        )) as {
          resource: { id: string };
        };
        const id = created.resource.id;
        const m = await workloads(
          dispatcher,
          `${server.url}/v1/chip-clusters/${id}`,
          `${server.url}/v1/chip-clusters`,
          storage,
        );
        rows.push(
          row(`emulator GET throughput (${storage})`, m.get.rps, "req/s", bare.get.rps, baselineName),
          row(`emulator GET p50 (${storage})`, m.get.p50, "ms", bare.get.p50, baselineName),
          row(`emulator GET p99 (${storage})`, m.get.p99, "ms", bare.get.p99, baselineName),
          row(`emulator POST throughput (${storage})`, m.post.rps, "req/s", bare.post.rps, baselineName),
          row(`emulator POST p50 (${storage})`, m.post.p50, "ms", bare.post.p50, baselineName),
          row(`emulator POST p99 (${storage})`, m.post.p99, "ms", bare.post.p99, baselineName),
        );
      } finally {
        await server.close();
        if (storage === "disk") rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await bareServer.close();
    await dispatcher.close();
  }
  return rows;
}

const isMain =
  import.meta.main ??
  (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url));
if (isMain) printTable(await benchEmulator());
