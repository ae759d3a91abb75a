/**
 * What the examples' end-to-end tests do to each example (examples.e2e.test.ts through the
 * Automation API, typed-cli.e2e.test.ts through the typed CLI): its resources and the config that
 * updates in place, replaces, and the out-of-band edit that drifts it.
 */
export interface ExampleCase {
  dir: string;
  resources: number;
  /** Config that changes a field updated in place. */
  update: Record<string, string>;
  /** Config that changes a create-only field. */
  replace: Record<string, string>;
  /** A resource to edit behind Pulumi's back, and the edit. */
  drift: { collection: string; fields: Record<string, unknown> };
}

export const exampleCases: ExampleCase[] = [
  {
    dir: "chip-cluster",
    resources: 1,
    update: { hyperNodes: "3" },
    replace: { chipsPerHyperNode: "64" },
    drift: { collection: "chip-clusters", fields: { hyperNodeCount: 9 } },
  },
  {
    dir: "model-endpoint",
    resources: 1,
    update: { tokensPerMinute: "500000" },
    replace: { region: "cn-beijing" },
    drift: { collection: "model-endpoints", fields: { tags: { edited: "console" } } },
  },
  {
    dir: "agent-runtime",
    resources: 2,
    update: { image: "agents/researcher:2.2.0" },
    replace: { codeUri: "oss://agents/researcher-3.0.zip" },
    drift: { collection: "agent-runtimes", fields: { env: { LOG_LEVEL: "debug" } } },
  },
  {
    dir: "agent-stack",
    resources: 5,
    update: { tokensPerMinute: "800000" },
    replace: { chipsPerReplica: "64" },
    drift: { collection: "chip-clusters", fields: { scheduling: "resource" } },
  },
];
