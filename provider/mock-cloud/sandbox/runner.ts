/**
 * A `code` artifact's sandbox instance: one child process under Node's permission model, started at
 * the instance's cold start and alive until it stops (instances.ts). It may read its own code folder
 * (and the harness), read and write the instance's scratch folder, and start no process or worker; it reaches
 * the runtime's surfaces (models, memory, channels) through the IPC channel (harness.ts), not the
 * network. A pause stops the process (SIGSTOP) and a resume continues it (SIGCONT): a paused
 * instance keeps its memory and scratch files. What Node 24's permission model does not cover, it
 * does not stop: it is a seat belt against an agent's accidents, not a boundary against malicious
 * code (README says so).
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The harness the child runs: the sources' (type stripping) or its compiled copy beside this file. */
function harnessFile(): string {
  for (const name of ["harness.ts", "harness.js"]) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error("the sandbox harness (sandbox/harness.ts) is missing");
}

/** What a request of the agent under its invokeUrl answered (routedTo and hops: the model gateway's). */
type CallAnswer = { status: number; body: unknown; routedTo: string | null; hops: string };

/** A request of the agent's code to `{invokeUrl}/{path}`, for one task. */
export type AgentCall = (request: { method: string; path: string; body?: unknown }) => Promise<CallAnswer>;

export type CodeResult =
  | { ok: true; output: unknown; lastChat: CallAnswer | null }
  | { ok: false; code: string; message: string };

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

export class CodeSandbox {
  readonly #child: ChildProcess;
  readonly #scratchDir: string;
  readonly #tasks = new Map<string, Running>();
  #stderr = "";
  #exited: string | null = null;
  #onExit: ((why: string) => void) | null = null;

  private constructor(child: ChildProcess, scratchDir: string) {
    this.#child = child;
    this.#scratchDir = scratchDir;
    child.stderr?.on("data", (d: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += d.toString();
    });
    child.on("message", (m: ChildMessage) => this.#message(m));
    const ended = (why: string) => {
      if (this.#exited) return;
      this.#exited = why;
      const detail = this.#stderr ? `: ${this.#stderr.trim().split("\n").slice(-3).join(" | ")}` : "";
      for (const t of this.#tasks.values())
        t.settle({ ok: false, code: "AgentExited", message: `the agent's process ended (${why})${detail}` });
      this.#tasks.clear();
      this.#onExit?.(why);
    };
    child.on("exit", (code, signal) => ended(signal ?? `exit ${code}`));
    child.on("error", (e) => ended(e.message));
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
    const harness = harnessFile();
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
    const sandbox = new CodeSandbox(child, scratchDir);
    return new Promise((resolve, reject) => {
      const fail = (code: string, message: string) => {
        sandbox.stop();
        reject(Object.assign(new Error(message), { code }));
      };
      sandbox.#onExit = (why) =>
        fail("AgentExited", `the agent's process ended (${why}) before it was ready${sandbox.#stderrTail()}`);
      child.on("message", (m: ChildMessage) => {
        if (m.type === "ready") child.send({ type: "load", entry });
        else if (m.type === "loaded") {
          sandbox.#onExit = null;
          resolve(sandbox);
        } else if (m.type === "load-error")
          fail(m.code ?? "AgentError", m.message ?? "the entrypoint did not load");
      });
    });
  }

  get scratchDir(): string {
    return this.#scratchDir;
  }

  /** Called once when the process ends on its own (a crash, an exit, a kill from outside). */
  onExit(callback: (why: string) => void): void {
    this.#onExit = callback;
  }

  /** Runs one task on this instance; it fails when it does not answer within `timeoutMs`. */
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
      this.#child.send({ type: "run", taskId, input, scratch: this.#scratchDir });
    });
  }

  /** Stops the process where it is (SIGSTOP): its memory and files stay. */
  pause(): void {
    if (!this.#exited) this.#child.kill("SIGSTOP");
  }

  /** Continues a paused process (SIGCONT). */
  resume(): void {
    if (!this.#exited) this.#child.kill("SIGCONT");
  }

  /** Ends the process (its tasks fail); the caller removes the scratch folder. */
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
          if (this.#child.connected) this.#child.send({ type: "call-result", id, ...answer });
        })
        .catch((e: unknown) => task.settle({ ok: false, code: "InternalError", message: String(e) }));
    } else if (m.type === "done" && task)
      task.settle({ ok: true, output: m.output, lastChat: task.lastChat });
    else if (m.type === "error" && task)
      task.settle({ ok: false, code: m.code ?? "AgentError", message: m.message ?? "the agent failed" });
  }
}
