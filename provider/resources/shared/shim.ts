import type * as pulumi from "@pulumi/pulumi";

// biome-ignore lint/suspicious/noExplicitAny: the engine hands the provider untyped property bags.
type Args = any[];

/**
 * The provider object stored (serialized) in every resource's state. It captures only the kind's
 * name and loads the installed runtime when called, so it stays under 2 KB, holds no configuration
 * or secret, is identical across releases, and old resources are deleted/refreshed by current code.
 * Arrow functions through one helper keep the serializer's per-function wrapper count low.
 */
export function shim(kind: string): pulumi.dynamic.ResourceProvider {
  const r = (m: string, a: Args) => require("pulumi-agentcloud/runtime").run(kind, m, a);
  return {
    configure: (...a: Args) => r("configure", a),
    check: (...a: Args) => r("check", a),
    diff: (...a: Args) => r("diff", a),
    create: (...a: Args) => r("create", a),
    read: (...a: Args) => r("read", a),
    update: (...a: Args) => r("update", a),
    delete: (...a: Args) => r("delete", a),
  };
}
