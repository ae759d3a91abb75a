import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { jsonClean, sameValue } from "../api/canonical.ts";
import { mutableKeys, specKeys } from "../api/common.ts";
import { specDefaults } from "../api/defaults.ts";
import { isAgentCloudError } from "../client/errors.ts";
import { type KindDefinition, pick, specOf } from "../resources/shared/kind.ts";
import { type CheckFailure, validate, valueAt } from "./check.ts";
import { getClient, now } from "./config.ts";
import { isPartial, partialCreateError, providerError } from "./errors.ts";
import { autoName, chainKeys, firstLineage, idempotencyKey, isAutoNameOf, nextLineage } from "./identity.ts";
import { report } from "./progress.ts";
import { isAutonamed, type ProviderState, providerState, recordOf } from "./provider-state.ts";
import { releaseRecorded, unrecordedKeys } from "./recorded.ts";
import { checkTimeouts, deadlineFor } from "./timeouts.ts";
import { containsUnknown } from "./unknowns.ts";

type Props = Record<string, unknown>;
/** Inputs of ours that never reach the cloud: `__provider`, `__scope`, `__adoptId`, hints, and timeouts. */
const isInternal = (k: string) => k.startsWith("__") || k === "timeouts";
const isSet = (v: unknown) => v !== undefined && v !== null;
/**
 * The estimate as state keeps it: without its notes, sentences for people that `POST
 * /v1/validations` answers (docs/pricing.md).
 */
function keptEstimate(e: unknown): Props | null {
  if (e === null || typeof e !== "object" || Array.isArray(e)) return null;
  return Object.fromEntries(Object.entries(e).filter(([k]) => k !== "notes"));
}

/**
 * Ids that a create of this process was handed back instead of making them (a replayed key, an
 * interrupted create taken over, adoptId). If the same run then asks to delete one as "the old
 * resource" of a replacement, the replacement got the old resource back (its key was never
 * released): deleting it would destroy the live resource, so the delete is skipped. A provider
 * process serves one engine run, so the set lives as long as that run.
 */
const handedOut = new Set<string>();

export function makeHandlers<
  Res extends { id: string; etag: string; status: string; name: string; statusReason: string | null },
