import { describe, expect, it } from "vitest";
import { maxConcurrency } from "./config.ts";

describe("AGENTCLOUD_MAX_CONCURRENCY", () => {
  it("defaults to 16 and takes a whole number from 1 to 1024", () => {
    expect(maxConcurrency(undefined)).toBe(16);
    expect(maxConcurrency("")).toBe(16);
    expect(maxConcurrency("4")).toBe(4);
  });

  it("refuses anything else with a message that names the variable, instead of handing NaN to the agent", () => {
    for (const bad of ["abc", "0", "-3", "2.5", "100000"]) {
      expect(() => maxConcurrency(bad)).toThrow(
        /AGENTCLOUD_MAX_CONCURRENCY must be a whole number from 1 to 1024/,
      );
    }
  });
});
