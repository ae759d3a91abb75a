import { getRequestListener } from "@hono/node-server";

let captured: typeof Response | undefined;

/**
 * The Response class of @hono/node-server: it keeps the body and headers it was made with, and the
 * server writes those straight to the socket, instead of reading a web stream back out of a global
 * Response. The server only installs it as the global Response (overrideGlobalObjects), which the
 * emulator never does, since it often runs in a user's test process: it is taken here by letting
 * node-server install it and putting the globals back at once, synchronously, so no other code ever
 * sees them changed. Undefined when that gives nothing new (a node-server that works otherwise).
 */
export function nodeResponse(): typeof Response | undefined {
  if (captured) return captured === globalThis.Response ? undefined : captured;
  const g = globalThis as Record<string, unknown>;
  const saved = (["Request", "Response"] as const).map(
    (name) => [name, Object.getOwnPropertyDescriptor(g, name)] as const,
  );
  const original = globalThis.Response;
  try {
    getRequestListener(() => new original(null));
    captured = globalThis.Response;
  } finally {
    for (const [name, descriptor] of saved) if (descriptor) Object.defineProperty(g, name, descriptor);
  }
  return captured === original ? undefined : captured;
}
