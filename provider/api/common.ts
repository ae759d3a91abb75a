import { z } from "zod";
import { regions } from "./catalog.ts";

/** Every error code the AgentCloud API can answer with, and its HTTP status. */
export const errorStatus = {
  ValidationError: 400,
  ImmutableField: 400,
  InsufficientQuota: 400,
  ChipNotAvailable: 400,
  /** A list's pageToken that this list (account, collection, region filter) did not issue. */
  InvalidPageToken: 400,
  Unauthenticated: 401,
  QuotaExceeded: 402,
  NotFound: 404,
  Conflict: 409,
  DependencyViolation: 409,
  IdempotencyMismatch: 409,
  IdempotencyKeyReleased: 409,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  ModelTooLarge: 422,
  Throttled: 429,
  InternalError: 500,
  CapacityUnavailable: 503,
} as const;
export type ErrorCode = keyof typeof errorStatus;

/** What each error code means: the catalogue as `/openapi.json` and the README give it. */
export const errorMeaning: Record<ErrorCode, string> = {
  ValidationError: "a body, parameter or reference that is not valid; `details.issues` lists field paths",
  ImmutableField: "a PATCH changes a field fixed at creation; `details.field` names it",
  InsufficientQuota: "more tokens per minute than the region's quota",
  ChipNotAvailable: "a chip type not yet orderable on the emulator clock; `details.availableFrom`",
  InvalidPageToken: "a pageToken not issued for this account, collection and region filter",
  Unauthenticated: "no bearer token, or an unknown one",
  QuotaExceeded:
    "past an account quota (chips per type, endpoints or runtimes per region); `details.limit`, `current`, `requested`",
  NotFound: "no such resource in this account, or no such route",
  Conflict:
    "a name taken in the region (`details.existingId`), an operation still running, a cluster not ACTIVE, or chips its cluster cannot reserve (`details.clusterChips`, `reserved`, `requested`)",
  DependencyViolation: "a delete of something still used; `details.dependents`",
  IdempotencyMismatch:
    "an Idempotency-Key reused with another body; `details.resourceId` names what its create made",
  IdempotencyKeyReleased:
    "an Idempotency-Key whose create's result its client recorded (released); `details.resourceId`",
  PreconditionFailed: "an If-Match that is not the current ETag",
  PayloadTooLarge: "a body over 256 KiB",
  UnsupportedMediaType: "a body that is not application/json (UTF-8)",
  ModelTooLarge: "a model that does not fit the chips per replica; `details.requiredGiB`, `availableGiB`",
  Throttled: "too many requests; `Retry-After` says when to come back",
  InternalError: "a fault in the emulator (or an injected one)",
  CapacityUnavailable: "no on-demand capacity in the region now; `Retry-After` says when to come back",
};
export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * The statuses of a kind by their role, declared once per kind in provider/api: the emulator moves
 * resources through them, the provider waits for `ready` and stops at `failed`, the console and
 * the plan report read them.
 */
export interface Lifecycle<S extends string = string> {
  creating: S;
  updating: S;
  ready: S;
  deleting: S;
  /** Where a create that fails lands. */
  createFailed: S;
  /** Every failed status. */
  failed: readonly S[];
  /** Where a create waits for capacity, when the kind can. */
  waiting?: S;
}

export const resourceKinds = ["ChipCluster", "ModelEndpoint", "AgentRuntime"] as const;
export type ResourceKind = (typeof resourceKinds)[number];

/**
 * What the API declares of one kind, in one object per kind (provider/api/<kind>.ts): its id prefix,
 * its schemas, what is fixed at creation, its statuses. The provider's KindDefinition
 * (resources/<kind>/definition.ts) and the emulator's KindModel (mock-cloud/core/<kind>.ts) extend
 * it with what only they do; they declare none of it again.
 */
export interface KindApi {
  kind: ResourceKind;
  /** Ids are `<prefix>-<hex>`. */
  idPrefix: string;
  /** The body of a create (POST): strict, defaults applied. Its keys, in order, are the spec fields. */
  spec: z.ZodObject;
  /** The mutable fields (PATCH), without defaults; every other spec field is fixed at creation. */
  patch: z.ZodObject;
  /** A resource as the API returns it. */
  view: z.ZodObject;
  /** What a change replaces (preview) or refuses (PATCH: ImmutableField). */
  createOnly: readonly CreateOnly[];
  lifecycle: Lifecycle;
}

