import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { cluster } from "../support/fixtures.ts";
import { scratchRoot } from "../support/paths.ts";

async function create(e: RunningEmulator, name: string): Promise<number> {
  return (await e.api("POST", "/v1/chip-clusters", cluster(name, { chipType: "zhenwu-810e" }))).status;
}

async function allNames(e: RunningEmulator): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | null = null;
  do {
    const page = await e.api("GET", `/v1/chip-clusters?pageSize=500${token ? `&pageToken=${token}` : ""}`);
    for (const item of page.body.items) out.set(item.name, item.status);
    token = page.body.nextPageToken;
  } while (token);
  return out;
}

describe("the emulator under kill -9", { timeout: 120_000 }, () => {
  it("loses no acknowledged write over 10 kills in the middle of a burst, and resumes operations in flight", async () => {
    const dataDir = mkdtempSync(join(scratchRoot, "durability-"));
    const acknowledged: string[] = [];
    let attempted = 0;
    for (let round = 0; round < 10; round++) {
      const e = await startEmulator({ dataDir });
      if (round === 0) {
        await e.admin("PUT", "/_mock/limits", { chipsPerType: 1_000_000, capacityPerRegion: 1_000_000 });
        // Provisioning takes an emulator hour (longer than any run of this test): operations are in flight at every kill.
        await e.admin("PUT", "/_mock/transitions", { ChipCluster: { mode: "duration", ms: 3_600_000 } });
      }
      let acks = 0;
      const killed = new Promise<void>((resolve) => {
        const burst = Array.from({ length: 60 }, (_, i) => `r${round}-c${i}`);
        let next = 0;
        const worker = async () => {
          while (next < burst.length) {
            const name = burst[next++] as string;
            attempted++;
            const status = await create(e, name).catch(() => 0);
            if (status === 202) {
              acknowledged.push(name);
              // Kill mid-burst: other requests are in flight on the other connections.
              if (++acks === 20) {
                e.process.kill("SIGKILL");
                resolve();
              }
            }
          }
          resolve();
        };
        for (let w = 0; w < 8; w++) void worker();
      });
      await killed;
      await new Promise((r) => e.process.once("exit", r));
    }
    const after = await startEmulator({ dataDir });
    try {
      const names = await allNames(after);
      const lost = acknowledged.filter((n) => !names.has(n));
      expect(acknowledged.length).toBeGreaterThanOrEqual(200);
      expect(attempted).toBeGreaterThan(acknowledged.length);
      expect(lost).toEqual([]);
      // Still provisioning after the restarts; they finish once their hour has passed.
      expect(names.get(acknowledged[0] as string)).not.toBe("ACTIVE");
      const advanced = await after.admin("POST", "/_mock/clock/advance", { ms: 3_601_000 });
      expect(advanced.status).toBe(200);
      const settled = await allNames(after);
      expect(acknowledged.filter((n) => settled.get(n) !== "ACTIVE")).toEqual([]);
    } finally {
      await after.stop();
    }
  });
});

