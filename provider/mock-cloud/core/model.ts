import type { Limits } from "../../api/admin.ts";
import { canonicalJson } from "../../api/canonical.ts";
import type { CreateOnly, KindApi, ResourceKind } from "../../api/common.ts";
import type { RuleIssue } from "../../api/issues.ts";
import { fail, invalid } from "../errors.ts";
import type { Repo, StoredResource } from "../store/repo.ts";

export type Body = StoredResource["body"];

/** What a domain rule may look at: the caller's account, the store, the clock, the limits. */
export interface Ctx {
  repo: Repo;
  account: string;
  now: Date;
  limits: Limits;
  /** Origin of the emulator as the client reached it, for URLs in outputs. */
  baseUrl: string;
}

/**
 * The emulator's rules of one resource kind: what provider/api declares of it (KindApi), and how the
 * cloud checks, builds and moves it. A create waits in `lifecycle.waiting` while `finishCreate`
 * answers `Waiting`; `view` is what an out-of-band edit must still satisfy.
 */
export interface KindModel extends KindApi {
  /** Validates references, quotas and fit; throws MockCloudError. */
  checkCreate(ctx: Ctx, spec: Record<string, unknown>): void;
  checkUpdate(ctx: Ctx, current: StoredResource, patch: Record<string, unknown>): void;
  /** The stored view of a new resource (status `creating`). */
  build(
    ctx: Ctx,
    id: string,
    spec: Record<string, unknown>,
  ): { body: Body; secret: Record<string, string> | null };
  /** Applies a validated patch, recomputing derived outputs. */
  applyPatch(
    ctx: Ctx,
    current: StoredResource,
    patch: Record<string, unknown>,
  ): { body: Body; secret: Record<string, string> | null };
  /** Recomputes derived outputs after an out-of-band edit. */
  derive(body: Body): Body;
  /** Ids of live resources that depend on this one (delete is refused while any exist). */
  dependents(ctx: Ctx, r: StoredResource): string[];
  /** The status while an update runs, when it depends on what changes (default: lifecycle.updating). */
  updatingState?(patch: Record<string, unknown>): string;
  /** A status to show while a create is still in progress (e.g. PROVISIONING, WAITING_FOR_CAPACITY). */
  progress?(ctx: Ctx, r: StoredResource): string;
  /** Outputs a resource takes when it becomes ready (e.g. a cluster's ready hyper-nodes). */
  whenReady?(body: Body): Partial<Body>;
  /** Whether a finishing create succeeds; an error code and message when it fails (`Waiting`: not yet). */
  finishCreate?(ctx: Ctx, r: StoredResource): { code: string; message: string } | null;
}

/** Top-level fields a PATCH may not change: the spec's fields that its patch schema leaves out. */
export function immutableFields(model: Pick<KindApi, "spec" | "patch">): string[] {
  return Object.keys(model.spec.shape).filter((k) => !(k in model.patch.shape));
}

/** 402 QuotaExceeded when one more resource of a kind would pass the per-region count quota. */
export function checkCountQuota(
  ctx: Ctx,
  kind: ResourceKind,
  region: string,
  limit: number,
  what: string,
): void {
  const n = ctx.repo.countResources({ account: ctx.account, kind, region });
  if (n + 1 > limit)
    fail("QuotaExceeded", `${what} in ${region}: quota ${limit}`, { limit, current: n, requested: 1 });
}

/** 400 ImmutableField when a PATCH changes a value fixed at creation (provider/api declares which). */
export function checkCreateOnly(
  rules: readonly CreateOnly[],
  current: Body,
  patch: Record<string, unknown>,
): void {
  for (const rule of rules) {
    if (patch[rule.property] === undefined) continue;
    if (canonicalJson(rule.of(current) ?? null) !== canonicalJson(rule.of(patch) ?? null)) {
      fail("ImmutableField", rule.message, { field: rule.path });
    }
  }
}

/**
 * Answers a broken rule of provider/api with its own code: a ValidationError as a 400 with the
 * field's issue, any other code with the field and the rule's details (and `details`, which win).
 */
export function raise(issue: RuleIssue, details: Record<string, unknown> = {}): never {
  if (issue.code === "ValidationError") invalid([{ path: issue.path, message: issue.message }]);
  fail(issue.code, issue.message, { field: issue.path, ...issue.details, ...details });
}