/** The spec fields of a kind, in declaration order. */
export const specKeys = (api: Pick<KindApi, "spec">): string[] => Object.keys(api.spec.shape);
/** The spec fields a PATCH may change. */
export const mutableKeys = (api: Pick<KindApi, "patch">): string[] => Object.keys(api.patch.shape);

/**
 * The fields of each kind that are secrets: inputs the program marks secret, outputs the engine
 * keeps secret in state, and outputs the emulator masks in its event feed and console.
 */
export const secretFields: Record<ResourceKind, { inputs: readonly string[]; outputs: readonly string[] }> = {
  ChipCluster: { inputs: [], outputs: [] },
  ModelEndpoint: { inputs: [], outputs: ["apiKey"] },
  AgentRuntime: { inputs: ["secretEnv"], outputs: ["secretEnv"] },
};

/** Page sizes of every list: `pageSize` defaults to `default` and may be 1 to `max`. */
export const pageSizes = { default: 50, max: 500 } as const;

/** URL collection segment of each kind under /v1. */
export const collectionOf: Record<ResourceKind, string> = {
  ChipCluster: "chip-clusters",
  ModelEndpoint: "model-endpoints",
  AgentRuntime: "agent-runtimes",
};

export const Region = z.enum(regions);
/** Physical names: DNS-label style, unique per account × region × kind. */
export const Name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z]([a-z0-9-]*[a-z0-9])?$/, "must be lowercase letters, digits and '-', starting with a letter");
export const maxTags = 50;
export const Tags = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((t) => Object.keys(t).length <= maxTags, `at most ${maxTags} tags`)
  .meta({ maxProperties: maxTags });
export const Timestamp = z.string().datetime({ offset: true });

