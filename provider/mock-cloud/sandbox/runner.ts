/**
 * Runs a `code` artifact's entrypoint for one task, in a child process under Node's permission
 * model: it may read its own code folder (and the harness), write its scratch folder, and start
 * no process or worker. Its models are reached through the IPC channel (harness.ts), not the
 * network. What Node 24's permission model does not cover, it does not stop: it is a seat belt
 * against an agent's accidents, not a boundary against malicious code (README says so).
 */
import { fork } from "node:child_process";
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

export type ChatAnswer = { status: number; body: unknown; routedTo: string | null; hops: string };

export interface CodeRun {
  /** The code folder (a `file://` artifact's path). */
  codeDir: string;
  /** The entrypoint, relative to the code folder. */
  entrypoint: string;
  input: string;
  /** A folder the agent may write. */
  scratchDir: string;
  /** Wall-clock limit of the task. */
  timeoutMs: number;
  chat(request: Record<string, unknown>): Promise<ChatAnswer>;
}

export type CodeResult =
  | { ok: true; output: unknown; lastChat: ChatAnswer | null }
  | { ok: false; code: string; message: string };

export function runCode(run: CodeRun): Promise<CodeResult> {
  const harness = harnessFile();
  mkdirSync(run.scratchDir, { recursive: true });
  const entry = pathToFileURL(`${run.codeDir.replace(/\/$/, "")}/${run.entrypoint}`).href;
  const child = fork(harness, [], {
    execArgv: [
      "--permission",
      `--allow-fs-read=${run.codeDir}`,
      `--allow-fs-read=${harness}`,
      `--allow-fs-write=${run.scratchDir}`,
      "--disable-warning=ExperimentalWarning",
    ],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    cwd: run.scratchDir,
    env: { NODE_ENV: "production" },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  let lastChat: ChatAnswer | null = null;
  return new Promise<CodeResult>((resolve) => {
    let settled = false;
    const done = (r: CodeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        done({
          ok: false,
          code: "TaskTimeout",
          message: `the agent did not answer within ${run.timeoutMs} ms`,
        }),
      run.timeoutMs,
    );
    child.on(
      "message",
      (m: {
        type: string;
        id?: number;
        request?: Record<string, unknown>;
        output?: unknown;
        code?: string;
        message?: string;
      }) => {
        if (m.type === "ready") child.send({ type: "run", entry, input: run.input, scratch: run.scratchDir });
        else if (m.type === "chat" && m.request && m.id !== undefined) {
          const id = m.id;
          run
            .chat(m.request)
            .then((answer) => {
              lastChat = answer;
              if (child.connected) child.send({ type: "chat-result", id, ...answer });
            })
            .catch((e: unknown) => done({ ok: false, code: "InternalError", message: String(e) }));
        } else if (m.type === "done") done({ ok: true, output: m.output, lastChat });
        else if (m.type === "error")
          done({ ok: false, code: m.code ?? "AgentError", message: m.message ?? "the agent failed" });
      },
    );
    child.on("exit", (code, signal) =>
      done({
        ok: false,
        code: "AgentExited",
        message: `the agent's process ended (${signal ?? `exit ${code}`}) without an answer${stderr ? `: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}`,
      }),
    );
    child.on("error", (e) => done({ ok: false, code: "AgentExited", message: e.message }));
  });
}
