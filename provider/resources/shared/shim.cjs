"use strict";
/**
 * The provider object a resource kind stores in state (`__provider`, in its inputs and outputs). It
 * captures only the kind's name and loads the installed runtime when called, so it holds no
 * configuration or secret, is identical across releases, and old resources are deleted/refreshed by
 * current code.
 *
 * Each kind's object is the exports of a CommonJS module, `provider/resources/<kind>/provider.cjs`,
 * `require`d by its resource class (`providerOf`). Pulumi's serializer looks captured objects up in
 * `require.cache`: a module under node_modules (an installed package) is stored as
 * `require("pulumi-agentcloud/dist/resources/<kind>/provider.cjs")`, 0.3 kB, where these functions'
 * source takes 2 kB, rewritten by the engine at every checkpoint (see bench/README.md). The path is
 * exported by package.json as it is, so it also resolves when the serializer cannot map it to an
 * export (a workspace whose @pulumi/pulumi is hoisted apart from this package). Outside node_modules
 * (a symlinked checkout, `npm link`, `file:` dependencies) the functions below are stored, as before.
 *
 * @param {string} kind
 * @returns {import("@pulumi/pulumi").dynamic.ResourceProvider}
 */
exports.shim = (kind) => {
  /** @type {(m: string, a: any[]) => Promise<any>} */
  const r = (m, a) => require("pulumi-agentcloud/runtime").run(kind, m, a);
  return {
    configure: (...a) => r("configure", a),
    check: (...a) => r("check", a),
    diff: (...a) => r("diff", a),
    create: (...a) => r("create", a),
    read: (...a) => r("read", a),
    update: (...a) => r("update", a),
    delete: (...a) => r("delete", a),
  };
};
