import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import {
  collectionOf,
  IdempotencyKeyInfo,
  IdempotencyKeyList,
  Operation,
  ReleasedIdempotencyKeys,
  type ResourceKind,
} from "../api/common.ts";
import { fieldIssues, summarize } from "../api/issues.ts";
import { Quotas } from "../api/quotas.ts";
import { AgentCloudError } from "./errors.ts";
import { type Response, Transport, type TransportOptions } from "./transport.ts";

export interface Accepted<T> {
  operation: Operation;
  resource: T;
  /** The answer replays an earlier create with the same Idempotency-Key: no new resource. */
  replayed: boolean;
}

/** Typed calls of the AgentCloud API for one resource kind. */
export class ResourceApi<T extends { id: string; etag: string }> {
  readonly #transport: Transport;
  readonly #path: string;
  readonly #schema: z.ZodType<T>;

  constructor(transport: Transport, kind: ResourceKind, schema: z.ZodType<T>) {
    this.#transport = transport;
    this.#path = `/v1/${collectionOf[kind]}`;
    this.#schema = schema;
  }

  /** `owner`: who makes it, kept with the key (the Pulumi resource's `project/stack/name`). */
  async create(
    spec: unknown,
    idempotencyKey: string,
    deadline: number,
    owner?: string,
  ): Promise<Accepted<T>> {
    const res = await this.#transport.call("POST", this.#path, {
      body: spec,
      headers: {
        "idempotency-key": idempotencyKey,
        prefer: "wait",
        // Percent-encoded: a header carries ASCII only, a resource's name may not be.
        ...(owner ? { "x-agentcloud-owner": encodeURIComponent(owner) } : {}),
      },
      deadline,
    });
    return this.#accepted(res);
  }

  /** The resource, or null when the cloud says it does not exist. */
  async get(id: string, deadline: number): Promise<T | null> {
    const res = await this.#transport.call("GET", `${this.#path}/${encodeURIComponent(id)}`, {
      deadline,
      accept: [404],
    });
    if (res.status === 404) return null;
    return parse(this.#schema, res);
  }

  async update(id: string, patch: unknown, etag: string, deadline: number): Promise<Accepted<T>> {
    const res = await this.#transport.call("PATCH", `${this.#path}/${encodeURIComponent(id)}`, {
      body: patch,
      headers: { "if-match": `"${etag}"`, prefer: "wait" },
      deadline,
    });
    return this.#accepted(res);
  }

  /** The delete operation, or null when the resource was already gone. */
  async delete(id: string, deadline: number): Promise<Operation | null> {
    const res = await this.#transport.call("DELETE", `${this.#path}/${encodeURIComponent(id)}`, {
      deadline,
      accept: [404],
    });
    if (res.status === 404) return null;
    return parse(Operation, { ...res, body: (res.body as { operation?: unknown })?.operation });
  }

  #accepted(res: Response): Accepted<T> {
    const body = res.body as { operation?: unknown; resource?: unknown } | null;
    return {
      operation: parse(Operation, { ...res, body: body?.operation }),
      resource: parse(this.#schema, { ...res, body: body?.resource }),
      replayed: res.headers["idempotent-replayed"] === "true",
    };
  }
}

export class AgentCloudClient {
  readonly transport: Transport;

  constructor(options: TransportOptions) {
    this.transport = new Transport(options);
  }

  resources<T extends { id: string; etag: string }>(
    kind: ResourceKind,
    schema: z.ZodType<T>,
  ): ResourceApi<T> {
    return new ResourceApi(this.transport, kind, schema);
  }

