import { Agent, request } from "undici";
import { Conformance } from "./conformance.ts";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export type Call = (
  method: string,
  path: string,
  body?: unknown,
  options?: { token?: string | null; headers?: Record<string, string>; raw?: string },
) => Promise<Answer>;

export interface ClientOptions {
  /**
   * Check every exchange against the server's own `GET /openapi.json` (default true): a call whose
   * request or answer disagrees with the document rejects, failing the test that made it.
   */
  conformance?: boolean;
}

export interface Client {
  call: Call;
  close(): Promise<void>;
  /** The checker, once the first call has loaded the document (null with `conformance: false`). */
  conformance(): Conformance | null;
}

/** One client for both adapters: undici's own `request`, as the provider uses it. */
export function client(baseUrl: string, defaultToken: string, options: ClientOptions = {}): Client {
  const dispatcher = new Agent({ connections: 8 });
  const checking = options.conformance ?? true;
  let checker: Promise<Conformance> | null = null;
  let loaded: Conformance | null = null;
  const load = () => {
    checker ??= (async () => {
      const res = await request(`${baseUrl}/openapi.json`, { dispatcher });
      if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
      loaded = new Conformance((await res.body.json()) as Record<string, unknown>);
      return loaded;
    })();
    return checker;
  };
  const call: Call = async (method, path, body, options = {}) => {
    const token = options.token === undefined ? defaultToken : options.token;
    const headers: Record<string, string> = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined || options.raw !== undefined ? { "content-type": "application/json" } : {}),
      ...options.headers,
    };
    const sent = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const check = checking ? await load() : null;
    const res = await request(`${baseUrl}${path}`, {
      method: method as "GET",
      dispatcher,
      headers,
      body: sent ?? null,
    });
    const text = await res.body.text();
    check?.assert({
      method,
      url: path,
      requestHeaders: headers,
      requestBody: sent,
      status: res.statusCode,
      responseHeaders: res.headers,
      responseBody: text,
    });
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { unparsed: text };
    }
    return { status: res.statusCode, headers: res.headers, body: parsed };
  };
  return { call, close: () => dispatcher.close(), conformance: () => loaded };
}
