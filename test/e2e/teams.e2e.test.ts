import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack, UpResult } from "@pulumi/pulumi/automation/index.js";
import { ChipCluster, ModelEndpoint } from "pulumi-agentcloud";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Client, client } from "../support/cloud-client.ts";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { scratchRoot } from "../support/paths.ts";
import { capture, inlineStack } from "../support/stack.ts";

// Accounts at team scale: one emulator, three teams (a tokens file names one account per token),
// each running the same small program with its own token through the real engine. What one team
// does (its resources, its quota, its usage, its destroy) never reaches another's account.

const teams = ["alpha", "beta", "gamma"] as const;
type Team = (typeof teams)[number];
const accountOf = (t: Team) => `team-${t}`;
const tokenOf = (t: Team) => `agentcloud-${t}-token`;
const region = "cn-hangzhou";
const chipType = "zhenwu-810e";

interface TeamRun {
  team: Team;
  api: Client;
  stack: Stack;
  /** The cluster's hyper-node count the program asks for (8 chips each). */
  nodes: number;
  up?: UpResult;
}

let emulator: RunningEmulator;
const runs = {} as Record<Team, TeamRun>;
const output = capture();

/** The team's stack: a ChipCluster and a pooled ModelEndpoint, the same logical names in every team. */
const program = (t: Team) => async () => {
  const cluster = new ChipCluster("training", {
    region,
    chipType,
    chipsPerHyperNode: 8,
    hyperNodeCount: runs[t].nodes,
  });
  const endpoint = new ModelEndpoint("chat", {
    region,
    model: "glm-5.1",
    deployment: { mode: "pooled" },
    throughput: { tokensPerMinute: 100_000 },
  });
  return {
    clusterId: cluster.id,
    totalChips: cluster.totalChips,
    endpointId: endpoint.id,
    url: endpoint.url,
    apiKey: endpoint.apiKey,
  };
};

const out = (t: Team, key: string): string => runs[t].up?.outputs[key]?.value;

