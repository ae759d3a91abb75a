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
