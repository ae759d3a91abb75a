import { describe, expect, it } from "vitest";
import { AgentCloudError } from "../client/errors.ts";
import { partialCreateError, providerError } from "./errors.ts";

/**
 * What @pulumi/pulumi/cmd/dynamic-provider/index.js writes to stderr (and the engine shows) for a
 * failed check, diff, read or delete: `console.error(`${e}: ${e.stack}`)`.
 */
const hostLine = (e: Error) => `${e}: ${e.stack}`;

describe("provider errors", () => {
  it("print as one line with the request id, without our stack, the way the dynamic-provider host prints them", () => {
    const cloud = new AgentCloudError({
      code: "DependencyViolation",
      message: "cc-1 is used by me-1",
      status: 409,
      requestId: "req-42",
    });
    const e = providerError('ChipCluster "gpu"', cloud);
    expect(hostLine(e)).toBe(
      'pulumi-agentcloud: ChipCluster "gpu": DependencyViolation: cc-1 is used by me-1 (request req-42): ',
    );
    // Its string is the usual `name: message` (callers print `String(err)`): the host's line is made of it.
    expect(String(e)).toBe(`pulumi-agentcloud: ${e.message}`);
    // ... what it sends the engine for a failed create or update, and with a delete's error: `e.message`.
    expect(e.message).toBe('ChipCluster "gpu": DependencyViolation: cc-1 is used by me-1 (request req-42)');
    // ... and what it writes for an unhandled rejection: `err.stack || err.message`.
    expect(e.stack || e.message).toBe(e.message);
    expect(e).toMatchObject({ code: "DependencyViolation" });
  });

  it("print a refused create (quota, validation) as one line, the field named", () => {
    const quota = new AgentCloudError({
      code: "QuotaExceeded",
      message: "zhenwu-m890 chips in cn-hangzhou: quota 200",
      status: 409,
      requestId: "req-7",
    });
    expect(hostLine(providerError('ChipCluster "big"', quota))).toBe(
      'pulumi-agentcloud: ChipCluster "big": QuotaExceeded: zhenwu-m890 chips in cn-hangzhou: quota 200 (request req-7): ',
    );
    const invalid = new AgentCloudError({
      code: "ValidationError",
      message: "must be a multiple of 8",
      status: 400,
      requestId: "req-8",
      details: { field: "chipsPerHyperNode" },
    });
    const line = hostLine(providerError('ChipCluster "odd"', invalid));
    expect(line).toBe(
      'pulumi-agentcloud: ChipCluster "odd": chipsPerHyperNode: ValidationError: must be a multiple of 8 (request req-8): ',
    );
    expect(line).not.toContain("\n");
  });

  it("print a deadline or a failed resource (no cloud code) as one line too", () => {
    const e = partialCreateError(
      'ChipCluster "gpu"',
      new Error("cc-1 is FAILED: burn-in failed"),
      "cc-1",
      {},
    );
    expect(hostLine(e)).toBe('pulumi-agentcloud: ChipCluster "gpu": cc-1 is FAILED: burn-in failed: ');
    expect(e).toMatchObject({ id: "cc-1", reasons: [e.message] });
  });

  it("keep the stack of a fault in our own code", () => {
    const e = providerError("ChipCluster", new TypeError("x is undefined"));
    expect(e.stack).toContain("TypeError: x is undefined\n    at ");
    const line = hostLine(e);
    expect(line).toMatch(
      /^pulumi-agentcloud: ChipCluster: x is undefined: TypeError: x is undefined\n {4}at /,
    );
    // Wrapped once more (a resource named around it), the trace stays.
    expect(providerError('ChipCluster "gpu"', e).stack).toBe(e.stack);
  });
});
