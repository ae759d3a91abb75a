import { randomBytes } from "node:crypto";
import { type Approval, type McpGates, McpSettings } from "../../api/mcp.ts";

/** A destructive call an agent asked for and has not confirmed yet. */
export interface Plan {
  id: string;
  account: string;
  tool: string;
  /** The digest of the call's arguments (without `confirm`): the confirming call must repeat them. */
  digest: string;
  expiresAtMs: number;
}

/** The most plans an account can have open: a new one past it drops the account's oldest. */
export const maxOpenPlans = 1000;
/** The most approvals kept per account: past it, its oldest decided (or used) one goes, else its oldest pending one. */
export const maxApprovals = 1000;

/**
 * What the MCP server keeps between calls, in the emulator's memory: its settings, the plans that
 * wait for a confirmation (expiring on the emulator clock) and the approvals (the admin plane
 * lists and decides them). None of it outlives the emulator process: a plan lives minutes, and an
 * approval asked again after a restart is asked again. Both are capped per account (an agent that
 * asks for plans it never confirms, or approvals no admin decides, cannot grow the emulator).
 */
export class McpState {
  settings: McpSettings;
  readonly #initial: McpSettings;
  readonly #plans = new Map<string, Plan>();
  readonly approvals = new Map<string, Approval>();

  constructor(settings: Partial<McpSettings> = {}) {
    this.#initial = McpSettings.parse(settings);
    this.settings = this.#initial;
  }

  /** A full reset of the emulator: the settings it started with, no plans, no approvals. */
  reset(): void {
    this.settings = this.#initial;
    this.#plans.clear();
    this.approvals.clear();
  }

  /** The gates in force for an account: the emulator's, then the account's own. */
  gates(account: string): McpGates {
    const { adminTools: _admin, accounts, ...base } = this.settings;
    return { ...base, ...accounts[account] };
  }

  plan(account: string, tool: string, digest: string, nowMs: number): Plan {
    this.#sweep(nowMs);
    // Oldest first (a Map keeps insertion order): at the cap, the account's oldest plan goes.
    const open = [...this.#plans.values()].filter((p) => p.account === account);
    for (const p of open.slice(0, Math.max(0, open.length - maxOpenPlans + 1))) this.#plans.delete(p.id);
    const ttl = this.gates(account).planTtlSeconds * 1000;
    const plan = {
      id: `plan-${randomBytes(8).toString("hex")}`,
      account,
      tool,
      digest,
      expiresAtMs: nowMs + ttl,
    };
    this.#plans.set(plan.id, plan);
    return plan;
  }

  /** How many plans an account has open (not expired) now. */
  openPlans(account: string, nowMs: number): number {
    this.#sweep(nowMs);
    let n = 0;
    for (const p of this.#plans.values()) if (p.account === account) n++;
    return n;
  }

  /** Takes a plan for a confirming call: why it cannot be used, or null (and the plan is spent). */
  confirm(id: string, account: string, tool: string, digest: string, nowMs: number): string | null {
    const plan = this.#plans.get(id);
    if (!plan || plan.account !== account) return `no plan ${id}: call ${tool} without confirm to get one`;
    if (nowMs >= plan.expiresAtMs) {
      this.#plans.delete(id);
      return `plan ${id} expired at ${new Date(plan.expiresAtMs).toISOString()}: call ${tool} without confirm for a new one`;
    }
    if (plan.tool !== tool || plan.digest !== digest)
      return `plan ${id} is for other arguments (${plan.tool}): repeat exactly the call that made it, with confirm`;
    this.#plans.delete(id);
    return null;
  }

  /** The approval of this exact create: an approved one is used up; a new one is pending. */
  approval(request: Omit<Approval, "id" | "status" | "createdAt">, createdAt: string): Approval {
    for (const a of this.approvals.values()) {
      if (a.account !== request.account || a.tool !== request.tool) continue;
      if (JSON.stringify(a.arguments) !== JSON.stringify(request.arguments)) continue;
      if (a.status === "approved") {
        a.status = "used";
        return { ...a, status: "approved" };
      }
      if (a.status === "pending" || a.status === "denied") return a;
    }
    const created: Approval = {
      ...request,
      id: `approval-${randomBytes(6).toString("hex")}`,
      status: "pending",
      createdAt,
    };
    const theirs = [...this.approvals.values()].filter((a) => a.account === request.account);
    if (theirs.length >= maxApprovals) {
      const oldest = theirs.find((a) => a.status !== "pending") ?? theirs[0];
      if (oldest) this.approvals.delete(oldest.id);
    }
    this.approvals.set(created.id, created);
    return created;
  }

  #sweep(nowMs: number): void {
    for (const [id, p] of this.#plans) if (nowMs >= p.expiresAtMs) this.#plans.delete(id);
  }
}
