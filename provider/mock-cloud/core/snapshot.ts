import { z } from "zod";
import { Limits, Transitions } from "../../api/admin.ts";
import { AgentRuntime } from "../../api/agent-runtime.ts";
import { ChipCluster } from "../../api/chip-cluster.ts";
import { Operation, type ResourceKind, resourceKinds, Timestamp } from "../../api/common.ts";
import { ModelEndpoint } from "../../api/model-endpoint.ts";
import { MockCloudError } from "../errors.ts";
import { indexColumns, type SnapshotTables, snapshotTables } from "../store/repo.ts";
import { pageTokenSecretKey } from "./page-token.ts";

/**
 * Checks a snapshot row by row before anything in the store changes: every table known, every
 * row of the columns its table has, every resource body a resource of its kind, every meta value
 * what its key holds. Answers the rows to insert; throws a 400 naming the table, row and reason.
 */
export function validateSnapshot(tables: Record<string, unknown[]>): SnapshotTables {
  for (const table of Object.keys(tables)) {
    if (!(snapshotTables as readonly string[]).includes(table)) {
      reject(table, null, null, `not a table of this emulator (expected ${snapshotTables.join(", ")})`);
    }
  }
  const out: SnapshotTables = { resources: [], operations: [], idempotency: [], meta: [] };
  const seen = new Set<string>();
  const operationTimes = new Map<string, string>();
  const once = (table: string, row: number, key: string | null, unique: string, what: string) => {
    if (seen.has(`${table}\0${unique}`)) reject(table, row, key, `duplicate ${what}`);
    seen.add(`${table}\0${unique}`);
  };

  (tables.resources ?? []).forEach((raw, row) => {
    const key = keyOf(raw, "id");
    const r = parseRow(ResourceRow, raw, "resources", row, key);
    const body = parseJson(r.body, "resources", row, key, "body") as Record<string, unknown>;
    const view = parseWith(resourceSchemas[r.kind], body, "resources", row, key, "body");
    for (const [column, field] of [
      ["id", "id"],
      ["kind", "kind"],
      ["name", "name"],
      ["region", "region"],
      ["created_at", "createdAt"],
    ] as const) {
      if (view[field] !== r[column]) reject("resources", row, key, `${column} does not match body.${field}`);
    }
    if (r.secret != null)
      parseWith(
        Secret,
        parseJson(r.secret, "resources", row, key, "secret"),
        "resources",
        row,
        key,
        "secret",
      );
    once("resources", row, key, r.id, "id");
    once(
      "resources",
      row,
      key,
      JSON.stringify([r.account, r.kind, r.region, r.name]),
      `${r.kind} name in this account and region`,
    );
    // The index columns are the body's: recomputed, whatever the row says.
    out.resources.push({ ...r, secret: r.secret ?? null, ...indexColumns(body) });
  });

  (tables.operations ?? []).forEach((raw, row) => {
    const key = keyOf(raw, "id");
    const r = parseRow(OperationRow, raw, "operations", row, key);
    const error = r.error == null ? null : parseJson(r.error, "operations", row, key, "error");
    parseWith(
      Operation,
      {
        id: r.id,
        kind: r.kind,
        resourceId: r.resource_id,
        action: r.action,
        status: r.status,
        error,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      },
      "operations",
      row,
      key,
      "operation",
    );
    if (r.previous != null) {
      const previous = parseWith(
        z.strictObject({ body: z.record(z.string(), z.unknown()), secret: Secret.nullable() }),
        parseJson(r.previous, "operations", row, key, "previous"),
        "operations",
        row,
        key,
        "previous",
      );
      parseWith(resourceSchemas[r.kind], previous.body, "operations", row, key, "previous.body");
    }
    once("operations", row, key, r.id, "id");
    operationTimes.set(r.id, r.created_at);
    out.operations.push({ ...r, error: r.error ?? null, previous: r.previous ?? null });
  });

  (tables.idempotency ?? []).forEach((raw, row) => {
    const key = keyOf(raw, "key");
    const r = parseRow(IdempotencyRow, raw, "idempotency", row, key);
    once("idempotency", row, key, JSON.stringify([r.account, r.key]), "key in this account");
    // Snapshots from before keys expired: stored when their create started, as migration 4 does.
    const storedAt = r.stored_at ?? operationTimes.get(r.operation_id);
    if (!storedAt) reject("idempotency", row, key, "stored_at: missing, and no operation to take it from");
    out.idempotency.push({ ...r, stored_at: storedAt });
  });

  (tables.meta ?? []).forEach((raw, row) => {
    const key = keyOf(raw, "key");
    const r = parseRow(MetaRow, raw, "meta", row, key);
    const schema = metaValues[r.key];
    if (!schema) reject("meta", row, key, `unknown key (expected ${Object.keys(metaValues).join(", ")})`);
    parseWith(schema, parseJson(r.value, "meta", row, key, "value"), "meta", row, key, "value");
    once("meta", row, key, r.key, "key");
    out.meta.push(r);
  });
  return out;
}

