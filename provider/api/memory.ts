/**
 * An agent runtime's cross-task memory, under `{invokeUrl}/memory` with the account's token, when
 * its spec says `memory: { enabled: true }` (else 409 Conflict): a key-value and document store in
 * namespaces, `PUT`, `GET` and `DELETE {invokeUrl}/memory/{namespace}/{key}`, the keys of a namespace
 * (`GET {invokeUrl}/memory/{namespace}`, newest write first, a page at a time) and a keyword search
 * over the entries' text (`GET {invokeUrl}/memory?q=`). An entry lasts `memory.retentionDays` after
 * its last write (emulator clock), then is gone. Each runtime's memory is its own.
 */
import { z } from "zod";
import { page, pageQueryFields, Timestamp } from "./common.ts";

/** A namespace: 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit. */
export const MemoryNamespace = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "must be letters, digits, '.', '_' and '-', starting with a letter or digit",
  );

/** A key: 1–512 characters, any but '/' and control characters (percent-encoded in the path); not '.' or '..'. */
export const MemoryKey = z
  .string()
  .min(1)
  .max(512)
  .regex(/^(?!\.\.?$)[^/\p{Cc}]+$/u, "must not hold '/' or control characters, nor be '.' or '..'");

/** Body of `PUT {invokeUrl}/memory/{namespace}/{key}` (at most 256 KiB in all). */
export const MemoryPutRequest = z.strictObject({
  /** Any JSON value (null too). */
  value: z.unknown(),
  /** The entry's document: what the keyword search reads (with the value, when it is a string). */
  text: z.string().optional(),
});

/** An entry as it is read back. */
export const MemoryEntry = z.object({
  namespace: z.string(),
  key: z.string(),
  value: z.unknown(),
  text: z.string().nullable(),
  /** The entry's first write (a write after a delete starts again). */
  createdAt: Timestamp,
  /** Its last write: retention counts from it. */
  updatedAt: Timestamp,
  /** When it is gone: `updatedAt` plus the runtime's `memory.retentionDays` as they are now. */
  expiresAt: Timestamp,
});
export type MemoryEntry = z.infer<typeof MemoryEntry>;

/** A key of a namespace, as listed: the entry without its value and text. */
const MemoryKeyInfo = z.object({
  namespace: z.string(),
  key: z.string(),
  /** Bytes of the value (as JSON) and the text (UTF-8). */
  bytes: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  expiresAt: Timestamp,
});
export const MemoryKeyPage = page(MemoryKeyInfo);

export const MemoryListQuery = z.object(pageQueryFields("keys", "runtime and namespace"));

/** The most results a search answers. */
export const maxMemoryResults = 50;

export const MemorySearchQuery = z.object({
  q: z
    .string()
    .min(1)
    .max(1024)
    .describe(
      "words (runs of letters and digits), every one of which an entry's text must hold, case-insensitive",
    ),
  namespace: MemoryNamespace.optional().describe("only entries of this namespace"),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(maxMemoryResults)
    .optional()
    .describe(`results, 1–${maxMemoryResults} (default ${maxMemoryResults})`),
});

/** A search result: the entry, and how many times the query's words occur in its text. */
const MemorySearchResult = MemoryEntry.extend({ matches: z.number().int() });
export const MemorySearchResults = z.object({ items: z.array(MemorySearchResult) });

/**
 * The size of an agent runtime's memory (`GET /v1/agent-runtimes/{id}/memory`): its entries within
 * retention, whatever `memory.enabled` says now (a runtime whose memory was turned off keeps them).
 */
export const MemorySize = z.object({
  /** Entries within retention. */
  entries: z.number().int(),
  /** Their bytes: each value (as JSON) and text (UTF-8), as a key's `bytes` counts them. */
  bytes: z.number().int(),
  /** Namespaces holding at least one of them. */
  namespaces: z.number().int(),
});
export type MemorySize = z.infer<typeof MemorySize>;

/** The answer to a delete. */
export const MemoryDeleted = z.object({
  namespace: z.string(),
  key: z.string(),
  deleted: z.literal(true),
});
