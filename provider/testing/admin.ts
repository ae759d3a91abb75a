import { request } from "undici";
import type { z } from "zod";
import type { FaultRule, Limits, Transitions } from "../api/admin.ts";
import type { ResourceKind } from "../api/common.ts";
import { collectionOf } from "../api/common.ts";
import type { InferenceRule } from "../api/inference.ts";

type Fetch = (r: Request) => Promise<Response>;

/** Drives the emulator's admin plane (`/_mock/*`): reset, faults, transitions, clock, drift. */
export class MockCloudAdmin {
  readonly #url: string;
  readonly #token: string;
  readonly #fetch: Fetch | undefined;

  /** `fetch` routes calls in-process (msw network); without it they go over HTTP to `url`. */
  constructor(url: string, token: string, fetch?: Fetch) {
    this.#url = url.replace(/\/+$/, "");
    this.#token = token;
    this.#fetch = fetch;
  }

  /** Deletes every resource (of one account, if given); also clears faults and the log when global. */
  reset(account?: string): Promise<unknown> {
    return this.#call("POST", "/reset", account ? { account } : {});
  }

  /** Adds a fault rule; returns its id. */
  async fault(rule: Partial<FaultRule>): Promise<string> {
    return ((await this.#call("POST", "/faults", rule)) as { id: string }).id;
  }

  clearFaults(): Promise<unknown> {
    return this.#call("DELETE", "/faults");
  }

  transitions(settings: Transitions): Promise<unknown> {
    return this.#call("PUT", "/transitions", settings);
  }

  limits(limits: Partial<Limits>): Promise<unknown> {
    return this.#call("PUT", "/limits", limits);
  }

  /**
   * Scripts the models (first matching rule first): `await cloud.admin.inferenceRule({ match: {
   * lastMessage: "weather" }, answer: { toolCalls: [{ name: "weather", arguments: { city: "Hangzhou" } }] } })`.
   */
  inferenceRule(rule: z.input<typeof InferenceRule>): Promise<unknown> {
    return this.#call("POST", "/inference/rules", rule);
  }

  clearInferenceRules(): Promise<unknown> {
    return this.#call("DELETE", "/inference/rules");
  }

  advanceClock(ms: number): Promise<unknown> {
    return this.#call("POST", "/clock/advance", { ms });
  }

  /** Changes a resource behind Pulumi's back, as a console user would (drift). */
  edit(kind: ResourceKind, id: string, fields: Record<string, unknown>): Promise<unknown> {
    return this.#call("PATCH", `/resources/${collectionOf[kind]}/${encodeURIComponent(id)}`, fields);
  }

  async requests(
    limit = 1000,
  ): Promise<{ method: string; path: string; status: number; code: string | null }[]> {
    return ((await this.#call("GET", `/requests?limit=${limit}`)) as { items: never[] }).items;
  }

  snapshot(): Promise<unknown> {
    return this.#call("POST", "/snapshot");
  }

  restore(snapshot: unknown): Promise<unknown> {
    return this.#call("POST", "/restore", snapshot);
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.#url}/_mock${path}`;
    const headers = { authorization: `Bearer ${this.#token}`, "content-type": "application/json" };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let status: number;
    let text: string;
    if (this.#fetch) {
      const res = await this.#fetch(new Request(url, { method, headers, body: payload }));
      status = res.status;
      text = await res.text();
    } else {
      const res = await request(url, { method: method as "GET", headers, body: payload ?? null });
      status = res.statusCode;
      text = await res.body.text();
    }
    const parsed = text ? JSON.parse(text) : null;
    if (status >= 400)
      throw new Error(
        `admin ${method} ${path}: ${status} ${parsed?.error?.code ?? ""} ${parsed?.error?.message ?? ""}`,
      );
    return parsed;
  }
}
