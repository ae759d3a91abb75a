/**
 * A `code` artifact's sandbox instance: one child process, started at the instance's cold start and
 * alive until it stops (instances.ts), that loads the entrypoint once and runs the instance's tasks.
 * Two kinds, one surface (`Sandbox`):
 * - `CodeSandbox` (nodejs22, nodejs24): Node under its permission model (harness.ts). It may read its
 *   own code folder (and the harness), read and write the instance's scratch folder, and start no
 *   process or worker; it reaches the runtime's surfaces (models, memory, channels) through the IPC
 *   channel, not the network.
 * - `PythonSandbox` (python3.12, python3.13): `python3 -I -u harness.py` (sandbox/python.ts finds the
 *   interpreter), with the same messages as JSON lines over its stdin and stdout, and an audit hook
 *   (PEP 578) where Node has its permission model: the same folders, no sockets, no processes.
 * A pause stops the process (SIGSTOP) and a resume continues it (SIGCONT): a paused instance keeps
 * its memory and scratch files. What the permission model or the audit hook does not cover, it does
 * not stop: it is a seat belt against an agent's accidents, not a boundary against malicious code
 * (README says so).
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { findPython } from "./python.ts";

/** A harness the child runs, beside this file: the first of `names` there (sources, or the build's copy). */
function harnessFile(names: string[]): string {
  for (const name of names) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`the sandbox harness (sandbox/${names[0]}) is missing`);
}

/** What a request of the agent under its invokeUrl answered (routedTo and hops: the model gateway's). */
type CallAnswer = { status: number; body: unknown; routedTo: string | null; hops: string };

/** A request of the agent's code to `{invokeUrl}/{path}`, for one task. */
export type AgentCall = (request: { method: string; path: string; body?: unknown }) => Promise<CallAnswer>;

type CodeResult =
  | { ok: true; output: unknown; lastChat: CallAnswer | null }
  | { ok: false; code: string; message: string };

/** A code artifact's instance process, whichever its runtime: what instances.ts drives. */
export interface Sandbox {
  readonly scratchDir: string;
  /** Called once when the process ends on its own (a crash, an exit, a kill from outside). */
  onExit(callback: (why: string) => void): void;
  /** Runs one task on this instance; it fails when it does not answer within `timeoutMs`. */
  run(taskId: string, input: string, call: AgentCall, timeoutMs: number): Promise<CodeResult>;
  /** Stops the process where it is (SIGSTOP): its memory and files stay. */
  pause(): void;
  /** Continues a paused process (SIGCONT). */
  resume(): void;
  /** Ends the process (its tasks fail); the caller removes the scratch folder. */
  stop(): void;
}

type ChildMessage = {
  type: string;
  id?: number;
  taskId?: string;
  method?: string;
  path?: string;
  body?: unknown;
  output?: unknown;
  code?: string;
  message?: string;
};

interface Running {
  settle(r: CodeResult): void;
  call: AgentCall;
  lastChat: CallAnswer | null;
}

/** The process, its tasks and the harness's messages (ready, load, run, call…): the transport aside. */
abstract class ChildSandbox implements Sandbox {
  readonly #child: ChildProcess;
  readonly #scratchDir: string;
  readonly #tasks = new Map<string, Running>();
  #stderr = "";
  #exited: string | null = null;
  #onExit: ((why: string) => void) | null = null;
  /** While the entrypoint loads: what the harness's start messages do. */
  #starting: ((m: ChildMessage) => void) | null = null;

