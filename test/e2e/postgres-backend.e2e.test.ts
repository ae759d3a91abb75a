import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken, type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { census } from "../support/killable-project.ts";
import { scratchRoot } from "../support/paths.ts";
import { type RunningPostgres, startPostgres } from "../support/postgres.ts";
import { commandLine, descendants } from "../support/processes.ts";
import { cliEnv, type Result, run } from "../support/typed-cli.ts";

// The provider on Pulumi's PostgreSQL state backend (PULUMI_BACKEND_URL=postgres://…, the engine's
// backend/diy/postgres): a throwaway PostgreSQL cluster, one emulator, the real `pulumi` CLI.
// docs/team.md: how a team runs this, and the backend's quirks worked around here.

let emulator: RunningEmulator;
let pg: RunningPostgres;
/** A second account's token (the emulator's tokens file): the request log tells whose `up` sent what. */
const racerToken = "agentcloud-racer-token";
const UP = ["up", "--yes", "--skip-preview"];
const DESTROY = ["destroy", "--yes", "--skip-preview"];
type Env = Record<string, string>;

const program = `
import * as pulumi from "@pulumi/pulumi";
import { ChipCluster, ModelEndpoint } from "pulumi-agentcloud";
const region = "cn-hangzhou";
const cluster = new ChipCluster("pool", { region, chipType: "zhenwu-810e", chipsPerHyperNode: 8, hyperNodeCount: 1 });
const endpoint = new ModelEndpoint("chat", {
  region, model: "glm-5.1", deployment: { mode: "pooled" },
  throughput: { tokensPerMinute: new pulumi.Config().getNumber("tpm") ?? 100_000 },
});
export const clusterId = cluster.id;
export const endpointId = endpoint.id;
export const apiKey = endpoint.apiKey;
`;

/**
 * Project `pgbackend`, many stacks, one PULUMI_HOME; in the Postgres backend unless `extra` says
 * otherwise. No `_` in names (the backend lists keys with LIKE, where `_` matches any character);
 * PULUMI_DIY_BACKEND_PARALLEL=1, or `stack ls` of 4 or more stacks deadlocks on 2 cores.
 */
