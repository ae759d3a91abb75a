/** Answers of the emulator's admin plane (`/_mock`) that other code reads too: the console, the feed. */
import { z } from "zod";
import { Timestamp } from "./common.ts";

/** One request the emulator answered, as `GET /_mock/requests` and the event feed give it: no headers, no body. */
export const LoggedRequest = z.object({
  time: Timestamp,
  requestId: z.string(),
  account: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  code: z.string().nullable(),
  durationMs: z.number(),
});
export type LoggedRequest = z.infer<typeof LoggedRequest>;

/** Fields an out-of-band edit (`PATCH /_mock/resources/…`) may not set: identity, and what the cloud derives of a secret. */
const notEditable = ["id", "kind", "etag", "secretEnvKeys", "secretEnvDigest"];

/** The fields of a resource view an out-of-band edit may set. */
export function editableFields(view: z.ZodObject): string[] {
  return Object.keys(view.shape).filter((k) => !notEditable.includes(k));
}
