/**
 * Unit tests of this program with `agentCloudMocks()`: the program runs in the test process, the
 * provider's own checks and creates answer every resource from an in-process AgentCloud emulator.
 * No Pulumi engine, no provider process, no socket.
 *
 *   npx vitest run examples/agent-stack/index.test.ts     (or `npx vitest run` in this folder)
 */
import * as pulumi from "@pulumi/pulumi";
import OpenAI from "openai";
import { AgentRuntime, ChipCluster, ModelEndpoint } from "pulumi-agentcloud";
import { type AgentCloudMocks, agentCloudMocks, agentCloudTypes } from "pulumi-agentcloud/testing";
import { afterEach, describe, expect, it } from "vitest";

// Config keys are `<project>:<key>`: the project of Pulumi.yaml.
const project = "agentcloud-agent-stack";
let mocks: AgentCloudMocks | undefined;
let runs = 0;

/** The program, evaluated afresh (a new module instance) on each run. */
const program = () =>
  import(/* @vite-ignore */ `${new URL("./index.ts", import.meta.url).pathname}?run=${runs++}`);

/** Runs `body` as a Pulumi program under fresh mocks, with this stack config; `up` unless preview. */
async function run(body: () => unknown, config: Record<string, string> = {}, preview = false) {
  mocks = agentCloudMocks();
  await pulumi.runtime.setMocks(mocks, project, "dev", preview);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project}:${k}`, v])),
  );
  const result = await mocks.run(body);
  return { ...result, mocks, of: (type: string) => mocks?.resources.filter((r) => r.type === type) ?? [] };
}

afterEach(async () => {
  await mocks?.close();
  mocks = undefined;
});

describe("examples/agent-stack under agentCloudMocks", () => {
  it("creates the cluster, both endpoints and both runtimes, as `pulumi up` would", async () => {
    const started = performance.now();
    const { outputs, errors, mocks } = await run(program);
    const ms = Math.round(performance.now() - started);
    console.log(`the whole program under agentCloudMocks: ${ms} ms`);
    expect(errors).toEqual([]);
    const count = async (collection: string) =>
      (await mocks.cloud.api("GET", `/v1/${collection}`)).body.items.length;
    expect([
      await count("chip-clusters"),
      await count("model-endpoints"),
      await count("agent-runtimes"),
    ]).toEqual([1, 2, 2]);
    expect(outputs.qwenUrl?.value).toMatch(/\/inference\/me-[0-9a-f]+$/);
    expect(outputs.qwenApiKey).toEqual({ value: expect.stringMatching(/^ak-/), secret: true });
    expect(outputs.assistantVersion).toEqual({ value: 1, secret: false });
  });

  it("serves tokens from the endpoint it declares: the openai client on its url + /v1 and apiKey answers", async () => {
    const { outputs, errors } = await run(program);
    expect(errors).toEqual([]);
    const qwen = new OpenAI({
      baseURL: `${outputs.qwenUrl?.value}/v1`,
      apiKey: outputs.qwenApiKey?.value as string,
      maxRetries: 0,
    });
    const answer = await qwen.chat.completions.create({
      model: "qwen3.7-max",
      messages: [{ role: "user", content: "Which cluster serves you?" }],
    });
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(answer.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("runs every dedicated endpoint on a cluster of this stack whose chips hold its model", async () => {
    const { errors, mocks, of } = await run(program);
    expect(errors).toEqual([]);
    const models = (await mocks.cloud.api("GET", "/v1/catalog/models")).body.items as {
      model: string;
      weightsGiB: number;
      kvCacheGiB: number;
    }[];
    const dedicated = of(agentCloudTypes.ModelEndpoint).filter(
      (e) => (e.state.deployment as { mode: string }).mode === "dedicated",
    );
    expect(dedicated.map((e) => e.name)).toEqual(["qwen"]);
    for (const endpoint of dedicated) {
      const d = endpoint.state.deployment as { clusterId: string; chipsPerReplica: number };
      const cluster = of(agentCloudTypes.ChipCluster).find((c) => c.id === d.clusterId);
      expect(cluster, `${endpoint.name}: its cluster`).toBeDefined();
      const perChipGiB = (cluster?.state.totalMemoryGiB as number) / (cluster?.state.totalChips as number);
      const model = models.find((m) => m.model === endpoint.state.model);
      const requiredGiB = Math.ceil(1.2 * (model?.weightsGiB ?? 0) + (model?.kvCacheGiB ?? 0));
      expect(d.chipsPerReplica * perChipGiB, `${endpoint.name}: memory per replica`).toBeGreaterThanOrEqual(
        requiredGiB,
      );
      expect(endpoint.state.status).toBe("IN_SERVICE");
    }
  });

  it("gives every runtime exactly one primary model, on an endpoint of this stack", async () => {
    const { errors, of } = await run(program);
    expect(errors).toEqual([]);
    const endpointIds = of(agentCloudTypes.ModelEndpoint).map((e) => e.id);
    const runtimes = of(agentCloudTypes.AgentRuntime);
    expect(runtimes.map((r) => r.name).sort()).toEqual(["assistant", "reviewer"]);
    for (const runtime of runtimes) {
      const models = runtime.state.models as { endpointId: string; role: string }[];
      expect(
        models.filter((m) => m.role === "primary"),
        runtime.name,
      ).toHaveLength(1);
      for (const m of models) expect(endpointIds).toContain(m.endpointId);
    }
  });

  it("fails invalid input with its field path, as `pulumi preview` does", async () => {
    const { errors, mocks } = await run(program, { tokensPerMinute: "-5" });
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /ModelEndpoint resource 'qwen': property throughput\.tokensPerMinute value \{<nil>\} has a problem: throughput\.tokensPerMinute: /,
    );
    // Nothing of qwen reached the cloud, nor the runtime that needs it.
    const endpoints = (await mocks.cloud.api("GET", "/v1/model-endpoints")).body.items;
    expect(endpoints.map((e: { model: string }) => e.model)).toEqual(["glm-5.1"]);
    expect(mocks.resources.map((r) => r.name)).not.toContain("assistant");
  });

  it("fails at preview a model that does not fit in chipsPerReplica, naming the field", async () => {
    const { errors, mocks } = await run(program, { chipsPerReplica: "16" }, true);
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /property deployment\.chipsPerReplica value \{<nil>\} has a problem: deployment\.chipsPerReplica: 16 × zhenwu-m890 gives 2304 GiB; qwen3\.7-max needs 2600 GiB per replica \(ModelTooLarge\)/,
    );
    // A preview creates nothing.
    expect((await mocks.cloud.api("GET", "/v1/chip-clusters")).body.items).toEqual([]);
  });

  it("previews with the inputs known and the cloud's outputs unknown", async () => {
    const { outputs, errors, of } = await run(program, {}, true);
    expect(errors).toEqual([]);
    expect(outputs.clusterId?.value).toBeUndefined();
    expect(outputs.qwenUrl?.value).toBeUndefined();
    const [qwen] = of(agentCloudTypes.ModelEndpoint).filter((e) => e.name === "qwen");
    expect(qwen?.id).toBeUndefined();
    expect(qwen?.state).toMatchObject({ model: "qwen3.7-max", deployment: { chipsPerReplica: 32 } });
    expect(qwen?.state).not.toHaveProperty("status");
  });
});

describe("what echo mocks pass and the cloud rejects", () => {
  /** qwen3.7-max needs 2600 GiB per replica; 16 zhenwu-m890 chips hold 2304 GiB. */
  const tooSmall = (via: "cluster" | "clusterId") => () => {
    const cluster = new ChipCluster("pool", {
      region: "cn-hangzhou",
      chipType: "zhenwu-m890",
      chipsPerHyperNode: 128,
      hyperNodeCount: 1,
    });
    const qwen = new ModelEndpoint("qwen", {
      region: "cn-hangzhou",
      model: "qwen3.7-max",
      deployment: {
        mode: "dedicated",
        ...(via === "cluster" ? { cluster } : { clusterId: cluster.id }),
        chipsPerReplica: 16,
      },
      throughput: { tokensPerMinute: 100_000 },
    });
    const agent = new AgentRuntime("agent", {
      region: "cn-hangzhou",
      artifact: { image: "agents/a:1" },
      models: [{ endpointId: qwen.id, role: "primary" }],
    });
    return { id: qwen.id, agent: agent.invokeUrl };
  };

  it("passes under hand-written mocks that echo the inputs", async () => {
    const echo: pulumi.runtime.Mocks = {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    };
    await pulumi.runtime.setMocks(echo, project, "dev");
    const out = tooSmall("cluster")() as unknown as { id: pulumi.Output<string> };
    expect(await new Promise((resolve) => out.id.apply(resolve))).toBe("qwen-id");
  });

  it("fails under agentCloudMocks at check when the program passes the cluster", async () => {
    const { errors } = await run(tooSmall("cluster"));
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /ModelEndpoint resource 'qwen': property deployment\.chipsPerReplica value \{<nil>\} has a problem: deployment\.chipsPerReplica: .*\(ModelTooLarge\)/,
    );
  });

  it("fails under agentCloudMocks at create, with the cloud's reason, when only the cluster's id is passed", async () => {
    // Without the cluster itself, the provider cannot check the fit before the cloud sees the
    // create: the cloud refuses it, naming the field as preview would.
    const { errors, mocks } = await run(tooSmall("clusterId"));
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /ModelEndpoint "qwen-[0-9a-f]+": deployment\.chipsPerReplica: ModelTooLarge: 16 × zhenwu-m890 gives 2304 GiB; qwen3\.7-max needs 2600 GiB per replica/,
    );
    expect((await mocks.cloud.api("GET", "/v1/model-endpoints")).body.items).toEqual([]);
  });
});
