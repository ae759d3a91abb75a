/**
 * The emulator's MCP server for one account: the route table's tools (tools.ts), behind the gates
 * (api/mcp.ts): read-only mode and the allow-list decide what is registered at all; a tool that
 * deletes answers a plan first and acts only with `confirm: <planId>`; a large create waits for an
 * admin's approval; every write takes `dryRun`. A call is the route's own HTTP request with the
 * caller's token, so the API's checks, faults and request log apply as they do to any client.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { digest } from "../../api/canonical.ts";
import type { ResourceKind } from "../../api/common.ts";
import {
  type Estimate,
  estimateAgentRuntime,
  estimateChipCluster,
  estimateModelEndpoint,
} from "../../api/estimate.ts";
import { masked } from "../core/feed.ts";
import type { McpState } from "./state.ts";
import { lenient, requestOf, type ToolSpec, toolSpecs } from "./tools.ts";

/**
 * One HTTP request to the emulator with the caller's token (an admin-plane tool's, `admin`, with
 * the emulator's admin credential: the account token would be refused there), and its answer.
 */
type McpCaller = (request: {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  admin: boolean;
}) => Promise<{ status: number; headers: Headers; body: unknown }>;

/**
 * The most array elements and object members one call's arguments may hold (the SDK counts them
 * before any schema runs): the largest legitimate call, a plan of 500 specs or an admin's restore,
 * stays well under it, and an error about them stays small (tools.ts bounds what it lists).
 */
export const maxArgumentElements = 50_000;

export interface McpContext {
  account: string;
  call: McpCaller;
  state: McpState;
  /** The emulator clock. */
  now(): Date;
  version: string;
}

const estimators: Record<ResourceKind, (spec: Record<string, unknown>) => Estimate | null> = {
  ChipCluster: estimateChipCluster,
  ModelEndpoint: (spec) => estimateModelEndpoint(spec),
  AgentRuntime: estimateAgentRuntime,
};

/** What an agent should do next about an error code. */
const nextSteps: Record<string, string[]> = {
  ValidationError: ["fix the fields that details.issues names, then call again"],
  ImmutableField: ["the field is fixed at creation: create a new resource instead (and delete this one)"],
  InsufficientQuota: ["call getQuotas: lower tokensPerMinute, or delete an endpoint in the region"],
  QuotaExceeded: ["call getQuotas: ask for less, or delete what the account no longer needs"],
  ChipNotAvailable: ["choose a chip type available now (listChips shows availableFrom)"],
  InvalidPageToken: ["list again without pageToken"],
  Unauthenticated: ["connect with a valid account token"],
  NotFound: ["list the collection to find the id; resources of other accounts are not visible"],
  Conflict: ["read the resource: wait until its operation finishes, or choose another name or cluster"],
  DependencyViolation: ["delete or move what details.dependents names first"],
  IdempotencyMismatch: ["repeat the first call's arguments, or use a new idempotencyKey"],
  IdempotencyKeyReleased: ["use a new idempotencyKey for a new resource"],
  PreconditionFailed: ["read the resource again and pass its etag as ifMatch"],
  PayloadTooLarge: ["send less"],
  UnsupportedMediaType: ["send JSON"],
  ModelTooLarge: ["raise chipsPerReplica to at least details.requiredGiB of chip memory"],
  Throttled: ["wait retryAfterSeconds, then call again"],
  CapacityUnavailable: ["wait retryAfterSeconds, or use provisioning.mode queued"],
  InternalError: ["call again; if it persists, report details.requestId"],
  ApprovalPending: [
    "ask an admin to approve details.approvalId (console, or POST /_mock/approvals/{id}/approve), then repeat the call",
  ],
  ApprovalDenied: ["an admin denied this create: ask for less"],
  PlanNotConfirmable: ["call the tool again without confirm for a new plan, then confirm it"],
};
const retryableCodes = new Set(["Throttled", "CapacityUnavailable", "InternalError"]);

interface StructuredError {
  code: string;
  message: string;
  requestId?: string;
  details?: Record<string, unknown>;
  retryable: boolean;
  retryAfterSeconds?: number;
  nextSteps: string[];
}

