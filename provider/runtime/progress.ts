import * as pulumi from "@pulumi/pulumi";
import type { ClientEvent } from "../client/transport.ts";

/** How often a wait is reported per resource, and how long it runs before the first report. */
const waitReportMs = 10_000;
const lastReported = new Map<string, number>();

type Log = Pick<typeof pulumi.log, "info" | "warn">;

/** `3m10s`, `45s`. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * The client's progress events as Pulumi diagnostics: every retry as a warning, a long wait as an
 * info line at most every 10 s per resource. The dynamic provider's handlers are not given the
 * resource's URN (nor a Resource), so the lines carry the cloud id instead; the provider process
 * has no engine connection either, so pulumi.log writes them to its stdout/stderr, which the
 * engine shows.
 */
export function report(event: ClientEvent, log: Log = pulumi.log, now = Date.now()): void {
  if (event.kind === "retry") {
    const why = event.status === null ? event.code : `${event.status} ${event.code}`;
    const after = event.retryAfterMs === null ? "" : `, Retry-After ${duration(event.retryAfterMs)}`;
    void log.warn(
      `pulumi-agentcloud: retrying ${event.method} ${event.path} after ${why} (attempt ${event.attempt}${after})`,
    );
    return;
  }
  if (event.elapsedMs < waitReportMs) return;
  if (now - (lastReported.get(event.resourceId) ?? 0) < waitReportMs) return;
  lastReported.set(event.resourceId, now);
  void log.info(
    `pulumi-agentcloud: waiting for ${event.resourceId} (${event.status}, ${duration(event.elapsedMs)})`,
  );
}
