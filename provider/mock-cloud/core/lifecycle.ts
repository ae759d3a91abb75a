import type { FaultRule, Transitions } from "../../api/admin.ts";
import type { Operation, ResourceKind } from "../../api/common.ts";
import type { Repo, StoredOperation } from "../store/repo.ts";
import type { Clock } from "./clock.ts";
import { kindModels } from "./kinds.ts";
import type { Body, Ctx, KindModel } from "./model.ts";
import { randomHex } from "./random.ts";
import { pickFault } from "./settings.ts";

/**
 * Long-running operations on the emulator's clock: started with a request, moved on by reads,
 * by the timer and by clock advances, durable because everything they need is in the store.
 */
export interface LifecycleHost {
  repo: Repo;
  clock: Clock;
  transitions: Transitions;
  faults: FaultRule[];
  ctx(account: string): Ctx;
}

export const newId = (prefix: string) => `${prefix}-${randomHex(6)}`;
export const newEtag = () => randomHex(6);

export function startOperation(
  host: LifecycleHost,
  ctx: Ctx,
  kind: ResourceKind,
  resourceId: string,
  action: Operation["action"],
  previous: StoredOperation["previous"] = null,
): StoredOperation {
  const now = ctx.now.toISOString();
  const op: StoredOperation = {
    account: ctx.account,
    startedMs: ctx.now.getTime(),
    reads: 0,
    previous,
    op: {
      id: newId("op"),
      kind,
      resourceId,
      action,
      status: "RUNNING",
      error: null,
      createdAt: now,
      updatedAt: now,
    },
  };
  host.repo.putOperation(op);
  return op;
}

/** A read of the resource counts toward "after N reads" transitions of its running operations. */
export function observe(host: LifecycleHost, ctx: Ctx, resourceId: string): void {
  for (const o of host.repo.runningOperations(resourceId)) {
    if (o.account !== ctx.account) continue;
    const read = { ...o, reads: o.reads + 1 };
    host.repo.putOperation(read);
    advance(host, read);
  }
}

export function advance(host: LifecycleHost, o: StoredOperation): void {
  const model = kindModels[o.op.kind];
  const r = host.repo.getResource(o.account, o.op.kind, o.op.resourceId);
  if (!r) {
    finish(host, o, null);
    return;
  }
  const ctx = host.ctx(o.account);
  const t = host.transitions[o.op.kind] ?? { mode: "immediate" };
  const due =
    t.mode === "immediate" ||
    (t.mode === "duration" && ctx.now.getTime() >= o.startedMs + t.ms) ||
    (t.mode === "reads" && o.reads >= t.reads);
  if (o.op.action === "create") {
    const waiting = model.progress?.(ctx, r);
    if (!due) {
      if (waiting && waiting !== r.body.status)
        host.repo.putResource({ ...r, body: { ...r.body, status: waiting } });
      return;
    }
    const fault = pickFault(host.faults, {
      kind: o.op.kind,
      operation: "provision",
      region: r.body.region,
      account: o.account,
    });
    const outcome = fault
      ? {
          code: fault.code ?? "InternalError",
          message: fault.message ?? "provisioning failed (injected fault)",
        }
      : (model.finishCreate?.(ctx, r) ?? null);
    const waitState = model.lifecycle.waiting;
    if (outcome?.code === "Waiting" && waitState) {
      if (r.body.status !== waitState)
        host.repo.putResource({ ...r, body: { ...r.body, status: waitState } });
      return;
    }
    const status = outcome ? model.lifecycle.createFailed : model.lifecycle.ready;
    host.repo.putResource({ ...r, body: settled(host, model, r.body, status, outcome?.message ?? null) });
    finish(host, o, outcome);
    return;
  }
  if (!due) return;
  if (o.op.action === "update") {
    const fault = pickFault(host.faults, {
      kind: o.op.kind,
      operation: "provision",
      region: r.body.region,
      account: o.account,
    });
    if (fault && o.previous) {
      // The change did not take: back to the resource as it was, still serving, with the reason.
      const message = fault.message ?? "update failed (injected fault)";
      const body = settled(
        host,
        model,
        o.previous.body,
        model.lifecycle.ready,
        `update rolled back: ${message}`,
      );
      host.repo.putResource({ ...r, body, secret: o.previous.secret });
      finish(host, o, { code: fault.code ?? "InternalError", message });
      return;
    }
    host.repo.putResource({ ...r, body: settled(host, model, r.body, model.lifecycle.ready, null) });
    finish(host, o, null);
    return;
  }
  host.repo.deleteResource(r.id);
  finish(host, o, null);
}

function settled(
  host: LifecycleHost,
  model: KindModel,
  body: Body,
  status: string,
  reason: string | null,
): Body {
  const ready = status === model.lifecycle.ready ? model.whenReady?.(body) : {};
  return {
    ...body,
    ...ready,
    status,
    statusReason: reason,
    etag: newEtag(),
    updatedAt: host.clock.now().toISOString(),
  };
}

export function finish(
  host: LifecycleHost,
  o: StoredOperation,
  error: { code: string; message: string } | null,
): void {
  const status = error ? "FAILED" : "SUCCEEDED";
  host.repo.putOperation({
    ...o,
    op: { ...o.op, status, error, updatedAt: host.clock.now().toISOString() },
  });
}
