import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { estimateChipCluster, estimateModelEndpoint } from "../api/estimate.ts";
import { planReport, toMarkdown } from "./report.ts";
import { planReportJsonSchema } from "./schema.ts";

const urn = (kind: string, name: string) =>
  `urn:pulumi:dev::p::pulumi-nodejs:dynamic/agentcloud:${kind}::${name}`;
const type = (kind: string) => `pulumi-nodejs:dynamic/agentcloud:${kind}`;
const published = readFileSync(new URL("../../docs/plan-report.schema.json", import.meta.url), "utf8");
const validate = new Ajv().compile(JSON.parse(published));

const clusterSpec = {
  region: "cn-hangzhou",
  chipType: "zhenwu-m890",
  chipsPerHyperNode: 128,
  hyperNodeCount: 1,
};
const cluster = { ...clusterSpec, estimate: estimateChipCluster(clusterSpec) }; // 128 chips, 392 448 USD
const endpointSpec = (chipsPerReplica: number, maxReplicas: number) => ({
  region: "cn-hangzhou",
  model: "qwen3.7-max",
  deployment: { mode: "dedicated", clusterId: "cc-1", chipsPerReplica, minReplicas: 1, maxReplicas },
  throughput: { tokensPerMinute: 400_000 },
});
const endpoint = (cpr: number, max: number, extra: Record<string, unknown> = {}) => ({
  ...endpointSpec(cpr, max),
  ...extra,
  estimate: estimateModelEndpoint(endpointSpec(cpr, max), { __chipType: "zhenwu-m890" }),
});

describe("docs/plan-report.schema.json", () => {
  it("is the schema generated from the report's zod (run `node scripts/write-schemas.ts` when it is not)", () => {
    expect(published).toBe(planReportJsonSchema());
  });
});

