import { describe, expect, it } from "vitest";
import { secretEnvDigest } from "../../api/canonical.ts";
import { makeHandlers } from "../../runtime/handlers.ts";
import { handlers } from "../../runtime/index.ts";
import { specOf } from "../shared/kind.ts";
import { agentRuntimeKind } from "./definition.ts";

const h = handlers.AgentRuntime;
const base = {
  region: "cn-hangzhou",
  artifact: { image: "agents/support:1" },
  models: [{ endpointId: "me-1", role: "primary" }],
  secretEnv: { API_TOKEN: "s3cr3t" },
  __scope: "proj/dev/agent",
  __provider: "p",
};

describe("AgentRuntime check", () => {
  it("keeps its defaults (sandbox, lifecycle, scaling, memory...) out of state, an empty secretEnv too", async () => {
    const { inputs, failures } = await h.check({}, { ...base, secretEnv: {}, scaling: { maxInstances: 2 } });
    expect(failures).toEqual([]);
    expect(Object.keys(inputs).sort()).toEqual(
      ["__provider", "__scope", "artifact", "estimate", "models", "region", "scaling"].sort(),
    );
    // Defaults inside a field the program sets stay: the cloud's view holds them too.
    expect(inputs.scaling).toEqual({ minInstances: 0, maxInstances: 2, concurrencyPerInstance: 1 });
    expect((await h.check({}, base)).inputs.secretEnv).toEqual({ API_TOKEN: "s3cr3t" });
    const full = await makeHandlers(agentRuntimeKind).check({}, base);
    expect(full.inputs).toMatchObject({
      protocol: "http",
      sandbox: { cpu: 1, memoryMiB: 2048, isolation: "microvm" },
      lifecycle: { idleTimeoutSeconds: 900, maxLifetimeSeconds: 28_800, onIdle: "pause" },
      scaling: { minInstances: 0, maxInstances: 10 },
      memory: { enabled: false, retentionDays: 30 },
    });
  });

  it("rejects an idle timeout longer than the maximum lifetime, naming the field", async () => {
    const { failures } = await h.check(
      {},
      { ...base, lifecycle: { idleTimeoutSeconds: 3600, maxLifetimeSeconds: 600 } },
    );
    expect(failures.map((f) => f.property)).toEqual(["lifecycle.idleTimeoutSeconds"]);
  });

  it("requires exactly one primary model", async () => {
    const { failures } = await h.check({}, { ...base, models: [{ endpointId: "me-1", role: "fallback" }] });
    expect(failures.map((f) => f.property)).toEqual(["models"]);
  });

  it("names the index of a bad skill", async () => {
    const { failures } = await h.check(
      {},
      {
        ...base,
        skills: [
          { name: "a", kind: "mcp", target: "x" },
          { name: "b", kind: "ftp", target: "y" },
        ],
      },
    );
    expect(failures.map((f) => f.property)).toEqual(["skills[1].kind"]);
  });
});

describe("AgentRuntime diff", () => {
  it("replaces when the artifact switches from an image to code, not when the image changes", async () => {
    const olds = (await h.check({}, base)).inputs;
    const image = (await h.check(olds, { ...base, artifact: { image: "agents/support:2" } })).inputs;
    expect(await h.diff("ar-1", olds, image)).toMatchObject({ changes: true, replaces: [] });
    const code = (
      await h.check(olds, {
        ...base,
        artifact: { code: { uri: "s3://b/a.zip", entrypoint: "main.py", runtime: "python3.12" } },
      })
    ).inputs;
    expect((await h.diff("ar-1", olds, code)).replaces).toEqual(["artifact"]);
  });
});

describe("AgentRuntime secretEnv, write-only in the API", () => {
  const cloud = { secretEnvKeys: ["API_TOKEN"], secretEnvDigest: secretEnvDigest({ API_TOKEN: "s3cr3t" }) };

  it("keeps the stored values while the cloud's digest matches them", () => {
    const spec = specOf(agentRuntimeKind, cloud as never, { secretEnv: { API_TOKEN: "s3cr3t" } });
    expect(spec.secretEnv).toEqual({ API_TOKEN: "s3cr3t" });
  });

  it("shows values changed outside Pulumi as drift, without knowing them", () => {
    const spec = specOf(agentRuntimeKind, cloud as never, { secretEnv: { API_TOKEN: "old" } });
    expect(spec.secretEnv).toEqual({ API_TOKEN: "(changed outside Pulumi)" });
  });
});
