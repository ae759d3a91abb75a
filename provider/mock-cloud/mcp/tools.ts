/**
 * The emulator's MCP tools, generated from the route table (http/routes.ts): one tool per /v1
 * operation (the admin plane's only when asked for), named by its operationId, described by its
 * summary and errors, with one input schema (path parameters, query and body merged, from the same
 * zod) and the answer's schema as its output schema. A tool call is the route's HTTP request.
 * Adding a route adds its tool; nothing here names a route.
 */
import { z } from "zod";
import { errorMeaning } from "../../api/common.ts";
import type { RouteSpec } from "../http/route-spec.ts";
import { routeSpecs } from "../http/routes.ts";
import { maxArgumentDepth, nestsDeeperThan, tooDeep } from "./bounds.ts";

/** MCP's tool annotations (hints: the gates in server.ts are the enforcement). */
export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolSpec {
  name: string;
  route: RouteSpec;
  description: string;
  input: z.ZodObject;
  /** The answer's schema, when it is an object (MCP's structuredContent must be one). */
  output: z.ZodObject | null;
  annotations: ToolAnnotations;
  /** Changes the cloud: not registered in read-only mode. */
  write: boolean;
  /** Deletes (a DELETE, or a route marked destructive: reset, restore): acts only with a confirmed plan (server.ts). */
  confirm: boolean;
}

/** Request headers a tool takes as arguments, under these names; a header not listed is not offered. */
const headerArguments: Record<string, { name: string; schema: z.ZodType; value(v: unknown): string } | null> =
  {
    "Idempotency-Key": {
      name: "idempotencyKey",
      schema: z
        .string()
        .min(1)
        .max(256)
        .describe("the same key and arguments again give the same resource (within 24 h)"),
      value: String,
    },
    "If-Match": {
      name: "ifMatch",
      schema: z.string().min(1).describe("the etag last read: the call fails if the resource changed since"),
      // The API wants it quoted, as its ETag header gives it; the body's `etag` is bare.
      value: (v) => (/^(W\/)?".*"$/.test(String(v)) ? String(v) : `"${String(v)}"`),
    },
    Prefer: {
      name: "wait",
      schema: z.boolean().describe("finish at once what can finish at once (immediate transitions)"),
      value: (v) => (v ? "wait" : ""),
    },
    "X-Agentcloud-Dry-Run": {
      name: "dryRun",
      schema: z.boolean().describe("check everything, change nothing: the answer is what the call would do"),
      value: (v) => (v ? "true" : ""),
    },
    // The provider's own bookkeeping of who made a create: not an agent's to set.
    "X-Agentcloud-Owner": null,
  };

/**
 * The annotations a route implies. GET (or a route marked `safe`) reads; POST adds (idempotent when it takes an
 * Idempotency-Key); PUT and PATCH overwrite (idempotent); DELETE destroys (idempotent); a route
 * marked `destructive` (reset, restore) destroys whatever its method. Every tool is of a closed
 * world: the emulator.
 */
export function annotationsOf(route: RouteSpec): ToolAnnotations {
  const read = route.method === "get" || route.safe === true;
  const destructive =
    !read && (route.destructive === true || ["put", "patch", "delete"].includes(route.method));
  const idempotent =
    read ||
    ["put", "patch", "delete"].includes(route.method) ||
    (route.headers ?? []).some((h) => h.name === "Idempotency-Key");
  return {
    title: route.summary.split(/[:;(]/)[0]?.trim() || route.operationId,
    readOnlyHint: read,
    destructiveHint: destructive,
    idempotentHint: idempotent,
    openWorldHint: false,
  };
}

/** The one input object of a route: path parameters, query fields, header arguments and the body's fields. */
function inputOf(route: RouteSpec): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  const add = (key: string, schema: z.ZodType, from: string) => {
    if (key in shape)
      throw new Error(`${route.operationId}: ${from} field ${key} collides with another input`);
    shape[key] = schema;
  };
  for (const [k, s] of Object.entries(route.params ?? {})) add(k, s, "path");
  for (const [k, s] of Object.entries(route.query?.shape ?? {})) add(k, s as z.ZodType, "query");
  for (const h of route.headers ?? []) {
    if (!(h.name in headerArguments))
      throw new Error(`${route.operationId}: no tool argument for header ${h.name}`);
    const arg = headerArguments[h.name];
    if (arg) add(arg.name, arg.schema.optional(), "header");
  }
  const body = route.body?.schema;
  if (body instanceof z.ZodObject) {
    for (const [k, s] of Object.entries(body.shape)) add(k, s as z.ZodType, "body");
    return z.strictObject(shape);
  }
  if (body) add("body", route.body?.required ? body : body.optional(), "body");
  return z.strictObject(shape);
}

