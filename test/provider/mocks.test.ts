import * as pulumi from "@pulumi/pulumi";
import { setupServer } from "msw/node";
import { AgentRuntime, ChipCluster, ModelEndpoint } from "pulumi-agentcloud";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { createMockCloud, defaultDevToken } from "../../provider/mock-cloud/index.ts";
import {
  type AgentCloudMocks,
  type AgentCloudMocksOptions,
  agentCloudMocks,
} from "../../provider/testing/mocks.ts";
import { agentCloudHandlers } from "../../provider/testing/msw.ts";
import { pooledEndpoint } from "../support/fixtures.ts";

let mocks: AgentCloudMocks | undefined;
afterEach(async () => {
  await mocks?.close();
  mocks = undefined;
});

async function run(body: () => unknown, options: AgentCloudMocksOptions = {}, preview = false) {
  mocks = agentCloudMocks(options);
  await pulumi.runtime.setMocks(mocks, "mocks-test", "dev", preview);
  return { mocks, ...(await mocks.run(body)) };
}

const cluster = (name = "c", chipType: "zhenwu-m890" | "zhenwu-810e" = "zhenwu-m890") =>
  new ChipCluster(name, {
    region: "cn-hangzhou",
    chipType,
    chipsPerHyperNode: chipType === "zhenwu-m890" ? 128 : 16,
    hyperNodeCount: 1,
  });
const pooled = (name: string) =>
  new ModelEndpoint(name, {
    region: "cn-hangzhou",
    model: "glm-5.1",
    deployment: { mode: "pooled" },
    throughput: { tokensPerMinute: 10_000 },
  });
const messages = (errors: Error[]) => errors.map((e) => e.message).join("\n");

