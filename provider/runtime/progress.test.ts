import { describe, expect, it } from "vitest";
import { duration, report } from "./progress.ts";

function recorder() {
  const lines: string[] = [];
  const log = {
    info: async (m: string) => void lines.push(`info ${m}`),
    warn: async (m: string) => void lines.push(`warn ${m}`),
  };
  return { lines, log };
}

describe("progress reports", () => {
  it("warns of every retry with its status, code, attempt and Retry-After", () => {
    const { lines, log } = recorder();
    report(
      {
        kind: "retry",
        method: "POST",
        path: "/v1/chip-clusters",
        status: 503,
        code: "CapacityUnavailable",
        attempt: 2,
        retryAfterMs: 5000,
        delayMs: 5000,
      },
      log,
    );
    report(
      {
        kind: "retry",
        method: "GET",
        path: "/v1/x",
        status: null,
        code: "ECONNRESET",
        attempt: 3,
        retryAfterMs: null,
        delayMs: 10,
      },
      log,
    );
    expect(lines).toEqual([
      "warn pulumi-agentcloud: retrying POST /v1/chip-clusters after 503 CapacityUnavailable (attempt 2, Retry-After 5s)",
      "warn pulumi-agentcloud: retrying GET /v1/x after ECONNRESET (attempt 3)",
    ]);
  });

  it("reports a wait after 10 s, then at most every 10 s per resource", () => {
    const { lines, log } = recorder();
    const wait = (resourceId: string, elapsedMs: number, now: number) =>
      report({ kind: "waiting", resourceId, status: "PROVISIONING", elapsedMs }, log, now);
    wait("cc-1", 2_000, 1_000_000); // too early
    wait("cc-1", 10_000, 1_008_000);
    wait("cc-1", 15_000, 1_013_000); // 5 s after the last report
    wait("cc-2", 12_000, 1_013_000); // another resource
    wait("cc-1", 190_000, 1_018_000);
    expect(lines).toEqual([
      "info pulumi-agentcloud: waiting for cc-1 (PROVISIONING, 10s)",
      "info pulumi-agentcloud: waiting for cc-2 (PROVISIONING, 12s)",
      "info pulumi-agentcloud: waiting for cc-1 (PROVISIONING, 3m10s)",
    ]);
    expect(duration(59_400)).toBe("59s");
    expect(duration(3_605_000)).toBe("60m05s");
  });
});
