import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

// What recorded.ts relies on in the Pulumi Node SDK beyond its documented API. A version of
// @pulumi/pulumi that changes one of these fails here, by name, before the crash-safety e2e tests
// fail in a way that is harder to read.
const sdk = dirname(createRequire(import.meta.url).resolve("@pulumi/pulumi/package.json"));

describe("the Pulumi SDK as recorded.ts uses it", () => {
  it("keeps a program open with runtime.rpcKeepAlive until the callback it returns is called", () => {
    expect(typeof pulumi.runtime.rpcKeepAlive).toBe("function");
  });

  it("gives an Output's value as a promise (Output.promise)", async () => {
    const ok = pulumi.output("value") as unknown as { promise(): Promise<unknown> };
    await expect(ok.promise()).resolves.toBe("value");
  });

  it("keeps the resource monitor's address in PULUMI_NODEJS_MONITOR ('mock' under mocks)", () => {
    const state = readFileSync(join(sdk, "runtime", "state.js"), "utf8");
    expect(state).toMatch(/monitorAddr:\s*"PULUMI_NODEJS_MONITOR"/);
    const settings = readFileSync(join(sdk, "runtime", "settings.js"), "utf8");
    expect(settings).toMatch(/"mock"/);
  });

  it("runs a library's beforeExit handler, and waits for its work, before telling the engine the program is done", () => {
    const run = readFileSync(join(sdk, "cmd", "run", "index.js"), "utf8");
    expect(run).toMatch(/process\.on\("beforeExit"/);
    expect(run).toMatch(/signalAndWaitForShutdown/);
  });
});
