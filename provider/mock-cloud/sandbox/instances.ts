/**
 * The sandbox instances of agent runtimes, on the emulator clock. A task goes to a warm instance
 * (the most recently active with room), else resumes a paused one, else cold-starts a new one
 * (waiting the documented latency of its size and isolation, api/tasks.ts `coldStartMs`), up to
 * `maxInstances` instances of `concurrencyPerInstance` tasks each; beyond that it is refused with
 * 429 Throttled. An idle instance pauses (`onIdle: pause`: its process, module state and scratch
 * files kept, not billed) or stops (`stop`) `idleTimeoutSeconds` after its last task;
 * `maxLifetimeSeconds` after its start it stops (when busy, once its tasks end); `minInstances`
 * stay warm (they neither pause nor stop for idleness) and are started when fewer. A change of the
 * runtime's artifact, sandbox or env drains its instances: no new tasks, stopped once idle.
 *
 * Transitions happen at the emulator-clock instant they fall due (an idle timeout after the clock
 * was advanced by two hours pauses the instance at its deadline, and bills it until then), checked
 * on every use, on listing and once a second. Billed spans (start or resume to pause or stop) are
 * metered into usage in the same transaction as the transition, at the catalog's sandbox prices.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { agentRuntimeLifecycle } from "../../api/agent-runtime.ts";
import { sandboxPricing } from "../../api/catalog.ts";
import { coldStart, coldStartMs, type SandboxInstance } from "../../api/tasks.ts";
import type { CloudService } from "../core/service.ts";
import { MockCloudError } from "../errors.ts";
import { tx } from "../store/db.ts";
import type { StoredResource } from "../store/repo.ts";
import type { TaskStore } from "../store/tasks.ts";
import { CodeSandbox, PythonSandbox, type Sandbox as SandboxProcess } from "./runner.ts";

type Sandbox = { cpu: number; memoryMiB: number; isolation: "microvm" | "container" };
type Lifecycle = { idleTimeoutSeconds: number; maxLifetimeSeconds: number; onIdle: "pause" | "stop" };
type Scaling = { minInstances: number; maxInstances: number; concurrencyPerInstance: number };
type Code = { uri: string; entrypoint: string; runtime: string };

interface Live {
  account: string;
  record: SandboxInstance;
  /** What the instance was started with (a change drains it). */
  config: string;
  sandbox: Sandbox;
  /** A code artifact's process (null for an image's built-in loop, or until started). */
  process: SandboxProcess | null;
  /** Settles when the instance is ready for tasks (its cold start or resume). */
  ready: Promise<void>;
  scratchDir: string;
}

/** A task's seat on an instance: where it runs, how it got there, and how to give the seat back. */
export interface Seat {
  instance: SandboxInstance;
  process: SandboxProcess | null;
  start: "cold" | "resumed" | "warm";
  /** Settles when the instance can run the task; rejects when it could not start. */
  ready: Promise<void>;
  startedAtMs: number;
  release(): void;
}

