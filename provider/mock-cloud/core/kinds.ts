import type { ResourceKind } from "../../api/common.ts";
import { agentRuntimeModel } from "./agent-runtime.ts";
import { chipClusterModel } from "./chip-cluster.ts";
import type { KindModel } from "./model.ts";
import { modelEndpointModel } from "./model-endpoint.ts";

/** The domain model of each resource kind (not to be confused with the LLMs of the catalog). */
export const kindModels: Record<ResourceKind, KindModel> = {
  ChipCluster: chipClusterModel,
  ModelEndpoint: modelEndpointModel,
  AgentRuntime: agentRuntimeModel,
};
