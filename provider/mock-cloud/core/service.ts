import type { z } from "zod";
import type { FaultRule, Limits, Transitions } from "../../api/admin.ts";
import { editableFields } from "../../api/admin.ts";
import { canonicalJson, sha256 } from "../../api/canonical.ts";
import type { DryRun } from "../../api/common.ts";
import {
  type IdempotencyKeyInfo,
  immutableMessage,
  type Operation,
  pageSizes,
  ReleaseIdempotencyKey,
  type ResourceKind,
  resourceKinds,
} from "../../api/common.ts";
import { fieldIssues } from "../../api/issues.ts";
import { fail, invalid } from "../errors.ts";
import { type Db, durable, getMeta, setMeta, tx } from "../store/db.ts";
import { Repo, type StoredOperation, type StoredResource } from "../store/repo.ts";
import { Clock } from "./clock.ts";
import { ChangeFeed, masked } from "./feed.ts";
import { Inference } from "./inference/serve.ts";
import { kindModels } from "./kinds.ts";
import { advance, finish, newEtag, newId, observe, startOperation } from "./lifecycle.ts";
import { type Body, type Ctx, immutableFields } from "./model.ts";
import { decodePageToken, encodePageToken, pageTokenSecret } from "./page-token.ts";
import { defaultLimits } from "./settings.ts";

/** How long an Idempotency-Key is remembered, on the emulator's clock. */
const idempotencyKeyTtlMs = 24 * 3_600_000;

/** The emulated cloud: every API operation, in one transaction each, on the emulator's clock. */
export class CloudService {
  readonly repo: Repo;
  readonly clock: Clock;
  readonly db: Db;
  /** Every committed change, for the console and other listeners (`GET /_mock/events`). */
  readonly feed = new ChangeFeed();
  faults: FaultRule[] = [];
  /** When (emulator ms) keys that answer nothing any more were last deleted. */
  #purgedAt = 0;
  #inference: Inference | null = null;

  constructor(db: Db) {
    this.db = db;
    this.repo = new Repo(db, {
      listening: () => this.feed.listeners > 0,
      changed: (e) => this.feed.emit(e),
    });
    this.clock = new Clock(db);
  }

  /** The data plane of model endpoints: serving, throttling, caching and metering tokens. */
  get inference(): Inference {
    this.#inference ??= new Inference(this);
    return this.#inference;
  }

  get limits(): Limits {
    return { ...defaultLimits, ...getMeta<Partial<Limits>>(this.db, "limits", {}) };
  }
  set limits(l: Limits) {
    setMeta(this.db, "limits", l);
  }
  get transitions(): Transitions {
    return getMeta<Transitions>(this.db, "transitions", {});
  }
  set transitions(t: Transitions) {
    setMeta(this.db, "transitions", { ...this.transitions, ...t });
  }

  /** The commit an answer must wait for before it is sent: the group commit in progress, if any. */
  durable(): Promise<void> | undefined {
    return durable(this.db);
  }

  ctx(account: string, baseUrl = ""): Ctx {
    const service = this;
    let limits: Limits | undefined;
    // The limits are read from the store on first use (most requests never look at them).
    return {
      repo: this.repo,
      account,
      now: this.clock.now(),
      get limits() {
        limits ??= service.limits;
        return limits;
      },
      baseUrl,
    };
  }