/** Every open pool: their processes end with the emulator's. */
const pools = new Set<InstancePool>();
process.once("exit", () => {
  for (const pool of pools) pool.close();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/** The part of a runtime whose change drains its instances. */
const configOf = (runtime: StoredResource) =>
  JSON.stringify([
    runtime.body.artifact,
    runtime.body.sandbox,
    runtime.body.env,
    runtime.body.secretEnvDigest,
  ]);

/** Where instances' scratch folders live. */
const sandboxesDir = join(tmpdir(), "agentcloud-sandboxes");

export class InstancePool {
  readonly #service: CloudService;
  readonly #store: TaskStore;
  readonly #live = new Map<string, Live>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(service: CloudService, store: TaskStore) {
    this.#service = service;
    this.#store = store;
    this.#recoverFromRestart();
    this.#timer = setInterval(() => this.#sweep(), 1000);
    this.#timer.unref?.();
    pools.add(this);
  }

  /** Stops every process of this pool (the emulator is closing); records stay as they are. */
  close(): void {
    pools.delete(this);
    clearInterval(this.#timer);
    for (const live of this.#live.values()) live.process?.stop();
    this.#live.clear();
  }

  /**
   * A seat for one task on the runtime: a warm instance, a resumed one or a cold-started one. Throws
   * Throttled (429) when all `maxInstances × concurrencyPerInstance` seats are taken.
   */
  acquire(account: string, runtime: StoredResource): Seat {
    const nowMs = this.#now();
    this.reconcile(account, runtime);
    const scaling = runtime.body.scaling as Scaling;
    const mine = this.#mine(runtime.id);
    const open = mine.filter((l) => !l.record.draining);
    const room = (l: Live) => l.record.tasksInFlight < scaling.concurrencyPerInstance;
    // The most recently active warm instance with room (a busy one before an idle one keeps few warm).
    const warm = open
      .filter(
        (l) =>
          (l.record.state === "RUNNING" || l.record.state === "IDLE" || l.record.state === "STARTING") &&
          room(l),
      )
      .sort((a, b) => Date.parse(b.record.lastActiveAt) - Date.parse(a.record.lastActiveAt))[0];
    if (warm) return this.#seat(warm, warm.record.state === "STARTING" ? "cold" : "warm", nowMs);
    const paused = open
      .filter((l) => l.record.state === "PAUSED")
      .sort((a, b) => Date.parse(b.record.lastActiveAt) - Date.parse(a.record.lastActiveAt))[0];
    if (paused) {
      this.#transition(paused, () => {
        paused.record.state = "STARTING";
        paused.record.pausedAt = null;
        paused.record.billingSince = new Date(nowMs).toISOString();
      });
      paused.ready = sleep(coldStart.resumeMs);
      return this.#seat(paused, "resumed", nowMs);
    }
    const counted = mine.filter((l) => l.record.state !== "STOPPED");
    if (counted.length >= scaling.maxInstances) {
      const busy = counted.reduce((n, l) => n + l.record.tasksInFlight, 0);
      throw new MockCloudError(
        "Throttled",
        `AgentRuntime ${runtime.id} runs ${busy} tasks on its ${counted.length} instances (maxInstances ${scaling.maxInstances} × concurrencyPerInstance ${scaling.concurrencyPerInstance}); try again when one ends`,
        { maxInstances: scaling.maxInstances, concurrencyPerInstance: scaling.concurrencyPerInstance },
        { "retry-after": "1" },
      );
    }
    return this.#seat(this.#startInstance(account, runtime, nowMs), "cold", nowMs);
  }

  /**
   * Brings the runtime's instances up to the emulator clock (idle pauses and stops, lifetimes,
   * drains, minInstances); `runtime` null: it is gone, so its instances stop.
   */
  reconcile(account: string, runtime: StoredResource | null, runtimeId = runtime?.id): void {
    if (!runtimeId) return;
    const nowMs = this.#now();
    const mine = this.#mine(runtimeId);
    const gone =
      !runtime ||
      String(runtime.body.status) === agentRuntimeLifecycle.deleting ||
      String(runtime.body.status) === agentRuntimeLifecycle.createFailed;
    if (gone) {
      for (const live of mine) this.#stop(live, nowMs, "runtimeDeleted");
      return;
    }
    const lifecycle = runtime.body.lifecycle as Lifecycle;
    const scaling = runtime.body.scaling as Scaling;
    const config = configOf(runtime);
    for (const live of mine) {
      if (live.config !== config && !live.record.draining) {
        this.#transition(live, () => {
          live.record.draining = true;
        });
      }
      this.#dueEvents(live, lifecycle, scaling, nowMs);
    }
    const ready = String(runtime.body.status);
    if (ready !== agentRuntimeLifecycle.ready && ready !== agentRuntimeLifecycle.updating) return;
    const warm = this.#mine(runtimeId).filter((l) => l.record.state !== "STOPPED" && !l.record.draining);
    for (let n = warm.length; n < scaling.minInstances; n++) this.#startInstance(account, runtime, nowMs);
  }

  /** The runtime's instances, newest first, brought up to the clock. */
  list(account: string, runtime: StoredResource): SandboxInstance[] {
    this.reconcile(account, runtime);
    const nowMs = this.#now();
    return this.#store.instances(account, runtime.id).map((i) => {
      const live = this.#live.get(i.id);
      return live ? this.#withOpenSpan(live, nowMs) : i;
    });
  }

  #now(): number {
    return this.#service.clock.now().getTime();
  }

  #mine(runtimeId: string): Live[] {
    return [...this.#live.values()].filter((l) => l.record.runtimeId === runtimeId);
  }

  #withOpenSpan(live: Live, nowMs: number): SandboxInstance {
    const since = live.record.billingSince;
    const open = since === null ? 0 : Math.max(0, nowMs - Date.parse(since)) / 1000;
    return { ...live.record, billedSeconds: round3(live.record.billedSeconds + open) };
  }

  #startInstance(account: string, runtime: StoredResource, nowMs: number): Live {
    const sandbox = runtime.body.sandbox as Sandbox;
    const id = `si-${randomBytes(6).toString("hex")}`;
    const at = new Date(nowMs).toISOString();
    const latency = coldStartMs(sandbox);
    const live: Live = {
      account,
      config: configOf(runtime),
      sandbox,
      process: null,
      ready: Promise.resolve(),
      scratchDir: join(sandboxesDir, runtime.id, id),
      record: {
        id,
        runtimeId: runtime.id,
        state: "STARTING",
        draining: false,
        runtimeVersion: Number(runtime.body.version ?? 1),
        tasksInFlight: 0,
        tasksServed: 0,
        coldStartMs: latency,
        startedAt: at,
        lastActiveAt: at,
        pausedAt: null,
        stoppedAt: null,
        stopReason: null,
        billedSeconds: 0,
        billingSince: at,
      },
    };
    this.#live.set(id, live);
    tx(this.#service.db, () => this.#store.putInstance(account, live.record));
    const code = (runtime.body.artifact as { code?: Code }).code;
    const started = code
      ? Promise.all([startProcess(code, live.scratchDir, runtime), sleep(latency)]).then(([process]) => {
          live.process = process;
          process.onExit(() => this.#crashed(live));
          if (live.record.state === "STOPPED") process.stop();
        })
      : sleep(latency);
    live.ready = started.then(
      () => {
        if (live.record.state !== "STARTING") return;
        this.#transition(live, () => {
          live.record.state = live.record.tasksInFlight > 0 ? "RUNNING" : "IDLE";
          live.record.lastActiveAt = new Date(this.#now()).toISOString();
        });
      },
      (e: unknown) => {
        this.#stop(live, this.#now(), "startFailed");
        throw e;
      },
    );
    // A warm start nobody waits for must not be an unhandled rejection.
    live.ready.catch(() => {});
    return live;
  }

  #seat(live: Live, start: Seat["start"], nowMs: number): Seat {
    this.#transition(live, () => {
      live.record.tasksInFlight++;
      live.record.lastActiveAt = new Date(nowMs).toISOString();
      if (live.record.state === "IDLE") live.record.state = "RUNNING";
    });
    const ready = live.ready.then(() => {
      if (live.record.state === "STARTING")
        this.#transition(live, () => {
          live.record.state = "RUNNING";
        });
    });
    let released = false;
    return {
      instance: live.record,
      get process() {
        return live.process;
      },
      start,
      ready,
      startedAtMs: nowMs,
      release: () => {
        if (released) return;
        released = true;
        const at = this.#now();
        this.#transition(live, () => {
          live.record.tasksInFlight = Math.max(0, live.record.tasksInFlight - 1);
          live.record.tasksServed++;
          live.record.lastActiveAt = new Date(at).toISOString();
          if (live.record.tasksInFlight === 0 && live.record.state === "RUNNING") live.record.state = "IDLE";
        });
        if (live.record.draining && live.record.tasksInFlight === 0) this.#stop(live, at, "drained");
      },
    };
  }

  /** Applies the idle timeout and the lifetime that fell due by `nowMs`, each at its own instant. */
  #dueEvents(live: Live, lifecycle: Lifecycle, scaling: Scaling, nowMs: number): void {
    for (;;) {
      const r = live.record;
      if (r.state === "STOPPED") return;
      const lifetimeEnd = Date.parse(r.startedAt) + lifecycle.maxLifetimeSeconds * 1000;
      const keptWarm =
        this.#mine(r.runtimeId).filter(
          (l) => l.record.state !== "STOPPED" && l.record.state !== "PAUSED" && !l.record.draining,
        ).length <= scaling.minInstances;
      const idleEnd =
        r.state === "IDLE" && !(keptWarm && !r.draining)
          ? Date.parse(r.lastActiveAt) + lifecycle.idleTimeoutSeconds * 1000
          : Number.POSITIVE_INFINITY;
      if (r.draining && r.tasksInFlight === 0 && r.state !== "STARTING") {
        this.#stop(live, nowMs, "drained");
        return;
      }
      const next = Math.min(lifetimeEnd, idleEnd);
      if (next > nowMs) return;
      if (next === lifetimeEnd) {
        if (r.tasksInFlight > 0 || r.state === "STARTING") {
          if (!r.draining) this.#transition(live, () => (r.draining = true));
          return;
        }
        this.#stop(live, lifetimeEnd, "maxLifetime");
        return;
      }
      if (lifecycle.onIdle === "stop") {
        this.#stop(live, idleEnd, "idle");
        return;
      }
      this.#closeSpan(live, idleEnd, () => {
        r.state = "PAUSED";
        r.pausedAt = new Date(idleEnd).toISOString();
      });
    }
  }

  /** A change of the record, written at once. */
  #transition(live: Live, change: () => void): void {
    change();
    if (!this.#store.hasInstance(live.record.id)) return;
    tx(this.#service.db, () => this.#store.putInstance(live.account, live.record));
  }

  /** Closes the open billed span at `atMs` (metered in the same transaction as the change). */
  #closeSpan(live: Live, atMs: number, change: () => void): void {
    const since = live.record.billingSince;
    live.record.billingSince = null;
    const seconds = since === null ? 0 : Math.max(0, atMs - Date.parse(since)) / 1000;
    live.record.billedSeconds = round3(live.record.billedSeconds + seconds);
    change();
    // Gone from the store (an emulator reset): nothing to record.
    if (!this.#store.hasInstance(live.record.id)) return;
    tx(this.#service.db, () => {
      if (seconds > 0) {
        const perHour =
          live.sandbox.cpu * sandboxPricing.perVcpuHour +
          (live.sandbox.memoryMiB / 1024) * sandboxPricing.perGiBHour;
        this.#service.inference.usage.recordSandbox({
          account: live.account,
          runtimeId: live.record.runtimeId,
          instanceId: live.record.id,
          atMs,
          seconds,
          costUsd: (seconds / 3600) * perHour,
        });
      }
      this.#store.putInstance(live.account, live.record);
    });
  }

  #stop(live: Live, atMs: number, reason: NonNullable<SandboxInstance["stopReason"]>): void {
    if (live.record.state === "STOPPED") return;
    this.#closeSpan(live, atMs, () => {
      live.record.state = "STOPPED";
      live.record.stoppedAt = new Date(atMs).toISOString();
      live.record.stopReason = reason;
      live.record.draining = false;
    });
    this.#live.delete(live.record.id);
    live.process?.stop();
    rmSync(live.scratchDir, { recursive: true, force: true });
  }

  /** The process ended on its own (its tasks have failed saying why). */
  #crashed(live: Live): void {
    this.#stop(live, this.#now(), "crashed");
  }

  /** Once a second: every runtime with live instances or minInstances, up to the clock. */
  #sweep(): void {
    try {
      const runtimes = new Map<string, { account: string; runtime: StoredResource | null }>();
      for (const r of this.#service.repo.runtimesKeptWarm())
        runtimes.set(r.id, { account: r.account, runtime: r });
      for (const live of this.#live.values()) {
        const id = live.record.runtimeId;
        if (!runtimes.has(id))
          runtimes.set(id, {
            account: live.account,
            runtime: this.#service.repo.getResource(live.account, "AgentRuntime", id),
          });
      }
      for (const [id, { account, runtime }] of runtimes) this.reconcile(account, runtime, id);
    } catch {
      // The database closed under the timer (the emulator is closing): stop sweeping.
      this.close();
    }
  }

  /**
   * After a restart: instances the last process left running stopped with it (billed until their
   * last activity, or their idle deadline if sooner passed), and its running tasks failed.
   */
  #recoverFromRestart(): void {
    const nowMs = this.#now();
    const left = this.#store.liveInstances();
    const running = this.#store.running();
    if (left.length === 0 && running.length === 0) return;
    tx(this.#service.db, () => {
      for (const { account, instance } of left) {
        const since = instance.billingSince ? Date.parse(instance.billingSince) : nowMs;
        const endMs = Math.max(since, Math.min(nowMs, Date.parse(instance.lastActiveAt)));
        const live: Live = {
          account,
          record: instance,
          config: "",
          sandbox: this.#sandboxOf(account, instance.runtimeId),
          process: null,
          ready: Promise.resolve(),
          scratchDir: join(sandboxesDir, instance.runtimeId, instance.id),
        };
        this.#stop(live, endMs, "emulatorRestarted");
      }
      const at = new Date(nowMs).toISOString();
      for (const { account, task } of running)
        this.#store.put(
          account,
          {
            ...task,
            status: "FAILED",
            error: { code: "EmulatorRestarted", message: "the emulator stopped while the task ran" },
            finishedAt: at,
          },
          Date.parse(task.createdAt),
        );
    });
  }

  #sandboxOf(account: string, runtimeId: string): Sandbox {
    const runtime = this.#service.repo.getResource(account, "AgentRuntime", runtimeId);
    return (
      (runtime?.body.sandbox as Sandbox | undefined) ?? { cpu: 1, memoryMiB: 2048, isolation: "microvm" }
    );
  }
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** A `file://` code artifact's folder (checked by the caller). */
const codeDirOf = (code: Code) => fileURLToPath(code.uri);

/** A code artifact's instance process: Node's or Python's, by its runtime. */
function startProcess(code: Code, scratchDir: string, runtime: StoredResource): Promise<SandboxProcess> {
  const env = { ...(runtime.body.env as Record<string, string> | undefined), ...runtime.secret };
  return code.runtime.startsWith("python")
    ? PythonSandbox.start(code.runtime, codeDirOf(code), code.entrypoint, scratchDir, env)
    : CodeSandbox.start(codeDirOf(code), code.entrypoint, scratchDir, env);
}
