import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { census, killableProject } from "../support/killable-project.ts";

// A killed `pulumi up` must never leave a duplicate. Kills here are what CI systems, terminals and
// OOM killers do: SIGKILL of the `pulumi` process group; the provider plugin, in a group of its
// own, lives on. After each, the user's recovery: `pulumi cancel`, then `pulumi up` again.

let emulator: RunningEmulator;

const oneCluster = `
import * as pulumi from "@pulumi/pulumi";
import { ChipCluster } from "pulumi-agentcloud";
const config = new pulumi.Config();
const cluster = new ChipCluster("only", {
  region: "cn-hangzhou",
  chipType: "zhenwu-810e",
  chipsPerHyperNode: (config.getNumber("chips") ?? 8) as 8,
  hyperNodeCount: 1,
});
export const id = cluster.id;
`;

/** The requests that changed something (anything but GET), from index `from` of the request log on. */
async function writesSince(from: number): Promise<string[]> {
  const log = (await emulator.admin("GET", "/_mock/requests?limit=10000")).body.items as {
    method: string;
    path: string;
  }[];
  return log
    .slice(from)
    .filter((r) => r.method !== "GET" && r.path.startsWith("/v1/"))
    .map((r) => `${r.method} ${r.path}`);
}

const logLength = async () => (await emulator.admin("GET", "/_mock/requests?limit=10000")).body.items.length;

