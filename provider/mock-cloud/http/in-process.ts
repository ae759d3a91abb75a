/** The emulator's answer to a request it makes to itself: its status, headers and JSON body. */
export interface InProcessAnswer {
  status: number;
  headers: Headers;
  /** The body as JSON; the text itself when it is not JSON; null when empty (a dropped connection's). */
  body: unknown;
}

/**
 * A request of the emulator to itself, in process (an MCP tool's route, an agent's call under its
 * invokeUrl, a skill's memory tool): a JSON body when there is one, the caller's authorization, and
 * the answer read whole. `path` is relative to the emulator's origin, or a whole URL.
 */
export async function inProcess(
  fetchApp: (request: Request) => Promise<Response>,
  request: {
    method: string;
    path: string;
    authorization: string;
    headers?: Record<string, string>;
    body?: unknown;
  },
): Promise<InProcessAnswer> {
  const { method, path, authorization, headers = {}, body } = request;
  const res = await fetchApp(
    new Request(new URL(path, "http://agentcloud.internal"), {
      method,
      headers: {
        ...headers,
        authorization,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed };
}
