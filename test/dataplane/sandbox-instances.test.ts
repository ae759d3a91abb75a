import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { coldStartMs } from "../../provider/api/tasks.ts";
import { nodeServer, other, useAdapterCloud } from "../contract/fixtures.ts";
import { pooledEndpoint } from "../support/fixtures.ts";
import { scratchRoot } from "../support/paths.ts";

/**
 * An agent runtime's sandbox instances on the emulator clock: cold start then warm reuse, the
 * concurrency limit, idle pause and stop, the maximum lifetime, minInstances and scale to zero, a
 * drain on an artifact change, a crash; and their seconds metered into usage.
 */
describe("an agent runtime's sandbox instances", () => {
  const { call, adminCall } = useAdapterCloud(nodeServer);
  const wait = { headers: { Prefer: "wait" } };
  const advance = (ms: number) => adminCall("POST", "/_mock/clock/advance", { ms });
  const codeDir = join(scratchRoot, "agents", "instances");
  let primary: string;

  beforeAll(() => {
    mkdirSync(codeDir, { recursive: true });
    // Module state lasts while the instance is warm; scratch files while it is not stopped.
    writeFileSync(
      join(codeDir, "index.mjs"),
      `import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
let served = 0;
export default async function handle(input, context) {
  served++;
  const note = join(context.scratch, "note.txt");
  if (input.startsWith("remember ")) writeFileSync(note, input.slice(9));
  if (input === "slow") await new Promise((r) => setTimeout(r, 1500));
  if (input === "crash") process.exit(3);
  return { served, note: existsSync(note) ? readFileSync(note, "utf8") : null };
}
`,
    );
  });
  beforeEach(async () => {
    primary = (await call("POST", "/v1/model-endpoints", pooledEndpoint("primary", 10_000), wait)).body
      .resource.id;
  });

  const code = { uri: pathToFileURL(codeDir).href, entrypoint: "index.mjs", runtime: "nodejs24" };
  const sandbox = { cpu: 2, memoryMiB: 4096, isolation: "container" as const };
  const runtime = async (spec: Record<string, unknown> = {}) =>
    (
      await call(
        "POST",
        "/v1/agent-runtimes",
        {
          name: `inst-${Math.random().toString(36).slice(2, 8)}`,
          region: "cn-hangzhou",
          artifact: { code },
          models: [{ endpointId: primary, role: "primary" }],
          sandbox,
          ...spec,
        },
        wait,
      )
    ).body.resource as { id: string; invokeUrl: string };
  const invoke = async (rt: { invokeUrl: string }, input: string, async = false) =>
    call("POST", `${new URL(rt.invokeUrl).pathname}/invocations`, { input, async });
  const output = (task: { output: { text: string } }) =>
    JSON.parse(task.output.text) as { served: number; note: string | null };
  const instances = async (rt: { id: string }, query = "") =>
    (await call("GET", `/v1/agent-runtimes/${rt.id}/instances${query}`)).body.items as {
      id: string;
      state: string;
      stopReason: string | null;
      draining: boolean;
      tasksServed: number;
      coldStartMs: number;
      billedSeconds: number;
    }[];

  it("cold-starts an instance for the first task, then reuses it warm: its module state and files stay", async () => {
    const rt = await runtime();
    expect(await instances(rt)).toEqual([]);
    const first = (await invoke(rt, "remember blue")).body;
    expect(first).toMatchObject({ status: "SUCCEEDED", placement: { start: "cold" } });
    // The documented latency of a 2 vCPU, 4 GiB container, waited for on the emulator clock.
    expect(first.placement.startMs).toBeGreaterThanOrEqual(coldStartMs(sandbox));
    const second = (await invoke(rt, "again")).body;
    expect(second.placement).toMatchObject({ instanceId: first.placement.instanceId, start: "warm" });
    expect(second.placement.startMs).toBeLessThan(coldStartMs(sandbox));
    expect(output(second)).toEqual({ served: 2, note: "blue" });
    const [instance] = await instances(rt);
    expect(instance).toMatchObject({
      id: first.placement.instanceId,
      state: "IDLE",
      tasksServed: 2,
      coldStartMs: coldStartMs(sandbox),
    });
    const tasks = (await call("GET", `/v1/agent-runtimes/${rt.id}/tasks`)).body.items;
    expect(tasks.map((t: { id: string }) => t.id)).toEqual([second.id, first.id]);
  });

  it("runs at most maxInstances × concurrencyPerInstance tasks at once, and refuses the next with 429", async () => {
    const rt = await runtime({ scaling: { minInstances: 0, maxInstances: 1, concurrencyPerInstance: 1 } });
    const slow = await invoke(rt, "slow", true);
    expect(slow.status).toBe(202);
    const refused = await invoke(rt, "hello");
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("Throttled");
    expect(refused.headers["retry-after"]).toBe("1");
    let task = slow.body;
    for (let i = 0; i < 250 && task.status === "RUNNING"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      task = (await call("GET", `${new URL(rt.invokeUrl).pathname}/tasks/${slow.body.id}`)).body;
    }
    expect(task.status).toBe("SUCCEEDED");
    expect((await invoke(rt, "hello")).body.placement).toMatchObject({ start: "warm" });
  });

  it("pauses an idle instance after idleTimeoutSeconds, keeping its files, and resumes it for the next task", async () => {
    const rt = await runtime({
      lifecycle: { idleTimeoutSeconds: 60, maxLifetimeSeconds: 3600, onIdle: "pause" },
    });
    const first = (await invoke(rt, "remember green")).body;
    await advance(59_000);
    expect((await instances(rt))[0]?.state).toBe("IDLE");
    await advance(2_000);
    const [paused] = await instances(rt);
    expect(paused?.state).toBe("PAUSED");
    // Billed until its idle deadline, not while paused.
    const billed = paused?.billedSeconds ?? 0;
    expect(billed).toBeGreaterThanOrEqual(60);
    expect(billed).toBeLessThan(62);
    await advance(600_000);
    expect((await instances(rt))[0]?.billedSeconds).toBe(billed);
    const next = (await invoke(rt, "again")).body;
    expect(next.placement).toMatchObject({ instanceId: first.placement.instanceId, start: "resumed" });
    expect(output(next)).toEqual({ served: 2, note: "green" });
    // The paused span is not in usage: the span to the pause is.
    const usage = (await call("GET", `/v1/usage?runtimeId=${rt.id}`)).body.rows[0];
    expect(usage.sandboxSeconds).toBeCloseTo(billed, 3);
    expect(usage.costUsd).toBeGreaterThan(0);
  });

  it("stops an idle instance with onIdle stop: the next task cold-starts a new one, its files gone", async () => {
    const rt = await runtime({
      lifecycle: { idleTimeoutSeconds: 60, maxLifetimeSeconds: 3600, onIdle: "stop" },
    });
    const first = (await invoke(rt, "remember red")).body;
    await advance(61_000);
    expect(await instances(rt, "?state=STOPPED")).toMatchObject([
      { id: first.placement.instanceId, stopReason: "idle" },
    ]);
    // Scaled to zero: nothing runs.
    expect((await instances(rt)).filter((i) => i.state !== "STOPPED")).toEqual([]);
    const next = (await invoke(rt, "again")).body;
    expect(next.placement.start).toBe("cold");
    expect(next.placement.instanceId).not.toBe(first.placement.instanceId);
    expect(output(next)).toEqual({ served: 1, note: null });
  });

  it("recycles an instance at maxLifetimeSeconds", async () => {
    const rt = await runtime({
      lifecycle: { idleTimeoutSeconds: 600, maxLifetimeSeconds: 900, onIdle: "pause" },
    });
    const first = (await invoke(rt, "hello")).body;
    await advance(300_000);
    expect((await invoke(rt, "hello")).body.placement.instanceId).toBe(first.placement.instanceId);
    await advance(601_000);
    const [stopped] = await instances(rt);
    expect(stopped).toMatchObject({
      id: first.placement.instanceId,
      state: "STOPPED",
      stopReason: "maxLifetime",
    });
    expect((await invoke(rt, "hello")).body.placement.start).toBe("cold");
  });

  it("keeps minInstances warm without a task, past the idle timeout", async () => {
    const rt = await runtime({
      scaling: { minInstances: 1, maxInstances: 2, concurrencyPerInstance: 1 },
      lifecycle: { idleTimeoutSeconds: 60, maxLifetimeSeconds: 28_800, onIdle: "stop" },
    });
    const [warm] = await instances(rt);
    expect(warm?.state).toMatch(/STARTING|IDLE/);
    for (let i = 0; i < 100 && (await instances(rt))[0]?.state === "STARTING"; i++)
      await new Promise((r) => setTimeout(r, 20));
    await advance(3_600_000);
    expect(await instances(rt)).toMatchObject([{ id: warm?.id, state: "IDLE" }]);
    expect((await invoke(rt, "hello")).body.placement).toMatchObject({ instanceId: warm?.id, start: "warm" });
  });

  it("drains its instances when the artifact changes: the next task runs on a new one", async () => {
    const rt = await runtime();
    const first = (await invoke(rt, "hello")).body;
    const updated = await call(
      "PATCH",
      `/v1/agent-runtimes/${rt.id}`,
      { artifact: { code: { ...code, entrypoint: "./index.mjs" } } },
      wait,
    );
    expect(updated.status).toBeLessThan(300);
    expect(await instances(rt, "?state=STOPPED")).toMatchObject([
      { id: first.placement.instanceId, stopReason: "drained" },
    ]);
    const next = (await invoke(rt, "hello")).body;
    expect(next.placement.start).toBe("cold");
    expect(next.placement.instanceId).not.toBe(first.placement.instanceId);
  });

  it("stops an instance whose process crashed; its task fails and the next one cold-starts", async () => {
    const rt = await runtime();
    const crashed = (await invoke(rt, "crash")).body;
    expect(crashed).toMatchObject({ status: "FAILED", error: { code: "AgentExited" } });
    expect(await instances(rt)).toMatchObject([{ state: "STOPPED", stopReason: "crashed" }]);
    expect((await invoke(rt, "hello")).body).toMatchObject({
      status: "SUCCEEDED",
      placement: { start: "cold" },
    });
  });

  it("keeps another account out of a runtime's instances and tasks", async () => {
    const rt = await runtime();
    const theirs = { token: other };
    expect((await call("GET", `/v1/agent-runtimes/${rt.id}/instances`, undefined, theirs)).status).toBe(404);
    expect((await call("GET", `/v1/agent-runtimes/${rt.id}/tasks`, undefined, theirs)).status).toBe(404);
    expect((await call("GET", `/v1/agent-runtimes/${rt.id}/instances?state=NOPE`)).status).toBe(400);
  });
});
