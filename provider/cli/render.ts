/**
 * What `agentcloud` prints. Human: a list is a table, one row per item (a resource's id, name,
 * region, status and its kind's main figure; other items their plain fields), anything else
 * key/value lines (nested fields dotted) with its lists of objects as tables. JSON: one envelope,
 * `{"ok":true,"data":…}` or `{"ok":false,"error":{code,message,requestId,details,retryable}}`.
 */
import type { ResourceKind } from "../api/common.ts";
import { isPlainObject } from "./values.ts";

/** The figure a resource list shows of each kind. */
const mainFigure: Record<ResourceKind, { header: string; field: string }> = {
  ChipCluster: { header: "CHIPS", field: "totalChips" },
  ModelEndpoint: { header: "TOKENS/MIN", field: "effectiveTokensPerMinute" },
  AgentRuntime: { header: "INSTANCES", field: "activeInstances" },
};

export interface CliErrorBody {
  code: string;
  message: string;
  requestId: string | null;
  details: Record<string, unknown>;
  retryable: boolean;
}

export const okEnvelope = (data: unknown) => `${JSON.stringify({ ok: true, data })}\n`;
export const errorEnvelope = (error: CliErrorBody) => `${JSON.stringify({ ok: false, error })}\n`;

/** An error for a person, on stderr. */
export function errorText(e: CliErrorBody): string {
  const where = e.requestId ? ` (request ${e.requestId})` : "";
  const details = Object.keys(e.details).length ? `\n  details: ${JSON.stringify(e.details)}` : "";
  const retry = e.retryable ? "\n  retryable: the same command may succeed later" : "";
  return `agentcloud: ${e.code}: ${e.message}${where}${details}${retry}\n`;
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return "-";
  if (Array.isArray(v)) return v.length ? v.map(cell).join(",") : "-";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
};
const scalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
const scalarOrList = (v: unknown) => scalar(v) || (Array.isArray(v) && v.every(scalar));

/** Columns padded to their widest cell; the last one not padded. */
function columns(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A table of items: resources of `kind` by their summary columns, others by their plain fields. */
function table(items: readonly unknown[], kind?: ResourceKind): string {
  if (items.length === 0) return "(none)";
  const objects = items.map((i) => (isPlainObject(i) ? i : { value: i }));
  if (kind) {
    const figure = mainFigure[kind];
    return columns([
      ["ID", "NAME", "REGION", "STATUS", figure.header],
      ...objects.map((o) => [o.id, o.name, o.region, o.status, o[figure.field]].map(cell)),
    ]);
  }
  const keys: string[] = [];
  for (const o of objects)
    for (const [k, v] of Object.entries(o)) if (!keys.includes(k) && scalarOrList(v)) keys.push(k);
  return columns([keys.map((k) => kebabUpper(k)), ...objects.map((o) => keys.map((k) => cell(o[k])))]);
}

const kebabUpper = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

/** What a person looks for first in a resource. */
const firstKeys = ["id", "kind", "name", "region", "status"];

/**
 * Key/value lines of an object (id, kind, name, region and status first), nested fields dotted
 * (`deployment.mode`), lists of objects indexed.
 */
function keyValues(object: Record<string, unknown>): string {
  const value = Object.fromEntries(
    [
      ...firstKeys.filter((k) => Object.hasOwn(object, k)),
      ...Object.keys(object).filter((k) => !firstKeys.includes(k)),
    ].map((k) => [k, object[k]]),
  );
  const lines: [string, string][] = [];
  const walk = (v: unknown, key: string) => {
    if (isPlainObject(v) && Object.keys(v).length) {
      for (const [k, inner] of Object.entries(v)) walk(inner, key ? `${key}.${k}` : k);
    } else if (Array.isArray(v) && !v.every(scalar)) {
      v.forEach((inner, i) => {
        walk(inner, `${key}[${i}]`);
      });
    } else lines.push([key, isPlainObject(v) ? "{}" : cell(v)]);
  };
  walk(value, "");
  return columns(lines);
}

/** An answer for a person; `kind`: the resource kind its route lists. */
export function human(data: unknown, kind?: ResourceKind): string {
  if (!isPlainObject(data)) return cell(data);
  if (Array.isArray(data.items)) {
    const next =
      typeof data.nextPageToken === "string" ? `\nnext page: --page-token ${data.nextPageToken}` : "";
    return `${table(data.items, kind)}${next}`;
  }
  const resource = isPlainObject(data.resource) ? data.resource : undefined;
  if (data.dryRun === true && resource)
    return `dry run: would ${String(data.action)} ${String(resource.kind)} ${String(resource.id)}; nothing was written\n\n${keyValues(resource)}`;
  if (isPlainObject(data.operation) && resource) {
    const op = data.operation;
    const failed = isPlainObject(op.error) ? ` (${String(op.error.code)}: ${String(op.error.message)})` : "";
    return `${String(op.action)} ${String(resource.id)}: operation ${String(op.id)} ${String(op.status)}${failed}\n\n${keyValues(resource)}`;
  }
  // Lists of objects (a quota's rows, a usage report's) as tables; the rest as key/value lines.
  const tables = Object.entries(data).filter(
    ([, v]) => Array.isArray(v) && v.length > 0 && v.every(isPlainObject),
  );
  const rest = Object.fromEntries(Object.entries(data).filter(([k]) => !tables.some(([t]) => t === k)));
  return [
    ...(Object.keys(rest).length ? [keyValues(rest)] : []),
    ...tables.map(([k, v]) => `${k}:\n${table(v as unknown[])}`),
  ].join("\n\n");
}
