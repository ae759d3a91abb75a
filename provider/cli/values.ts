/**
 * Flag values read by their field's zod schema: what type the field is (not its rules: ranges,
 * required fields and the like are the API's to check, and answer ValidationError), and where a
 * dotted flag (`--deployment.mode pooled`, `--tags.team ml`) lands inside a field.
 */
import type { z } from "zod";

/** A command line the CLI refuses before any request: exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
  entries?: Record<string, unknown>;
  values?: unknown[];
  options?: z.ZodType[];
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
}
const defOf = (s: z.ZodType) => s._zod.def as unknown as Def;

const wrappers = new Set([
  "optional",
  "nullable",
  "default",
  "prefault",
  "readonly",
  "catch",
  "nonoptional",
  "pipe",
  "lazy",
]);

/** The schema under its wrappers (optional, nullable, default, prefault, pipe, lazy...). */
function baseOf(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let depth = 0; depth < 32; depth++) {
    const def = defOf(s);
    if (!wrappers.has(def.type)) return s;
    const next = def.type === "pipe" ? def.in : def.type === "lazy" ? def.getter?.() : def.innerType;
    if (!next) return s;
    s = next;
  }
  return s;
}

/** A field's description, on it or on a schema it wraps. */
export function descriptionOf(schema: z.ZodType): string | undefined {
  let s: z.ZodType | undefined = schema;
  for (let depth = 0; s && depth < 32; depth++) {
    if (s.description) return s.description;
    const def = defOf(s);
    if (!wrappers.has(def.type)) return undefined;
    s = def.type === "pipe" ? def.in : def.type === "lazy" ? def.getter?.() : def.innerType;
  }
  return undefined;
}

/** How a flag's text becomes its value. */
type ValueKind = "string" | "number" | "boolean" | "array" | "json" | "loose";

export function kindOf(schema: z.ZodType): ValueKind {
  const def = defOf(baseOf(schema));
  switch (def.type) {
    case "string":
    case "template_literal":
      return "string";
    case "enum":
      return Object.values(def.entries ?? {}).every((v) => typeof v === "string") ? "string" : "loose";
    case "literal":
      return (def.values ?? []).every((v) => typeof v === "string") ? "string" : "loose";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return "array";
    case "object":
    case "record":
    case "tuple":
      return "json";
    default:
      return "loose";
  }
}

/** A short hint of what a flag takes, for help: `<number>`, `<a|b|c>`, `<json>`. */
export function valueHint(schema: z.ZodType): string {
  const def = defOf(baseOf(schema));
  const kind = kindOf(schema);
  if (kind === "boolean") return "";
  if (def.type === "enum" && kind === "string") {
    const values = Object.values(def.entries ?? {}) as string[];
    return values.length <= 8 ? `<${values.join("|")}>` : "<string>";
  }
  if (def.type === "union") {
    const values = (def.options ?? []).flatMap((o) => defOf(baseOf(o)).values ?? [null]);
    if (values.length && values.length <= 8 && values.every((v) => v !== null))
      return `<${values.join("|")}>`;
  }
  if (kind === "array") return "<value> (repeatable) | <json array>";
  if (kind === "loose") return "<value|json>";
  return `<${kind}>`;
}

const show = (raw: string) => JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);

/** Parses one flag's text as its field's type; `previous` is the value an array flag had. */
export function parseValue(flag: string, raw: string, schema: z.ZodType, previous?: unknown): unknown {
  const kind = kindOf(schema);
  switch (kind) {
    case "string":
      return raw;
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n))
        throw new UsageError(`--${flag} takes a number, not ${show(raw)}`);
      return n;
    }
    case "boolean":
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw new UsageError(`--${flag} takes true or false, not ${show(raw)}`);
    case "json":
      return parseJson(flag, raw, "JSON (an object)");
    case "array": {
      if (raw.trimStart().startsWith("[")) {
        const v = parseJson(flag, raw, "a JSON array");
        if (!Array.isArray(v)) throw new UsageError(`--${flag} takes a JSON array`);
        return v;
      }
      const element = defOf(baseOf(schema)).element;
      const item = element ? parseValue(flag, raw, element) : raw;
      return [...(Array.isArray(previous) ? previous : []), item];
    }
    default:
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
  }
}

function parseJson(flag: string, raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`--${flag} takes ${what}, not ${show(raw)}`);
  }
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The schema of `segments` inside a field (`["deployment", "mode"]` of a model endpoint's spec), and
 * the keys they name (kebab-case segments read as camelCase when the field has no such key).
 * Records take any key; unions, the first option that has it. Null when the field has no such part.
 */
export function resolvePath(
  schema: z.ZodType,
  segments: string[],
): { schema: z.ZodType; keys: string[] } | null {
  let s = schema;
  const keys: string[] = [];
  for (const segment of segments) {
    const found = partOf(s, segment);
    if (!found) return null;
    s = found.schema;
    keys.push(found.key);
  }
  return { schema: s, keys };
}

function partOf(schema: z.ZodType, segment: string): { schema: z.ZodType; key: string } | null {
  const def = defOf(baseOf(schema));
  if (def.type === "object" && def.shape) {
    for (const key of [segment, camel(segment)])
      if (Object.hasOwn(def.shape, key)) return { schema: def.shape[key] as z.ZodType, key };
    return null;
  }
  if (def.type === "record" && def.valueType) return { schema: def.valueType, key: segment };
  if (def.type === "array" && def.element && /^\d+$/.test(segment))
    return { schema: def.element, key: segment };
  if (def.type === "union")
    for (const option of def.options ?? []) {
      const found = partOf(option, segment);
      if (found) return found;
    }
  return null;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Sets `keys` inside `target`, making the objects on the way; refuses to go through a non-object. */
export function setPath(target: Record<string, unknown>, keys: string[], value: unknown, flag: string): void {
  let at: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (next === undefined) at[key] = {};
    else if (!isPlainObject(next)) throw new UsageError(`--${flag}: ${key} is not an object`);
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1] as string] = value;
}

/** `over`'s fields over `base`'s, objects merged key by key (a body file and its overriding flags). */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}
