export type { ChipType, ModelId, RegionId } from "./api/catalog.ts";
export { ChipCluster, type ChipClusterArgs, type ChipClusterProvisioning } from "./resources/chip-cluster/resource.ts";
export type { CommonArgs } from "./resources/shared/resource.ts";
export type { Timeouts } from "./resources/shared/timeouts.ts";
