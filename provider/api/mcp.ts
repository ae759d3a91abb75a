/**
 * The gates the emulator's MCP server puts in front of agents, as the admin plane sets them
 * (`GET`/`PUT /_mock/mcp`) and the emulator's flags start them: read-only mode, an allow-list,
 * plan then confirm for what deletes, an approval gate for large creates. Per account, a setting
 * given in `accounts[account]` wins over the emulator's.
 */
import { z } from "zod";

export const McpGates = z.strictObject({
  /** Write tools are not registered at all. */
  readOnly: z.boolean().default(false),
  /** Only these tools are registered (null: all of them). */
  allowTools: z.array(z.string().min(1).max(64)).max(500).nullable().default(null),
  /** A tool that deletes acts only with `confirm: <planId>` of a plan its first call answered. */
  confirmDestructive: z.boolean().default(true),
  /** How long a plan can be confirmed, on the emulator clock. */
  planTtlSeconds: z.number().int().min(1).max(86_400).default(600),
  /** A create estimated above either answers ApprovalPending until an admin approves it (null: no gate). */
  approveAboveChips: z.number().int().min(0).nullable().default(null),
  /** A create estimated above this many USD a month (its estimate's maximum) waits for an admin too (null: no gate). */
  approveAboveMonthlyUsd: z.number().min(0).nullable().default(null),
});
export type McpGates = z.infer<typeof McpGates>;

export const McpSettings = McpGates.extend({
  /** The admin plane's tools too (reset, faults, limits...): off unless the emulator is started with them. */
  adminTools: z.boolean().default(false),
  /** Per account: what differs from the settings above. */
  accounts: z.record(z.string().min(1), McpGates.partial()).default({}),
});
export type McpSettings = z.infer<typeof McpSettings>;

/** A create waiting for an admin: what it would make, and whether it was approved. */
export const Approval = z.object({
  id: z.string(),
  account: z.string(),
  tool: z.string(),
  /** The tool call's arguments (secrets masked). */
  arguments: z.record(z.string(), z.unknown()),
  chips: z.number(),
  monthlyUsd: z.number(),
  status: z.enum(["pending", "approved", "denied", "used"]),
  createdAt: z.string(),
});
export type Approval = z.infer<typeof Approval>;
