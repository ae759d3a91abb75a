import type { Readable } from "node:stream";
import { Agent, request } from "undici";
import { Conformance, type Exchange } from "../contract/conformance.ts";

/** The one client the tests call the emulator with, over HTTP or in process. */

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body parsed as JSON (null when empty, `{ unparsed }` when it is not JSON). */
  body: any;
  /** The body as it came. */
  text: string;
  /** What was sent and answered, as the conformance check reads it. */
  exchange: Exchange;
}

interface CallOptions {
  /** The token (default: the client's); null sends no Authorization header. */
  token?: string | null;
  /** More headers, sent after (and so over) the client's own. */
  headers?: Record<string, string>;
  /** The body's bytes as they are, instead of `JSON.stringify(body)`: a string, or a stream of chunks. */
  raw?: string | Readable;
  /** The content-type header (default: application/json when there is a body); null sends none. */
  contentType?: string | null;
}

export type Call = (method: string, path: string, body?: unknown, options?: CallOptions) => Promise<Answer>;

/** An answer whose body is not read yet: a stream, for the event feed. */
interface Opened {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
}

export interface ClientOptions {
  /**
   * Check every exchange against the server's own `GET /openapi.json` (default true): a call whose
   * request or answer disagrees with the document rejects, failing the test that made it.
   */
  conformance?: boolean;
}

export interface Client {
  call: Call;
  /** Sends a request and hands back the answer with its body unread (for `GET /_mock/events`). */
  open(method: string, path: string, options?: CallOptions & { signal?: AbortSignal }): Promise<Opened>;
  close(): Promise<void>;
  /** The checker, once the first call has loaded the document (null with `conformance: false`). */
  conformance(): Conformance | null;
}

/** The emulator in process (`createMockCloud`): its own `fetch(request)`, no socket. */
export interface InProcess {
  fetch(request: Request): Promise<Response>;
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Readable | undefined;
  signal?: AbortSignal;
}
type Transport = (sent: Sent) => Promise<Opened & { text(): Promise<string> }>;

function overHttp(baseUrl: string, dispatcher: Agent): Transport {
  return async (s) => {
    const res = await request(`${baseUrl}${s.path}`, {
      method: s.method as "GET",
      dispatcher,
      headers: s.headers,
      body: s.body ?? null,
      ...(s.signal ? { signal: s.signal } : {}),
    });
    return { status: res.statusCode, headers: res.headers, body: res.body, text: () => res.body.text() };
  };
}

function inProcess(cloud: InProcess): Transport {
  return async (s) => {
    const res = await cloud.fetch(
      new Request(`http://agentcloud.test${s.path}`, {
        method: s.method,
        headers: s.headers,
        body: s.body as string | undefined,
        ...(s.signal ? { signal: s.signal } : {}),
      }),
    );
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      // Node's ReadableStream is async iterable; the DOM types do not say so.
      body: (res.body ?? new ReadableStream()) as unknown as AsyncIterable<Uint8Array>,
      text: () => res.text(),
    };
  };
}

/**
 * A client of the emulator at `target` (a base URL, through undici's own `request` as the provider
 * uses it, or the emulator in process) that sends `defaultToken` unless a call names another.
 */
export function client(
  target: string | InProcess,
  defaultToken: string,
  options: ClientOptions = {},
): Client {
  const dispatcher = typeof target === "string" ? new Agent({ connections: 8 }) : null;
  const send = typeof target === "string" ? overHttp(target, dispatcher as Agent) : inProcess(target);
  const checking = options.conformance ?? true;
  let checker: Promise<Conformance> | null = null;
  let loaded: Conformance | null = null;
  const load = () => {
    checker ??= (async () => {
      const res = await send({ method: "GET", path: "/openapi.json", headers: {}, body: undefined });
      if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
      loaded = new Conformance(JSON.parse(await res.text()) as Record<string, unknown>);
      return loaded;
    })();
    return checker;
  };
  const outgoing = (path: string, body: unknown, o: CallOptions) => {
    const token = o.token === undefined ? defaultToken : o.token;
    const sent = o.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const type =
      o.contentType === undefined ? (sent === undefined ? null : "application/json") : o.contentType;
    const headers: Record<string, string> = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(type === null ? {} : { "content-type": type }),
      ...o.headers,
    };
    return { path, headers, body: sent };
  };
  const call: Call = async (method, path, body, o = {}) => {
    const out = outgoing(path, body, o);
    const check = checking ? await load() : null;
    const res = await send({ method, ...out });
    const text = await res.text();
    const exchange: Exchange = {
      method,
      url: path,
      requestHeaders: out.headers,
      requestBody: typeof out.body === "string" ? out.body : undefined,
      status: res.status,
      responseHeaders: res.headers,
      responseBody: text,
    };
    check?.assert(exchange);
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { unparsed: text };
    }
    return { status: res.status, headers: res.headers, body: parsed, text, exchange };
  };
  const open: Client["open"] = async (method, path, o = {}) => {
    const { status, headers, body } = await send({
      method,
      ...outgoing(path, undefined, o),
      signal: o.signal,
    });
    return { status, headers, body };
  };
  return { call, open, close: async () => dispatcher?.close(), conformance: () => loaded };
}
