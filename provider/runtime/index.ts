/**
 * The entry the serialized provider shim loads at call time (`pulumi-agentcloud/runtime`), inside
 * the dynamic-provider process started by the Pulumi engine.
 */
import { chipClusterKind } from "../resources/chip-cluster/schema.ts";
import { makeHandlers } from "./handlers.ts";

export { configure } from "./config.ts";

export const handlers = {
  ChipCluster: makeHandlers(chipClusterKind),
};