describe("metering under kill -9", { timeout: 120_000 }, () => {
  it("keeps the usage of every acknowledged answer, and counts none twice", async () => {
    const dataDir = mkdtempSync(join(scratchRoot, "metering-"));
    const first = await startEmulator({ dataDir });
    const created = await first.api("POST", "/v1/model-endpoints", {
      name: "metered",
      region: "cn-hangzhou",
      model: "glm-5.1",
      deployment: { mode: "pooled" },
      throughput: { tokensPerMinute: 10_000_000 },
    });
    const endpoint = (await first.api("GET", `/v1/model-endpoints/${created.body.resource.id}`)).body;
    const ask = { model: "glm-5.1", messages: [{ role: "user", content: "the same question" }] };
    const call = (e: RunningEmulator) =>
      fetch(`${endpoint.url.replace(first.url, e.url)}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${endpoint.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(ask),
      }).then(
        async (r) =>
          r.status === 200 ? ((await r.json()) as { usage: { completion_tokens: number } }) : null,
        () => null,
      );
    let acknowledged = 0;
    let attempted = 0;
    let perAnswer = 0;
    await new Promise<void>((resolve) => {
      let stop = false;
      const worker = async () => {
        while (!stop) {
          attempted++;
          const answer = await call(first);
          if (!answer) continue;
          perAnswer = answer.usage.completion_tokens;
          // Kill mid-burst: other answers are being written on the other connections.
          if (++acknowledged === 60) {
            stop = true;
            first.process.kill("SIGKILL");
            resolve();
          }
        }
      };
      for (let w = 0; w < 8; w++) void worker();
    });
    await new Promise((r) => first.process.once("exit", r));
    const after = await startEmulator({ dataDir });
    try {
      const usage = (await after.api("GET", `/v1/model-endpoints/${endpoint.id}/usage`)).body.rows[0];
      expect(usage.requests).toBeGreaterThanOrEqual(acknowledged);
      expect(usage.requests).toBeLessThanOrEqual(attempted);
      // Every request is the same: each metered once means the sums are whole multiples.
      expect(usage.outputTokens).toBe(usage.requests * perAnswer);
      expect(usage.inputTokens % usage.requests).toBe(0);
    } finally {
      await after.stop();
    }
  });
});

describe("sandbox instances under kill -9", { timeout: 120_000 }, () => {
  it("stops the instances and fails the tasks the killed emulator left running, billed once, its processes gone", async () => {
    const dataDir = mkdtempSync(join(scratchRoot, "sandboxes-"));
    const codeDir = mkdtempSync(join(scratchRoot, "sandbox-agent-"));
    writeFileSync(
      join(codeDir, "index.mjs"),
      "export default async (input) => { await new Promise((r) => setTimeout(r, 60_000)); return input; };\n",
    );
    const first = await startEmulator({ dataDir });
    await first.admin("PUT", "/_mock/transitions", {
      ModelEndpoint: { mode: "immediate" },
      AgentRuntime: { mode: "immediate" },
    });
    const endpoint = (
      await first.api("POST", "/v1/model-endpoints", {
        name: "sandboxed",
        region: "cn-hangzhou",
        model: "glm-5.1",
        deployment: { mode: "pooled" },
        throughput: { tokensPerMinute: 100_000 },
      })
    ).body.resource;
    const runtime = (
      await first.api("POST", "/v1/agent-runtimes", {
        name: "sandboxed",
        region: "cn-hangzhou",
        artifact: {
          code: { uri: pathToFileURL(codeDir).href, entrypoint: "index.mjs", runtime: "nodejs24" },
        },
        models: [{ endpointId: endpoint.id, role: "primary" }],
      })
    ).body.resource;
    const invocations = `/agents/${runtime.id}/invoke/invocations`;
    const started = await first.api("POST", invocations, { input: "forever", async: true });
    expect(started.status).toBe(202);
    const instanceId = started.body.placement.instanceId as string;
    // Until its process runs the task.
    let running = false;
    for (let i = 0; i < 250 && !running; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const [instance] = (await first.api("GET", `/v1/agent-runtimes/${runtime.id}/instances`)).body.items;
      running = instance?.state === "RUNNING";
    }
    expect(running).toBe(true);
    first.process.kill("SIGKILL");
    await new Promise((r) => first.process.once("exit", r));
    // The sandbox process leaves with its emulator (it exits when its IPC channel closes).
    const alive = () => execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).includes(instanceId);
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
    const after = await startEmulator({ dataDir });
    try {
      const task = (await after.api("GET", `/agents/${runtime.id}/invoke/tasks/${started.body.id}`)).body;
      expect(task).toMatchObject({ status: "FAILED", error: { code: "EmulatorRestarted" } });
      const [instance] = (await after.api("GET", `/v1/agent-runtimes/${runtime.id}/instances`)).body.items;
      expect(instance).toMatchObject({ id: instanceId, state: "STOPPED", stopReason: "emulatorRestarted" });
      const usage = (await after.api("GET", `/v1/usage?runtimeId=${runtime.id}`)).body.rows[0];
      expect(usage.sandboxSeconds).toBe(instance.billedSeconds);
      // A second start finds nothing left to stop: billed once.
      await after.stop();
      const again = await startEmulator({ dataDir });
      try {
        const total = (await again.api("GET", `/v1/usage?runtimeId=${runtime.id}`)).body.rows[0];
        expect(total.sandboxSeconds).toBe(usage.sandboxSeconds);
      } finally {
        await again.stop();
      }
    } finally {
      await after.stop().catch(() => {});
    }
  });
});
