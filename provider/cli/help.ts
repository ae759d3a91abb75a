/** `agentcloud --help`, a group's and a command's: generated from the commands, like them. */
import { errorMeaning } from "../api/common.ts";
import { type CliCommand, commandLine, globalFlags } from "./commands.ts";
import { exitCodeOf, exitCodesHelp } from "./exit-codes.ts";
import { descriptionOf, valueHint } from "./values.ts";

const pad = (rows: [string, string][]) => {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`.trimEnd()).join("\n");
};

const globalsHelp = () =>
  pad(
    Object.entries(globalFlags).map(([name, f]) => [
      `${f.short ? `-${f.short}, ` : ""}--${name}${f.value ? ` ${f.value}` : ""}`,
      f.help,
    ]),
  );

const fieldsHelp = [
  "flags of a command: its query and body fields, as --<field> <value> or --<field>=<value> (kebab-case",
  "too: --chip-type). Numbers and booleans are read as such (a boolean flag alone is true; --<flag>=false),",
  "objects as JSON, a list flag repeats or takes a JSON array; --<field>.<key> <value> sets a nested field",
  "(--deployment.mode pooled, --tags.team ml). Flags are read by their field's type only: the API checks",
  "its rules (exit 7).",
].join("\n");

/** The top-level help: every command, the global flags, the exit codes. */
export function mainHelp(commands: readonly CliCommand[]): string {
  return [
    "agentcloud: the AgentCloud API (/v1) from the command line; tables for people, JSON for programs",
    "",
    "usage: agentcloud <command> [<arguments>] [flags]",
    "",
    "commands:",
    pad(commands.map((c) => [commandLine(c).slice("agentcloud ".length), firstClause(c.tool.route.summary)])),
    "",
    "global flags (anywhere on the line):",
    globalsHelp(),
    "",
    fieldsHelp,
    "",
    '--output json prints exactly one line on stdout: {"ok":true,"data":<the answer>} or',
    '{"ok":false,"error":{"code","message","requestId","details","retryable"}}; human errors go to stderr.',
    "",
    exitCodesHelp(),
    "",
    "agentcloud <command> --help: the command's arguments, flags and errors",
    "",
  ].join("\n");
}

/** A summary cut to its first clause, and to a line. */
function firstClause(summary: string): string {
  const clause = (summary.split(/[;(]/)[0] ?? summary).trim().replace(/[:,]$/, "");
  return clause.length > 72 ? `${clause.slice(0, 71).trimEnd()}…` : clause;
}

/** A group's help: its commands. */
export function groupHelp(group: string, commands: readonly CliCommand[]): string {
  const mine = commands.filter((c) => c.group === group);
  return [
    `commands of agentcloud ${group}:`,
    pad(mine.map((c) => [commandLine(c), firstClause(c.tool.route.summary)])),
    "",
    "agentcloud <command> --help: the command's arguments, flags and errors",
    "",
  ].join("\n");
}

/** A command's help: its line, summary, request, flags and errors with their exit codes. */
export function commandHelp(c: CliCommand): string {
  const { route } = c.tool;
  const flags: [string, string][] = c.flags.map((f) => {
    const hint = valueHint(f.schema);
    const name = f.names[f.names.length - 1] as string;
    const description = descriptionOf(f.schema) ?? "";
    return [`--${name}${hint ? ` ${hint}` : ""}`, `${f.place}${description ? `: ${description}` : ""}`];
  });
  return [
    `usage: ${commandLine(c)}${c.flags.length ? " [flags]" : ""}${c.body ? " [-f <file.json>|-]" : ""}`,
    "",
    `${route.summary}.`,
    `request: ${route.method.toUpperCase()} ${route.path}`,
    ...(c.flags.length ? ["", "flags:", pad(flags)] : []),
    ...(c.body
      ? ["", "-f <file.json>|-: the whole body as JSON (a file, or stdin); flags override its fields"]
      : []),
    "",
    "errors (exit code):",
    pad(
      [...new Set(route.errors)].map((code) => [`${code} (${exitCodeOf(code, null)})`, errorMeaning[code]]),
    ),
    "",
    "global flags:",
    globalsHelp(),
    "",
  ].join("\n");
}
