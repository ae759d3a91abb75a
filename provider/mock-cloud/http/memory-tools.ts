/**
 * An agent runtime's memory as tools, declared once: what an `mcp` runtime's own MCP server offers
 * (runtime-mcp.ts) and what a builtin `memory` skill offers an agent (skill-tools.ts). Each tool is
 * a request of `{invokeUrl}/memory` with the caller's token, so the memory's own checks apply.
 */
import { z } from "zod";
import {
  MemoryEntry,
  MemoryKey,
  MemoryNamespace,
  MemorySearchResults,
  maxMemoryResults,
} from "../../api/memory.ts";

export interface MemoryTool {
  name: "memory_get" | "memory_put" | "memory_search";
  /** Its title and description, for the agent named. */
  title(agent: string): string;
  description(agent: string): string;
  input: z.ZodObject;
  output: z.ZodType;
  readOnly: boolean;
  /** The request under the invokeUrl (a path relative to it), or why the arguments are refused. */
  request(
    args: Record<string, unknown>,
  ): { method: string; path: string; body?: unknown } | { refused: string };
}

const entry = (args: Record<string, unknown>) =>
  `memory/${encodeURIComponent(String(args.namespace))}/${encodeURIComponent(String(args.key))}`;

export const memoryTools: readonly MemoryTool[] = [
  {
    name: "memory_get",
    title: (agent) => `Read ${agent}'s memory`,
    description: (agent) =>
      `Read an entry of the agent ${agent}'s cross-task memory (NotFound when never written, deleted or past retention).`,
    input: z.strictObject({ namespace: MemoryNamespace, key: MemoryKey }),
    output: MemoryEntry,
    readOnly: true,
    request: (args) => ({ method: "GET", path: entry(args) }),
  },
  {
    name: "memory_put",
    title: (agent) => `Write ${agent}'s memory`,
    description: (agent) =>
      `Write an entry of the agent ${agent}'s cross-task memory (replacing the entry under the same key): any JSON value, and an optional text that the search reads; it lasts the runtime's memory.retentionDays from this write.`,
    input: z.strictObject({
      namespace: MemoryNamespace,
      key: MemoryKey,
      value: z.unknown().describe("any JSON value (null too)"),
      text: z.string().optional().describe("the entry's document: what memory_search reads"),
    }),
    output: MemoryEntry,
    readOnly: false,
    request: (args) =>
      args.value === undefined
        ? { refused: "value: required (any JSON value, null too)" }
        : {
            method: "PUT",
            path: entry(args),
            body: { value: args.value, ...(args.text === undefined ? {} : { text: args.text }) },
          },
  },
  {
    name: "memory_search",
    title: (agent) => `Search ${agent}'s memory`,
    description: (agent) =>
      `Keyword search of the agent ${agent}'s cross-task memory: the entries whose text (or string value) holds every word of q, case-insensitive, the most occurrences first; at most ${maxMemoryResults}.`,
    input: z.strictObject({
      q: z.string().min(1).max(1024).describe("the words every entry found holds"),
      namespace: MemoryNamespace.optional().describe("only entries of this namespace"),
      limit: z
        .number()
        .int()
        .min(1)
        .max(maxMemoryResults)
        .optional()
        .describe(`results, 1–${maxMemoryResults} (default ${maxMemoryResults})`),
    }),
    output: MemorySearchResults,
    readOnly: true,
    request: (args) => {
      const query = new URLSearchParams({ q: String(args.q) });
      if (args.namespace !== undefined) query.set("namespace", String(args.namespace));
      if (args.limit !== undefined) query.set("limit", String(args.limit));
      return { method: "GET", path: `memory?${query}` };
    },
  },
];
