import * as pulumi from "@pulumi/pulumi";
import type { Timeouts } from "./timeouts.ts";

/** Inputs every AgentCloud resource takes besides its own fields. */
export interface CommonArgs {
  /** Physical name, unique per account × region × kind. Defaults to the resource name plus a suffix. */
  name?: pulumi.Input<string>;
  /** Tags (at most 50). Updated in place. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Deadlines for create/update/delete: seconds, or "90s", "20m", "1h". Not sent to the cloud. */
  timeouts?: pulumi.Input<Timeouts>;
}

/**
 * The props handed to dynamic.Resource: a fresh object per resource (the constructor writes
 * __provider into it), every output key present so it is registered, and the scope that makes
 * automatic names stable per stack.
 */
export function resourceProps(
  logicalName: string,
  args: object,
  outputKeys: readonly string[],
): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const k of outputKeys) props[k] = undefined;
  Object.assign(props, args);
  props.__autoname = `${pulumi.getProject()}/${pulumi.getStack()}/${logicalName}`;
  return props;
}

/** Marks outputs the cloud derives (API keys...) as secrets, whatever the inputs were. */
export function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  keys: string[],
): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...keys] };
}
