import type { z } from "zod";
import { sleep } from "../client/backoff.ts";
import { isAgentCloudError } from "../client/errors.ts";
import { digest, jsonClean, sameValue } from "../resources/shared/canonical.ts";
import { type CheckFailure, validate } from "../resources/shared/check.ts";
import { type KindDefinition, pick, specOf } from "../resources/shared/kind.ts";
import { autoName } from "../resources/shared/names.ts";
import { checkTimeouts, deadlineFor } from "../resources/shared/timeouts.ts";
import { containsUnknown, unknownValue } from "../resources/shared/unknowns.ts";
import { getClient } from "./config.ts";
import { partialCreateError, providerError } from "./errors.ts";

type Props = Record<string, unknown>;
/** Inputs of ours that never reach the cloud: `__provider`, `__autoname`, hints, and timeouts. */
const isInternal = (k: string) => k.startsWith("__") || k === "timeouts";

export function makeHandlers<
  Res extends { id: string; etag: string; status: string; name: string; statusReason: string | null },
>(def: KindDefinition<Res>) {
  const api = () => getClient().resources(def.kind, def.resource);
  const label = (name: unknown) => `${def.kind} "${typeof name === "string" ? name : "?"}"`;
  const createOnlyValues = (spec: Props) => def.createOnly.map((c) => c.of(spec));
  // What each field is when left out: state written by an older release that did not know a field
  // yet compares equal to today's default, so an upgrade alone never shows a change.
  const shape = (def.spec as unknown as { shape: Record<string, z.ZodType> }).shape;
  const defaults: Props = Object.fromEntries(
    def.specKeys.map((k) => [k, shape[k]?.safeParse(undefined).data]),
  );

  const describe = (r: Res) => `${r.id} is ${r.status}${r.statusReason ? `: ${r.statusReason}` : ""}`;

  function toSpec(inputs: Props): Props {
    const spec: Props = {};
    for (const k of def.specKeys) if (inputs[k] !== undefined && inputs[k] !== null) spec[k] = inputs[k];
    return spec;
  }

  function outputs(res: Res, inputs: Props): Props {
    return jsonClean({
      ...specOf(def, res, inputs),
      ...pick(res, def.outputKeys),
      __autoname: inputs.__autoname ?? null,
      ...(inputs.timeouts ? { timeouts: inputs.timeouts } : {}),
      schemaVersion: def.schemaVersion,
    });
  }

  function physicalName(olds: Props, news: Props): unknown {
    if (news.name !== undefined && news.name !== null) return news.name;
    const scope = typeof news.__autoname === "string" ? news.__autoname : "";
    const sameCreateOnly = sameValue(createOnlyValues(olds), createOnlyValues(news));
    if (typeof olds.name === "string" && olds.__autoname === scope && sameCreateOnly) return olds.name;
    const values = createOnlyValues(news);
    if (containsUnknown(values)) return unknownValue;
    const logical = scope.split("/").pop() ?? def.kind.toLowerCase();
    return autoName(scope, logical, values);
  }

  async function waitReady(
    id: string,
    op: Parameters<ReturnType<typeof getClient>["waitOperation"]>[0],
    deadline: number,
  ) {
    await getClient().waitOperation(op, deadline);
    const res = await api().get(id, deadline);
    if (!res) throw providerError(def.kind, new Error(`${id} disappeared while being provisioned`));
    if (!def.readyStates.includes(res.status)) throw new Error(describe(res));
    return res;
  }

  /** Waits until the resource is ready; fails with its reason when it ended in a failed state. */
  async function settled(res: Res, deadline: number): Promise<Res> {
    let current: Res | null = res;
    for (let attempt = 0; current && !def.readyStates.includes(current.status); attempt++) {
      if (def.failedStates.includes(current.status)) {
        throw new Error(`${describe(current)}; replace it with \`pulumi up --replace <urn>\``);
      }
      if (Date.now() >= deadline) throw new Error(`${current.id} is still ${current.status} at the deadline`);
      await sleep(Math.min(1000, 50 * 2 ** attempt));
      current = await api().get(current.id, deadline);
    }
    if (!current) throw new Error(`${res.id} no longer exists; run \`pulumi refresh\``);
    return current;
  }

  return {
    async check(olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
      const autonamed = news.name === undefined || news.name === null;
      const name = physicalName(olds ?? {}, news);
      const candidate: Props = { ...toSpec(news), name };
      for (const k of Object.keys(news)) {
        if (!def.specKeys.includes(k) && !isInternal(k) && k !== "name") candidate[k] = news[k]; // let the strict schema name unknown fields
      }
      const { value, failures } = validate(def.spec, candidate);
      failures.push(...checkTimeouts(news.timeouts));
      if (def.catalogCheck) failures.push(...def.catalogCheck(value ?? candidate, new Date(), news));
      const hints = Object.fromEntries(Object.entries(news).filter(([k]) => isInternal(k)));
      const extra: Props = {
        ...hints,
        __autoname: autonamed ? (news.__autoname ?? null) : null,
        ...(news.timeouts ? { timeouts: news.timeouts } : {}),
        __provider: news.__provider,
      };
      return { inputs: { ...(value ?? candidate), ...extra }, failures };
    },

    async diff(_id: string, olds: Props, news: Props) {
      const changed = def.specKeys.filter((k) => !sameValue(olds[k] ?? defaults[k], news[k] ?? defaults[k]));
      const replaces = def.createOnly
        .filter((c) => !sameValue(c.of(olds), c.of(news)) || containsUnknown(c.of(news)))
        .map((c) => c.property);
      const explicitName = news.__autoname === null || news.__autoname === undefined;
      // An automatic name changes only as a consequence of another replacement; a chosen one is its own reason.
      if (changed.includes("name") && (explicitName || replaces.length === 0)) replaces.push("name");
      return {
        changes: changed.length > 0,
        replaces: [...new Set(replaces)],
        // A user-chosen name would collide with the old resource until it is deleted.
        deleteBeforeReplace:
          replaces.length > 0 &&
          explicitName &&
          sameValue(olds.name, news.name) &&
          sameValue(olds.region, news.region),
      };
    },

    async create(inputs: Props) {
      const spec = toSpec(inputs);
      const what = label(spec.name);
      const deadline = deadlineFor("create", inputs.timeouts, def.timeouts);
      // Same spec → same key: a create re-run after a lost answer adopts the first one.
      const key = `pulumi-${digest(def.kind, spec).slice(0, 40)}`;
      let accepted: Awaited<ReturnType<ReturnType<typeof api>["create"]>>;
      try {
        accepted = await api().create(spec, key, deadline);
      } catch (e) {
        throw providerError(what, e);
      }
      const id = accepted.resource.id;
      try {
        const res = await waitReady(id, accepted.operation, deadline);
        return { id, outs: outputs(res, inputs) };
      } catch (e) {
        const latest = await api()
          .get(id, Date.now() + 10_000)
          .catch(() => null);
        const props = { ...outputs(latest ?? accepted.resource, inputs), __provider: inputs.__provider };
        throw partialCreateError(what, e, id, props);
      }
    },

    async read(id: string, props: Props) {
      let res: Res | null;
      try {
        res = await api().get(id, Date.now() + 60_000);
      } catch (e) {
        throw providerError(label(props.name), e);
      }
      if (!res) return { id: "", props: {} };
      const outs = outputs(res, props);
      const inputs: Props = { ...specOf(def, res, props), __autoname: props.__autoname ?? null };
      if (props.timeouts) inputs.timeouts = props.timeouts;
      return { id: res.id, props: outs, inputs: jsonClean(inputs) };
    },

    async update(id: string, olds: Props, news: Props) {
      const what = label(news.name);
      const deadline = deadlineFor("update", news.timeouts, def.timeouts);
      try {
        const found = await api().get(id, deadline);
        if (!found) throw new Error(`${id} no longer exists; run \`pulumi refresh\``);
        // A resource left half-created, or busy with another operation, must settle first.
        const current = await settled(found, deadline);
        const desired = toSpec(news);
        const currentSpec = specOf(def, current, olds);
        const patch: Props = {};
        for (const k of def.mutable) {
          if (!sameValue(currentSpec[k], desired[k])) patch[k] = desired[k] ?? null;
        }
        if (Object.keys(patch).length === 0) return { outs: outputs(current, news) };
        const accepted = await api().update(id, patch, current.etag, deadline);
        const res = await waitReady(id, accepted.operation, deadline);
        return { outs: outputs(res, news) };
      } catch (e) {
        throw providerError(what, e);
      }
    },

    async delete(id: string, props: Props) {
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

export type Handlers = ReturnType<typeof makeHandlers>;