function pgProject() {
  const env: Env = {
    ...cliEnv("pgbackend").env,
    PULUMI_BACKEND_URL: pg.url,
    PULUMI_DIY_BACKEND_PARALLEL: "1",
    AGENTCLOUD_ENDPOINT: emulator.url,
    AGENTCLOUD_TOKEN: devToken,
  };
  const dir = join(scratchRoot, "projects", "pgbackend");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Pulumi.yaml"), "name: pgbackend\nruntime: nodejs\n");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", main: "index.ts" }));
  writeFileSync(join(dir, "index.ts"), program);
  const args = (stack: string, a: string[]) => [...a, "--stack", stack, "--non-interactive"];
  const cli = (stack: string, a: string[], extra: Env = {}): Promise<Result> =>
    run("pulumi", args(stack, a), { cwd: dir, env: { ...env, ...extra }, timeout: 300_000 });
  /** A command that must succeed: its standard output. */
  const ok = async (stack: string, a: string[], extra: Env = {}) => {
    const r = await cli(stack, a, extra);
    if (r.code !== 0) throw new Error(`pulumi ${a.join(" ")} -s ${stack}: ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  return {
    dir,
    cli,
    ok,
    outputs: async (stack: string, extra: Env = {}): Promise<Env> =>
      JSON.parse(await ok(stack, ["stack", "output", "--json", "--show-secrets"], extra)),
    /** The AgentCloud resource ids the stack's state holds. */
    async stateIds(stack: string): Promise<string[]> {
      const resources: { type: string; id: string }[] =
        JSON.parse(await ok(stack, ["stack", "export"])).deployment.resources ?? [];
      return resources.filter((r) => r.type.includes("dynamic/agentcloud:")).map((r) => r.id);
    },
    /** `pulumi up` in a process group of its own (as killable-project.ts): kill() SIGKILLs the group. */
    start(stack: string) {
      const child = spawn("pulumi", args(stack, UP), { cwd: dir, env, detached: true, stdio: "pipe" });
      let stdout = "";
      for (const s of [child.stdout, child.stderr]) s.on("data", (d) => (stdout += d));
      const done = new Promise<Result>((r) =>
        child.once("exit", (c) => r({ code: c ?? -1, stdout, stderr: "" })),
      );
      const kill = () => {
        // The language host runs in a group of its own; the provider plugin is left alive, as in CI.
        const group = child.pid as number;
        const hosts = descendants(group).filter((h) => commandLine(h).includes("language-nodejs"));
        for (const pid of [-group, ...hosts]) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {}
        }
        return done;
      };
      return { done, kill, exited: () => child.exitCode !== null || child.signalCode !== null };
    },
  };
}
let p: ReturnType<typeof pgProject>;

type Logged = { requestId: string; account: string | null; method: string; path: string };
const requestLog = async (): Promise<Logged[]> =>
  (await emulator.admin("GET", "/_mock/requests?limit=10000")).body.items;
/** Where the request log is now; `since(mark)`: what came after it (the log keeps the last 1,000). */
const mark = async () => (await requestLog()).at(-1)?.requestId;
async function since(from: string | undefined): Promise<Logged[]> {
  const log = await requestLog();
  const i = log.findIndex((r) => r.requestId === from);
  if (from && i < 0) throw new Error("the request log rotated past the mark");
  return log.slice(i + 1);
}
/** Requests that create, change or delete a resource (the program's key releases are not). */
const changes = (log: Logged[]) =>
  log.filter((r) => r.method !== "GET" && /^\/v1\/(chip-clusters|model-endpoints)/.test(r.path));

/** Waits until `up` (started after `from`) asked the cloud to create its ChipCluster. */
async function untilCreate(from: string | undefined, up: { exited(): boolean; done: Promise<Result> }) {
  while (!changes(await since(from)).some((r) => r.path === "/v1/chip-clusters")) {
    if (up.exited()) throw new Error(`pulumi up ended before its create: ${(await up.done).stdout}`);
    await sleep(100);
  }
}

/** Creates and updates take `ms` on the emulator's clock; 0: none, and the clock jumps 2 minutes. */
async function slow(ms: number) {
  const mode = ms > 0 ? { mode: "duration", ms } : { mode: "immediate" };
  const body = { ChipCluster: mode, ModelEndpoint: mode };
  expect((await emulator.admin("PUT", "/_mock/transitions", body)).status).toBe(200);
  if (!ms) await emulator.admin("POST", "/_mock/clock/advance", { ms: 120_000 });
}

const locked = /the stack is currently locked by 1 lock\(s\)/;
const expectLocked = (r: Result, message = locked) =>
  expect(`exit ${r.code}: ${r.stdout}${r.stderr}`).toMatch(
    new RegExp(`^exit [1-9][\\s\\S]*(?:${message.source})`),
  );

/** pulumi_state as the engine wrote it: key → blob (base64 in the `data` JSON column; not gzipped). */
async function stateRows(): Promise<Map<string, string>> {
  const out = await pg.query("SELECT key || ' ' || (data->>'data') FROM pulumi_state ORDER BY key");
  const rows = [...out.matchAll(/^(\S+) (\S+)$/gm)].map((m) => m.slice(1) as [string, string]);
  return new Map(rows.map(([key, b64]) => [key, Buffer.from(b64, "base64").toString()]));
}
// Keys start with the URL's path, the database's name: `pulumi/.pulumi/…`.
const checkpoint = async (stack: string) =>
  (await stateRows()).get(`pulumi/.pulumi/stacks/pgbackend/${stack}.json`) as string;
const lockRows = async (stack: string) =>
  [...(await stateRows()).keys()].filter((k) => k.includes(`locks/organization/pgbackend/${stack}/`));

/** The cloud holds exactly what the stacks' states say: each id once, nothing else. */
async function expectCloudIs(stacks: string[]) {
  const ids = (await Promise.all(stacks.map((s) => p.stateIds(s)))).flat().sort();
  expect([...(await census(emulator)).keys()].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}

describe("the provider on the PostgreSQL state backend", { timeout: 900_000 }, () => {
  beforeAll(async () => {
    pg = await startPostgres();
    const tokens = join(scratchRoot, "pg-tokens.json");
    writeFileSync(tokens, JSON.stringify({ [devToken]: "dev", [racerToken]: "racer" }));
    emulator = await startEmulator({ args: ["--tokens", tokens] });
    p = pgProject();
  });
  afterAll(async () => {
    await emulator?.stop();
    await pg?.stop();
  });

  it("a stack in pulumi_state: preview, up, an unchanged up, an update, refresh, destroy", async () => {
    expect(await pg.query("SELECT to_regclass('pulumi_state') IS NULL")).toBe("t\n");
    await p.ok("main", ["stack", "init"]);
    expect(await checkpoint("main")).toContain('"stack":"organization/pgbackend/main"');
    expect(await p.ok("main", ["preview"])).toMatch(/\+ 3 to create/);
    expect((await census(emulator)).size).toBe(0);

    await p.ok("main", UP);
    const out = await p.outputs("main");
    const endpoint = (await emulator.api("GET", `/v1/model-endpoints/${out.endpointId}`)).body;
    expect([endpoint.status, endpoint.throughput.tokensPerMinute]).toEqual(["IN_SERVICE", 100_000]);
    expect((await emulator.api("GET", `/v1/chip-clusters/${out.clusterId}`)).body.status).toBe("ACTIVE");
    expect(await expectCloudIs(["main"])).toEqual([out.clusterId, out.endpointId].sort());

    let from = await mark();
    expect(await p.ok("main", [...UP, "--expect-no-changes"])).toMatch(/3 unchanged/);
    expect(changes(await since(from))).toEqual([]);

    await p.ok("main", ["config", "set", "tpm", "200000"]);
    from = await mark();
    expect(await p.ok("main", UP)).toMatch(/1 updated/);
    const patched = { method: "PATCH", path: `/v1/model-endpoints/${out.endpointId}` };
    expect(changes(await since(from))).toEqual([expect.objectContaining(patched)]);
    const updated = (await emulator.api("GET", `/v1/model-endpoints/${out.endpointId}`)).body;
    expect(updated.throughput.tokensPerMinute).toBe(200_000);
    expect(await p.outputs("main")).toEqual(out);

    // A change made outside Pulumi: refresh writes it into the checkpoint row; preview then undoes it.
    const drift = { throughput: { tokensPerMinute: 300_000 } };
    expect((await emulator.api("PATCH", `/v1/model-endpoints/${out.endpointId}`, drift)).status).toBe(202);
    await p.ok("main", ["refresh", "--yes", "--skip-preview"]);
    expect(await checkpoint("main")).toMatch(/"tokensPerMinute":300000/);
    expect(await p.ok("main", ["preview"])).toMatch(/~ 1 to update/);

    expect(await p.ok("main", DESTROY)).toMatch(/3 deleted/);
    expect((await census(emulator)).size).toBe(0);
    expect(await p.stateIds("main")).toEqual([]);
  });

  describe("8 stacks of one project, each its own `pulumi up` process, at once", () => {
    const stacks = Array.from({ length: 8 }, (_, i) => `s${i + 1}`);
    afterAll(async () => {
      await Promise.all(stacks.map((s) => p.cli(s, DESTROY)));
      expect((await census(emulator)).size).toBe(0);
    });

    it("all converge, and the cloud holds exactly the union of their states", async () => {
      // One after another first: the stacks, their config files, the shared PULUMI_HOME. The plugins
      // come from PATH (automatic plugin acquisition is off): the parallel ups install nothing.
      for (const s of stacks) await p.ok(s, ["stack", "init"]);
      const results = await Promise.all(stacks.map((s) => p.cli(s, UP)));
      for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await expectCloudIs(stacks)).toHaveLength(16);
      // The stack, the dynamic provider, the cluster and the endpoint.
      const listed: { name: string; resourceCount: number }[] = JSON.parse(
        await p.ok("s1", ["stack", "ls", "--json"]),
      );
      const counts = listed.filter((s) => stacks.includes(s.name)).map((s) => `${s.name}:${s.resourceCount}`);
      expect(counts).toEqual(stacks.map((s) => `${s}:4`));
      for (const s of stacks)
        expect(await p.ok(s, ["preview", "--expect-no-changes"])).toMatch(/3 unchanged/);
    });

    it("their endpoints' API keys are in pulumi_state only as ciphertext", async () => {
      const rows = [...(await stateRows()).values()].join("\n");
      for (const s of stacks) {
        const { apiKey, endpointId } = await p.outputs(s);
        expect(apiKey).toMatch(/^\S{16,}$/);
        expect((await emulator.api("GET", `/v1/model-endpoints/${endpointId}`)).body.apiKey).toBe(apiKey);
        expect(rows).toContain(endpointId);
        expect(rows).not.toContain(apiKey);
        expect(await checkpoint(s)).toMatch(
          /"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"v1:/,
        );
      }
    });
  });

  it("two `up`s of one stack at once: one holds the lock, the other fails on it and sends the cloud nothing", async () => {
    await p.ok("race", ["stack", "init"]);
    // A second `up` (another token: another account) while the first is mid-create: overlapping CI jobs.
    await slow(60_000);
    let from = await mark();
    const first = p.start("race");
    await untilCreate(from, first);
    expect(await lockRows("race")).toHaveLength(1);
    expectLocked(await p.cli("race", UP, { AGENTCLOUD_TOKEN: racerToken }));
    await slow(0);
    const done = await first.done;
    expect(done.code, done.stdout).toBe(0);
    expect((await since(from)).filter((r) => r.account === "racer")).toEqual([]);
    await expectCloudIs(["race"]);
    expect(await lockRows("race")).toEqual([]);
    await p.ok("race", DESTROY);

    // Both started in the same instant: never both run; whoever did not get the lock sent nothing. The
    // engine checks, writes its lock row, checks again: both can lose, and then one can fail listing
    // the lock row the other just deleted (a row listed, gone before its metadata query).
    const lostRace = /could not list bucket: blob \(code=NotFound\): sql: no rows in result set/;
    await p.ok("tie", ["stack", "init"]);
    from = await mark();
    const accounts = Object.entries({ dev: devToken, racer: racerToken });
    const both = await Promise.all(accounts.map(([, t]) => p.cli("tie", UP, { AGENTCLOUD_TOKEN: t })));
    const log = await since(from);
    expect(both.filter((r) => r.code === 0).length).toBeLessThanOrEqual(1);
    for (const [i, [account, token]] of accounts.entries()) {
      const r = both[i] as Result;
      if (r.code === 0) await p.ok("tie", DESTROY, { AGENTCLOUD_TOKEN: token });
      else {
        expectLocked(r, new RegExp(`${locked.source}|${lostRace.source}`));
        expect(log.filter((l) => l.account === account)).toEqual([]);
      }
    }
    expect(await lockRows("tie")).toEqual([]);
  });

  it("a `pulumi up` SIGKILLed mid-create leaves its lock; `pulumi cancel` clears it; the next up adds no duplicate", async () => {
    await p.ok("killed", ["stack", "init"]);
    await slow(60_000);
    const from = await mark();
    const up = p.start("killed");
    await untilCreate(from, up);
    await up.kill();
    expect(await lockRows("killed")).toHaveLength(1);
    await slow(0); // The cluster becomes ready while no engine waits for it.

    expectLocked(await p.cli("killed", UP));
    await p.ok("killed", ["cancel", "--yes"]);
    expect(await lockRows("killed")).toEqual([]);
    await p.ok("killed", UP);
    expect(await expectCloudIs(["killed"])).toHaveLength(2);
    const names = [...(await census(emulator)).values()].map((r) => `${r.kind}/${r.name}`);
    expect(new Set(names).size).toBe(2);
    await p.ok("killed", DESTROY);
  });

  it("a stack moved from file:// to postgres:// (export, import, same passphrase and salt) changes nothing", async () => {
    const file = { PULUMI_BACKEND_URL: `file://${join(scratchRoot, "pgbackend", "state")}` };
    await p.ok("moved", ["stack", "init"], file);
    await p.ok("moved", UP, file);
    const before = await p.outputs("moved", file);
    const config = readFileSync(join(p.dir, "Pulumi.moved.yaml"), "utf8");
    expect(config).toMatch(/^encryptionsalt: v1:/m);
    const exported = join(scratchRoot, "pgbackend", "moved.json");
    await p.ok("moved", ["stack", "export", "--file", exported], file);

    // The same stack name in the other backend: the project's Pulumi.moved.yaml, and its salt, serve both.
    await p.ok("moved", ["stack", "init"]);
    expect(readFileSync(join(p.dir, "Pulumi.moved.yaml"), "utf8")).toBe(config);
    await p.ok("moved", ["stack", "import", "--file", exported]);
    const from = await mark();
    expect(await p.ok("moved", ["preview", "--expect-no-changes"])).toMatch(/3 unchanged/);
    expect(await p.ok("moved", [...UP, "--expect-no-changes"])).toMatch(/3 unchanged/);
    expect(changes(await since(from))).toEqual([]);
    expect(await p.outputs("moved")).toEqual(before);
    // The old stack retired: its state, not its resources, nor the config file the new one reads.
    await p.ok("moved", ["stack", "rm", "--yes", "--force", "--preserve-config"], file);
    expect(readFileSync(join(p.dir, "Pulumi.moved.yaml"), "utf8")).toBe(config);
    await expectCloudIs(["moved"]);
    await p.ok("moved", DESTROY);
    expect((await census(emulator)).size).toBe(0);
  });
});
