/**
 * The console's types, taken from the API's and the emulator's own definitions. Type imports only:
 * nothing of zod (or of the server) lands in the bundle.
 */

import type { z } from "zod";
import type { AccountQuotasList, AccountUsageList, FaultRule, Transitions } from "../../../api/admin.ts";
import type { AgentRuntime } from "../../../api/agent-runtime.ts";
import type { ChannelInbox as ChannelInboxSchema } from "../../../api/channels.ts";
import type { ChipCluster } from "../../../api/chip-cluster.ts";
import type { ResourceKind } from "../../../api/common.ts";
import type { ModelEndpoint } from "../../../api/model-endpoint.ts";
import type { ChangeEvent } from "../../core/feed.ts";

export type { Limits, LoggedRequest } from "../../../api/admin.ts";
export type { UsageReport } from "../../../api/inference.ts";
export type { MemorySize } from "../../../api/memory.ts";
export type { Quotas } from "../../../api/quotas.ts";
export type { SandboxInstance, Task } from "../../../api/tasks.ts";
export type { ConsoleConfig } from "../page.ts";

export type Kind = ResourceKind;

/** One account's quotas as `GET /_mock/quotas` lists them: what its own `GET /v1/quotas` answers. */
export type AccountQuotas = AccountQuotasList["items"][number];

/** One account's metered tokens as `GET /_mock/usage` lists them: what its own `GET /v1/usage` answers. */
export type AccountUsage = AccountUsageList["items"][number];
/** One row of a usage report: a group (an hour, an endpoint, "total") and its sums. */
export type UsageRow = AccountUsage["usage"]["rows"][number];

/** A resource as the API returns it (an endpoint's apiKey masked when it comes from the change feed). */
export type Resource =
  | (ChipCluster & { kind: "ChipCluster" })
  | (ModelEndpoint & { kind: "ModelEndpoint" })
  | (AgentRuntime & { kind: "AgentRuntime" });

/** A resource the console shows. */
export interface Listed {
  /** null: read with an account token (the account is the token's). */
  account: string | null;
  body: Resource;
}

/** A fault rule as the emulator keeps it (`GET /_mock/faults`). */
export type Fault = FaultRule & { id: string };
export type Transition = NonNullable<Transitions[ResourceKind]>;
export type { Transitions };
export type Change = ChangeEvent;

/** The depth of an agent runtime's channel inbox (`GET /agents/{id}/invoke/inbox`). */
export type ChannelInbox = z.infer<typeof ChannelInboxSchema>;