describe("agentCloudMocks", () => {
  it("returns the cloud's outputs without the engine's bookkeeping, secrets marked", async () => {
    const { errors, mocks } = await run(() => {
      const e = pooled("glm");
      const a = new AgentRuntime("a", {
        region: "cn-hangzhou",
        artifact: { image: "agents/a:1" },
        models: [{ endpointId: e.id, role: "primary" }],
        secretEnv: { TOKEN: "t" },
        tags: pulumi.secret({ team: "x" }),
      });
      return { key: e.apiKey, tags: a.tags, env: a.secretEnv, models: a.models, endpoint: e.id };
    });
    expect(errors).toEqual([]);
    const [e, a] = mocks.resources;
    expect(Object.keys(e?.state ?? {}).filter((k) => k.startsWith("__"))).toEqual([]);
    expect(e?.secrets).toEqual(["apiKey"]);
    // An input given as a secret stays secret as an output, as the engine makes it.
    expect(a?.secrets.sort()).toEqual(["secretEnv", "tags"]);
    expect(a?.state.models).toEqual([{ endpointId: e?.id, role: "primary" }]);
    const held = await mocks.cloud.api("GET", `/v1/agent-runtimes/${a?.id}`);
    expect(held.body).toMatchObject({ status: "READY", models: [{ endpointId: e?.id }] });
  });

  it("gives the program the defaults and nulls that state leaves out, as the cloud answers them", async () => {
    const { errors, mocks, outputs } = await run(() => {
      const c = cluster();
      const e = pooled("glm");
      return {
        scheduling: c.scheduling,
        provisioning: c.provisioning,
        tags: c.tags,
        zone: c.zone,
        reason: c.statusReason,
        cache: e.contextCache,
        spillover: e.spilloverEndpointId,
      };
    });
    expect(errors).toEqual([]);
    expect(mocks.resources[0]?.state).not.toHaveProperty("scheduling");
    expect(mocks.resources[0]?.state).not.toHaveProperty("statusReason");
    const values = Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.value]));
    expect(values).toEqual({
      scheduling: "task",
      provisioning: { mode: "onDemand" },
      tags: {},
      zone: null,
      reason: null,
      cache: { mode: "implicit", ttlSeconds: 3600 },
      spillover: null,
    });
  });

  it("resolves an endpoint's cluster reference to the cluster's id in the cloud", async () => {
    const { errors, mocks, outputs } = await run(() => {
      const c = cluster();
      const e = new ModelEndpoint("qwen", {
        region: "cn-hangzhou",
        model: "qwen3.7-max",
        deployment: { mode: "dedicated", cluster: c, chipsPerReplica: 32 },
        throughput: { tokensPerMinute: 10_000 },
      });
      return { cluster: c.id, deployment: e.deployment };
    });
    expect(errors).toEqual([]);
    expect(outputs.deployment?.value).toMatchObject({ clusterId: outputs.cluster?.value });
    const held = (await mocks.cloud.api("GET", "/v1/model-endpoints")).body.items;
    expect(held[0].deployment.clusterId).toBe(outputs.cluster?.value);
  });

  it("previews without touching the cloud: ids and cloud outputs unknown, left-out fields their defaults", async () => {
    const { errors, mocks, outputs } = await run(
      () => {
        const d = cluster("d");
        return {
          id: cluster().id,
          status: d.status,
          reason: d.statusReason,
          scheduling: d.scheduling,
          zone: d.zone,
        };
      },
      {},
      true,
    );
    expect(errors).toEqual([]);
    expect(outputs).toEqual({
      id: { value: undefined, secret: false },
      status: { value: undefined, secret: false },
      reason: { value: undefined, secret: false },
      // Not in the checked inputs (state keeps no default), yet known: the class gives the default.
      scheduling: { value: "task", secret: false },
      zone: { value: null, secret: false },
    });
    expect(mocks.resources[0]?.state).not.toHaveProperty("scheduling");
    expect(mocks.resources[0]?.state).toMatchObject({ chipType: "zhenwu-m890", hyperNodeCount: 1 });
    expect((await mocks.cloud.api("GET", "/v1/chip-clusters")).body.items).toEqual([]);
  });

  it("fails what the cloud's quotas refuse (limits)", async () => {
    const { errors } = await run(() => ({ a: pooled("a").id, b: pooled("b").id }), {
      limits: { endpointsPerRegion: 1 },
    });
    expect(messages(errors)).toMatch(/QuotaExceeded: endpoints in cn-hangzhou: quota 1/);
  });

  it("starts from seeded resources, which count against quotas", async () => {
    const { errors, mocks } = await run(() => ({ a: pooled("a").id }), {
      limits: { endpointsPerRegion: 1 },
      seed: {
        resources: [{ kind: "ModelEndpoint", spec: pooledEndpoint("existing", 10_000) }],
      },
    });
    expect(messages(errors)).toMatch(/QuotaExceeded/);
    const held = (await mocks.cloud.api("GET", "/v1/model-endpoints")).body.items;
    expect(held.map((e: { name: string }) => e.name)).toEqual(["existing"]);
  });

  it("runs the cloud on the clock it is given: a chip not yet available is refused by the cloud", async () => {
    // The provider's own check uses the wall clock; the cloud decides on its own clock.
    const { errors } = await run(() => ({ id: cluster().id }), { now: "2026-03-01T00:00:00Z" });
    expect(messages(errors)).toMatch(/ChipNotAvailable: zhenwu-m890 is not available until 2026-05-20/);
  });

  it("answers other types with the fallback (default: echo the inputs)", async () => {
    const seen: string[] = [];
    const { errors, outputs } = await run(
      () => {
        const other = new (class extends pulumi.CustomResource {})("vendor:index:Thing", "thing", {
          size: 3,
        });
        return { id: other.id };
      },
      {
        fallback: {
          newResource: (args) => {
            seen.push(args.type);
            return { id: "thing-1", state: args.inputs };
          },
        },
      },
    );
    expect(errors).toEqual([]);
    expect(seen).toEqual(["vendor:index:Thing"]);
    expect(outputs.id?.value).toBe("thing-1");
  });
});

describe("agentCloudHandlers with msw's setupServer", () => {
  it("answers global fetch from the emulator, but not undici's own request() (the provider's client)", async () => {
    const cloud = createMockCloud();
    const server = setupServer(...agentCloudHandlers(cloud, { baseUrl: "http://agentcloud-handlers.test" }));
    server.listen({ onUnhandledFrame: "bypass" });
    try {
      const res = await fetch("http://agentcloud-handlers.test/v1/chip-clusters", {
        headers: { authorization: `Bearer ${defaultDevToken}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ items: [] });
      // undici's dispatcher is not patched by setupServer: the name does not resolve.
      await expect(request("http://agentcloud-handlers.test/v1/chip-clusters")).rejects.toThrow();
    } finally {
      server.close();
      cloud.close();
    }
  });
});