  /** What the cloud remembers of create keys; see provider/runtime/identity.ts for how they are used. */
  idempotencyKeys() {
    const path = (key: string) => `/v1/idempotency-keys/${encodeURIComponent(key)}`;
    return {
      /** The key's resource and whether it was released; null when the cloud does not know the key. */
      get: async (key: string, deadline: number): Promise<IdempotencyKeyInfo | null> => {
        const res = await this.transport.call("GET", path(key), { deadline, accept: [404] });
        return res.status === 404 ? null : parse(IdempotencyKeyInfo, res);
      },
      /** The create's result is recorded: the key never hands its resource out again. */
      release: async (key: string, deadline: number, resourceId?: string): Promise<IdempotencyKeyInfo> => {
        // Releasing a released key again changes nothing: safe to retry without an Idempotency-Key.
        const res = await this.transport.call("POST", `${path(key)}/release`, {
          deadline,
          body: resourceId ? { resourceId } : {},
          idempotent: true,
        });
        return parse(IdempotencyKeyInfo, res);
      },
      /** Keys the cloud remembers; `released: false` lists creates no client has recorded yet. */
      list: async (released: boolean | null, deadline: number): Promise<IdempotencyKeyInfo[]> => {
        const query = released === null ? "" : `?released=${released}`;
        const res = await this.transport.call("GET", `/v1/idempotency-keys${query}`, { deadline });
        return parse(IdempotencyKeyList, res).items;
      },
      /** Releases many keys in one request; unknown keys are returned, not refused. */
      releaseMany: async (keys: readonly string[], deadline: number): Promise<ReleasedIdempotencyKeys> => {
        const res = await this.transport.call("POST", "/v1/idempotency-key-releases", {
          deadline,
          body: { keys },
          idempotent: true,
        });
        return parse(ReleasedIdempotencyKeys, res);
      },
    };
  }

  /** The account's quotas and what it uses of them, per region (and chip type). */
  async quotas(deadline: number): Promise<Quotas> {
    return parse(Quotas, await this.transport.call("GET", "/v1/quotas", { deadline }));
  }

  async getOperation(id: string, deadline: number): Promise<Operation> {
    const res = await this.transport.call("GET", `/v1/operations/${encodeURIComponent(id)}`, { deadline });
    return parse(Operation, res);
  }

  /**
   * Polls a long-running operation until it finishes, reporting each poll as a `waiting` event.
   * Throws OperationFailed with the cloud's code when it failed, DeadlineExceeded when it is still
   * running at the deadline.
   */
  async waitOperation(
    op: Operation,
    deadline: number,
    pollMs = { baseMs: 50, maxMs: 1000 },
  ): Promise<Operation> {
    const started = Date.now();
    let current = op;
    for (let attempt = 0; current.status === "RUNNING"; attempt++) {
      // Growing intervals with jitter, from baseMs up to maxMs.
      const ceiling = Math.min(pollMs.maxMs, pollMs.baseMs * 2 ** attempt);
      const wait = Math.max(pollMs.baseMs, Math.floor(Math.random() * ceiling));
      if (Date.now() + wait >= deadline) {
        throw new AgentCloudError({
          code: "DeadlineExceeded",
          message: `operation ${op.id} (${op.action} ${op.kind} ${op.resourceId}) still running at the deadline`,
          details: { operationId: op.id, resourceId: op.resourceId },
        });
      }
      await sleep(wait);
      current = await this.getOperation(op.id, deadline);
      if (current.status === "RUNNING") {
        const status = `${op.action} ${current.status}`;
        this.transport.emit({
          kind: "waiting",
          resourceId: op.resourceId,
          status,
          elapsedMs: Date.now() - started,
        });
      }
    }
    if (current.status === "FAILED") {
      throw new AgentCloudError({
        code: "OperationFailed",
        message: `${op.action} of ${op.kind} ${op.resourceId} failed: ${current.error?.code ?? "Unknown"}: ${current.error?.message ?? ""}`,
        details: { operationId: op.id, resourceId: op.resourceId, cause: current.error?.code ?? null },
      });
    }
    return current;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

function parse<T>(schema: z.ZodType<T>, res: Response): T {
  const parsed = schema.safeParse(res.body);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new AgentCloudError({
    code: "UnexpectedResponse",
    message: `the API answered HTTP ${res.status} with a body the client does not understand (${first ? summarize(fieldIssues([first])) : "invalid"})`,
    status: res.status,
    requestId: (res.headers["x-request-id"] as string | undefined) ?? null,
  });
}
