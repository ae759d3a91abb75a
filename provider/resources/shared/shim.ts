import type * as pulumi from "@pulumi/pulumi";

/**
 * The provider object stored (serialized) in every resource's state. It captures only the kind's
 * name and loads the installed runtime when called, so it stays ~1 KB, holds no configuration or
 * secret, is identical across releases, and old resources are deleted/refreshed by current code.
 */
export function shim(kind: string): pulumi.dynamic.ResourceProvider {
  return {
    async configure(req) {
      require("pulumi-agentcloud/runtime").configure(req);
    },
    async check(olds, news) {
      return require("pulumi-agentcloud/runtime").handlers[kind].check(olds, news);
    },
    async diff(id, olds, news) {
      return require("pulumi-agentcloud/runtime").handlers[kind].diff(id, olds, news);
    },
    async create(inputs) {
      return require("pulumi-agentcloud/runtime").handlers[kind].create(inputs);
    },
    async read(id, props) {
      return require("pulumi-agentcloud/runtime").handlers[kind].read(id, props);
    },
    async update(id, olds, news) {
      return require("pulumi-agentcloud/runtime").handlers[kind].update(id, olds, news);
    },
    async delete(id, props) {
      return require("pulumi-agentcloud/runtime").handlers[kind].delete(id, props);
    },
  };
}