/** Where a tool argument goes in the route's request. */
function partsOf(route: RouteSpec) {
  const params = Object.keys(route.params ?? {});
  const query = Object.keys(route.query?.shape ?? {});
  const headers = (route.headers ?? []).flatMap((h) => {
    const arg = headerArguments[h.name];
    return arg ? [{ header: h.name, ...arg }] : [];
  });
  return { params, query, headers };
}

/** The HTTP request of a tool call (arguments already checked against the tool's input). */
export function requestOf(
  tool: ToolSpec,
  args: Record<string, unknown>,
): { method: string; path: string; headers: Record<string, string>; body: unknown; admin: boolean } {
  const { route } = tool;
  const { params, query, headers } = partsOf(route);
  const taken = new Set([...params, ...query, ...headers.map((h) => h.name)]);
  let path = route.path;
  for (const p of params) path = path.replace(`{${p}}`, encodeURIComponent(String(args[p] ?? "")));
  const search = new URLSearchParams();
  for (const q of query) if (args[q] !== undefined) search.set(q, String(args[q]));
  const out: Record<string, string> = {};
  for (const h of headers) {
    const v = args[h.name];
    if (v === undefined) continue;
    const value = h.value(v);
    if (value) out[h.header] = value;
  }
  let body: unknown;
  if (route.body) {
    if (route.body.schema instanceof z.ZodObject)
      body = Object.fromEntries(Object.entries(args).filter(([k]) => !taken.has(k)));
    else body = args.body;
  }
  return {
    method: route.method.toUpperCase(),
    path: search.size ? `${path}?${search}` : path,
    headers: out,
    body,
    // The admin plane's routes (adminTools): the emulator calls them as its admin (http/app.ts).
    admin: route.auth === "admin",
  };
}

function describe(route: RouteSpec): string {
  const errors = route.errors.map((c) => `${c} (${errorMeaning[c]})`).join("; ");
  return `${route.summary}. ${route.method.toUpperCase()} ${route.path}.${errors ? ` Errors: ${errors}.` : ""}`;
}

/**
 * The admin routes that keep the gates: never tools, even with adminTools, or an agent could lift
 * its own read-only mode or approve its own large create.
 */
const gateKeeping = new Set(["getMcpSettings", "putMcpSettings", "listApprovals", "decideApproval"]);

/** Every tool, with the admin plane's and without: built at the first request. */
const built = new Map<boolean, ToolSpec[]>();

/**
 * Every tool, in the table's order: the /v1 API's (not the data plane's: an endpoint's own key
 * serves it), and the admin plane's when `admin`. Names are the operationIds (at most 64
 * characters, checked).
 */
export function toolSpecs(options: { admin?: boolean } = {}): ToolSpec[] {
  const admin = options.admin === true;
  // The route table does not change: built once (every MCP request builds a server from them).
  let specs = built.get(admin);
  if (!specs) {
    specs = buildToolSpecs(admin);
    built.set(admin, specs);
  }
  return specs;
}

function buildToolSpecs(admin: boolean): ToolSpec[] {
  return routeSpecs
    .filter(
      (r) =>
        (r.auth === "bearer" && r.path.startsWith("/v1/")) ||
        (admin && r.auth === "admin" && !gateKeeping.has(r.operationId)),
    )
    .filter((r) => r.ok.contentType === undefined)
    .map((route) => {
      const name = route.operationId;
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
        throw new Error(`tool name ${name} is not a valid MCP tool name`);
      const annotations = annotationsOf(route);
      return {
        name,
        route,
        description: describe(route),
        input: inputOf(route),
        output: route.ok.body instanceof z.ZodObject ? route.ok.body : null,
        annotations,
        write: !annotations.readOnlyHint,
        confirm: route.method === "delete" || route.destructive === true,
      };
    });
}

