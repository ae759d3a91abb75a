export * from "./agent-runtime.ts";
export * from "./catalog.ts";
export * from "./chip-cluster.ts";
export * from "./common.ts";
export * from "./digest.ts";
export * from "./model-endpoint.ts";