  protected constructor(child: ChildProcess, scratchDir: string) {
    this.#child = child;
    this.#scratchDir = scratchDir;
    child.stderr?.on("data", (d: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += d.toString();
    });
    const ended = (why: string) => {
      if (this.#exited) return;
      this.#exited = why;
      const detail = this.#stderrTail();
      for (const t of this.#tasks.values())
        t.settle({ ok: false, code: "AgentExited", message: `the agent's process ended (${why})${detail}` });
      this.#tasks.clear();
      this.#onExit?.(why);
    };
    child.on("exit", (code, signal) => ended(signal ?? `exit ${code}`));
    child.on("error", (e) => ended(e.message));
  }

  /** Sends one message to the harness (nothing once the process is gone). */
  protected abstract send(m: Record<string, unknown>): void;

  /** One message of the harness. */
  protected receive(m: ChildMessage): void {
    this.#starting?.(m);
    this.#message(m);
  }

  /**
   * Loads the entrypoint once the harness is ready: resolves once it is ready for tasks, or rejects
   * with the reason it cannot run (a missing entrypoint, no handler, a throw at load, an exit).
   */
  protected load(entry: string): Promise<this> {
    return new Promise((resolve, reject) => {
      const fail = (code: string, message: string) => {
        this.#starting = null;
        this.stop();
        reject(Object.assign(new Error(message), { code }));
      };
      this.#onExit = (why) =>
        fail("AgentExited", `the agent's process ended (${why}) before it was ready${this.#stderrTail()}`);
      this.#starting = (m) => {
        if (m.type === "ready") this.send({ type: "load", entry });
        else if (m.type === "loaded") {
          this.#starting = null;
          this.#onExit = null;
          resolve(this);
        } else if (m.type === "load-error")
          fail(m.code ?? "AgentError", m.message ?? "the entrypoint did not load");
      };
    });
  }

  get scratchDir(): string {
    return this.#scratchDir;
  }

  onExit(callback: (why: string) => void): void {
    this.#onExit = callback;
  }

  run(taskId: string, input: string, call: AgentCall, timeoutMs: number): Promise<CodeResult> {
    if (this.#exited)
      return Promise.resolve({
        ok: false,
        code: "AgentExited",
        message: `the agent's process ended (${this.#exited})`,
      });
    return new Promise<CodeResult>((resolve) => {
      const timer = setTimeout(
        () =>
          running.settle({
            ok: false,
            code: "TaskTimeout",
            message: `the agent did not answer within ${timeoutMs} ms`,
          }),
        timeoutMs,
      );
      const running: Running = {
        call,
        lastChat: null,
        settle: (r) => {
          if (!this.#tasks.has(taskId)) return;
          this.#tasks.delete(taskId);
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.#tasks.set(taskId, running);
      this.send({ type: "run", taskId, input, scratch: this.#scratchDir });
    });
  }

  pause(): void {
    if (!this.#exited) this.#child.kill("SIGSTOP");
  }

  resume(): void {
    if (!this.#exited) this.#child.kill("SIGCONT");
  }

  stop(): void {
    this.#onExit = null;
    if (this.#exited) return;
    this.#child.kill("SIGCONT");
    this.#child.kill("SIGKILL");
  }

  #stderrTail(): string {
    return this.#stderr ? `: ${this.#stderr.trim().split("\n").slice(-3).join(" | ")}` : "";
  }

  #message(m: ChildMessage): void {
    const task = m.taskId === undefined ? undefined : this.#tasks.get(m.taskId);
    if (m.type === "call" && task && m.id !== undefined) {
      const id = m.id;
      const chat = m.path === "models/v1/chat/completions";
      task
        .call({ method: m.method ?? "GET", path: m.path ?? "", body: m.body })
        .then((answer) => {
          if (chat) task.lastChat = answer;
          this.send({ type: "call-result", id, ...answer });
        })
        .catch((e: unknown) => task.settle({ ok: false, code: "InternalError", message: String(e) }));
    } else if (m.type === "done" && task)
      task.settle({ ok: true, output: m.output, lastChat: task.lastChat });
    else if (m.type === "error" && task)
      task.settle({ ok: false, code: m.code ?? "AgentError", message: m.message ?? "the agent failed" });
  }
}

/** A Node.js code artifact's instance: a fork under Node's permission model, over its IPC channel. */
export class CodeSandbox extends ChildSandbox {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, scratchDir: string) {
    super(child, scratchDir);
    this.#child = child;
    child.on("message", (m: ChildMessage) => this.receive(m));
  }

  /**
   * Forks the instance's process and loads the entrypoint: resolves once it is ready for tasks, or
   * rejects with the reason it cannot run (a missing entrypoint, no default export, a throw at load).
   */
  static start(
    codeDir: string,
    entrypoint: string,
    scratchDir: string,
    env: Record<string, string> = {},
  ): Promise<CodeSandbox> {
    const harness = harnessFile(["harness.ts", "harness.js"]);
    mkdirSync(scratchDir, { recursive: true });
    const entry = pathToFileURL(`${codeDir.replace(/\/$/, "")}/${entrypoint}`).href;
    const child = fork(harness, [], {
      execArgv: [
        "--permission",
        `--allow-fs-read=${codeDir}`,
        `--allow-fs-read=${harness}`,
        `--allow-fs-read=${scratchDir}`,
        `--allow-fs-write=${scratchDir}`,
        "--disable-warning=ExperimentalWarning",
      ],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      cwd: scratchDir,
      env: { NODE_ENV: "production", ...env },
    });
    return new CodeSandbox(child, scratchDir).load(entry);
  }

  protected send(m: Record<string, unknown>): void {
    if (this.#child.connected) this.#child.send(m);
  }
}

/**
 * A Python code artifact's instance: `python -I -u harness.py <code> <scratch>` (isolated: no
 * PYTHON* variables, no user site-packages), its messages as JSON lines over stdin and stdout.
 */
export class PythonSandbox extends ChildSandbox {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, scratchDir: string) {
    super(child, scratchDir);
    this.#child = child;
    // A write after the process ended fails on its own: the exit says why.
    child.stdin?.on("error", () => {});
    if (child.stdout)
      createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
        let m: ChildMessage;
        try {
          m = JSON.parse(line) as ChildMessage;
        } catch {
          return;
        }
        this.receive(m);
      });
  }

  /**
   * Starts the interpreter `runtime` runs with (sandbox/python.ts) and loads the entrypoint, a file
   * with a `handle(input, context)` function: resolves once it is ready for tasks, or rejects with
   * the reason it cannot run (no interpreter, a missing entrypoint, no handle, a raise at load).
   */
  static start(
    runtime: string,
    codeDir: string,
    entrypoint: string,
    scratchDir: string,
    env: Record<string, string> = {},
  ): Promise<PythonSandbox> {
    const found = findPython(runtime);
    if ("missing" in found)
      return Promise.reject(Object.assign(new Error(found.missing), { code: "ArtifactNotRunnable" }));
    const harness = harnessFile(["harness.py"]);
    mkdirSync(scratchDir, { recursive: true });
    const child = spawn(found.python.executable, ["-I", "-u", harness, codeDir, scratchDir], {
      stdio: ["pipe", "pipe", "pipe"],
      cwd: scratchDir,
      env: { ...env },
    });
    return new PythonSandbox(child, scratchDir).load(join(codeDir, entrypoint));
  }

  protected send(m: Record<string, unknown>): void {
    const stdin = this.#child.stdin;
    if (stdin?.writable) stdin.write(`${JSON.stringify(m)}\n`);
  }
}