describe("planReport", () => {
  it("a delete: the chips and cost go, a serving endpoint's delete is a risk", () => {
    const r = planReport({
      steps: [
        {
          op: "delete",
          urn: urn("ChipCluster", "c"),
          oldState: { type: type("ChipCluster"), inputs: cluster, outputs: { ...cluster, status: "ACTIVE" } },
        },
        {
          op: "delete",
          urn: urn("ModelEndpoint", "e"),
          oldState: { type: type("ModelEndpoint"), outputs: { ...endpoint(32, 2), status: "IN_SERVICE" } },
        },
      ],
    });
    expect(validate(r)).toBe(true);
    expect(r.monthlyUsd).toEqual({ before: { min: 392_448, max: 392_448 }, after: { min: 0, max: 0 } });
    expect(r.chipsDelta).toEqual([
      { region: "cn-hangzhou", chipType: "zhenwu-m890", before: 128, after: 0, delta: -128 },
    ]);
    expect(r.resources[1]).toMatchObject({ action: "delete", clusterShareDelta: { "zhenwu-m890": -64 } });
    expect(r.risks).toEqual(['ModelEndpoint "e": deletes a serving endpoint']);
  });

  it("counts what a task-scheduled cluster reserves (min replicas): bursting maxima are no risk", () => {
    const onTask = (cpr: number, max: number) => ({
      ...endpointSpec(cpr, max),
      estimate: estimateModelEndpoint(endpointSpec(cpr, max), {
        __chipType: "zhenwu-m890",
        __scheduling: "task",
      }),
    });
    const r = planReport({
      steps: [
        {
          op: "same",
          urn: urn("ChipCluster", "c"),
          oldState: { type: type("ChipCluster"), outputs: cluster },
          newState: { type: type("ChipCluster"), inputs: cluster },
        },
        {
          op: "update",
          urn: urn("ModelEndpoint", "qwen"),
          oldState: { type: type("ModelEndpoint"), inputs: onTask(64, 1), outputs: onTask(64, 1) },
          newState: { type: type("ModelEndpoint"), inputs: onTask(64, 4), outputs: onTask(64, 1) },
        },
      ],
    });
    // 1 × 64 reserved of 128 (it may burst to 4 × 64 = 256 when chips are free).
    expect(r.risks).toEqual([]);
  });

  it("checks the change against the account's quotas when they could be read, and says when they could not", () => {
    const preview = {
      steps: [
        {
          op: "create",
          urn: urn("ChipCluster", "c"),
          newState: { type: type("ChipCluster"), inputs: cluster },
        },
        {
          op: "create",
          urn: urn("ModelEndpoint", "e"),
          newState: { type: type("ModelEndpoint"), inputs: endpoint(32, 2) },
        },
      ],
    };
    const usage = (used: number, limit: number) => ({ region: "cn-hangzhou" as const, used, limit });
    const quotas = {
      chips: [{ ...usage(100, 200), chipType: "zhenwu-m890" as const }],
      endpoints: [usage(3, 3)],
      runtimes: [usage(0, 10)],
      tokensPerMinute: [usage(0, 1_000_000)],
    };
    const r = planReport(preview, { quotas: { endpoint: "http://cloud", quotas } });
    expect(validate(r)).toBe(true);
    expect(r.quotas).toEqual({ endpoint: "http://cloud", checked: true, error: null });
    expect(r.risks).toEqual([
      "quota: zhenwu-m890 chips in cn-hangzhou would be 228, over the account's quota of 200 (100 in use, +128 by this change)",
      "quota: model endpoints in cn-hangzhou would be 4, over the account's quota of 3 (3 in use, +1 by this change)",
    ]);
    const down = planReport(preview, { quotas: { endpoint: "http://cloud", error: "connection refused" } });
    expect(down.risks).toEqual([]);
    expect(toMarkdown(down)).toContain("**Quotas:** not checked (http://cloud: connection refused)");
  });

  it("a replace of a chosen name is delete-before-replace; shares over the clusters' chips are a risk", () => {
    const olds = endpoint(32, 2, { name: "qwen", __autoname: false });
    const news = endpoint(64, 4, { name: "qwen", __autoname: false });
    const r = planReport({
      steps: [
        {
          op: "same",
          urn: urn("ChipCluster", "c"),
          oldState: { type: type("ChipCluster"), outputs: cluster },
          newState: { type: type("ChipCluster"), inputs: cluster },
        },
        {
          op: "replace",
          urn: urn("ModelEndpoint", "qwen"),
          oldState: { type: type("ModelEndpoint"), inputs: olds, outputs: { ...olds, status: "IN_SERVICE" } },
          newState: { type: type("ModelEndpoint"), inputs: news, outputs: olds },
          replaceReasons: ["deployment"],
        },
      ],
    });
    expect(validate(r)).toBe(true);
    expect(r.resources).toHaveLength(1);
    expect(r.resources[0]).toMatchObject({
      action: "replace",
      changedKeys: ["deployment"], // the estimate and provider-only keys are not spec changes
      clusterShareDelta: { "zhenwu-m890": 192 }, // 64 → 256
      monthlyUsd: { before: { min: 0, max: 0 }, after: { min: 0, max: 0 } },
    });
    expect(r.risks.join("\n")).toContain("replaces a serving endpoint");
    expect(r.risks.join("\n")).toContain("delete-before-replace");
    expect(r.risks.join("\n")).toContain(
      "reserve up to 256 zhenwu-m890 chips (max replicas, min replicas on task-scheduled clusters), more than the 128",
    );
    expect(toMarkdown(r)).toContain(
      "| ModelEndpoint `qwen` | replace | **deployment** | +192 zhenwu-m890 (share of its cluster) | $0 → $0 |",
    );
  });

  it("state of an older release (no estimate) is named, not counted; a budget it is under passes", () => {
    const { estimate: _none, ...old } = cluster;
    const r = planReport(
      {
        steps: [
          {
            op: "update",
            urn: urn("ChipCluster", "c"),
            oldState: { type: type("ChipCluster"), inputs: old, outputs: old },
            newState: { type: type("ChipCluster"), inputs: cluster, outputs: old },
          },
        ],
      },
      { maxMonthlyUsd: 400_000 },
    );
    expect(validate(r)).toBe(true);
    expect(r.unestimated).toEqual(["c"]);
    expect(r.monthlyUsd.after.max).toBe(392_448);
    expect(r.budget).toEqual({ maxMonthlyUsd: 400_000, over: false });
  });
});
