/// <reference lib="dom" />
/**
 * For the console's unit tests (*.test.ts beside this file, under happy-dom): the real page of
 * page.ts, a recording fake of the emulator's API, and resources as the API returns them.
 */
import { consoleHtml } from "../page.ts";
import { createConsole } from "./app.ts";
import { tokenKeys } from "./state.ts";
import type { Listed, Resource } from "./types.ts";

/** The served page, without what it loads (the tests start the console themselves, and need no style). */
export function loadPage(): void {
  const html = consoleHtml()
    .replace('<script src="/console/console.js" defer></script>', "")
    .replace(/<link [^>]*>/g, "");
  const parsed = new DOMParser().parseFromString(html, "text/html");
  document.head.replaceChildren(...[...parsed.head.childNodes].map((n) => document.importNode(n, true)));
  document.body.replaceChildren(...[...parsed.body.childNodes].map((n) => document.importNode(n, true)));
  location.hash = "";
}

export interface Call {
  method: string;
  url: string;
  authorization: string | null;
  body: unknown;
}

/**
 * A fake of the emulator: `answers` maps "METHOD /path" (the query left out) to a JSON answer, or to
 * a function of the call that returns one (or a whole Response); "*" answers the others, which are
 * otherwise 404. Every call is recorded.
 */
export function fakeEmulator(answers: Record<string, unknown | ((call: Call) => unknown)>) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const call: Call = {
      method: init.method ?? "GET",
      url,
      authorization: headers.authorization ?? null,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const key = `${call.method} ${url.split("?")[0]}`;
    const answer = key in answers ? answers[key] : answers["*"];
    if (answer === undefined)
      return new Response(JSON.stringify({ error: { code: "NotFound", message: `no ${key}` } }), {
        status: 404,
      });
    const body = typeof answer === "function" ? (answer as (c: Call) => unknown)(call) : answer;
    if (body instanceof Response) return body;
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { fetch, calls };
}

/** sessionStorage as the console would find it, holding these tokens. */
export function storageWith(tokens: { account?: string; admin?: string }): Storage {
  sessionStorage.clear();
  if (tokens.account) sessionStorage.setItem(tokenKeys.account, tokens.account);
  if (tokens.admin) sessionStorage.setItem(tokenKeys.admin, tokens.admin);
  return sessionStorage;
}

/** A console on the loaded page, not started: its views render from the state a test sets. */
export function consoleWith(
  tokens: { account?: string; admin?: string },
  answers: Record<string, unknown | ((call: Call) => unknown)> = {},
) {
  const emulator = fakeEmulator(answers);
  const app = createConsole({ fetch: emulator.fetch, storage: storageWith(tokens) });
  return { app, calls: emulator.calls };
}

const meta = (kind: Resource["kind"], id: string, name: string, status: string) => ({
  id,
  kind,
  name,
  region: "cn-hangzhou",
  status,
  statusReason: null,
  etag: `etag-${id}`,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:01:00.000Z",
});

export function cluster(id: string, name: string, status = "ACTIVE", totalChips = 256): Resource {
  return {
    ...meta("ChipCluster", id, name, status),
    chipType: "zhenwu-m890",
    chipsPerHyperNode: 128,
    hyperNodeCount: totalChips / 128,
    provisioning: { mode: "onDemand" },
    totalChips,
  } as unknown as Resource;
}

export function endpoint(
  id: string,
  name: string,
  options: { status?: string; tokensPerMinute?: number; clusterId?: string; apiKey?: string } = {},
): Resource {
  const tpm = options.tokensPerMinute ?? 200_000;
  return {
    ...meta("ModelEndpoint", id, name, options.status ?? "IN_SERVICE"),
    model: "glm-5.1",
    deployment: options.clusterId
      ? {
          mode: "dedicated",
          clusterId: options.clusterId,
          chipsPerReplica: 32,
          minReplicas: 1,
          maxReplicas: 1,
        }
      : { mode: "pooled" },
    throughput: { tokensPerMinute: tpm, elastic: false },
    effectiveTokensPerMinute: tpm,
    pricing: { currency: "USD", inputPerMTokens: 1, outputPerMTokens: 4, cachedInputPerMTokens: 0.5 },
    url: `http://127.0.0.1/inference/${id}`,
    apiKey: options.apiKey ?? "sk-secret-abcd1234",
  } as unknown as Resource;
}

export function runtime(
  id: string,
  name: string,
  models: { endpointId: string; role: string }[],
  channels: { peerRuntimeId: string }[] = [],
): Resource {
  return {
    ...meta("AgentRuntime", id, name, "READY"),
    artifact: { image: "agents/a:1" },
    protocol: "a2a",
    models,
    channels: channels.map((c) => ({ ...c, mode: "a2a" })),
  } as unknown as Resource;
}

export const listed = (account: string | null, ...bodies: Resource[]): [string, Listed][] =>
  bodies.map((body) => [body.id, { account, body }]);
