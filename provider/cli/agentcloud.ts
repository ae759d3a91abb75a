#!/usr/bin/env node
/**
 * `agentcloud`: the AgentCloud API (/v1) from the command line, one command per route of the
 * emulator's table (commands.ts derives them; `agentcloud --help` lists them).
 *
 *   agentcloud chip-clusters create --name train --region cn-hangzhou --chip-type zhenwu-m890 \
 *     --chips-per-hyper-node 8 --hyper-node-count 1 --wait
 *   agentcloud chip-clusters list -o json
 *   agentcloud model-endpoints create -f endpoint.json --dry-run
 *
 * --endpoint / --token, or AGENTCLOUD_ENDPOINT / AGENTCLOUD_TOKEN. The token is never printed: every
 * line this program writes has it removed. Exit codes: exit-codes.ts (and --help).
 */
import { readFileSync } from "node:fs";
import { AgentCloudError, isAgentCloudError, redact } from "../client/errors.ts";
import { Transport } from "../client/transport.ts";
import { requestOf } from "../mock-cloud/mcp/tools.ts";
import { type OutputFormat, parseLine, prescan } from "./args.ts";
import { type CliCommand, cliCommands } from "./commands.ts";
import { exitCodeOf, retryableExit } from "./exit-codes.ts";
import { commandHelp, groupHelp, mainHelp } from "./help.ts";
import { type CliErrorBody, errorEnvelope, errorText, human, okEnvelope } from "./render.ts";
import { deepMerge, isPlainObject, UsageError } from "./values.ts";

/** How long one command waits for its answer. */
const timeoutMs = 60_000;

interface Outcome {
  exit: number;
  stdout: string;
  stderr: string;
}

/** The body of the request: `-f`'s JSON (a file, or stdin), with the field flags over it. */
function bodyOf(command: CliCommand, file: string | undefined, fromFlags: unknown): unknown {
  if (file === undefined) return fromFlags;
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    throw new UsageError(
      `-f: cannot read ${file === "-" ? "stdin" : file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`-f: ${file === "-" ? "stdin" : file} is not JSON`);
  }
  const objectBody = command.flags.some((f) => f.place === "body" && f.field !== "body");
  if (!objectBody) return fromFlags ?? parsed;
  if (!isPlainObject(parsed))
    throw new UsageError(`-f: the body of ${command.group} ${command.verb} is a JSON object`);
  return deepMerge(parsed, fromFlags ?? {});
}

function errorBody(e: unknown): { body: CliErrorBody; exit: number } {
  if (e instanceof UsageError) {
    return {
      body: { code: "UsageError", message: e.message, requestId: null, details: {}, retryable: false },
      exit: 2,
    };
  }
  // Anything else is this program's own failure: exit 1, not a retryable InternalError of the cloud.
  const err = isAgentCloudError(e)
    ? e
    : new AgentCloudError({ code: "CliError", message: e instanceof Error ? e.message : String(e) });
  // The transport's network failures that are not in its retryable list carry no status: no answer.
  const code = err.code === "UnexpectedResponse" && err.status === null ? "ConnectionFailed" : err.code;
  const exit = isAgentCloudError(e) ? exitCodeOf(code, err.status) : 1;
  return {
    body: {
      code,
      message: err.message,
      requestId: err.requestId,
      details: err.details ?? {},
      retryable: exit === retryableExit,
    },
    exit,
  };
}

async function run(argv: string[], env: NodeJS.ProcessEnv, output: OutputFormat): Promise<Outcome> {
  const commands = cliCommands();
  const line = parseLine(argv, commands);
  if (line.globals.help) {
    const mine = commands.filter((c) => c.group === line.group);
    const command = line.command ?? (mine.length === 1 ? mine[0] : undefined);
    const text = command
      ? commandHelp(command)
      : line.group
        ? groupHelp(line.group, commands)
        : mainHelp(commands);
    return { exit: 0, stdout: output === "json" ? okEnvelope({ help: text }) : text, stderr: "" };
  }
  const command = line.command as CliCommand;
  const endpoint = line.globals.endpoint ?? env.AGENTCLOUD_ENDPOINT;
  const token = line.globals.token ?? env.AGENTCLOUD_TOKEN;
  if (!endpoint) throw new UsageError("no endpoint: --endpoint <url> or AGENTCLOUD_ENDPOINT");
  if (!/^https?:\/\/[^/]/.test(endpoint)) throw new UsageError("--endpoint is an http(s) URL");
  if (!token) throw new UsageError("no token: --token <token> or AGENTCLOUD_TOKEN");
  const request = requestOf(command.tool, line.args);
  const body = command.body ? bodyOf(command, line.globals.file, request.body) : undefined;

  const transport = new Transport({ endpoint, token, maxRetries: 0, attemptTimeoutMs: timeoutMs });
  try {
    const answer = await transport.call(request.method, request.path, {
      headers: request.headers,
      deadline: Date.now() + timeoutMs,
      ...(body === undefined ? {} : { body }),
    });
    const data = answer.body;
    return {
      exit: 0,
      stdout: output === "json" ? okEnvelope(data) : `${human(data, command.tool.route.kind)}\n`,
      stderr: "",
    };
  } finally {
    await transport.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { output, tokens } = prescan(argv);
  const secrets = [...tokens, process.env.AGENTCLOUD_TOKEN];
  let outcome: Outcome;
  try {
    outcome = await run(argv, process.env, output);
  } catch (e) {
    const { body, exit } = errorBody(e);
    const usage =
      body.code === "UsageError"
        ? "usage: agentcloud <command> [<arguments>] [flags]; agentcloud --help\n"
        : "";
    outcome =
      output === "json"
        ? { exit, stdout: errorEnvelope(body), stderr: "" }
        : { exit, stdout: "", stderr: `${errorText(body)}${usage}` };
  }
  // The token never leaves the process: not in an answer, an error, or a message about a flag.
  if (outcome.stdout) process.stdout.write(redact(outcome.stdout, secrets));
  if (outcome.stderr) process.stderr.write(redact(outcome.stderr, secrets));
  return outcome.exit;
}

process.exitCode = await main(process.argv.slice(2));
