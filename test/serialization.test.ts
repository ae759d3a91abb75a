import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { repoRoot, scratchRoot } from "./support/paths.ts";

// The compiled shim: what a user's program hands to the engine.
const { shim } = await import(join(repoRoot, "dist/resources/shared/shim.js"));

async function serialized(kind: string): Promise<string> {
  const provider = shim(kind);
  const fn = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  expect(fn.containsSecrets).toBe(false);
  return fn.text;
}

describe("the serialized provider", () => {
  it("fits in 2 KB and holds no configuration", async () => {
    process.env.AGENTCLOUD_TOKEN = "tok-must-not-leak-1234";
    process.env.AGENTCLOUD_ENDPOINT = "http://127.0.0.1:9/never";
    const text = await serialized("ChipCluster");
    expect(text.length).toBeLessThanOrEqual(2048);
    expect(text).not.toContain("tok-must-not-leak-1234");
    expect(text).not.toContain("127.0.0.1");
    expect(text).toContain('require("pulumi-agentcloud/runtime")');
    expect(text).toContain('kind: "ChipCluster"');
  });

  it("is the same text on every serialization, so upgrades do not churn state", async () => {
    expect(await serialized("ChipCluster")).toBe(await serialized("ChipCluster"));
  });

  it("rebuilt from text in another process, loads the installed runtime and checks inputs", async () => {
    const file = join(scratchRoot, "provider.txt");
    writeFileSync(file, await serialized("ChipCluster"));
    const script = `
      const requireFromString = require("require-from-string");
      const text = require("fs").readFileSync(${JSON.stringify(file)}, "utf8");
      const provider = requireFromString(text).handler();
      provider.check({}, { region: "cn-hangzhou", chipType: "zhenwu-m890", chipsPerHyperNode: 96, hyperNodeCount: 1 })
        .then((r) => process.stdout.write(JSON.stringify(r.failures)));
    `;
    const out = execFileSync(process.execPath, ["-e", script], {
      cwd: repoRoot,
      env: { ...process.env, NODE_PATH: join(repoRoot, "node_modules/@pulumi/pulumi/node_modules") },
    }).toString();
    expect(JSON.parse(out)).toEqual([expect.objectContaining({ property: "chipsPerHyperNode" })]);
  });
});