async function list(t: Team, collection: string): Promise<any[]> {
  const res = await runs[t].api.call("GET", `/v1/${collection}?pageSize=500`);
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Everything each team's account holds, as its own token lists it. */
async function holdings(): Promise<Record<Team, { clusters: any[]; endpoints: any[] }>> {
  const entries = await Promise.all(
    teams.map(async (t) => [
      t,
      { clusters: await list(t, "chip-clusters"), endpoints: await list(t, "model-endpoints") },
    ]),
  );
  return Object.fromEntries(entries);
}

const chipQuota = (quotas: any) =>
  quotas.chips.find((c: any) => c.region === region && c.chipType === chipType);

describe("accounts at team scale: three teams, one emulator", { timeout: 300_000 }, () => {
  beforeAll(async () => {
    const tokens = join(scratchRoot, "teams-tokens.json");
    writeFileSync(tokens, JSON.stringify(Object.fromEntries(teams.map((t) => [tokenOf(t), accountOf(t)]))));
    emulator = await startEmulator({ args: ["--tokens", tokens] });
    for (const t of teams) {
      const api = client(emulator.url, tokenOf(t));
      runs[t] = { team: t, api, nodes: 1, stack: undefined as unknown as Stack };
      runs[t].stack = await inlineStack(`teams-${t}`, program(t), { url: emulator.url, token: tokenOf(t) });
    }
  });

  afterAll(async () => {
    await Promise.all(
      teams.map(async (t) => {
        const stack = runs[t]?.stack;
        if (!stack) return;
        await stack.destroy().catch(() => undefined);
        await stack.workspace.removeStack(stack.name).catch(() => undefined);
      }),
    );
    await Promise.all(teams.map((t) => runs[t]?.api.close()));
    await emulator?.stop();
  });

  it("each team's up creates its own resources, and each account lists only its own", async () => {
    await Promise.all(
      teams.map(async (t) => {
        runs[t].up = await runs[t].stack.up({ onOutput: output.onOutput });
        expect(runs[t].up?.summary.resourceChanges).toMatchObject({ create: 3 });
        expect(out(t, "totalChips")).toBe(8);
      }),
    );
    const ids = teams.flatMap((t) => [out(t, "clusterId"), out(t, "endpointId")]);
    expect(new Set(ids).size).toBe(6);
    const held = await holdings();
    for (const t of teams) {
      expect(held[t].clusters).toEqual([
        expect.objectContaining({ id: out(t, "clusterId"), status: "ACTIVE", totalChips: 8 }),
      ]);
      expect(held[t].endpoints).toEqual([
        expect.objectContaining({ id: out(t, "endpointId"), status: "IN_SERVICE" }),
      ]);
    }
    // The admin plane sees all six, each in the account whose token created it.
    const all = (await emulator.admin("GET", "/_mock/resources")).body.items as any[];
    for (const t of teams)
      expect(
        all
          .filter((r) => r.account === accountOf(t))
          .map((r) => r.resource.id)
          .sort(),
      ).toEqual([out(t, "clusterId"), out(t, "endpointId")].sort());
  });

  it("another team's resource ids answer 404", async () => {
    for (const t of teams)
      for (const other of teams.filter((o) => o !== t)) {
        const cluster = await runs[t].api.call("GET", `/v1/chip-clusters/${out(other, "clusterId")}`);
        expect(cluster.status).toBe(404);
        expect(cluster.body.error.code).toBe("NotFound");
        const endpoint = await runs[t].api.call("GET", `/v1/model-endpoints/${out(other, "endpointId")}`);
        expect([endpoint.status, endpoint.body.error.code]).toEqual([404, "NotFound"]);
      }
    for (const t of teams)
      expect((await runs[t].api.call("GET", `/v1/chip-clusters/${out(t, "clusterId")}`)).status).toBe(200);
  });

  it("quotas are per account: alpha's growth is refused while beta, with the same chips, grows", async () => {
    const limits = await emulator.admin("PUT", "/_mock/limits", { chipsPerType: 16 });
    expect(limits.status).toBe(200);
    expect(limits.body.chipsPerType).toBe(16);
    const before = await runs.alpha.api.call("GET", `/v1/chip-clusters/${out("alpha", "clusterId")}`);

    runs.alpha.nodes = 3; // 24 chips: over its 16
    const refused = await runs.alpha.stack.up({ onOutput: output.onOutput }).then(
      () => null,
      (e: Error) => e,
    );
    expect(refused).not.toBeNull();
    expect(String(refused?.message)).toMatch(/QuotaExceeded/);
    expect(String(refused?.message)).toContain(`${chipType} chips in ${region}: quota 16`);
    const after = await runs.alpha.api.call("GET", `/v1/chip-clusters/${out("alpha", "clusterId")}`);
    expect(after.body).toMatchObject({ hyperNodeCount: 1, totalChips: 8, etag: before.body.etag });

    // beta grows to 16 chips, its whole quota, though the three accounts then hold 32 chips of the type.
    runs.beta.nodes = 2;
    const grown = await runs.beta.stack.up({ onOutput: output.onOutput });
    expect(grown.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(grown.outputs.clusterId?.value).toBe(out("beta", "clusterId"));
    expect(grown.outputs.totalChips?.value).toBe(16);
    runs.beta.up = grown;

    const used = {} as Record<Team, unknown>;
    for (const t of teams) used[t] = chipQuota((await runs[t].api.call("GET", "/v1/quotas")).body);
    expect(used).toEqual({
      alpha: expect.objectContaining({ limit: 16, used: 8 }),
      beta: expect.objectContaining({ limit: 16, used: 16 }),
      gamma: expect.objectContaining({ limit: 16, used: 8 }),
    });

    // alpha asks for what it holds again: nothing to change, nothing refused.
    runs.alpha.nodes = 1;
    const again = await runs.alpha.stack.up({ onOutput: output.onOutput });
    expect(again.summary.resourceChanges).toEqual({ same: 3 });
  });

  it("GET /_mock/quotas and /_mock/usage list the three accounts apart, each as its own token sees it", async () => {
    // One chat completion per team, of a different length each, on its own endpoint with its key.
    await Promise.all(
      teams.map(async (t, i) => {
        const res = await fetch(`${out(t, "url")}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${out(t, "apiKey")}`, "content-type": "application/json" },
          body: JSON.stringify({
            model: "glm-5.1",
            messages: [{ role: "user", content: `hello from ${t} `.repeat(5 * (i + 1)) }],
          }),
        });
        expect(res.status, await res.clone().text()).toBe(200);
        const body = (await res.json()) as { choices: { message: { content: string } }[] };
        expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
      }),
    );
    // A team's key serves only its own endpoint: another account's answers 404 (not theirs).
    const crossed = await fetch(`${out("alpha", "url")}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${out("beta", "apiKey")}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "glm-5.1", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(crossed.status).toBe(404);
    expect(((await crossed.json()) as { error: { code: string } }).error.code).toBe("not_found");

    const accounts = teams.map(accountOf);
    await vi.waitFor(
      async () => {
        for (const t of teams) {
          const own = await runs[t].api.call("GET", "/v1/usage?groupBy=endpoint");
          expect(own.body.rows).toEqual([
            expect.objectContaining({ group: out(t, "endpointId"), requests: 1 }),
          ]);
        }
      },
      { timeout: 10_000 },
    );

    const quotas = await emulator.admin("GET", "/_mock/quotas");
    expect(quotas.status).toBe(200);
    expect(quotas.body.items.map((i: any) => i.account)).toEqual(accounts);
    for (const t of teams) {
      const own = await runs[t].api.call("GET", "/v1/quotas");
      expect(quotas.body.items.find((i: any) => i.account === accountOf(t)).quotas).toEqual(own.body);
      expect(own.body.endpoints.find((e: any) => e.region === region).used).toBe(1);
    }

    for (const query of ["", "?groupBy=endpoint"]) {
      const usage = await emulator.admin("GET", `/_mock/usage${query}`);
      expect(usage.status).toBe(200);
      expect(usage.body.items.map((i: any) => i.account)).toEqual(accounts);
      for (const t of teams) {
        const own = await runs[t].api.call("GET", `/v1/usage${query}`);
        expect(usage.body.items.find((i: any) => i.account === accountOf(t)).usage).toEqual(own.body);
      }
    }
    // The teams sent prompts of different lengths: three different meters.
    const inputs = new Set(
      (await emulator.admin("GET", "/_mock/usage")).body.items.map((i: any) => i.usage.rows[0]?.inputTokens),
    );
    expect(inputs.size).toBe(3);
  });

  it("destroying one team's stack leaves the other teams' resources untouched", async () => {
    const before = await holdings();
    const mark = (await emulator.admin("GET", "/_mock/requests?limit=1")).body.items.at(-1)?.requestId;
    const destroy = await runs.alpha.stack.destroy({ onOutput: output.onOutput });
    expect(destroy.summary.resourceChanges).toMatchObject({ delete: 3 });
    const after = await holdings();
    expect(after.alpha).toEqual({ clusters: [], endpoints: [] });
    expect(after.beta).toEqual(before.beta);
    expect(after.gamma).toEqual(before.gamma);
    // Every change the destroy sent was alpha's, to alpha's own ids.
    const log = (await emulator.admin("GET", "/_mock/requests?limit=10000")).body.items as any[];
    const sent = log.slice(log.findIndex((r) => r.requestId === mark) + 1).filter((r) => r.method !== "GET");
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r.account).toBe(accountOf("alpha"));
      expect([
        `/v1/chip-clusters/${out("alpha", "clusterId")}`,
        `/v1/model-endpoints/${out("alpha", "endpointId")}`,
      ]).toContain(r.path);
    }
    // The others' stacks still agree with their clouds.
    for (const t of ["beta", "gamma"] as const) {
      const preview = await runs[t].stack.preview({ onOutput: output.onOutput });
      expect(preview.changeSummary).toEqual({ same: 3 });
    }
  });

  it("the other teams' destroys empty their accounts, and no token was ever printed", async () => {
    await Promise.all(
      (["beta", "gamma"] as const).map(async (t) => {
        const destroy = await runs[t].stack.destroy({ onOutput: output.onOutput });
        expect(destroy.summary.resourceChanges).toMatchObject({ delete: 3 });
      }),
    );
    const held = await holdings();
    for (const t of teams) expect(held[t]).toEqual({ clusters: [], endpoints: [] });
    expect(output.text().length).toBeGreaterThan(0);
    for (const t of teams) expect(output.text()).not.toContain(tokenOf(t));
  });
});