  /**
   * A read of a resource moves its running operations on, in a transaction of its own: an answer
   * that fails after it (404 for a delete that just finished, 412, 409) must not roll that progress
   * back. No transaction when nothing runs.
   */
  #observe(ctx: Ctx, id: string): void {
    if (this.repo.runningOperations(id).length > 0) tx(this.db, () => observe(this, ctx, id));
  }

  create(
    ctx: Ctx,
    kind: ResourceKind,
    raw: unknown,
    idempotencyKey: string | null,
    wait = false,
    owner: string | null = null,
    dryRun = false,
  ) {
    const model = kindModels[kind];
    const spec = parse(model.spec, raw);
    return tx(this.db, () => {
      if (dryRun) return this.#dryCreate(ctx, kind, spec);
      const hash = sha256(canonicalJson(raw));
      if (idempotencyKey) {
        const stored = this.repo.getIdempotency(ctx.account, idempotencyKey);
        const existing = stored && this.repo.getResource(ctx.account, kind, stored.resource_id);
        // A key whose resource was since deleted starts a new create, whatever it was used for.
        if (stored && existing) {
          const resourceId = existing.id;
          if (stored.released_at) {
            fail(
              "IdempotencyKeyReleased",
              `this Idempotency-Key was released: its create made ${resourceId}, recorded by its client; use a new key for a new resource`,
              { idempotencyKey, resourceId },
            );
          }
          // An unreleased key past its time is forgotten: this is a new create, the key stored afresh.
          if (ctx.now.getTime() - Date.parse(stored.stored_at) <= idempotencyKeyTtlMs) {
            if (stored.body_hash !== hash) {
              fail(
                "IdempotencyMismatch",
                `this Idempotency-Key was used with a different request body (its create made ${resourceId})`,
                { idempotencyKey, resourceId },
              );
            }
            const op = this.repo.getOperation(ctx.account, stored.operation_id);
            if (op) return { operation: op.op, resource: existing.body, replayed: true };
          }
        }
      }
      if (ctx.now.getTime() - this.#purgedAt > 60_000) {
        this.#purgedAt = ctx.now.getTime();
        this.repo.purgeIdempotency(new Date(ctx.now.getTime() - idempotencyKeyTtlMs).toISOString());
      }
      this.#checkCreate(ctx, kind, spec);
      const id = newId(model.idPrefix);
      const built = model.build(ctx, id, spec);
      const r: StoredResource = {
        id,
        account: ctx.account,
        kind,
        body: { ...built.body, etag: newEtag() },
        secret: built.secret,
      };
      this.repo.putResource(r);
      const op = startOperation(this, ctx, kind, id, "create");
      if (idempotencyKey)
        this.repo.putIdempotency(
          ctx.account,
          idempotencyKey,
          hash,
          id,
          op.op.id,
          ctx.now.toISOString(),
          kind,
          owner,
        );
      return (wait && this.finishNow(ctx, kind, op)) || { operation: op.op, resource: r.body };
    });
  }

  /** A create's checks: its name is free in the region, and the kind's own rules hold. */
  #checkCreate(ctx: Ctx, kind: ResourceKind, spec: Record<string, unknown>): void {
    const holder = this.repo.findByName(ctx.account, kind, String(spec.region), String(spec.name));
    if (holder) {
      fail("Conflict", `a ${kind} named ${spec.name} already exists in ${spec.region} (${holder.id})`, {
        field: "name",
        existingId: holder.id,
      });
    }
    kindModels[kind].checkCreate(ctx, spec);
  }

  /**
   * A dry run (`X-Agentcloud-Dry-Run: true`): every check of the real call, the resource it would
   * make or leave, and nothing written.
   */
  #dryCreate(ctx: Ctx, kind: ResourceKind, spec: Record<string, unknown>): DryRun {
    const model = kindModels[kind];
    this.#checkCreate(ctx, kind, spec);
    const built = model.build(ctx, `${model.idPrefix}-dry-run`, spec);
    return { dryRun: true, action: "create", resource: masked(built.body) };
  }

  /**
   * `Prefer: wait`: an operation due at once (immediate transitions) finishes inside the request,
   * as the first read would finish it; the answer is then the final resource and operation. Null
   * when it cannot finish now (a duration, a count of reads, capacity to wait for).
   */
  private finishNow(ctx: Ctx, kind: ResourceKind, op: StoredOperation) {
    if ((this.transitions[kind]?.mode ?? "immediate") !== "immediate") return null;
    advance(this, op);
    const done = this.repo.getOperation(ctx.account, op.op.id);
    const resource = this.repo.getResource(ctx.account, kind, op.op.resourceId);
    if (!done || done.op.status === "RUNNING" || !resource) return null;
    return { operation: done.op, resource: resource.body, finished: true };
  }

  /** What the cloud remembers of a key: NotFound once it expired (unreleased) or its resource is gone. */
  idempotencyKey(ctx: Ctx, key: string): IdempotencyKeyInfo {
    const stored = this.repo.getIdempotency(ctx.account, key);
    const resourceId = stored?.resource_id ?? "";
    const kind =
      stored?.kind ?? resourceKinds.find((k) => this.repo.getResource(ctx.account, k, resourceId) !== null);
    const fresh = stored ? ctx.now.getTime() - Date.parse(stored.stored_at) <= idempotencyKeyTtlMs : false;
    if (
      !stored ||
      !kind ||
      !this.repo.getResource(ctx.account, kind, resourceId) ||
      !(stored.released_at || fresh)
    ) {
      return fail(
        "NotFound",
        `Idempotency-Key ${key} is not known (never used, expired, or its resource is gone)`,
      );
    }
    return {
      key,
      kind,
      resourceId,
      released: stored.released_at !== null,
      storedAt: stored.stored_at,
      owner: stored.owner ?? null,
    };
  }

  /**
   * The client recorded the result of the key's create: from now on the key refuses to hand the
   * resource out again (IdempotencyKeyReleased), for as long as the resource exists. With
   * `resourceId`, a key the cloud does not know is bound, released, to that existing resource.
   */
  releaseIdempotencyKey(ctx: Ctx, key: string, raw: unknown): IdempotencyKeyInfo {
    const { resourceId } = parse(ReleaseIdempotencyKey, raw) as { resourceId?: string };
    return tx(this.db, () => {
      const known = this.#knownKey(ctx, key);
      if (known) {
        if (resourceId && resourceId !== known.resourceId) {
          fail("Conflict", `Idempotency-Key ${key} belongs to ${known.resourceId}, not ${resourceId}`, {
            field: "resourceId",
          });
        }
        this.repo.releaseIdempotency(ctx.account, key, ctx.now.toISOString());
      } else {
        const kind = resourceKinds.find(
          (k) => resourceId && this.repo.getResource(ctx.account, k, resourceId),
        );
        if (!resourceId || !kind) {
          fail(
            "NotFound",
            `Idempotency-Key ${key} is not known${resourceId ? `, nor is ${resourceId}` : ""}`,
          );
        }
        this.repo.releaseIdempotency(ctx.account, key, ctx.now.toISOString(), { kind, resourceId });
      }
      return this.idempotencyKey(ctx, key);
    });
  }

  /** The keys the cloud still answers for (fresh or released, resource alive), newest first. */
  listIdempotencyKeys(ctx: Ctx, released?: "true" | "false"): { items: IdempotencyKeyInfo[] } {
    const rows = this.repo.listIdempotency(
      ctx.account,
      released === undefined ? null : released === "true",
      1000,
    );
    const items: IdempotencyKeyInfo[] = [];
    for (const row of rows) {
      const info = this.#knownKey(ctx, row.key);
      if (info) items.push(info);
    }
    return { items };
  }

  /** Releases each known key (one transaction); unknown keys are reported, not refused. */
  releaseIdempotencyKeys(ctx: Ctx, keys: readonly string[]) {
    return tx(this.db, () => {
      const released: IdempotencyKeyInfo[] = [];
      const unknown: string[] = [];
      for (const key of new Set(keys)) {
        const known = this.#knownKey(ctx, key);
        if (!known) {
          unknown.push(key);
          continue;
        }
        if (!known.released) this.repo.releaseIdempotency(ctx.account, key, ctx.now.toISOString());
        released.push({ ...known, released: true });
      }
      return { released, unknown };
    });
  }

  #knownKey(ctx: Ctx, key: string): IdempotencyKeyInfo | null {
    try {
      return this.idempotencyKey(ctx, key);
    } catch {
      return null;
    }
  }

  /** A resource as stored: its body's JSON text (the API view, as written) and its etag. */
  get(ctx: Ctx, kind: ResourceKind, id: string): { json: string; etag: string } {
    this.#observe(ctx, id);
    // One statement: it reads a consistent state without a transaction around it.
    const r = this.repo.getResourceJson(ctx.account, kind, id);
    if (!r) fail("NotFound", `${kind} ${id} not found`);
    return r;
  }

  list(ctx: Ctx, kind: ResourceKind, query: { region?: string; pageSize?: number; pageToken?: string }) {
    const size = Math.min(Math.max(query.pageSize ?? pageSizes.default, 1), pageSizes.max);
    const scope = { account: ctx.account, kind, region: query.region ?? null };
    return tx(this.db, () => {
      const secret = pageTokenSecret(this.db);
      const after = query.pageToken ? decodePageToken(secret, scope, query.pageToken) : null;
      const rows = this.repo.listResources(ctx.account, kind, after, size + 1, query.region);
      const items = rows.slice(0, size).map((r) => r.body);
      const last = items.at(-1);
      return {
        items,
        nextPageToken:
          rows.length > size && last
            ? encodePageToken(secret, scope, { createdAt: String(last.createdAt), id: last.id })
            : null,
      };
    });
  }

  update(
    ctx: Ctx,
    kind: ResourceKind,
    id: string,
    raw: unknown,
    ifMatch: string | null,
    wait = false,
    dryRun = false,
  ) {
    const model = kindModels[kind];
    if (raw && typeof raw === "object") {
      for (const field of immutableFields(model)) {
        if (field in raw) {
          const current = this.repo.getResource(ctx.account, kind, id);
          if (
            current &&
            canonicalJson((raw as Record<string, unknown>)[field]) !==
              canonicalJson(current.body[field] ?? null)
          ) {
            fail("ImmutableField", immutableMessage(field), { field });
          }
        }
      }
    }
    const stripped =
      raw && typeof raw === "object" ? omit(raw as Record<string, unknown>, immutableFields(model)) : raw;
    const patch = parse(model.patch, stripped);
    if (!dryRun) this.#observe(ctx, id);
    return tx(this.db, () => {
      const current = this.repo.getResource(ctx.account, kind, id);
      if (!current) fail("NotFound", `${kind} ${id} not found`);
      if (ifMatch !== null && !ifMatchPasses(ifMatch, current.body.etag)) {
        fail("PreconditionFailed", `${kind} ${id} changed since you read it (etag ${current.body.etag})`, {
          etag: current.body.etag,
        });
      }
      if (current.body.status !== model.lifecycle.ready) {
        fail("Conflict", `${kind} ${id} is ${current.body.status}; wait for its operation to finish`);
      }
      model.checkUpdate(ctx, current, patch);
      const next = model.applyPatch(ctx, current, patch);
      if (dryRun) return { dryRun: true, action: "update", resource: masked(next.body) } satisfies DryRun;
      const r: StoredResource = {
        ...current,
        body: {
          ...next.body,
          status: model.updatingState?.(patch) ?? model.lifecycle.updating,
          etag: newEtag(),
          updatedAt: ctx.now.toISOString(),
        },
        secret: next.secret,
      };
      this.repo.putResource(r);
      const op = startOperation(this, ctx, kind, id, "update", {
        body: current.body,
        secret: current.secret,
      });
      return (wait && this.finishNow(ctx, kind, op)) || { operation: op.op, resource: r.body };
    });
  }

  delete(ctx: Ctx, kind: ResourceKind, id: string, dryRun = false) {
    const model = kindModels[kind];
    if (!dryRun) this.#observe(ctx, id);
    return tx(this.db, () => {
      const current = this.repo.getResource(ctx.account, kind, id);
      if (!current) fail("NotFound", `${kind} ${id} not found`);
      const running = this.repo.runningOperations(id);
      const deleting = running.find((o) => o.op.action === "delete");
      if (deleting) return { operation: deleting.op, resource: current.body };
      const dependents = model.dependents(ctx, current);
      if (dependents.length > 0) {
        fail("DependencyViolation", `${kind} ${id} is still used by ${dependents.join(", ")}`, {
          dependents,
        });
      }
      if (dryRun) return { dryRun: true, action: "delete", resource: masked(current.body) } satisfies DryRun;
      for (const o of running) finish(this, o, { code: "Cancelled", message: "superseded by a delete" });
      const r = { ...current, body: { ...current.body, status: model.lifecycle.deleting, etag: newEtag() } };
      this.repo.putResource(r);
      const op = startOperation(this, ctx, kind, id, "delete");
      return { operation: op.op, resource: r.body };
    });
  }

  getOperation(ctx: Ctx, id: string): Operation {
    return tx(this.db, () => {
      const found = this.repo.getOperation(ctx.account, id);
      if (!found) fail("NotFound", `operation ${id} not found`);
      if (found.op.status === "RUNNING") {
        this.repo.putOperation({ ...found, reads: found.reads + 1 });
        advance(this, this.repo.getOperation(ctx.account, id) as StoredOperation);
      }
      return (this.repo.getOperation(ctx.account, id) as StoredOperation).op;
    });
  }

  /** Moves every running operation whose time has come; called on each request and on a timer. */
  tick(): void {
    const running = this.repo.runningOperations();
    if (running.length === 0) return;
    tx(this.db, () => {
      for (const o of running) advance(this, o);
    });
  }

  /** An out-of-band edit (drift): any fields, outputs recomputed, a new etag. */
  editOutOfBand(kind: ResourceKind, id: string, fields: Record<string, unknown>): Body {
    const model = kindModels[kind];
    const known = editableFields(model.view);
    const unknown = Object.keys(fields).filter((k) => !known.includes(k));
    if (unknown.length > 0) invalid(unknown.map((path) => ({ path, message: `not a field of ${kind}` })));
    return tx(this.db, () => {
      const current = this.repo.getAnyResource(kind, id);
      if (!current) fail("NotFound", `${kind} ${id} not found`);
      const edited = { ...current.body, ...fields } as Body;
      // A ready resource edited out of band is ready as edited (a console scaling a cluster in
      // place): what readiness derives (readyHyperNodes) follows, unless the edit sets it too.
      const ready = edited.status === model.lifecycle.ready ? (model.whenReady?.(edited) ?? {}) : {};
      const body = model.derive({
        ...edited,
        ...Object.fromEntries(Object.entries(ready).filter(([k]) => !(k in fields))),
        etag: newEtag(),
        updatedAt: this.clock.now().toISOString(),
      } as Body);
      // The edit must leave a resource the API can still return (and the provider can still read).
      parse(model.view as unknown as z.ZodType<Record<string, unknown>>, body);
      this.repo.putResource({ ...current, body });
      return body;
    });
  }
}

function parse(schema: z.ZodType<Record<string, unknown>>, raw: unknown): Record<string, unknown> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  invalid(fieldIssues(result.error.issues));
}

function omit(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/**
 * RFC 9110 §13.1.1 for a resource that exists: `*` passes; otherwise the field is a comma-separated
 * list of entity-tags and passes when one of them is the current ETag by strong comparison (a weak
 * `W/"…"` tag never matches). A field that is not such a list matches nothing.
 */
function ifMatchPasses(field: string, etag: string): boolean {
  if (field.trim() === "*") return true;
  const tag = /\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)/y;
  let at = 0;
  let matched = false;
  while (at < field.length) {
    // Empty list elements ("a, , b") are allowed by the list syntax.
    const skip = /[\s,]*/y;
    skip.lastIndex = at;
    skip.exec(field);
    at = skip.lastIndex;
    if (at >= field.length) break;
    tag.lastIndex = at;
    const m = tag.exec(field);
    if (!m) return false;
    if (!m[1] && m[2] === etag) matched = true;
    at = tag.lastIndex;
  }
  return matched;
}
