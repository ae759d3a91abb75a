import type { ResourceKind } from "../../api/common.ts";
import { agentRuntimeModel } from "./agent-runtime.ts";
import { chipClusterModel } from "./chip-cluster.ts";
import type { KindModel } from "./model.ts";
import { modelEndpointModel } from "./model-endpoint.ts";

export const models: Record<ResourceKind, KindModel> = {
  ChipCluster: chipClusterModel,
  ModelEndpoint: modelEndpointModel,
  AgentRuntime: agentRuntimeModel,
};
