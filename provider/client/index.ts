export { type Accepted, AgentCloudClient, ResourceApi } from "./client.ts";
export { AgentCloudError, isAgentCloudError, redact } from "./errors.ts";
export type { CallOptions, ClientEvent, TransportOptions } from "./transport.ts";
