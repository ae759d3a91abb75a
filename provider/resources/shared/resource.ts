import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { type ResourceKind, secretFields } from "../../api/common.ts";
import type { Timeouts } from "../../runtime/timeouts.ts";
import { noteDeclared } from "./recorded.ts";
import { outputValueWithUnknowns } from "./sdk-internals.ts";

/** Inputs every AgentCloud resource takes besides its own fields. */
export interface CommonArgs {
  /** Physical name, unique per account × region × kind. Defaults to the resource name plus a suffix. */
  name?: pulumi.Input<string>;
  /** Tags (at most 50). Updated in place. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Deadlines for create/update/delete: seconds, or "90s", "20m", "1h". Not sent to the cloud. */
  timeouts?: pulumi.Input<Timeouts>;
  /**
   * Take over an existing cloud resource with this id on the first create, instead of creating one
   * (what `import` does for other providers; `import` cannot work for dynamic providers). Its
   * create-only values must be the declared ones; its mutable values are updated to the declared
   * ones. Ignored once the resource is in state: a later replacement creates a new resource.
   */
  adoptId?: pulumi.Input<string>;
}

/**
 * The provider object of the resource kind whose module is `moduleUrl`: the CommonJS module
 * `provider.cjs` beside it, loaded with `require` so that Pulumi's serializer finds it in
 * `require.cache` and stores a `require` of it (provider/resources/shared/shim.cjs says why).
 */
export function providerOf(moduleUrl: string): pulumi.dynamic.ResourceProvider {
  return createRequire(moduleUrl)("./provider.cjs");
}

/**
 * The props and options handed to dynamic.Resource: a fresh object per resource (the constructor
 * writes __provider into it), every output key present so it is registered, write-only inputs made
 * secret whatever the user passed, and the identity (`__scope`) that idempotency keys and automatic
 * names derive from. Resource options that dynamic providers cannot honour fail here, at preview,
 * with what to do instead; `replaceOnChanges` is carried to our diff, which applies it.
 */
export function resourceArgs(
  kind: ResourceKind,
  logicalName: string,
  args: CommonArgs,
  opts: pulumi.CustomResourceOptions | undefined,
  outputKeys: readonly string[],
): { props: Record<string, unknown>; opts: pulumi.CustomResourceOptions } {
  if (opts?.import !== undefined) {
    throw new Error(
      `${kind} "${logicalName}": the \`import\` resource option cannot work with a Pulumi dynamic provider (the engine reads imported resources without the provider's code). Remove \`import\` and set \`adoptId: ${JSON.stringify(String(opts.import))}\` in the arguments instead: the resource is taken over on the next \`pulumi up\`.`,
    );
  }
  const props: Record<string, unknown> = {};
  for (const k of outputKeys) props[k] = undefined;
  const { adoptId, ...rest } = args;
  Object.assign(props, rest);
  const secrets = secretFields[kind];
  for (const k of secrets.inputs) {
    if (props[k] !== undefined && props[k] !== null) props[k] = pulumi.secret(props[k]);
  }
  props.__scope = `${pulumi.getProject()}/${pulumi.getStack()}/${logicalName}`;
  noteDeclared(props.__scope as string);
  // Two resources may share a logical name under different parents: the parent's URN tells them
  // apart. Passed as a plain value: an input that *depends* on a component resource waits for all
  // of the component's children to register, this resource among them (it would never register).
  const parent = opts?.parent;
  if (parent) {
    props.__parent = new Promise<string>((resolve) => {
      parent.urn.apply((urn) => {
        resolve(urn);
        return urn;
      });
    });
  }
  if (adoptId !== undefined) props.__adoptId = adoptId;
  const aliasScopes = scopesOfAliases(opts?.aliases, logicalName);
  if (aliasScopes.length > 0) props.__aliasScopes = aliasScopes;
  if (opts?.replaceOnChanges?.length) props.__replaceOnChanges = [...opts.replaceOnChanges];
  const secretOutputs = [...(opts?.additionalSecretOutputs ?? []), ...secrets.outputs];
  // A chosen name cannot be held by two resources: its replacement must wait for the old one to go.
  // The engine asks our diff only for replacements it plans itself, not for `--replace`: say it here.
  const deleteBeforeReplace = opts?.deleteBeforeReplace ?? (rest.name !== undefined ? true : undefined);
  return {
    props,
    opts: {
      ...opts,
      additionalSecretOutputs: secretOutputs,
      ...(deleteBeforeReplace ? { deleteBeforeReplace } : {}),
    },
  };
}

/**
 * The identities (`project/stack/name`) a resource had under its aliases: a create of it that a
 * killed `pulumi up` left unrecorded under an old name is taken over, not left behind, after a
 * rename. Only aliases known while the program runs (plain values) are read.
 */
function scopesOfAliases(aliases: pulumi.CustomResourceOptions["aliases"], logicalName: string): string[] {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const scopes: string[] = [];
  for (const alias of aliases ?? []) {
    if (typeof alias === "string") {
      // urn:pulumi:<stack>::<project>::<type>::<name>
      const m = /^urn:pulumi:([^:]+)::([^:]+)::.*::([^:]+)$/.exec(alias);
      if (m) scopes.push(`${m[2]}/${m[1]}/${m[3]}`);
    } else if (alias && typeof alias === "object" && !pulumi.Output.isInstance(alias)) {
      const a = alias as { name?: unknown; project?: unknown; stack?: unknown };
      const name = typeof a.name === "string" ? a.name : logicalName;
      scopes.push(
        `${typeof a.project === "string" ? a.project : project}/${typeof a.stack === "string" ? a.stack : stack}/${name}`,
      );
    }
  }
  const own = `${project}/${stack}/${logicalName}`;
  return [...new Set(scopes)].filter((s) => s !== own);
}

/**
 * Gives the program what state leaves out (runtime/handlers.ts keeps an output only when it is not
 * what a left-out field gives): a spec output the engine's answer lacks resolves to its default,
 * or null (`leftOut.spec`), and a nullable cloud output to null once the resource's `status` is
 * known (`leftOut.cloud`; at the preview of a create or update the cloud has not answered yet, and
 * it stays unknown). Known at preview, as when state held these values: a program that passes
 * `cluster.tags` to another resource previews no change. Each keeps its dependency on the resource.
 */
export function fillLeftOut(
  resource: pulumi.CustomResource,
  leftOut: { spec: Record<string, unknown>; cloud: readonly string[] },
): void {
  const outs = resource as unknown as Record<string, pulumi.Output<unknown> | undefined>;
  const status = outs.status;
  const answered = async () =>
    status !== undefined && typeof (await outputValueWithUnknowns(status)) === "string";
  const fill = (k: string, leftOutValue: (o: pulumi.Output<unknown>) => Promise<unknown>) => {
    const o = outs[k];
    if (!o) return;
    // The URN is known at preview and carries the dependency on the resource; where the engine
    // answered the output (known, unknown or secret), it is `o` itself.
    outs[k] = resource.urn.apply(async () =>
      (await outputValueWithUnknowns(o)) === undefined ? leftOutValue(o) : o,
    );
  };
  for (const [k, value] of Object.entries(leftOut.spec)) fill(k, async () => structuredClone(value));
  for (const k of leftOut.cloud) fill(k, async (o) => ((await answered()) ? null : o));
}
