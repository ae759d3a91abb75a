import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  keepProgramOpen,
  outputState,
  outputValue,
  outputValueWithUnknowns,
  rpcsSettled,
  runByLanguageHost,
} from "./sdk-internals.ts";

// What sdk-internals.ts relies on in the Pulumi Node SDK beyond its documented API, checked against
// the installed @pulumi/pulumi itself. A version that changes one of these fails here, by name,
// before the crash-safety e2e tests (release of create keys, the sweep of interrupted creates) or
// the testing kit's mocks fail in a way that is harder to read.
const sdk = dirname(createRequire(import.meta.url).resolve("@pulumi/pulumi/package.json"));
const sdkFile = (path: string) => readFileSync(join(sdk, path), "utf8");
const runtime = pulumi.runtime as unknown as Record<string, unknown>;
const internals = (o: pulumi.Output<unknown>) => o as unknown as Record<string, unknown>;

/** Lets every pending promise callback and timer of this tick run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("the Pulumi SDK's internals, as sdk-internals.ts uses them", () => {
  it("an Output has promise(), isKnown and isSecret (@internal in output.js)", () => {
    const o = internals(pulumi.output("value"));
    expect(typeof o.promise).toBe("function");
    expect(o.isKnown).toBeInstanceOf(Promise);
    expect(o.isSecret).toBeInstanceOf(Promise);
  });

  it("Output.promise() gives the value, rejects when the output failed, and gives undefined where unknown", async () => {
    await expect(outputValue(pulumi.output("value"))).resolves.toBe("value");
    const failed = pulumi.output(Promise.reject(new Error("failed registration")));
    // Its other promises fail too: handled here, as the SDK handles them for a resource's outputs.
    for (const p of [internals(failed).isKnown, internals(failed).isSecret])
      (p as Promise<unknown>).catch(() => {});
    await expect(outputValue(failed)).rejects.toThrow("failed registration");
    await expect(outputValue(pulumi.output(pulumi.unknown))).resolves.toBeUndefined();
  });

  it("Output.promise(true) tells an output the engine's answer lacks (undefined) from one it answered unknown", async () => {
    await expect(outputValueWithUnknowns(pulumi.output("value"))).resolves.toBe("value");
    await expect(outputValueWithUnknowns(pulumi.output(pulumi.unknown))).resolves.toBe(pulumi.unknown);
    // What resolveProperties (runtime/rpc.js) makes of a registered output the engine's answer
    // lacks: undefined, known only outside a preview.
    expect(sdkFile("runtime/rpc.js")).toContain(
      "resolve(undefined, !settings_1.isDryRun() && !keepUnknowns, false)",
    );
    const OutputImpl = pulumi.Output as unknown as new (...args: unknown[]) => pulumi.Output<unknown>;
    const lacking = new OutputImpl(
      new Set(),
      Promise.resolve(undefined),
      Promise.resolve(false),
      Promise.resolve(false),
      Promise.resolve(new Set()),
    );
    await expect(outputValueWithUnknowns(lacking)).resolves.toBeUndefined();
    await expect(outputValue(lacking)).resolves.toBeUndefined();
  });

  it("isKnown and isSecret say what the SDK records for an export", async () => {
    await expect(outputState(pulumi.output(3))).resolves.toEqual({ value: 3, known: true, secret: false });
    await expect(outputState(pulumi.secret("s"))).resolves.toEqual({ value: "s", known: true, secret: true });
    await expect(outputState(pulumi.output(pulumi.unknown))).resolves.toMatchObject({
      known: false,
      secret: false,
    });
  });

  it("runtime.rpcKeepAlive and runtime.waitForRPCs exist (waitForRPCs is @internal in runtime/settings.js)", () => {
    expect(typeof runtime.rpcKeepAlive).toBe("function");
    expect(typeof runtime.waitForRPCs).toBe("function");
  });

  it("waitForRPCs waits for every rpcKeepAlive until its callback is called, those taken meanwhile too", async () => {
    const first = keepProgramOpen();
    expect(typeof first).toBe("function");
    let settled = false;
    const waiting = rpcsSettled().then(() => {
      settled = true;
    });
    await settle();
    expect(settled).toBe(false);
    // Taken while the SDK waits (a release that starts after the last registration): waited for too.
    const second = keepProgramOpen();
    first();
    await settle();
    expect(settled).toBe(false);
    second();
    await waiting;
    expect(settled).toBe(true);
  });

  it("the language host's run entry passes the monitor's address in PULUMI_NODEJS_MONITOR, which the runtime reads", () => {
    expect(sdkFile("cmd/run/index.js")).toMatch(
      /addToEnvIfDefined\("PULUMI_NODEJS_MONITOR", argv\["monitor"\]\)/,
    );
    expect(sdkFile("runtime/state.js")).toMatch(/monitorAddr:\s*"PULUMI_NODEJS_MONITOR"/);
    expect(sdkFile("runtime/state.js")).toMatch(/monitorAddr:\s*process\.env\[nodeEnvKeys\.monitorAddr\]/);
  });

  it("the run entry runs a library's beforeExit handler, and waits for its work, before telling the engine the program is done", () => {
    const run = sdkFile("cmd/run/index.js");
    // Its first handler puts the real one last (in a nextTick), which then signals the shutdown.
    expect(run).toMatch(/process\.on\("beforeExit", \(\) => \{\s*process\.nextTick\(/);
    expect(run).toMatch(/process\.on\("beforeExit", beforeExitHandler\)/);
    expect(run).toMatch(/async function beforeExitHandler\(code\)[\s\S]*signalAndWaitForShutdown\(\)/);
  });

  // Last: setMocks changes this process's SDK state for good.
  it("runtime.setMocks names its monitor 'mock' and leaves PULUMI_NODEJS_MONITOR alone: mocks are no language-host run", async () => {
    expect(sdkFile("runtime/settings.js")).toMatch(/"mock"/);
    const before = process.env.PULUMI_NODEJS_MONITOR;
    await pulumi.runtime.setMocks({
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    });
    expect(process.env.PULUMI_NODEJS_MONITOR).toBe(before);
    expect(runByLanguageHost()).toBe(false);
    for (const monitor of ["127.0.0.1:4321", "mock", ""]) {
      process.env.PULUMI_NODEJS_MONITOR = monitor;
      expect(runByLanguageHost()).toBe(monitor === "127.0.0.1:4321");
    }
    if (before === undefined) delete process.env.PULUMI_NODEJS_MONITOR;
    else process.env.PULUMI_NODEJS_MONITOR = before;
  });
});

describe("the SDK's internals are named in sdk-internals.ts only", () => {
  const root = join(import.meta.dirname, "..", "..");
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? sources(join(dir, e.name))
        : /\.(ts|cjs|mjs|js)$/.test(e.name) && !/\.test\.ts$/.test(e.name)
          ? [join(dir, e.name)]
          : [],
    );

  it("no other module of provider/ calls them", () => {
    const internal =
      /\brpcKeepAlive\b|\bwaitForRPCs\b|\.promise\(\)|\.isKnown\b|\bPULUMI_NODEJS_MONITOR\b|"beforeExit"/;
    const offenders = sources(root)
      .filter((f) => !f.endsWith(join("shared", "sdk-internals.ts")))
      .filter((f) => internal.test(readFileSync(f, "utf8")))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });
});
