import { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { MockCloudError } from "../errors.ts";

/** Largest request body (PayloadTooLarge above). */
const maxBodyBytes = 256 * 1024;
/** Deepest nesting of objects and arrays a body may have (the body itself is level 1). */
const maxJsonDepth = 64;

/**
 * The request body as JSON; anything else is a 4xx, never a 5xx. `empty`: the value of a bodiless
 * request, which is otherwise a ValidationError; `maxBytes`: a larger limit than 256 KiB (restore).
 */
export async function json(
  c: Context,
  options: { empty?: unknown; maxBytes?: number } = {},
): Promise<unknown> {
  requireJsonBody(c);
  const text = await bodyText(c, options.maxBytes);
  // An in-process Request may carry a body without saying so in its headers.
  if (text !== "") requireJsonBody(c, true);
  if (text.trim() === "") {
    if ("empty" in options) return options.empty;
    throw new MockCloudError("ValidationError", "request body is empty; expected JSON");
  }
  // Before anything walks the value: canonical JSON, zod and the logs all recurse over it.
  if (nestingExceeds(text, maxJsonDepth)) {
    throw new MockCloudError(
      "ValidationError",
      `request body nests objects and arrays more than ${maxJsonDepth} levels deep`,
      { maxDepth: maxJsonDepth },
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MockCloudError("ValidationError", "request body is not valid JSON");
  }
}

const bodies = new WeakMap<Request, Promise<string>>();

/**
 * The body as text, read once per request (the fault middleware and the route share it). At most
 * 256 KiB is read: past that, reading stops (the rest is never buffered) and the answer is 413.
 */
function bodyText(c: Context, maxBytes = maxBodyBytes): Promise<string> {
  let text = bodies.get(c.req.raw);
  if (!text) {
    text = readLimited(c, maxBytes);
    bodies.set(c.req.raw, text);
  }
  return text;
}

async function readLimited(c: Context, maxBytes: number): Promise<string> {
  const tooLarge = async (reader?: ReadableStreamDefaultReader<Uint8Array>) => {
    // The rest is read and dropped first, so the client hears the 413 rather than a connection closed
    // under its upload; when it is too much to drop, the connection is closed after the answer.
    const drained = await discardBody(c, reader);
    return new MockCloudError(
      "PayloadTooLarge",
      `request body larger than ${sizeLabel(maxBytes)}`,
      undefined,
      drained ? undefined : { connection: "close" },
    );
  };
  const length = c.req.header("content-length");
  if (Number(length ?? 0) > maxBytes) throw await tooLarge();
  // On the node server, a body of a declared length (no more than maxBytes: the parser delivers no
  // more than Content-Length says) is read from the socket's message as it is, without building a
  // web Request and stream around it.
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (
    incoming instanceof IncomingMessage &&
    length !== undefined &&
    c.req.header("transfer-encoding") === undefined &&
    !("rawBody" in incoming) &&
    incoming.readableFlowing === null &&
    !incoming.readableEnded
  ) {
    return readIncoming(incoming);
  }
  const stream = c.req.raw.body;
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) throw await tooLarge(reader);
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * The most of a refused body that is read and dropped to keep the connection: enough for a client
 * that writes a few MB before it reads the answer, small enough that a huge upload is cut short.
 */
const maxDiscardBytes = 8 * 1024 * 1024;

/**
 * Reads the rest of a request body and drops it, so an early answer (413) reaches a client that is
 * still uploading. False when the body declares, or turns out, larger than 8 MiB: reading stops and
 * the connection is to be closed.
 */
export async function discardBody(
  c: Context,
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined = c.req.raw.body?.getReader(),
): Promise<boolean> {
  if (!reader) return true;
  if (Number(c.req.header("content-length") ?? 0) > maxDiscardBytes) {
    reader.cancel().catch(() => {});
    return false;
  }
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      size += value.byteLength;
      if (size > maxDiscardBytes) {
        reader.cancel().catch(() => {});
        return false;
      }
    }
  } catch {
    return false;
  }
}

function readIncoming(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("end", () => resolve(new TextDecoder().decode(Buffer.concat(chunks))));
    incoming.once("error", reject);
  });
}

/**
 * A request with a body must send it as application/json, with no charset or UTF-8 (RFC 8259 §8.1):
 * anything else is 415 UnsupportedMediaType. `hasBody` when the body was read; otherwise the headers
 * tell (a Content-Length above 0, or a Transfer-Encoding).
 */
export function requireJsonBody(c: Context, hasBody = declaresBody(c)): void {
  if (!hasBody) return;
  const type = c.req.header("content-type");
  if (isJsonMediaType(type)) return;
  throw new MockCloudError(
    "UnsupportedMediaType",
    `request body must be application/json (UTF-8), not ${type ?? "without a Content-Type"}`,
    { contentType: type ?? null, expected: "application/json" },
  );
}

function declaresBody(c: Context): boolean {
  const length = c.req.header("content-length");
  return (length !== undefined && Number(length) !== 0) || c.req.header("transfer-encoding") !== undefined;
}

/** `application/json`, any case, whose charset parameter (if any) is UTF-8. */
function isJsonMediaType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type = "", ...params] = value.split(";");
  if (type.trim().toLowerCase() !== "application/json") return false;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    const charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
    if (charset !== "utf-8") return false;
  }
  return true;
}

/** Whether JSON text opens more than `limit` objects/arrays at once; one pass, no recursion. */
function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* backslash: skip what it escapes */) i++;
      else if (ch === 0x22 /* " */) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) depth--;
  }
  return false;
}
const sizeLabel = (bytes: number) =>
  bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
