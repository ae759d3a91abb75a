/**
 * The commands of `agentcloud`, derived from the MCP tools (mcp/tools.ts), which are derived from
 * the route table (http/routes.ts): one command per /v1 operation, nothing here names a route.
 *
 * - The group is the path's first segment after /v1 (`chip-clusters`, `catalog`, `quotas`).
 * - The verb is the path's fixed segments after it (`catalog chips`, `model-endpoints usage`,
 *   `idempotency-keys release`), or, when there are none, the operationId's leading verb
 *   (`createChipCluster`: `create`; `listChipClusters`: `list`; `getOperation`: `get`).
 * - A group with a single command runs without its verb (`agentcloud quotas`, `agentcloud usage`).
 * - Path parameters are positional, in path order; query fields, header arguments (`--dry-run`,
 *   `--wait`, `--idempotency-key`, `--if-match`) and body fields are flags, by their field name or
 *   its kebab-case.
 */
import { z } from "zod";
import type { ToolSpec } from "../mock-cloud/mcp/tools.ts";
import { toolSpecs } from "../mock-cloud/mcp/tools.ts";

/** Where a flag's value goes in the request. */
type Place = "query" | "header" | "body";

interface CliFlag {
  /** The tool argument it sets. */
  field: string;
  place: Place;
  schema: z.ZodType;
  /** Its spellings, without the dashes: the field's name, and its kebab-case when that differs. */
  names: string[];
}

export interface CliCommand {
  group: string;
  verb: string;
  /** The group has no other command: `agentcloud <group>` runs this one. */
  alone: boolean;
  tool: ToolSpec;
  /** Path parameters, in path order. */
  positionals: string[];
  flags: CliFlag[];
  /** The route takes a JSON body (`-f file.json`). */
  body: boolean;
}

/** Flags of every command; a route field of the same name is reachable through `-f` only. */
export const globalFlags = {
  endpoint: { short: undefined, value: "<url>", help: "the API's base URL (or AGENTCLOUD_ENDPOINT)" },
  token: {
    short: undefined,
    value: "<token>",
    help: "an account token (or AGENTCLOUD_TOKEN: a flag shows in the process list); never printed",
  },
  output: { short: "o", value: "table|json", help: "human tables (default), or one JSON envelope on stdout" },
  file: {
    short: "f",
    value: "<file.json>|-",
    help: "the request body as JSON, from a file or stdin (-); field flags override its fields",
  },
  help: { short: "h", value: undefined, help: "this text; after a command, the command's" },
} as const;
export type GlobalFlag = keyof typeof globalFlags;

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const verbFromMethod: Record<string, (item: boolean) => string> = {
  get: (item) => (item ? "get" : "list"),
  post: () => "create",
  put: () => "replace",
  patch: () => "update",
  delete: () => "delete",
};

/** The group and verb of a /v1 route, from its path and operationId. */
export function commandName(tool: ToolSpec): { group: string; verb: string } {
  const [, group = "", ...rest] = tool.route.path.split("/").filter(Boolean);
  const fixed = rest.filter((s) => !s.startsWith("{"));
  if (fixed.length) return { group, verb: fixed.join("-") };
  const leading = /^[a-z]+/.exec(tool.route.operationId)?.[0];
  const item = rest.length > 0 && rest[rest.length - 1]?.startsWith("{") === true;
  return { group, verb: leading ?? verbFromMethod[tool.route.method]?.(item) ?? tool.route.method };
}

function flagsOf(tool: ToolSpec, positionals: string[]): CliFlag[] {
  const { route } = tool;
  const query = new Set(Object.keys(route.query?.shape ?? {}));
  const bodyShape = route.body?.schema instanceof z.ZodObject ? route.body.schema.shape : undefined;
  const body = new Set(bodyShape ? Object.keys(bodyShape) : route.body ? ["body"] : []);
  return Object.entries(tool.input.shape)
    .filter(([field]) => !positionals.includes(field))
    .map(([field, schema]) => ({
      field,
      place: query.has(field) ? "query" : body.has(field) ? "body" : "header",
      schema: schema as z.ZodType,
      names: [...new Set([field, kebab(field)])],
    }));
}

/**
 * Every command, in the table's order. Two routes that would share a name (none do; a test checks)
 * do not hide one another: the later one is named by its whole operationId, in kebab-case.
 */
export function cliCommands(): CliCommand[] {
  const tools = toolSpecs().filter((t) => t.route.path.startsWith("/v1/"));
  const taken = new Set<string>();
  const named = tools.map((tool) => {
    let { group, verb } = commandName(tool);
    if (taken.has(`${group} ${verb}`)) verb = kebab(tool.route.operationId);
    taken.add(`${group} ${verb}`);
    const positionals = [...tool.route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    return { group, verb, tool, positionals, flags: flagsOf(tool, positionals), body: !!tool.route.body };
  });
  return named.map((c) => ({ ...c, alone: named.filter((o) => o.group === c.group).length === 1 }));
}

/**
 * How a command is typed: `agentcloud chip-clusters get <id>`, `agentcloud quotas`. A group's only
 * command is shown without its verb when it takes no argument (it may be left out either way).
 */
export function commandLine(c: CliCommand): string {
  const verb = c.alone && c.positionals.length === 0 ? [] : [c.verb];
  return ["agentcloud", c.group, ...verb, ...c.positionals.map((p) => `<${p}>`)].join(" ");
}
