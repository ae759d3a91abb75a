import { getRequestListener } from "@hono/node-server";

/**
 * The one place that knows an internal of @hono/node-server (checked by node-response.test.ts):
 * its own Response class. A Response made with it keeps the body and the header record it was
 * made with, and the node server writes those straight to the socket (status, the record as it
 * is, the body with its length), instead of reading a web stream back out of a global Response.
 * The class is not exported: node-server only installs it as the global Response
 * (overrideGlobalObjects), which the emulator never does, since it often runs in a user's test
 * process. It is taken here by letting node-server install it and putting the globals back at
 * once, synchronously, so no other code ever sees them changed.
 */
export interface NodeResponse {
  /**
   * A JSON answer that the node server writes out as given: this status, exactly these headers
   * (add every header the answer needs here: later ones are not merged in), this body.
   */
  json(body: string, status: number, headers: Record<string, string>): Response;
  /** Whether `res` was made by json(): its headers are final, and best left unread (reading them copies the record). */
  made(res: Response): boolean;
}

let memo: { value: NodeResponse | undefined } | undefined;

/** node-server's fast answers; undefined when the installed node-server gives no class of its own. */
export function nodeResponse(): NodeResponse | undefined {
  memo ??= { value: wrap(captureClass()) };
  return memo.value;
}

function wrap(NodeResponseClass: typeof Response | undefined): NodeResponse | undefined {
  if (!NodeResponseClass) return undefined;
  return {
    json: (body, status, headers) => new NodeResponseClass(body, { status, headers }),
    made: (res) => res instanceof NodeResponseClass,
  };
}

/** The class node-server installs as the global Response, with the globals left as they were. */
function captureClass(): typeof Response | undefined {
  const g = globalThis as Record<string, unknown>;
  const saved = (["Request", "Response"] as const).map(
    (name) => [name, Object.getOwnPropertyDescriptor(g, name)] as const,
  );
  const original = globalThis.Response;
  let installed: typeof Response;
  try {
    getRequestListener(() => new original(null));
    installed = globalThis.Response;
  } finally {
    for (const [name, descriptor] of saved) if (descriptor) Object.defineProperty(g, name, descriptor);
  }
  return installed === original ? undefined : installed;
}
