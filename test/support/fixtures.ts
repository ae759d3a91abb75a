/** What tests of the emulator share: its default tokens and small request bodies. */

export const devToken = "agentcloud-dev-token";
export const adminToken = "agentcloud-admin-token";

/** A ChipCluster body (one hyper-node of 8 zhenwu-m890 chips unless `extra` says otherwise). */
export const cluster = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  region: "cn-hangzhou",
  chipType: "zhenwu-m890",
  chipsPerHyperNode: 8,
  hyperNodeCount: 1,
  ...extra,
});

/** A pooled glm-5.1 ModelEndpoint body. */
export const pooledEndpoint = (
  name: string,
  tokensPerMinute: number,
  extra: Record<string, unknown> = {},
) => ({
  name,
  region: "cn-hangzhou",
  model: "glm-5.1",
  deployment: { mode: "pooled" },
  throughput: { tokensPerMinute },
  ...extra,
});
