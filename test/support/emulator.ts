import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { type Answer, client } from "./cloud-client.ts";
import { adminToken, devToken } from "./fixtures.ts";
import { repoRoot, scratchRoot } from "./paths.ts";

export { devToken } from "./fixtures.ts";

export interface RunningEmulator {
  url: string;
  dataDir: string;
  process: ChildProcess;
  /** Calls the API as the development account. */
  api(method: string, path: string, body?: unknown): Promise<Answer>;
  /** Calls the admin plane. */
  admin(method: string, path: string, body?: unknown): Promise<Answer>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `agentcloud-mock` as its own process on 127.0.0.1:0, as a user would. */
export async function startEmulator(
  options: { dataDir?: string; args?: string[]; compiled?: boolean; port?: number } = {},
): Promise<RunningEmulator> {
  // The scratch folder exists only once a test run made it: the benchmarks start emulators too.
  mkdirSync(scratchRoot, { recursive: true });
  const dataDir = options.dataDir ?? mkdtempSync(join(scratchRoot, "emulator-"));
  const cli =
    process.env.AGENTCLOUD_TEST_EMULATOR ??
    (options.compiled
      ? join(repoRoot, "dist/mock-cloud/cli.js")
      : join(repoRoot, "provider/mock-cloud/cli.ts"));
  const child = spawn(
    process.execPath,
    [cli, "--port", String(options.port ?? 0), "--data", dataDir, ...(options.args ?? [])],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${stderr}`)), 20_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code}: ${stderr}`));
    });
  });
  const { call, close } = client(url, devToken, { conformance: false });
  return {
    url,
    dataDir,
    process: child,
    api: (method, path, body) => call(method, path, body),
    admin: (method, path, body) => call(method, path, body, { token: adminToken }),
    stop: async (signal = "SIGTERM") => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      });
      await close();
    },
  };
}
