import { describe, expect, it } from "vitest";
import { AgentCloudError } from "../client/errors.ts";
import { providerError } from "./errors.ts";

describe("provider errors", () => {
  it("print as one line with the request id, without our stack, the way the dynamic-provider host prints them", () => {
    const cloud = new AgentCloudError({
      code: "DependencyViolation",
      message: "cc-1 is used by me-1",
      status: 409,
      requestId: "req-42",
    });
    const e = providerError('ChipCluster "gpu"', cloud);
    // What cmd/dynamic-provider/index.js writes for a failed read, delete, check or diff.
    const printed = `${e}: ${e.stack}`;
    expect(printed).toBe(
      'pulumi-agentcloud: ChipCluster "gpu": DependencyViolation: cc-1 is used by me-1 (request req-42): ',
    );
    // ... and what it writes for an unhandled rejection: `err.stack || err.message`.
    expect(e.stack || e.message).toBe(e.message);
    expect(e.message).toBe('ChipCluster "gpu": DependencyViolation: cc-1 is used by me-1 (request req-42)');
    expect(e).toMatchObject({ code: "DependencyViolation" });
  });

  it("keep the stack of a fault in our own code", () => {
    const e = providerError("ChipCluster", new TypeError("x is undefined"));
    expect(e.stack).toContain("TypeError: x is undefined\n    at ");
  });
});