type ToolResult = {
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** An error result: the structured error as JSON text (no structuredContent: it is not the tool's output). */
function failure(error: StructuredError): ToolResult {
  return { content: [{ type: "text", text: JSON.stringify({ error }) }], isError: true };
}

function success(body: unknown): ToolResult {
  const text = JSON.stringify(body);
  return body !== null && typeof body === "object" && !Array.isArray(body)
    ? { content: [{ type: "text", text }], structuredContent: body as Record<string, unknown> }
    : { content: [{ type: "text", text }] };
}

/** The emulator's answer as a tool result: a structured error for any 4xx or 5xx. */
function resultOf(answer: { status: number; headers: Headers; body: unknown }): ToolResult {
  if (answer.status < 400) return success(answer.body);
  const e = (
    answer.body as {
      error?: { code?: string; message?: string; requestId?: string; details?: Record<string, unknown> };
    }
  )?.error;
  const code = e?.code ?? `HTTP${answer.status}`;
  const after = Number(answer.headers.get("retry-after"));
  return failure({
    code,
    message: e?.message ?? `the emulator answered ${answer.status}`,
    ...(e?.requestId ? { requestId: e.requestId } : {}),
    ...(e?.details ? { details: e.details } : {}),
    retryable: retryableCodes.has(code) || answer.status === 429 || answer.status >= 500,
    ...(Number.isFinite(after) && answer.headers.has("retry-after") ? { retryAfterSeconds: after } : {}),
    nextSteps: nextSteps[code] ?? [],
  });
}

/** The plan a destructive call answers first. */
const PlanAnswer = z.object({
  plan: z.object({
    id: z.string(),
    tool: z.string(),
    expiresAt: z.string(),
    action: z.string(),
    /** What the call would delete (or leave), as the dry run of the call answered. */
    resource: z.record(z.string(), z.unknown()).nullable(),
    monthlyUsdDelta: z.object({ min: z.number(), max: z.number() }).nullable(),
    next: z.string(),
  }),
});

/** A write's output: its answer, its dry run's or its plan's; a field is required only when all have it. */
function outputOf(tool: ToolSpec, withPlan: boolean): z.ZodObject | undefined {
  if (!tool.output) return undefined;
  const variants = [tool.output, ...(tool.route.dryRun instanceof z.ZodObject ? [tool.route.dryRun] : [])];
  if (withPlan) variants.push(PlanAnswer);
  if (variants.length === 1) return tool.output;
  const keys = new Set(variants.flatMap((v) => Object.keys(v.shape)));
  const shape: Record<string, z.ZodType> = {};
  for (const k of keys) {
    const schemas = variants.flatMap((v) => (k in v.shape ? [v.shape[k] as z.ZodType] : []));
    const s = schemas.length === 1 ? (schemas[0] as z.ZodType) : z.union(schemas as [z.ZodType, z.ZodType]);
    shape[k] = schemas.length === variants.length ? s : s.optional();
  }
  return z.object(shape);
}

const schemas = new WeakMap<ToolSpec, Map<boolean, ReturnType<typeof buildSchemas>>>();

/** A tool's input and output schemas, with `confirm` or without: built once (a server is made per request). */
function schemasOf(tool: ToolSpec, confirmFirst: boolean) {
  let byConfirm = schemas.get(tool);
  if (!byConfirm) {
    byConfirm = new Map();
    schemas.set(tool, byConfirm);
  }
  let built = byConfirm.get(confirmFirst);
  if (!built) {
    built = buildSchemas(tool, confirmFirst);
    byConfirm.set(confirmFirst, built);
  }
  return built;
}

function buildSchemas(tool: ToolSpec, confirmFirst: boolean) {
  const extra: Record<string, z.ZodType> = {};
  if (confirmFirst)
    extra.confirm = z
      .string()
      .optional()
      .describe("the id of the plan the same call without confirm answered");
  return {
    input: lenient(z.strictObject({ ...tool.input.shape, ...extra })),
    output: outputOf(tool, confirmFirst),
  };
}

const monthly = (kind: ResourceKind | undefined, spec: Record<string, unknown>) => {
  const e = kind ? estimators[kind](spec) : null;
  return e
    ? { e, chips: e.shareOf === "cluster" ? 0 : Object.values(e.chips).reduce((a, b) => a + b, 0) }
    : null;
};

/** The MCP server of one account's session: the tools its gates let it have. */
export function agentCloudMcpServer(ctx: McpContext): McpServer {
  const server = new McpServer(
    { name: "agentcloud-mock", version: ctx.version },
    {
      instructions:
        "The AgentCloud emulator: chip clusters, model endpoints, agent runtimes. Read tools are safe. Writes take dryRun. A delete answers a plan first; repeat the call with confirm: <plan id> to act. Errors are JSON with code, retryable, retryAfterSeconds and nextSteps.",
      maxToolInputElements: maxArgumentElements,
    },
  );
  const gates = ctx.state.gates(ctx.account);
  const tools = toolSpecs({ admin: ctx.state.settings.adminTools })
    .filter((t) => !(gates.readOnly && t.write))
    .filter((t) => gates.allowTools === null || gates.allowTools.includes(t.name));

  /** One call of a tool, through its gates. */
  async function act(
    tool: ToolSpec,
    confirmFirst: boolean,
    args: Record<string, unknown>,
  ): Promise<ToolResult> {
    // `dryRun` is the route's X-Agentcloud-Dry-Run header (tools.ts): such a call only asks.
    const { confirm, ...callArgs } = args as Record<string, unknown> & { confirm?: string };
    const request = requestOf(tool, callArgs);
    if (callArgs.dryRun) return resultOf(await ctx.call(request));
    const tryIt = () => ctx.call(requestOf(tool, { ...callArgs, dryRun: true }));
    const nowMs = ctx.now().getTime();
    const key = digest(tool.name, callArgs);
    if (confirmFirst) {
      if (confirm === undefined) {
        const tried = tool.route.dryRun ? await tryIt() : null;
        if (tried && tried.status >= 400) return resultOf(tried);
        const resource =
          (tried?.body as { resource?: Record<string, unknown> } | undefined)?.resource ?? null;
        const cost = resource ? monthly(tool.route.kind, resource) : null;
        const plan = ctx.state.plan(ctx.account, tool.name, key, nowMs);
        return success({
          plan: {
            id: plan.id,
            tool: tool.name,
            expiresAt: new Date(plan.expiresAtMs).toISOString(),
            action: tool.route.method === "delete" ? "delete" : tool.route.operationId,
            resource,
            monthlyUsdDelta: cost ? { min: -cost.e.monthlyUsd.max, max: -cost.e.monthlyUsd.min } : null,
            next: `call ${tool.name} again with the same arguments and confirm: "${plan.id}" before ${new Date(plan.expiresAtMs).toISOString()} (emulator clock)`,
          },
        });
      }
      const why = ctx.state.confirm(confirm, ctx.account, tool.name, key, nowMs);
      if (why)
        return failure({
          code: "PlanNotConfirmable",
          message: why,
          retryable: false,
          nextSteps: nextSteps.PlanNotConfirmable ?? [],
        });
    }
    if (
      tool.route.handler === "create" &&
      (gates.approveAboveChips !== null || gates.approveAboveMonthlyUsd !== null)
    ) {
      const cost = monthly(tool.route.kind, request.body as Record<string, unknown>);
      const chips = cost?.chips ?? 0;
      const usd = cost?.e.monthlyUsd.max ?? 0;
      const over =
        (gates.approveAboveChips !== null && chips > gates.approveAboveChips) ||
        (gates.approveAboveMonthlyUsd !== null && usd > gates.approveAboveMonthlyUsd);
      if (over) {
        const approval = ctx.state.approval(
          { account: ctx.account, tool: tool.name, arguments: masked(callArgs), chips, monthlyUsd: usd },
          ctx.now().toISOString(),
        );
        if (approval.status !== "approved") {
          const denied = approval.status === "denied";
          return failure({
            code: denied ? "ApprovalDenied" : "ApprovalPending",
            message: denied
              ? `an admin denied ${approval.id}`
              : `this create (${chips} chips, up to ${usd} USD a month) needs an admin's approval: ${approval.id}`,
            details: { approvalId: approval.id, chips, monthlyUsd: usd },
            retryable: !denied,
            nextSteps: nextSteps[denied ? "ApprovalDenied" : "ApprovalPending"] ?? [],
          });
        }
      }
    }
    return resultOf(await ctx.call(request));
  }

  for (const tool of tools) {
    const confirmFirst = gates.confirmDestructive && tool.confirm;
    const { input, output } = schemasOf(tool, confirmFirst);
    server.registerTool(
      tool.name,
      {
        title: tool.annotations.title,
        description:
          tool.description + (confirmFirst ? " Acts only with confirm: the first call answers a plan." : ""),
        inputSchema: input,
        ...(output ? { outputSchema: output } : {}),
        annotations: tool.annotations,
      },
      async (args: Record<string, unknown>) => {
        try {
          return await act(tool, confirmFirst, args);
        } catch (e) {
          // Whatever went wrong is still an error in the shape agents read, not a bare message.
          return failure({
            code: "InternalError",
            message:
              `the emulator could not make the call: ${e instanceof Error ? e.message : String(e)}`.slice(
                0,
                500,
              ),
            retryable: true,
            nextSteps: nextSteps.InternalError ?? [],
          });
        }
      },
    );
  }
  return server;
}
