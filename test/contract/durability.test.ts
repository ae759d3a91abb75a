import { mkdtempSync } from "node:fs";
import { join } from "node:path";
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
