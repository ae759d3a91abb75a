/**
 * The command line of `agentcloud`: global flags anywhere, then the command's words (group, verb),
 * its positional path parameters and its flags. Everything here is checked before any request; a
 * refusal is a UsageError (exit 2).
 */
import { type CliCommand, type GlobalFlag, globalFlags } from "./commands.ts";
import { deepMerge, isPlainObject, kindOf, parseValue, resolvePath, setPath, UsageError } from "./values.ts";

export type OutputFormat = "table" | "json";

interface Globals {
  endpoint?: string;
  token?: string;
  output: OutputFormat;
  file?: string;
  help: boolean;
}

export interface ParsedLine {
  globals: Globals;
  /** The group named, when one was (for its help). */
  group?: string;
  command?: CliCommand;
  /** The tool's arguments: path parameters, query fields, header arguments and body fields. */
  args: Record<string, unknown>;
}

const shortFlags = new Map<string, GlobalFlag>(
  Object.entries(globalFlags).flatMap(([name, f]) => (f.short ? [[f.short, name as GlobalFlag]] : [])),
);

/** Splits `--name=value` / `-o` into the flag's name and its inline value. */
function flagToken(token: string): { name: string; inline: string | undefined; short: boolean } {
  if (token.startsWith("--")) {
    const eq = token.indexOf("=");
    return eq < 0
      ? { name: token.slice(2), inline: undefined, short: false }
      : { name: token.slice(2, eq), inline: token.slice(eq + 1), short: false };
  }
  return { name: token.slice(1), inline: undefined, short: true };
}

/**
 * What the output format and the token are, read before anything else so that a usage error is
 * rendered as asked and never shows the token. Never throws.
 */
export function prescan(argv: readonly string[]): { output: OutputFormat; tokens: string[] } {
  let output: OutputFormat = "table";
  const tokens: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i] as string;
    if (t === "--") break;
    const { name, inline, short } = t.startsWith("-")
      ? flagToken(t)
      : { name: "", inline: undefined, short: false };
    const global = short ? shortFlags.get(name) : name;
    if (global === "output" || global === "token") {
      const value = inline ?? argv[i + 1];
      if (global === "output" && value === "json") output = "json";
      if (global === "token" && value) tokens.push(value);
    }
  }
  return { output, tokens };
}

/** Reads the command line against the commands. */
export function parseLine(argv: readonly string[], commands: readonly CliCommand[]): ParsedLine {
  const globals: Globals = { output: "table", help: false };
  const seen = new Set<string>();
  const given = new Set<string>();
  const args: Record<string, unknown> = {};
  const positionals: string[] = [];
  let group: string | undefined;
  let command: CliCommand | undefined;
  let rest = false;

  const groupCommands = () => commands.filter((c) => c.group === group);
  /** The command when a flag comes before a verb: the group's only command. */
  const implied = (what: string): CliCommand => {
    if (command) return command;
    const only = groupCommands();
    if (group && only.length === 1 && only[0]) return only[0];
    throw new UsageError(
      group
        ? `${what}: name the command first (agentcloud ${group} ${only.map((c) => c.verb).join("|")})`
        : `${what}: name a command first (agentcloud --help lists them)`,
    );
  };
  const word = (w: string) => {
    if (!group) {
      if (!commands.some((c) => c.group === w))
        throw new UsageError(`unknown command ${JSON.stringify(w)} (agentcloud --help lists them)`);
      group = w;
      return;
    }
    if (!command) {
      const named = groupCommands().find((c) => c.verb === w);
      if (named) {
        command = named;
        return;
      }
      command = implied(`unknown command "${group} ${w}"`);
    }
    positionals.push(w);
  };

  for (let i = 0; i < argv.length; i++) {
    const t = argv[i] as string;
    if (rest || t === "-" || !t.startsWith("-")) {
      word(t);
      continue;
    }
    if (t === "--") {
      rest = true;
      continue;
    }
    const { name, inline, short } = flagToken(t);
    const global: GlobalFlag | undefined = short
      ? shortFlags.get(name)
      : Object.hasOwn(globalFlags, name)
        ? (name as GlobalFlag)
        : undefined;
    if (short && !global) throw new UsageError(`unknown flag ${t}`);
    if (global) {
      if (global === "help") {
        globals.help = true;
        continue;
      }
      if (seen.has(global)) throw new UsageError(`--${global} is given twice`);
      seen.add(global);
      const value = inline ?? argv[++i];
      if (value === undefined)
        throw new UsageError(`--${global} needs a value: ${globalFlags[global].value}`);
      if (global === "output") {
        if (value !== "table" && value !== "json")
          throw new UsageError(`--output takes table or json, not ${JSON.stringify(value)}`);
        globals.output = value;
      } else globals[global] = value;
      continue;
    }
    // A flag of the command.
    const cmd = implied(`--${name}`);
    command = cmd;
    const [head = "", ...path] = name.split(".");
    const flag = cmd.flags.find((f) => f.names.includes(head));
    if (!flag) throw new UsageError(`unknown flag --${name} for ${cmd.group} ${cmd.verb} (see --help)`);
    const target = path.length ? resolvePath(flag.schema, path) : { schema: flag.schema, keys: [] };
    if (!target) throw new UsageError(`unknown flag --${name}: ${flag.field} has no such field`);
    const keys = [flag.field, ...target.keys];
    const boolean = kindOf(target.schema) === "boolean";
    const raw = inline ?? (boolean ? "true" : argv[++i]);
    if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    const key = keys.join(".");
    const previous = getPath(args, keys);
    if (given.has(key) && kindOf(target.schema) !== "array") throw new UsageError(`--${name} is given twice`);
    given.add(key);
    const value = parseValue(name, raw, target.schema, previous);
    setPath(args, keys, isPlainObject(previous) ? deepMerge(previous, value) : value, name);
  }

  if (globals.help) return { globals, group, command, args };
  if (!group) throw new UsageError("no command (agentcloud --help lists them)");
  if (!command) command = implied(`agentcloud ${group}`);
  const cmd = command;
  if (positionals.length > cmd.positionals.length)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[cmd.positionals.length])}`);
  const missing = cmd.positionals.slice(positionals.length);
  if (missing.length) throw new UsageError(`missing ${missing.map((p) => `<${p}>`).join(" ")}`);
  cmd.positionals.forEach((p, n) => {
    if ((positionals[n] as string) === "") throw new UsageError(`<${p}> is empty`);
    args[p] = positionals[n];
  });
  if (globals.file !== undefined && !cmd.body)
    throw new UsageError(`-f: ${cmd.group} ${cmd.verb} takes no body`);
  return { globals, group, command: cmd, args };
}

function getPath(target: Record<string, unknown>, keys: string[]): unknown {
  let at: unknown = target;
  for (const k of keys)
    at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[k] : undefined;
  return at;
}
