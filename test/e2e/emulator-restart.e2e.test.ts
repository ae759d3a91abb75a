import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { repoRoot, scratchRoot } from "../support/paths.ts";
import { pulumiEnv } from "../support/pulumi-env.ts";

let emulator: RunningEmulator;

/** A port that was free a moment ago: the restarted emulator must come back on the same one. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe("the emulator killed while pulumi up waits on it", { timeout: 300_000 }, () => {
  afterAll(async () => {
    await emulator?.stop();
  });

  it("finishes the up once the emulator is back on the same data, with one resource", async () => {
    const dataDir = mkdtempSync(join(scratchRoot, "restart-"));
    const port = await freePort();
    emulator = await startEmulator({ dataDir, port });
    await emulator.admin("PUT", "/_mock/transitions", { ChipCluster: { mode: "duration", ms: 4000 } });
    const env = {
      ...process.env,
      ...pulumiEnv(join(scratchRoot, "restart-state")),
      AGENTCLOUD_ENDPOINT: emulator.url,
      AGENTCLOUD_TOKEN: devToken,
    };
    const up = spawn(
      process.execPath,
      ["scripts/pulumi-example.ts", "up", "examples/chip-cluster", "--stack", "restart"],
      {
        cwd: repoRoot,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    up.stdout?.on("data", (d) => {
      output += d;
    });
    up.stderr?.on("data", (d) => {
      output += d;
    });
    const done = new Promise<number | null>((r) => up.once("exit", r));
    let exited = false;
    void done.then(() => {
      exited = true;
    });
    while (((await emulator.api("GET", "/v1/chip-clusters")).body.items ?? []).length === 0) {
      if (exited) throw new Error(`pulumi up ended before creating anything:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await emulator.stop("SIGKILL");
    await new Promise((r) => setTimeout(r, 1500));
    emulator = await startEmulator({ dataDir, port });
    expect(await done, output).toBe(0);
    const items = (await emulator.api("GET", "/v1/chip-clusters")).body.items;
    expect(items).toHaveLength(1);
    expect(items[0].status).toBe("ACTIVE");
    const destroy = spawn(
      process.execPath,
      ["scripts/pulumi-example.ts", "destroy", "examples/chip-cluster", "--stack", "restart"],
      { cwd: repoRoot, env, stdio: "ignore" },
    );
    expect(await new Promise((r) => destroy.once("exit", r))).toBe(0);
  });
});