const resourceSchemas: Record<ResourceKind, z.ZodType<Record<string, unknown>>> = {
  ChipCluster,
  ModelEndpoint,
  AgentRuntime,
};

const Secret = z.record(z.string(), z.string());
const Text = z.string().min(1);

const ResourceRow = z.strictObject({
  id: Text,
  account: Text,
  kind: z.enum(resourceKinds),
  region: Text,
  name: Text,
  body: z.string(),
  secret: z.string().nullish(),
  created_at: Timestamp,
  // Index columns, recomputed from the body.
  chip_type: z.string().nullish(),
  chips: z.number().int().optional(),
  status: z.string().optional(),
});

const OperationRow = z.strictObject({
  id: Text,
  account: Text,
  kind: z.enum(resourceKinds),
  resource_id: Text,
  action: z.string(),
  status: z.string(),
  error: z.string().nullish(),
  started_ms: z.number().int(),
  reads: z.number().int().min(0),
  created_at: z.string(),
  updated_at: z.string(),
  previous: z.string().nullish(),
});

const IdempotencyRow = z.strictObject({
  account: Text,
  key: Text,
  body_hash: z.string().regex(/^[0-9a-f]{64}$/, "expected a sha256 hex digest"),
  resource_id: Text,
  operation_id: Text,
  stored_at: Timestamp.optional(),
  kind: z.enum(resourceKinds).nullish(),
  released_at: Timestamp.nullish(),
  owner: z.string().max(1024).nullish(),
});

const MetaRow = z.strictObject({ key: z.string(), value: z.string() });

/** What each meta key holds (values are JSON text). */
const metaValues: Record<string, z.ZodType> = {
  limits: Limits,
  transitions: Transitions,
  clockOffsetMs: z.number().int(),
  [pageTokenSecretKey]: z.string().regex(/^[0-9a-f]{32,}$/, "expected a hex secret"),
};

function keyOf(raw: unknown, column: string): string | null {
  const v = raw && typeof raw === "object" ? (raw as Record<string, unknown>)[column] : undefined;
  return typeof v === "string" ? v : null;
}

function parseRow<T>(schema: z.ZodType<T>, raw: unknown, table: string, row: number, key: string | null): T {
  return parseWith(schema, raw, table, row, key, null);
}

/** The value as the schema reads it; else a rejection listing what is wrong, at `what.path`. */
function parseWith<T>(
  schema: z.ZodType<T>,
  value: unknown,
  table: string,
  row: number,
  key: string | null,
  what: string | null,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // Unknown columns first: the likeliest sign of a snapshot from another version.
  const issues = [...r.error.issues].sort(
    (a, b) => Number(b.code === "unrecognized_keys") - Number(a.code === "unrecognized_keys"),
  );
  const reasons = issues.slice(0, 5).map((issue) => {
    const where = [what, ...issue.path.map(String)].filter(Boolean).join(".");
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown ${what ? "field" : "column"}(s) ${issue.keys.join(", ")}`
        : issue.path.length > 0 && at(value, issue.path) === undefined
          ? "missing"
          : issue.message;
    return where ? `${where}: ${message}` : message;
  });
  if (issues.length > reasons.length) reasons.push(`${issues.length - reasons.length} more`);
  return reject(table, row, key, reasons.join("; "));
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function parseJson(text: string, table: string, row: number, key: string | null, column: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return reject(table, row, key, `${column} is not JSON`);
  }
}

function reject(table: string, row: number | null, key: string | null, reason: string): never {
  const where = row === null ? table : `${table}[${row}]${key ? ` (${key})` : ""}`;
  throw new MockCloudError("ValidationError", `snapshot does not fit this emulator: ${where}: ${reason}`, {
    table,
    ...(row === null ? {} : { row }),
    ...(key ? { key } : {}),
    reason,
    issues: [{ path: row === null ? `tables.${table}` : `tables.${table}[${row}]`, message: reason }],
  });
}