export const Operation = z.object({
  id: z.string(),
  kind: z.enum(resourceKinds),
  resourceId: z.string(),
  action: z.enum(["create", "update", "delete"]),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Operation = z.infer<typeof Operation>;

/**
 * What the cloud remembers of an `Idempotency-Key`: the resource its create made, and whether the
 * client released it (recorded the result: the key never hands that resource out again).
 */
export const IdempotencyKeyInfo = z.object({
  key: z.string(),
  kind: z.enum(resourceKinds),
  resourceId: z.string(),
  released: z.boolean(),
  storedAt: Timestamp,
  /** Who made the create (its X-Agentcloud-Owner header): a Pulumi resource's `project/stack/name`. */
  owner: z.string().nullable(),
});
export type IdempotencyKeyInfo = z.infer<typeof IdempotencyKeyInfo>;
export const ReleaseIdempotencyKey = z.strictObject({
  /** Binds a key the cloud does not know, released, to this existing resource (adoption). */
  resourceId: z.string().min(1).optional(),
});
/** The keys the cloud remembers (newest first, at most 1,000): `?released=false` lists creates not yet recorded by their client. */
export const IdempotencyKeyList = z.object({ items: z.array(IdempotencyKeyInfo) });
/** Many keys released at once: what a Pulumi program sends once the engine recorded its resources. */
export const ReleaseIdempotencyKeys = z.strictObject({
  keys: z.array(z.string().min(1).max(256)).min(1).max(1000),
});
export const ReleasedIdempotencyKeys = z.object({
  /** The keys now released (released before, or just now). */
  released: z.array(IdempotencyKeyInfo),
  /** Keys the cloud does not know: never used, expired, or their resource is gone. Nothing to release. */
  unknown: z.array(z.string()),
});
export type ReleasedIdempotencyKeys = z.infer<typeof ReleasedIdempotencyKeys>;

/** Fields the cloud sets on every resource. */
export const ResourceMeta = z.object({
  id: z.string(),
  kind: z.enum(resourceKinds),
  etag: z.string(),
  statusReason: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

/** Answer of create, update and delete: the accepted operation and the resource as of now. */
export function accepted<T extends z.ZodTypeAny>(resource: T) {
  return z.object({ operation: Operation, resource });
}

export function page<T extends z.ZodTypeAny>(item: T) {
  return z.object({ items: z.array(item), nextPageToken: z.string().nullable() });
}

/**
 * A PATCH body: some fields of a spec, each optional and without its default, so that a field left
 * out stays as it is (zod's `.partial()` keeps defaults, which would reset fields not sent).
 */
export function patchOf(spec: z.ZodObject, keys: readonly string[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const k of keys) shape[k] = withoutDefault(spec.shape[k] as z.ZodType).optional();
  return z.strictObject(shape);
}

/** A field's schema without its default (`.default` or `.prefault`): absent stays absent. */
export function withoutDefault(field: z.ZodType): z.ZodType {
  return field instanceof z.ZodDefault || field instanceof z.ZodPrefault
    ? (field.unwrap() as z.ZodType)
    : field;
}

/** Text of an immutable field in a PATCH body's schema. */
const immutableNote = "immutable: may be restated unchanged; any other value is 400 ImmutableField";

/**
 * The PATCH body as the API takes it: the mutable fields (as in `patchOf`), and every other field
 * of the spec, optional, which may be restated with its current value (anything else is 400
 * ImmutableField). The emulator checks and strips those before it parses the mutable rest.
 */
export function patchBodyOf(spec: z.ZodObject, mutable: readonly string[]) {
  const shape: Record<string, z.ZodType> = { ...patchOf(spec, mutable).shape };
  for (const k of Object.keys(spec.shape)) {
    if (mutable.includes(k)) continue;
    shape[k] = withoutDefault(spec.shape[k] as z.ZodType)
      .optional()
      .describe(immutableNote);
  }
  return z.strictObject(shape);
}

/**
 * A value fixed at creation: preview plans a replacement when it changes, and a PATCH that changes
 * it is 400 ImmutableField. Declared once per kind in provider/api, read by both.
 */
export interface CreateOnly {
  /** The top-level field whose change replaces the resource (what preview's diff names). */
  property: string;
  /** Where the API says the change is (`details.field` of ImmutableField): `deployment.clusterId`. */
  path: string;
  /** What must stay equal, from a spec or a stored resource: a field, or e.g. an artifact's kind. */
  of(spec: Record<string, unknown>): unknown;
  /** What a PATCH that changes it is told. */
  message: string;
}

export const immutableMessage = (path: string) => `${path} cannot change after creation`;

export function createOnlyField(name: string): CreateOnly {
  return { property: name, path: name, of: (spec) => spec[name], message: immutableMessage(name) };
}

/** A key of an object field (`deployment.mode`) fixed at creation, while its siblings change in place. */
export function createOnlyPart(property: string, key: string): CreateOnly {
  return {
    property,
    path: `${property}.${key}`,
    of: (spec) => {
      const v = spec[property];
      return v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : v;
    },
    message: immutableMessage(`${property}.${key}`),
  };
}

export const IdempotencyKeysQuery = z.object({
  released: z
    .enum(["true", "false"])
    .optional()
    .describe("only released keys (`true`) or only keys not released yet (`false`)"),
});

/** A paged list's query fields: `items` names what a page holds, `scope` what its token is good for. */
export const pageQueryFields = (items: string, scope: string) => ({
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(pageSizes.max)
    .optional()
    .describe(`${items} per page, 1–${pageSizes.max} (default ${pageSizes.default})`),
  pageToken: z
    .string()
    .optional()
    .describe(`nextPageToken of the previous page: opaque, and good only for the same ${scope}`),
});

export const ListQuery = z.object({
  region: Region.optional().describe("only resources in this region"),
  ...pageQueryFields("items", "account, collection and region"),
});

/**
 * The answer to a create, update or delete sent with `X-Agentcloud-Dry-Run: true`: every check of
 * the real call passed (a refusal is the same error the call would get), and this is the resource
 * it would make or leave (a create's id ends in `-dry-run`; secrets masked). Nothing is written.
 */
export const dryRunOf = <V extends z.ZodType>(view: V) =>
  z.object({ dryRun: z.literal(true), action: z.enum(["create", "update", "delete"]), resource: view });
/** A dry run's answer, whatever the kind. */
export interface DryRun {
  dryRun: true;
  action: "create" | "update" | "delete";
  resource: Record<string, unknown>;
}
