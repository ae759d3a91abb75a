import { z } from "zod";
import { chipTypes, regions } from "./catalog.ts";

const Usage = { limit: z.number().int(), used: z.number().int() };

/**
 * GET /v1/quotas: the caller's account quotas (the emulator's limits, `PUT /_mock/limits`) and what
 * the account uses of each, every region (and chip type) listed. `used` counts what the quota check
 * of a create counts, so a create of `n` more passes while `used + n <= limit`.
 */
export const Quotas = z.object({
  chips: z
    .array(z.object({ region: z.enum(regions), chipType: z.enum(chipTypes), ...Usage }))
    .describe("chips of clusters (any status but FAILED) per region and chip type"),
  endpoints: z.array(z.object({ region: z.enum(regions), ...Usage })).describe("model endpoints per region"),
  runtimes: z.array(z.object({ region: z.enum(regions), ...Usage })).describe("agent runtimes per region"),
  tokensPerMinute: z
    .array(z.object({ region: z.enum(regions), ...Usage }))
    .describe("declared throughput.tokensPerMinute of the model endpoints per region"),
});
export type Quotas = z.infer<typeof Quotas>;
