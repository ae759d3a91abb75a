export type { ChipType, ModelId, RegionId } from "./api/catalog.ts";
export type { Estimate } from "./api/estimate.ts";
export {
  AgentRuntime,
  type AgentRuntimeArgs,
  type AgentRuntimeArtifact,
} from "./resources/agent-runtime/resource.ts";
export {
  ChipCluster,
  type ChipClusterArgs,
  type ChipClusterProvisioning,
} from "./resources/chip-cluster/resource.ts";
export {
  ModelEndpoint,
  type ModelEndpointArgs,
  type ModelEndpointDeployment,
} from "./resources/model-endpoint/resource.ts";
export type { CommonArgs } from "./resources/shared/resource.ts";
export type { Timeouts } from "./runtime/timeouts.ts";
