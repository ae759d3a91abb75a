import { afterEach, describe, expect, it, vi } from "vitest";
import { getClient, maxConcurrency, setConfig } from "./config.ts";
import { checkTimeouts } from "./timeouts.ts";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("AGENTCLOUD_MAX_CONCURRENCY", () => {
  it("defaults to 16 and takes a whole number from 1 to 1024", () => {
    expect(maxConcurrency(undefined)).toBe(16);
    expect(maxConcurrency("")).toBe(16);
    expect(maxConcurrency("4")).toBe(4);
  });

  it("refuses anything else with a message that names the variable, instead of handing NaN to the agent", () => {
    for (const bad of ["abc", "NaN", "Infinity", "0", "-3", "2.5", "100000"]) {
      expect(() => maxConcurrency(bad)).toThrow(
        /AGENTCLOUD_MAX_CONCURRENCY must be a whole number from 1 to 1024/,
      );
    }
  });

  it("stops the provider's client before it makes an agent", () => {
    setConfig({ endpoint: "http://127.0.0.1:9", token: "tok-config-test" });
    vi.stubEnv("AGENTCLOUD_MAX_CONCURRENCY", "NaN");
    expect(() => getClient()).toThrow(/AGENTCLOUD_MAX_CONCURRENCY must be a whole number .*not "NaN"/);
    vi.stubEnv("AGENTCLOUD_MAX_CONCURRENCY", "3");
    expect(getClient().transport.endpoint).toBe("http://127.0.0.1:9");
  });
});

describe("timeouts", () => {
  it("names the field of a value that is not a duration", () => {
    const failures = checkTimeouts({ create: "NaN", update: Number.NaN, delete: "10 minutes" });
    expect(failures.map((f) => f.property)).toEqual([
      "timeouts.create",
      "timeouts.update",
      "timeouts.delete",
    ]);
    expect(failures[0]?.reason).toMatch(/expected seconds or a duration/);
  });
});