/** The schema under optional, default, prefault and nullable. */
function bare(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 8; i++) {
    if (
      cur instanceof z.ZodOptional ||
      cur instanceof z.ZodDefault ||
      cur instanceof z.ZodPrefault ||
      cur instanceof z.ZodNullable
    )
      cur = cur.unwrap() as z.ZodType;
    else break;
  }
  return cur;
}

const numeric = (s: z.ZodType): boolean =>
  s instanceof z.ZodNumber ||
  (s instanceof z.ZodLiteral && typeof s.value === "number") ||
  (s instanceof z.ZodUnion && (s.options as z.ZodType[]).every((o) => numeric(bare(o))));
const structured = (s: z.ZodType) =>
  s instanceof z.ZodObject || s instanceof z.ZodRecord || s instanceof z.ZodArray || s instanceof z.ZodUnion;

/**
 * A string where the field wants a number, a boolean, an object or a list, read as one: what CLIs
 * (`--tool-arg key=value`) and some models send. Anything else is left for the schema to refuse.
 */
function coerce(value: unknown, schema: z.ZodType, depth = 0): unknown {
  if (depth > 8) return value;
  const s = bare(schema);
  if (typeof value === "string") {
    const text = value.trim();
    if (numeric(s) && text !== "" && Number.isFinite(Number(text))) return Number(text);
    if (s instanceof z.ZodBoolean && (text === "true" || text === "false")) return text === "true";
    if (structured(s) && /^[[{]/.test(text)) {
      try {
        return coerce(JSON.parse(text), schema, depth + 1);
      } catch {
        return value;
      }
    }
    return value;
  }
  if (s instanceof z.ZodObject && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const shape = s.shape as Record<string, z.ZodType>;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, shape[k] ? coerce(v, shape[k], depth + 1) : v]),
    );
  }
  return value;
}

/** The most problems an error about arguments lists (the rest are counted), and the longest text it repeats of one. */
const listedIssues = 10;
const listedKeys = 10;
const maxEchoChars = 64;
const maxMessageChars = 500;

const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;

/**
 * A refusal as a bounded text: at most a few problems, each path segment and message cut short, an
 * unknown-field list counted past its first names. Whatever the arguments, the error an agent gets
 * back stays a few kilobytes (zod repeats every unknown key, and reports every bad element).
 */
function boundedIssues(issues: z.core.$ZodIssue[]): { message: string; path: PropertyKey[] }[] {
  const out = issues.slice(0, listedIssues).map((issue) => {
    const path = issue.path.map((p) => (typeof p === "string" ? clip(p, maxEchoChars) : p));
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys;
      const named = keys.slice(0, listedKeys).map((k) => JSON.stringify(clip(k, maxEchoChars)));
      const more = keys.length > listedKeys ? ` and ${keys.length - listedKeys} more` : "";
      return {
        path,
        message: `${keys.length === 1 ? "unknown field" : `${keys.length} unknown fields`}: ${named.join(", ")}${more}`,
      };
    }
    return { path, message: clip(issue.message, maxMessageChars) };
  });
  if (issues.length > listedIssues)
    out.push({ path: [], message: `and ${issues.length - listedIssues} more problems` });
  return out;
}

/**
 * A tool's input schema that first reads such strings (its JSON Schema is the object's own), and
 * refuses, before any schema or digest recurses over them, arguments nested deeper than the API
 * takes; its errors are bounded (boundedIssues).
 */
export function lenient<T extends z.ZodObject>(input: T) {
  return z.preprocess((value, ctx) => {
    if (nestsDeeperThan(value, maxArgumentDepth)) {
      ctx.addIssue({ code: "custom", message: tooDeep });
      return value;
    }
    const coerced = coerce(value, input);
    const checked = input.safeParse(coerced);
    if (!checked.success)
      for (const issue of boundedIssues(checked.error.issues))
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    return coerced;
  }, input);
}
