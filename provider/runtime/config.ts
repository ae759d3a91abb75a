import { AgentCloudClient } from "../client/client.ts";
import { AgentCloudError } from "../client/errors.ts";
import { report } from "./progress.ts";
import { ensureEngineAlive } from "./watchdog.ts";

export interface ProviderConfig {
  endpoint: string;
  token: string;
}

interface ConfigSource {
  get(key: string): string | undefined;
}

let configured: ProviderConfig | null = null;
let client: AgentCloudClient | null = null;

/**
 * Called by the dynamic-provider host with the stack's configuration (secrets arrive in plaintext
 * here and must stay in this process). Stack config wins over the environment.
 */
export function configure(req: { config: ConfigSource }): void {
  const endpoint = req.config.get("agentcloud:endpoint") ?? process.env.AGENTCLOUD_ENDPOINT;
  const token = req.config.get("agentcloud:token") ?? process.env.AGENTCLOUD_TOKEN;
  if (endpoint && token) setConfig({ endpoint, token });
}

export function setConfig(next: ProviderConfig): void {
  if (configured && configured.endpoint === next.endpoint && configured.token === next.token) return;
  configured = next;
  const old = client;
  client = null;
  void old?.close();
}

/** The one client of this process: one keep-alive agent and one concurrency limit for all resources. */
export function getClient(): AgentCloudClient {
  if (!configured) {
    const endpoint = process.env.AGENTCLOUD_ENDPOINT;
    const token = process.env.AGENTCLOUD_TOKEN;
    if (!endpoint || !token) {
      throw new AgentCloudError({
        code: "NotConfigured",
        message:
          "no AgentCloud endpoint/token: set `pulumi config set agentcloud:endpoint <url>` and `pulumi config set --secret agentcloud:token <token>`, or AGENTCLOUD_ENDPOINT and AGENTCLOUD_TOKEN",
      });
    }
    configured = { endpoint, token };
  }
  client ??= new AgentCloudClient({
    endpoint: configured.endpoint,
    token: configured.token,
    concurrency: maxConcurrency(process.env.AGENTCLOUD_MAX_CONCURRENCY),
    onEvent: (event) => report(event),
    beforeWrite: ensureEngineAlive,
  });
  return client;
}

const wallClock = () => new Date();
let clock: () => Date = wallClock;

/**
 * What check compares dates with (a roadmap chip's `availableFrom`): the wall clock unless a test
 * pinned it with `setClock`, so tests about dates do not depend on the day they run.
 */
export function now(): Date {
  return clock();
}

/** Pins check's clock (`setClock(() => new Date("2026-12-01T00:00:00Z"))`); `setClock(null)` restores the wall clock. */
export function setClock(next: (() => Date) | null): void {
  clock = next ?? wallClock;
}

/** Secrets to scrub from anything that leaves the process. */
export function secrets(): string[] {
  return configured ? [configured.token] : [];
}

/** AGENTCLOUD_MAX_CONCURRENCY: requests in flight at once per provider process (default 16). */
export function maxConcurrency(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 16;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new AgentCloudError({
      code: "NotConfigured",
      message: `AGENTCLOUD_MAX_CONCURRENCY must be a whole number from 1 to 1024, not ${JSON.stringify(raw)}`,
    });
  }
  return n;
}
