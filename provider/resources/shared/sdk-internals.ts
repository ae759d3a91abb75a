import * as pulumi from "@pulumi/pulumi";

/**
 * The one place that relies on the Pulumi Node SDK beyond its documented API: members marked
 * @internal (absent from its type declarations), an undocumented function, and how the language
 * host's run entry starts and ends a program. sdk-internals.test.ts checks each against the
 * installed @pulumi/pulumi, so a version that changes one fails there, by name, before the
 * crash-safety e2e tests or the testing kit fail in a way that is harder to read.
 */

/** What an Output is inside the SDK (output.js OutputImpl): the members its declarations leave out. */
interface OutputInternals {
  promise(withUnknowns?: boolean): Promise<unknown>;
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
}

/**
 * An Output's value once it is settled (`Output.promise()`): for a resource's output, once the
 * engine has answered; rejects when the resource failed. Undefined where unknown (preview).
 */
export function outputValue(o: pulumi.Output<unknown>): Promise<unknown> {
  return (o as unknown as OutputInternals).promise();
}

/**
 * An Output's value once it is settled, unknown values kept (`Output.promise(true)`): a resource's
 * output the engine did not answer at all is undefined, one it answered as not known yet (at
 * preview) is `pulumi.unknown` or holds it. Rejects when the resource failed.
 */
export function outputValueWithUnknowns(o: pulumi.Output<unknown>): Promise<unknown> {
  return (o as unknown as OutputInternals).promise(true);
}

/** An Output as the SDK serializes it into the stack's outputs: its value, whether known, whether secret. */
export async function outputState(
  o: pulumi.Output<unknown>,
): Promise<{ value: unknown; known: boolean; secret: boolean }> {
  const internals = o as unknown as OutputInternals;
  const [value, known, secret] = await Promise.all([
    internals.promise(),
    internals.isKnown,
    internals.isSecret,
  ]);
  return { value, known, secret };
}

/**
 * Keeps the program, and with it the engine's update, open until the returned callback is called
 * (`runtime.rpcKeepAlive`: exported, but not documented). The SDK waits for it the way it waits
 * for its own registrations.
 */
export function keepProgramOpen(): () => void {
  return pulumi.runtime.rpcKeepAlive();
}

/**
 * Resolves once every registration and every keepProgramOpen() pending has finished, those started
 * meanwhile too (`runtime.waitForRPCs`, @internal: what the language host awaits before it ends a
 * program). Resolves at once with an SDK that has no such function (the caller's, in the testing kit).
 */
export function rpcsSettled(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  return runtime.waitForRPCs?.() ?? Promise.resolve();
}

/**
 * Whether this program was started by the language host's run entry (`@pulumi/pulumi/cmd/run`,
 * which copies its `--monitor` into PULUMI_NODEJS_MONITOR): a process that ends when the program
 * is done. Not an Automation API inline program (its process goes on), nor a program under
 * `runtime.setMocks` (the SDK names that monitor "mock").
 */
export function runByLanguageHost(): boolean {
  const monitor = process.env.PULUMI_NODEJS_MONITOR;
  return !!monitor && monitor !== "mock";
}

/**
 * Runs `work` once, when a program started by the language host has run to its end without a
 * failure: from `beforeExit`, which the run entry lets every other handler run first, and whose
 * work it waits for before it tells the engine the program is done (signalAndWaitForShutdown).
 */
export function atProgramEnd(work: () => Promise<void>): void {
  let ran = false;
  process.on("beforeExit", (code) => {
    if (ran || code !== 0 || process.exitCode) return;
    ran = true;
    void work();
  });
}
