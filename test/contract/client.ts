import { Agent, request } from "undici";

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

/** One client for both adapters: undici's own `request`, as the provider uses it. */
export function client(baseUrl: string, defaultToken: string): { call: Call; close(): Promise<void> } {
  const dispatcher = new Agent({ connections: 8 });
  const call: Call = async (method, path, body, options = {}) => {
    const token = options.token === undefined ? defaultToken : options.token;
    const res = await request(`${baseUrl}${path}`, {
      method: method as "GET",
      dispatcher,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined || options.raw !== undefined ? { "content-type": "application/json" } : {}),
        ...options.headers,
      },
      body: options.raw ?? (body === undefined ? null : JSON.stringify(body)),
    });
    const text = await res.body.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { unparsed: text };
    }
    return { status: res.statusCode, headers: res.headers, body: parsed };
  };
  return { call, close: () => dispatcher.close() };
}