>(def: KindDefinition<Res>) {
  const api = () => getClient().resources(def.kind, def.view as unknown as z.ZodType<Res>);
  const label = (name: unknown) => `${def.kind} "${typeof name === "string" ? name : "?"}"`;
  // What each field is when left out (its default, or null). State keeps a field only when it
  // differs from that, and compares a left-out field equal to it: state of an older release, which
  // held defaults and nulls (or lacked a field it did not know yet), diffs as no change.
  const defaults = specDefaults(def);
  const fields = specKeys(def);
  /** Inputs the resource class passes to check alone (catalog rules, estimate): not kept in state. */
  const checkOnly = new Set(def.checkHints ?? []);

  const describe = (r: Res) => `${r.id} is ${r.status}${r.statusReason ? `: ${r.statusReason}` : ""}`;

  /**
   * The spec the cloud is sent (a create's body, what converge compares and PATCHes): every field
   * with its defaults applied, whether state keeps it or leaves it out.
   */
  function toSpec(inputs: Props): Props {
    const out: Props = {};
    for (const k of fields) {
      const v = defaults.filled(k, inputs[k]);
      if (isSet(v)) out[k] = v;
    }
    return out;
  }

  /** The spec fields the inputs set, as they set them. */
  function given(inputs: Props): Props {
    const out: Props = {};
    for (const k of fields) if (isSet(inputs[k])) out[k] = inputs[k];
    return out;
  }

  /** Spec fields as state keeps them: what a left-out field would be (its default, or null) left out. */
  function leanSpec(values: Props): Props {
    const out: Props = {};
    for (const [k, v] of Object.entries(values)) {
      const kept = fields.includes(k) ? defaults.lean(k, v) : v;
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }

  /** The create's key, whether it is released, and whether the name is automatic. */
  interface Bookkeeping {
    key: string | null;
    released: boolean;
    autonamed: boolean;
  }

  /**
   * The outputs state keeps: the cloud's view of the spec and its own outputs, without what a
   * left-out field would be (its default, or null) and without null outputs (the resource class
   * gives the program those values back, shared/resource.ts), the estimate without its notes, and
   * the bookkeeping: the key, `__released` once a release is recorded, and `__autoname` only where
   * the name and key do not tell it (identity.ts).
   */
  function outputs(res: Res, inputs: Props, b: Bookkeeping): Props {
    const cloud = Object.entries(pick(res, def.outputKeys)).filter(([, v]) => isSet(v));
    const estimate = keptEstimate(inputs.estimate);
    return jsonClean({
      ...leanSpec(specOf(def, res, inputs)),
      ...Object.fromEntries(cloud),
      ...recordOf(b.key, b.released),
      ...(b.autonamed === isAutoNameOf(res.name, b.key) ? {} : { __autoname: b.autonamed }),
      ...(inputs.timeouts ? { timeouts: inputs.timeouts } : {}),
      // The checked inputs' estimate (create, update), or the one state holds (read).
      ...(estimate ? { estimate } : {}),
    });
  }

  /**
   * Waits for an accepted create or update to finish and returns the resource as it is then. An
   * operation the cloud finished before it answered (immediate transitions) needs no further request:
   * the resource in the answer is the final one.
   */
  async function waitReady(
    accepted: { operation: Parameters<ReturnType<typeof getClient>["waitOperation"]>[0]; resource: Res },
    deadline: number,
  ) {
    const id = accepted.resource.id;
    if (accepted.operation.status === "SUCCEEDED" && accepted.resource.status === def.lifecycle.ready) {
      return accepted.resource;
    }
    await getClient().waitOperation(accepted.operation, deadline);
    const res = await api().get(id, deadline);
    if (!res) throw providerError(def.kind, new Error(`${id} disappeared while being provisioned`));
    if (res.status !== def.lifecycle.ready) throw new Error(describe(res));
    return res;
  }

  /** Waits until the resource is ready; fails with its reason when it ended in a failed state. */
  async function untilReady(res: Res, deadline: number): Promise<Res> {
    const started = Date.now();
    let current: Res | null = res;
    for (let attempt = 0; current && current.status !== def.lifecycle.ready; attempt++) {
      if (def.lifecycle.failed.includes(current.status)) {
        throw new Error(
          `${describe(current)}; \`pulumi refresh\` then \`pulumi up\` replaces it (or \`pulumi up --replace <urn>\`)`,
        );
      }
      if (Date.now() >= deadline) throw new Error(`${current.id} is still ${current.status} at the deadline`);
      if (attempt > 0) {
        report({
          kind: "waiting",
          resourceId: current.id,
          status: current.status,
          elapsedMs: Date.now() - started,
        });
      }
      await sleep(Math.min(1000, 50 * 2 ** attempt));
      current = await api().get(current.id, deadline);
    }
    if (!current) throw new Error(`${res.id} no longer exists; run \`pulumi refresh\``);
    return current;
  }

  /** Brings a ready resource's mutable fields to the desired spec (one PATCH, or none). */
  async function converge(current: Res, desired: Props, previous: Props, deadline: number): Promise<Res> {
    const currentSpec = specOf(def, current, previous);
    const patch: Props = {};
    for (const k of mutableKeys(def)) {
      if (!sameValue(currentSpec[k], desired[k])) patch[k] = desired[k] ?? null;
    }
    if (Object.keys(patch).length === 0) return current;
    const accepted = await api().update(current.id, patch, current.etag, deadline);
    return waitReady(accepted, deadline);
  }

  /**
   * Takes over a resource that exists already: the one an interrupted create of this very resource
   * made (`ours`), or the one `adoptId` names. Its create-only values must be the program's;
   * mutable ones are updated to the program's. A resource of ours that cannot be taken over as it
   * is still ends up in state (a partial create), so the next `up` replaces it instead of leaving it
   * behind; another one is left untouched.
   */
  async function adopt(id: string, spec: Props, inputs: Props, deadline: number, ours: boolean) {
    const found = await api().get(id, deadline);
    if (!found) throw new Error(`${id} does not exist${ours ? "" : " (adoptId)"}`);
    const recorded = (e: unknown) =>
      partialCreateError(label(found.name), e, id, {
        ...outputs(found, inputs, { key: null, released: false, autonamed: !isSet(inputs.name) }),
        __provider: inputs.__provider,
      });
    const current = specOf(def, found, inputs);
    const differing = def.createOnly
      .filter((c) => !sameValue(c.of(current), c.of(spec)))
      .map((c) => c.property);
    if (isSet(inputs.name) && !sameValue(found.name, inputs.name)) differing.push("name");
    if (differing.length > 0) {
      const e = new Error(
        `${id} was not adopted: its ${[...new Set(differing)].join(", ")} differ from the program's and cannot change in place${ours ? "; it is recorded in state, and the next `pulumi up` replaces it" : ""}`,
      );
      throw ours ? recorded(e) : e;
    }
    let ready: Res;
    try {
      ready = await untilReady(found, deadline);
    } catch (e) {
      throw ours ? recorded(e) : e;
    }
    try {
      return { id, res: await converge(ready, spec, inputs, deadline) };
    } catch (e) {
      throw recorded(e);
    }
  }

  /** What a refused create means for the user, beyond the cloud's own words. */
  function explainCreateFailure(e: unknown): unknown {
    if (!isAgentCloudError(e)) return e;
    if (e.code === "Conflict" && e.details?.field === "name") {
      e.message +=
        "; it was not created by this resource (another stack, another resource, or outside Pulumi): choose another name, delete it, or take it over with `adoptId`";
    }
    return e;
  }

  /** Names in `replaceOnChanges` (as `__replaceOnChanges`) whose value changed: the engine cannot apply them to dynamic providers. */
  function replaceOnChanges(olds: Props, news: Props): string[] {
    const paths = providerState(news).replaceOnChanges;
    // Compared with defaults applied: state of either shape holds a left-out field or its default.
    const before = { ...olds, ...toSpec(olds) };
    const after = { ...news, ...toSpec(news) };
    const out: string[] = [];
    for (const raw of paths) {
      if (typeof raw !== "string") continue;
      const segments = raw.split(/[.[\]"]+/).filter(Boolean);
      const upTo = segments.indexOf("*") === -1 ? segments : segments.slice(0, segments.indexOf("*"));
      const keys = upTo.length === 0 ? fields : [upTo[0] as string];
      for (const key of keys) {
        const path = upTo.length === 0 ? [key] : upTo;
        if (!sameValue(valueAt(before, path), valueAt(after, path))) out.push(key);
      }
    }
    return out;
  }

  /**
   * Another resource bound to an unreleased key of this resource's chain: what a replacement's create
   * made before its `pulumi up` was killed. (Its key may even be this resource's own: a
   * delete-before-replace frees the old resource's key, and the replacement takes it.)
   */
  function interruptedReplacement(
    news: Props,
    recordedId: string,
    unrecorded: ReadonlyMap<string, string>,
  ): string | null {
    const { scope, parent } = providerState(news);
    for (const key of chainKeys(def.kind, scope, parent)) {
      const id = unrecorded.get(key);
      if (id !== undefined && id !== recordedId) return id;
    }
    return null;
  }

  /** Where a create landed: the resource (ready, converged), its key and whether that is released. */
  interface Landing {
    id: string;
    res: Res;
    key: string;
    released: boolean;
  }

  /**
   * `adoptId` takes an existing resource over: on the first create of this resource, or again for
   * the resource its first key is bound to (after `pulumi state delete`, say). Null when the first
   * key belongs to another resource: the create is a replacement, a new resource.
   */
  async function adoptedBy(state: ProviderState, spec: Props, inputs: Props, deadline: number) {
    if (!state.adoptId) return null;
    const key = idempotencyKey(firstLineage(def.kind, state.scope, state.parent));
    const what = label(inputs.name);
    try {
      const first = await getClient().idempotencyKeys().get(key, deadline);
      if (first && first.resourceId !== state.adoptId) return null;
      const adopted = await adopt(state.adoptId, spec, inputs, deadline, false);
      handedOut.add(adopted.id);
      const released = await getClient()
        .idempotencyKeys()
        .release(key, deadline, adopted.id)
        .then(
          () => true,
          () => false,
        );
      return { ...adopted, key, released } satisfies Landing;
    } catch (e) {
      throw isPartial(e) ? e : providerError(what, e);
    }
  }

  /**
   * A create a killed run left unrecorded under a name the resource had before (an alias): its key
   * is in the old name's chain, not released. Taken over instead of left behind.
   */
  async function renamedFrom(state: ProviderState, spec: Props, inputs: Props, deadline: number) {
    for (const scope of state.aliasScopes) {
      const key = idempotencyKey(firstLineage(def.kind, scope, state.parent));
      try {
        const held = await getClient().idempotencyKeys().get(key, deadline);
        if (!held || held.released || held.kind !== def.kind) continue;
        handedOut.add(held.resourceId);
        return { ...(await adopt(held.resourceId, spec, inputs, deadline, true)), key, released: false };
      } catch (e) {
        throw isPartial(e) ? e : providerError(label(inputs.name), e);
      }
    }
    return null;
  }

  /**
   * Claims the first key of the resource's chain that the cloud does not refuse as recorded, and
   * lands on what the cloud answers: a new resource, or the one an interrupted create of this
   * resource made (handed back for the same request, named by the cloud for a changed one).
   */
  async function claim(state: ProviderState, spec: Props, inputs: Props, deadline: number): Promise<Landing> {
    const nameOf = (l: string) => (isSet(inputs.name) ? inputs.name : autoName(state.scope, l));
    let lineage = firstLineage(def.kind, state.scope, state.parent);
    let what = label(nameOf(lineage));
    try {
      for (let incarnation = 0; ; incarnation++) {
        spec.name = nameOf(lineage);
        what = label(spec.name);
        const key = idempotencyKey(lineage);
        const answer = await api()
          .create(spec, key, deadline, state.scope || undefined)
          .catch((e: unknown) => {
            if (!isAgentCloudError(e) || incarnation >= 1000) throw e;
            // This key's resource is recorded in state already: this create is a new resource.
            if (e.code === "IdempotencyKeyReleased") return "next" as const;
            // The automatic name of this lineage is taken: a resource this chain made under this
            // key, which the cloud has forgotten (its key expired unreleased, 24 h). It is not
            // handed out again: the create moves on, as for a released key.
            if (e.code === "Conflict" && e.details?.field === "name" && !isSet(inputs.name))
              return "next" as const;
            // The create of this very resource was interrupted, and the program changed since: the
            // cloud names what that create made, which is taken over instead of left behind.
            const earlier = e.code === "IdempotencyMismatch" ? e.details?.resourceId : null;
            if (typeof earlier !== "string") throw e;
            return { earlier };
          });
        if (answer === "next") {
          lineage = nextLineage(def.kind, lineage);
          continue;
        }
        if ("earlier" in answer) {
          handedOut.add(answer.earlier);
          return { ...(await adopt(answer.earlier, spec, inputs, deadline, true)), key, released: false };
        }
        // A resource an earlier create made: if it is also in state (its key was never released),
        // this run must never delete it as "the old one" (see delete).
        if (answer.replayed) handedOut.add(answer.resource.id);
        return await finish(answer, key, inputs, what, deadline);
      }
    } catch (e) {
      throw isPartial(e) ? e : providerError(what, explainCreateFailure(e));
    }
  }

  /**
   * Waits for an accepted create to be ready. One that does not become ready is still recorded in
   * state with its id (a partial create): never orphaned, and the next `up` replaces it.
   */
  async function finish(
    accepted: Awaited<ReturnType<ReturnType<typeof api>["create"]>>,
    key: string,
    inputs: Props,
    what: string,
    deadline: number,
  ): Promise<Landing> {
    const id = accepted.resource.id;
    try {
      return { id, res: await waitReady(accepted, deadline), key, released: false };
    } catch (e) {
      const latest = await api()
        .get(id, Date.now() + 10_000)
        .catch(() => null);
      throw partialCreateError(what, e, id, {
        ...outputs(latest ?? accepted.resource, inputs, {
          key,
          released: false,
          autonamed: !isSet(inputs.name),
        }),
        __provider: inputs.__provider,
      });
    }
  }

  /**
   * The spec checked as preview checks it, with its defaults applied and its estimate (with its
   * notes): what the cloud's `POST /v1/validations` answers. `checkForState` gives the engine the
   * same inputs as state keeps them.
   */
  async function check(_olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
    const autonamed = !isSet(news.name);
    const { scope, parent } = providerState(news);
    const candidate: Props = given(news);
    // An automatic name is validated like a chosen one but not stored: the create derives it.
    if (autonamed) {
      candidate.name = autoName(scope, firstLineage(def.kind, scope, parent));
    }
    for (const k of Object.keys(news)) {
      if (!fields.includes(k) && !isInternal(k) && k !== "estimate") candidate[k] = news[k]; // let the strict schema name unknown fields
    }
    const { value, failures } = validate(def.spec, candidate);
    failures.push(...checkTimeouts(news.timeouts));
    if (def.catalogCheck) failures.push(...def.catalogCheck(value ?? candidate, now(), news));
    const inputs: Props = { ...(value ?? candidate) };
    if (autonamed) delete inputs.name;
    // What the create needs besides the spec (identity, adoptId...); the check's own hints stay out.
    const hints = Object.fromEntries(
      Object.entries(news).filter(([k]) => isInternal(k) && !checkOnly.has(k)),
    );
    // Known at preview once the values it reads are; derived from the spec, never compared by diff.
    const estimate = failures.length === 0 ? def.estimate?.(value ?? candidate, news) : null;
    return {
      inputs: {
        ...inputs,
        ...(estimate ? { estimate } : {}),
        ...hints,
        __scope: scope,
        ...(news.timeouts ? { timeouts: news.timeouts } : {}),
        __provider: news.__provider,
      },
      failures,
    };
  }

  return {
    check,

    /**
     * check as the engine calls it: the checked inputs as state keeps them. A field is left out when
     * it is what leaving it out gives (its default, or null): create and update apply the defaults
     * again (toSpec), diff compares with them applied. The estimate is kept without its notes.
     */
    async checkForState(olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
      const { inputs, failures } = await check(olds, news);
      const estimate = keptEstimate(inputs.estimate);
      return { inputs: { ...leanSpec(inputs), ...(estimate ? { estimate } : {}) }, failures };
    },

    async diff(_id: string, olds: Props, news: Props) {
      const autonamed = !isSet(news.name);
      // An automatic name is the cloud's business: kept while the resource lives, whatever its
      // logical name or parent becomes (aliases), and new only with a replacement.
      const compared = fields.filter((k) => !(autonamed && k === "name"));
      const changed = compared.filter((k) => !defaults.same(k, olds[k], news[k]));
      // Create-only values compared with defaults applied: state of either shape holds a left-out
      // field or its default.
      const [before, after] = [toSpec(olds), toSpec(news)];
      const replaces = def.createOnly
        .filter((c) => !sameValue(c.of(before), c.of(after)) || containsUnknown(c.of(news)))
        .map((c) => c.property);
      if (changed.includes("name")) replaces.push("name");
      replaces.push(...replaceOnChanges(olds, news));
      // A resource whose provisioning failed is replaced by the next `up`, as a tainted one would be;
      // so is one that state last saw being deleted (a killed `pulumi destroy`, then refresh).
      if (
        typeof olds.status === "string" &&
        [...def.lifecycle.failed, def.lifecycle.deleting].includes(olds.status)
      )
        replaces.push("status");
      // The olds come from state: the engine recorded this resource, so its create key may be released
      // now (identity.ts). It must be before a replacement's create, which would otherwise be handed
      // this very resource back; otherwise only a key the cloud lists as unreleased is worth a request.
      const unrecorded = await unrecordedKeys();
      const { key, released } = providerState(olds);
      if (key && !released && (replaces.length > 0 || unrecorded.get(key) === _id)) {
        await releaseRecorded(key, _id);
      }
      // A replacement whose `pulumi up` was killed made a resource that no state holds: it is in this
      // resource's key chain, not released. This update finishes that replacement (the create takes it
      // over, the old resource is deleted) instead of leaving it outside the stack.
      const interrupted = unrecorded.size > 0 ? interruptedReplacement(news, _id, unrecorded) : null;
      if (interrupted) {
        replaces.push("__key");
        console.error(
          `pulumi-agentcloud: ${label(news.name ?? olds.name)}: ${interrupted} was made by an interrupted replacement (a killed \`pulumi up\`) and is in no stack; this update finishes the replacement: ${interrupted} takes the place of ${_id}, which is deleted`,
        );
      }
      return {
        changes: changed.length > 0 || replaces.length > 0,
        replaces: [...new Set(replaces)],
        // A chosen name cannot be taken twice: its replacement (a create-only change, `--replace`)
        // must wait for the old resource to go. An automatic name is new for each replacement.
        deleteBeforeReplace:
          !autonamed && sameValue(olds.name, news.name) && sameValue(olds.region, news.region),
      };
    },

    /**
     * Creates the resource, or takes over the one an interrupted create of it (or `adoptId`) names,
     * and answers with it ready. One exit: the resource and its key as the engine will record them.
     * The release policy (identity.ts): a create never releases its key; the program does once the
     * engine has recorded the resource, or a later diff or update of it. Binding `adoptId`'s key is
     * no release of a create: a re-run takes the same resource over again.
     */
    async create(inputs: Props): Promise<{ id: string; outs: Props }> {
      const state = providerState(inputs);
      const deadline = deadlineFor("create", inputs.timeouts, def.timeouts);
      const spec = toSpec(inputs);
      const landed =
        (await adoptedBy(state, spec, inputs, deadline)) ??
        (await renamedFrom(state, spec, inputs, deadline)) ??
        (await claim(state, spec, inputs, deadline));
      const autonamed = !isSet(inputs.name);
      const outs = outputs(landed.res, inputs, { key: landed.key, released: landed.released, autonamed });
      return { id: landed.id, outs };
    },

    async read(id: string, props: Props) {
      let res: Res | null;
      try {
        const deadline = Date.now() + 60_000;
        res = await api().get(id, deadline);
        // A delete in flight (a killed `pulumi destroy`) ends with the resource gone: wait for it
        // rather than record a resource that is going away.
        for (let attempt = 0; res?.status === def.lifecycle.deleting && Date.now() < deadline; attempt++) {
          await sleep(Math.min(1000, 50 * 2 ** attempt));
          res = await api().get(id, deadline);
        }
      } catch (e) {
        throw providerError(label(props.name), e);
      }
      if (!res) return { id: "", props: {} };
      // props are the outputs state holds, of this release or an older one.
      const { key, released } = providerState(props);
      const autonamed = isAutonamed(props);
      const outs = outputs(res, props, { key, released, autonamed });
      // The inputs the engine shows `preview --diff` against, as check would give them.
      const inputs: Props = leanSpec(specOf(def, res, props));
      if (autonamed) delete inputs.name;
      if (props.timeouts) inputs.timeouts = props.timeouts;
      return { id: res.id, props: outs, inputs: jsonClean(inputs) };
    },

    async update(id: string, olds: Props, news: Props) {
      const what = label(news.name ?? olds.name);
      const deadline = deadlineFor("update", news.timeouts, def.timeouts);
      try {
        const found = await api().get(id, deadline);
        if (!found) throw new Error(`${id} no longer exists; run \`pulumi refresh\``);
        // A resource left half-created, or busy with another operation, must settle first.
        const current = await untilReady(found, deadline);
        const { key, released: held } = providerState(olds);
        // olds come from state: recorded, so a key still held can be released now.
        const released = key && !held ? await releaseRecorded(key, id, deadline) : true;
        const res = await converge(current, toSpec(news), olds, deadline);
        return { outs: outputs(res, news, { key, released, autonamed: !isSet(news.name) }) };
      } catch (e) {
        throw providerError(what, e);
      }
    },

    async delete(id: string, props: Props) {
      if (handedOut.has(id)) {
        console.error(
          `pulumi-agentcloud: not deleting ${def.kind} ${id}: this run's create was handed it back as the new resource, so it is not an old one (its create key had never been released)`,
        );
        return;
      }
      const deadline = deadlineFor("delete", props.timeouts, def.timeouts);
      try {
        const op = await api().delete(id, deadline);
        if (op) await getClient().waitOperation(op, deadline);
      } catch (e) {
        if (isAgentCloudError(e) && e.code === "NotFound") return;
        throw providerError(label(props.name), e);
      }
    },
  };
}