async function slow(ms: number, kinds = ["ChipCluster", "ModelEndpoint", "AgentRuntime"]) {
  const body = Object.fromEntries(
    kinds.map((k) => [k, ms > 0 ? { mode: "duration", ms } : { mode: "immediate" }]),
  );
  expect((await emulator.admin("PUT", "/_mock/transitions", body)).status).toBeLessThan(300);
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The cloud holds exactly what the state says: each state id once, nothing else, no name twice. */
async function expectExactly(project: ReturnType<typeof killableProject>, count: number) {
  const held = await census(emulator);
  const ids = await project.stateIds();
  expect([...held.keys()].sort()).toEqual([...ids.keys()].sort());
  expect(held.size).toBe(count);
  const names = [...held.values()].map((r) => `${r.kind}/${r.name}`);
  expect(new Set(names).size).toBe(names.length);
}

describe("a `pulumi up` SIGKILLed as a process group, its provider plugin left alive", {
  timeout: 900_000,
}, () => {
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  describe("at a chosen moment", () => {
    const project = () => killableProject("crash-windows", oneCluster, emulator);
    let p: ReturnType<typeof project>;
    beforeAll(async () => {
      p = project();
      await p.init();
    });
    afterAll(async () => {
      await slow(0);
      await p.pulumi(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
    });

    it("during provisioning, then ready while the engine is gone: nothing is released or sent, and the next up adopts it", async () => {
      await slow(60_000);
      const up = p.start(["up", "--yes", "--skip-preview"]);
      const made = await until("the create", async () => [...(await census(emulator)).keys()][0]);
      await up.kill();
      const killedAt = await logLength();
      // The cluster becomes ready now: a provider that outlived its engine would see it and finish
      // the create (the release that once made the next up create a second cluster).
      await emulator.admin("POST", "/_mock/clock/advance", { ms: 120_000 });
      expect((await emulator.api("GET", `/v1/chip-clusters/${made}`)).body.status).toBe("ACTIVE");
      await sleep(3000);
      expect(await writesSince(killedAt)).toEqual([]);
      const held = (await emulator.api("GET", "/v1/idempotency-keys?released=false")).body.items;
      expect(held.map((k: { resourceId: string }) => k.resourceId)).toEqual([made]);

      await slow(0);
      await p.pulumi(["cancel", "--yes"]);
      const out = await p.pulumi(["up", "--yes", "--skip-preview"]);
      expect(out).toContain(made);
      await expectExactly(p, 1);
      expect([...(await p.stateIds()).keys()]).toEqual([made]);
      // Recorded now: the program released the key after the engine saved the state.
      expect((await emulator.api("GET", "/v1/idempotency-keys?released=false")).body.items).toEqual([]);
    });

    it("during a replacement's create (`up --replace`): preview names what it made, and the next plain up finishes it", async () => {
      const [old] = [...(await p.stateIds()).entries()][0] ?? [];
      const urn = (await p.stateIds()).get(old as string) as string;
      await slow(60_000);
      const up = p.start(["up", "--replace", urn, "--yes", "--skip-preview"]);
      const made = await until("the replacement's create", async () =>
        [...(await census(emulator)).keys()].find((id) => id !== old),
      );
      await up.kill();
      await slow(0);
      await p.pulumi(["cancel", "--yes"]);
      const preview = await p.pulumi(["preview"]);
      expect(preview).toContain(`${made} was made by an interrupted replacement`);
      expect(preview).toMatch(/1 to replace/);
      await p.pulumi(["up", "--yes", "--skip-preview"]);
      await expectExactly(p, 1);
      expect([...(await p.stateIds()).keys()]).toEqual([made]);
      // And nothing left to finish.
      expect(await p.pulumi(["preview"])).not.toMatch(/to replace|interrupted/);
    });

    it("during a create-only change's create-before-delete replacement: the next up finishes it", async () => {
      await slow(60_000);
      await p.pulumi(["config", "set", "chips", "16"]);
      const before = [...(await p.stateIds()).keys()];
      const up = p.start(["up", "--yes", "--skip-preview"]);
      const made = await until("the replacement's create", async () =>
        [...(await census(emulator)).keys()].find((id) => !before.includes(id)),
      );
      await up.kill();
      await slow(0);
      await p.pulumi(["cancel", "--yes"]);
      await p.pulumi(["up", "--yes", "--skip-preview"]);
      await expectExactly(p, 1);
      expect([...(await p.stateIds()).keys()]).toEqual([made]);
    });
  });

  describe("then the program changes before the next up", () => {
    const clusters = `
import * as pulumi from "@pulumi/pulumi";
import { ChipCluster } from "pulumi-agentcloud";
const n = new pulumi.Config().requireNumber("n");
export const ids = Array.from({ length: n }, (_, i) =>
  new ChipCluster("k" + i, { region: "cn-hangzhou", chipType: "zhenwu-810e", chipsPerHyperNode: 8, hyperNodeCount: 1 }).id,
);
`;
    let p: ReturnType<typeof killableProject>;
    beforeAll(async () => {
      p = killableProject("crash-removed", clusters, emulator);
      await p.init();
      await p.pulumi(["config", "set", "n", "2"]);
    });
    afterAll(async () => {
      await slow(0);
      await p.pulumi(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
    });

    it("deletes what a killed create made for a resource the program no longer declares, and preview names it first", async () => {
      await slow(60_000);
      const up = p.start(["up", "--yes", "--skip-preview"]);
      await until("both creates", async () => (await census(emulator)).size === 2);
      await up.kill();
      await slow(0);
      await p.pulumi(["cancel", "--yes"]);
      await p.pulumi(["config", "set", "n", "1"]);
      const preview = await p.pulumi(["preview"]);
      expect(preview).toMatch(/was made for "k1" by an interrupted `pulumi up` and is in no stack/);
      const out = await p.pulumi(["up", "--yes", "--skip-preview"]);
      expect(out).toMatch(/deleted ChipCluster cc-[0-9a-f]+: made for "k1"/);
      await expectExactly(p, 1);
    });
  });

  describe("at random moments of a changing 16-resource program (a soak, not timed)", () => {
    // Each version adds or removes clusters, updates some resources in place and replaces others
    // (create-before-delete for automatic names, delete-before-replace for a chosen one).
    const program = `
import * as pulumi from "@pulumi/pulumi";
import { AgentRuntime, ChipCluster, ModelEndpoint } from "pulumi-agentcloud";
const v = new pulumi.Config().requireNumber("version");
const region = "cn-hangzhou";
const ids: Record<string, pulumi.Output<string>> = {};
for (let i = 0; i < 3 + (v % 3); i++) {
  ids["c" + i] = new ChipCluster("c" + i, {
    region, chipType: "zhenwu-810e", hyperNodeCount: i === 1 ? 1 + (v % 2) : 1,
    chipsPerHyperNode: (i === 0 && v % 2 === 1) || (i === 2 && v % 4 >= 2) ? 16 : 8,
  }).id;
}
ids.named = new ChipCluster("named", {
  region, chipType: "zhenwu-810e", name: "soak-named", hyperNodeCount: 1,
  chipsPerHyperNode: v % 3 === 0 ? 16 : 8,
} as any).id;
const endpoints = [0, 1].map((i) => new ModelEndpoint("e" + i, {
  region, model: "glm-5.1", deployment: { mode: "pooled" },
  throughput: { tokensPerMinute: 100_000 + (i === 0 ? v * 1000 : 0) },
}));
for (let i = 0; i < 3; i++) {
  ids["r" + i] = new AgentRuntime("r" + i, {
    region,
    artifact: i === 0 && v % 2 === 1
      ? { code: { uri: "oss://agents/soak.zip", entrypoint: "main.py", runtime: "python3.12" } }
      : { image: "agents/soak:" + (i === 1 ? v : i) },
    models: [{ endpointId: endpoints[i % 2]!.id, role: "primary" }],
  }).id;
}
export const resources = ids;
`;
    const declared = (v: number) => 3 + (v % 3) + 1 + 2 + 3;
    let p: ReturnType<typeof killableProject>;
    const seed = Number(process.env.AGENTCLOUD_SOAK_SEED ?? Date.now() % 100_000);
    let state = seed;
    /** Deterministic for a seed (printed on failure): a kill moment in ms. */
    const random = (below: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % below;
    };

    beforeAll(async () => {
      p = killableProject("crash-soak", program, emulator);
      await p.init();
      await p.pulumi(["config", "set", "version", "0"]);
      await slow(0);
      await p.pulumi(["up", "--yes", "--skip-preview"]);
      await expectExactly(p, declared(0));
    });
    afterAll(async () => {
      await slow(0);
      await p.pulumi(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
      expect((await census(emulator)).size).toBe(0);
    });

    for (let round = 1; round <= 6; round++) {
      it(`round ${round}: killed at a random moment, then cancel and up: exactly the declared resources (seed ${seed})`, async () => {
        await p.pulumi(["config", "set", "version", String(round)]);
        // Operations take a while, so that the kill lands among creates, updates and deletes in flight.
        await emulator.admin("PUT", "/_mock/transitions", {
          ChipCluster: { mode: "duration", ms: 1500 },
          ModelEndpoint: { mode: "duration", ms: 1000 },
          AgentRuntime: { mode: "duration", ms: 700 },
        });
        const from = await logLength();
        const up = p.start(["up", "--yes", "--skip-preview"]);
        await until("the first change", async () => up.exited() || (await writesSince(from)).length > 0);
        const after = random(3000);
        await sleep(after);
        const killed = !up.exited();
        const result = await up.kill();
        if (!killed) expect(result.code, result.stdout).toBe(0);
        await slow(0);
        await p.pulumi(["cancel", "--yes"]).catch(() => undefined);
        await p.pulumi(["up", "--yes", "--skip-preview"]);
        await expectExactly(p, declared(round));
      });
    }
  });
});
