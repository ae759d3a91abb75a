import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { installBuiltPackage, repoRoot, scratchRoot } from "./support/paths.ts";

/**
 * The provider object of a kind as a user's program gets it: the compiled module, `require`d (what
 * the resource class does), either from this checkout (a linked package) or from a copy installed
 * under node_modules (a registry install).
 */
const load = createRequire(import.meta.url);
const providerModule = (pkg: string, kind: string) => join(pkg, "dist/resources", kind, "provider.cjs");
const installed = installBuiltPackage(join(scratchRoot, "installed"));

async function serialized(modulePath: string): Promise<string> {
  const provider = load(modulePath);
  const fn = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  expect(fn.containsSecrets).toBe(false);
  return fn.text;
}

/** Rebuilds the provider from its text in another process working in `cwd`, and checks bad inputs. */
function checkInAnotherProcess(text: string, cwd: string): unknown {
  const file = join(scratchRoot, "provider.txt");
  writeFileSync(file, text);
  const script = `
    const requireFromString = require("require-from-string");
    const text = require("fs").readFileSync(${JSON.stringify(file)}, "utf8");
    const provider = requireFromString(text).handler();
    provider.check({}, { region: "cn-hangzhou", chipType: "zhenwu-m890", chipsPerHyperNode: 96, hyperNodeCount: 1 })
      .then((r) => process.stdout.write(JSON.stringify(r.failures)));
  `;
  const out = execFileSync(process.execPath, ["-e", script], {
    cwd,
    env: { ...process.env, NODE_PATH: join(repoRoot, "node_modules/@pulumi/pulumi/node_modules") },
  }).toString();
  return JSON.parse(out);
}

// Configuration the program's process has: none of it may end up in the serialized provider.
process.env.AGENTCLOUD_TOKEN = "tok-must-not-leak-1234";
process.env.AGENTCLOUD_ENDPOINT = "http://127.0.0.1:9/never";

describe("the serialized provider", () => {
  it("installed under node_modules, is a require of the kind's module and holds no configuration", async () => {
    for (const kind of ["chip-cluster", "model-endpoint", "agent-runtime"]) {
      const text = await serialized(providerModule(installed, kind));
      expect(text).toContain(`require("pulumi-agentcloud/dist/resources/${kind}/provider.cjs")`);
      expect(text.length).toBeLessThan(400);
      expect(text).not.toContain("tok-must-not-leak-1234");
      expect(text).not.toContain("127.0.0.1");
    }
  });

  it("linked from a checkout, is the shim's functions: under 2 KB, no configuration", async () => {
    const text = await serialized(providerModule(repoRoot, "chip-cluster"));
    expect(text.length).toBeLessThanOrEqual(2048);
    expect(text).not.toContain("tok-must-not-leak-1234");
    expect(text).not.toContain("127.0.0.1");
    expect(text).toContain('require("pulumi-agentcloud/runtime")');
    expect(text).toContain('kind: "ChipCluster"');
  });

  it("is the same text on every serialization, so upgrades do not churn state", async () => {
    for (const pkg of [installed, repoRoot]) {
      expect(await serialized(providerModule(pkg, "chip-cluster"))).toBe(
        await serialized(providerModule(pkg, "chip-cluster")),
      );
    }
  });

  it("rebuilt from text in another process, loads the installed runtime and checks inputs", async () => {
    const failures = [expect.objectContaining({ property: "chipsPerHyperNode" })];
    // The provider process works in the program's directory: the installed copy's, or the checkout.
    const installedText = await serialized(providerModule(installed, "chip-cluster"));
    expect(checkInAnotherProcess(installedText, join(scratchRoot, "installed"))).toEqual(failures);
    const linkedText = await serialized(providerModule(repoRoot, "chip-cluster"));
    expect(checkInAnotherProcess(linkedText, repoRoot)).toEqual(failures);
  });
});
