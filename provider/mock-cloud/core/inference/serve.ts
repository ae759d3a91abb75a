import { createHash } from "node:crypto";
import { type ModelId, modelCatalog } from "../../../api/catalog.ts";
import { ChatCompletionRequest, InferenceRule } from "../../../api/inference.ts";
import { fieldIssues } from "../../../api/issues.ts";
import { servingCapacity, servingStates } from "../../../api/model-endpoint.ts";
import { invalid } from "../../errors.ts";
import { getMeta, setMeta, tx } from "../../store/db.ts";
import type { StoredResource } from "../../store/repo.ts";
import { UsageStore } from "../../store/usage.ts";
import { newEtag } from "../lifecycle.ts";
import type { CloudService } from "../service.ts";
import { type Answer, answer } from "./answer.ts";
import { matchesLastMessage, patternProblem } from "./pattern.ts";
import { messageText, promptText } from "./prompt.ts";
import { countTokens, encode } from "./tokenizer.ts";

/**
 * The data plane of model endpoints: who may call, what the request costs in tokens, whether the
 * endpoint's throughput allows it, what the model answers, and the metering of what was served —
 * all on the emulator clock, every answered request metered once and durably.
 *
 * Documented figures (README "Tokens flow"):
 * - `tokensPerMinute` is a sliding 60-second window over input and output tokens; an `elastic`
 *   endpoint may go up to `burstTokensPerMinute` (default 2 × tokensPerMinute), and the tokens
 *   above tokensPerMinute are `elasticTokens`, billed at 1.5 × the list price;
 * - requests per minute: tokensPerMinute / 100, at least 60;
 * - the prompt cache works on blocks of 64 tokens and counts from 1,024 tokens on.
 */
export const cacheBlockTokens = 64;
export const cacheMinimumTokens = 1024;
export const elasticPriceFactor = 1.5;
const windowMs = 60_000;
/** An endpoint that served nothing this long (emulator clock) scales back to its minimum. */
export const idleScaleDownMs = 5 * 60_000;

/** An error in OpenAI's shape: `{ error: { message, type, param, code } }` with an HTTP status. */
export class InferenceError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    type: string,
    code: string | null,
    message: string,
    param: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.headers = headers;
  }

  body() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

interface Throughput {
  tokensPerMinute: number;
  burstTokensPerMinute?: number | null;
  elastic?: boolean;
}

/** A request authorized, counted and answered, ready to be sent and metered. */
export interface Prepared {
  account: string;
  /** The agent runtime whose gateway sent the request (usage is attributed to it), or null. */
  runtimeId: string | null;
  endpoint: StoredResource;
  model: ModelId;
  request: ChatCompletionRequest;
  answer: Answer;
  rule: InferenceRule | null;
  promptTokens: number;
  cachedTokens: number;
  /** The prompt's cache blocks to remember once served. */
  blocks: string[];
  atMs: number;
  /** Completion tokens of the whole answer, counted once here. */
  outputTokens: number;
  /** Tokens of the window before this request. */
  windowTokens: number;
  /** What it holds of the endpoint's window until it is metered. */
  reserved: number;
  headers: Record<string, string>;
}

export class Inference {
  readonly usage: UsageStore;
  readonly cloud: CloudService;
  /** Per endpoint: the tokens and requests of answers prepared and not metered yet (streams). */
  readonly #inFlight = new Map<string, { tokens: number; requests: number }>();

  constructor(cloud: CloudService) {
    this.cloud = cloud;
    this.usage = new UsageStore(cloud.db);
  }

  get rules(): InferenceRule[] {
    return getMeta<InferenceRule[]>(this.cloud.db, "inferenceRules", []);
  }
  set rules(rules: InferenceRule[]) {
    setMeta(this.cloud.db, "inferenceRules", rules);
  }

  addRule(raw: unknown): InferenceRule {
    const rule = InferenceRule.parse(raw);
    if (rule.match.lastMessage !== undefined) {
      const problem = patternProblem(rule.match.lastMessage);
      if (problem) invalid([{ path: "match.lastMessage", message: problem }]);
    }
    this.rules = [...this.rules, rule];
    return rule;
  }

  /** The endpoint a request names, if the key is its own; errors as OpenAI answers them. */
  authorize(
    endpointId: string,
    authorization: string | undefined,
  ): { account: string; endpoint: StoredResource } {
    const key = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim() ?? "";
    const unauthenticated = new InferenceError(
      401,
      "invalid_request_error",
      "invalid_api_key",
      "Incorrect API key: use the endpoint's own apiKey (a secret output of the ModelEndpoint)",
      null,
      { "www-authenticate": 'Bearer realm="agentcloud"' },
    );
    // The key first: a caller without a key of some endpoint learns nothing, not even whether this
    // endpoint exists; one of another account learns it is not theirs (404).
    const holder = key ? this.cloud.repo.accountOfEndpointKey(key) : null;
    if (!holder) throw unauthenticated;
    const endpoint = this.cloud.repo.getEndpointAnyAccount(endpointId);
    if (!endpoint || endpoint.account !== holder) {
      throw new InferenceError(404, "invalid_request_error", "not_found", `no model endpoint ${endpointId}`);
    }
    if (key !== endpoint.body.apiKey) throw unauthenticated;
    const status = String(endpoint.body.status);
    if (!(servingStates as readonly string[]).includes(status)) {
      throw new InferenceError(
        503,
        "server_error",
        "endpoint_unavailable",
        `model endpoint ${endpointId} is ${status}, not serving`,
        null,
        { "retry-after": String(this.cloud.limits.retryAfterSeconds) },
      );
    }
    return { account: endpoint.account, endpoint };
  }

  /** Validates, counts, checks the window and answers; a throttled request is metered as such. */
  prepare(
    account: string,
    named: StoredResource,
    raw: unknown,
    requestId: string,
    runtimeId: string | null = null,
  ): Prepared {
    let endpoint = named;
    const parsed = ChatCompletionRequest.safeParse(raw);
    if (!parsed.success) {
      const issue = fieldIssues(parsed.error.issues)[0];
      throw new InferenceError(
        400,
        "invalid_request_error",
        "invalid_value",
        issue ? `${issue.path || "body"}: ${issue.message}` : "invalid request",
        issue?.path || null,
      );
    }
    const request = parsed.data;
    const model = endpoint.body.model as ModelId;
    const chosen = typeof request.tool_choice === "object" ? request.tool_choice?.function.name : null;
    if (chosen && !request.tools?.some((t) => t.function.name === chosen)) {
      throw new InferenceError(
        400,
        "invalid_request_error",
        "invalid_value",
        `tool_choice names the function ${chosen}, which is not among the request's tools`,
        "tool_choice",
      );
    }
    if (request.model !== model) {
      throw new InferenceError(
        404,
        "invalid_request_error",
        "model_not_found",
        `The model \`${request.model}\` does not exist on this endpoint, which serves \`${model}\``,
        "model",
      );
    }
    const { text, markedUpTo } = promptText(request);
    const ids = encode(model, text);
    const max = modelCatalog[model].maxContextTokens;
    if (ids.length > max) {
      throw new InferenceError(
        400,
        "invalid_request_error",
        "context_length_exceeded",
        `This model's maximum context length is ${max} tokens; the messages take ${ids.length} tokens`,
        "messages",
      );
    }
    const found = this.#findRule(endpoint, model, request);
    const rule = found?.rule ?? null;
    if (rule && "error" in rule.answer) {
      this.#useRule(found);
      const e = rule.answer.error;
      // A 429 or 503 always says when to come back, as the real answers do.
      const retry: Record<string, string> =
        e.status === 429 || e.status === 503
          ? { "retry-after": String(this.cloud.limits.retryAfterSeconds) }
          : {};
      throw new InferenceError(
        e.status,
        e.status >= 500 ? "server_error" : "invalid_request_error",
        e.code,
        e.message,
        null,
        retry,
      );
    }
    const served = answer(request, model, rule, (t) => countTokens(model, t));
    const outputTokens = outputTokensOf(model, served);
    const atMs = this.cloud.clock.now().getTime();
    const throughput = endpoint.body.throughput as Throughput;
    const requestLimit = requestsPerMinute(throughput);
    const metered = this.usage.window(endpoint.id, atMs - windowMs);
    // Answers still streaming count as well: they are metered when they end.
    const flying = this.#inFlight.get(endpoint.id) ?? { tokens: 0, requests: 0 };
    const window = {
      ...metered,
      tokens: metered.tokens + flying.tokens,
      requests: metered.requests + flying.requests,
    };
    const need = ids.length + outputTokens;
    endpoint = this.#scale(endpoint, window.tokens + need, atMs);
    const pooledShare = this.cloud.limits.pooledSharePerRegion[String(endpoint.body.region)] ?? 1;
    const limit = servingCapacity(
      endpoint.body.deployment as { mode: string; maxReplicas?: number },
      throughput,
      Number(endpoint.body.currentReplicas),
      pooledShare,
    ).limit;
    if (need > tokenLimit(endpoint, throughput)) {
      throw new InferenceError(
        400,
        "invalid_request_error",
        "request_too_large",
        `this request takes ${need} tokens, more than the endpoint's ${limit} tokens per minute`,
      );
    }
    const headers = (used: number, requests: number, resetMs: number) => ({
      "x-ratelimit-limit-tokens": String(limit),
      "x-ratelimit-remaining-tokens": String(Math.max(0, limit - used)),
      "x-ratelimit-reset-tokens": `${Math.max(0, Math.ceil(resetMs / 1000))}s`,
      "x-ratelimit-limit-requests": String(requestLimit),
      "x-ratelimit-remaining-requests": String(Math.max(0, requestLimit - requests)),
      "x-ratelimit-reset-requests": `${Math.max(0, Math.ceil(resetMs / 1000))}s`,
    });
    if (window.tokens + need > limit || window.requests + 1 > requestLimit) {
      const waitMs = this.#roomIn(
        endpoint.id,
        atMs,
        window.tokens + need - limit,
        window.requests + 1 - requestLimit,
      );
      tx(this.cloud.db, () =>
        this.usage.record({
          account,
          endpointId: endpoint.id,
          model,
          atMs,
          requestId,
          throttled: true,
          inputTokens: 0,
          cachedTokens: 0,
          outputTokens: 0,
          elasticTokens: 0,
          costUsd: 0,
        }),
      );
      throw new InferenceError(
        429,
        "tokens",
        "rate_limit_exceeded",
        `Rate limit reached for endpoint ${endpoint.id}: ${limit} tokens and ${requestLimit} requests per minute; used ${window.tokens} tokens and ${window.requests} requests, this request needs ${need} tokens. Try again in ${Math.ceil(waitMs / 1000)}s.`,
        null,
        {
          "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))),
          ...headers(window.tokens, window.requests, waitMs),
        },
      );
    }
    const { blocks, cachedTokens } = this.#cache(
      account,
      endpoint,
      ids,
      markedUpTo === null ? null : encode(model, text.slice(0, markedUpTo)).length,
      atMs,
    );
    const resetMs = window.oldestMs === null ? windowMs : window.oldestMs + windowMs - atMs;
    this.#useRule(found);
    const flyingNow = this.#inFlight.get(endpoint.id) ?? { tokens: 0, requests: 0 };
    this.#inFlight.set(endpoint.id, { tokens: flyingNow.tokens + need, requests: flyingNow.requests + 1 });
    return {
      account,
      runtimeId,
      endpoint,
      model,
      request,
      answer: served,
      rule,
      promptTokens: ids.length,
      cachedTokens,
      blocks,
      atMs,
      windowTokens: window.tokens,
      outputTokens,
      reserved: need,
      headers: headers(window.tokens + need, window.requests + 1, resetMs),
    };
  }

  /** Meters what was served (all of it, or what a stream sent before it broke off), in one transaction. */
  meter(p: Prepared, requestId: string, outputTokens: number): void {
    const flying = this.#inFlight.get(p.endpoint.id);
    if (flying) {
      flying.tokens -= p.reserved;
      flying.requests -= 1;
      if (flying.requests <= 0) this.#inFlight.delete(p.endpoint.id);
    }
    const throughput = p.endpoint.body.throughput as Throughput;
    const total = p.promptTokens + outputTokens;
    const elasticTokens = throughput.elastic
      ? Math.max(0, p.windowTokens + total - Math.max(throughput.tokensPerMinute, p.windowTokens))
      : 0;
    const price = modelCatalog[p.model].pricing;
    const list =
      ((p.promptTokens - p.cachedTokens) * price.inputPerMTokens +
        p.cachedTokens * price.cachedInputPerMTokens +
        outputTokens * price.outputPerMTokens) /
      1e6;
    const costUsd = total === 0 ? 0 : list * (1 + ((elasticPriceFactor - 1) * elasticTokens) / total);
    const ttlMs = cacheTtlMs(p.endpoint);
    tx(this.cloud.db, () => {
      this.usage.record({
        account: p.account,
        endpointId: p.endpoint.id,
        model: p.model,
        atMs: p.atMs,
        requestId,
        throttled: false,
        inputTokens: p.promptTokens,
        cachedTokens: p.cachedTokens,
        outputTokens,
        elasticTokens,
        costUsd,
        runtimeId: p.runtimeId,
      });
      if (ttlMs > 0 && p.blocks.length > 0)
        this.usage.remember(p.account, p.endpoint.id, p.blocks, p.atMs, p.atMs - ttlMs);
    });
  }

  /** The first rule that matches, not yet used up (`#useRule` counts it once the request is served). */
  #findRule(
    endpoint: StoredResource,
    model: ModelId,
    request: ChatCompletionRequest,
  ): { rule: InferenceRule; index: number } | null {
    const rules = this.rules;
    const last = request.messages[request.messages.length - 1];
    const lastText = last ? messageText(last) : "";
    const index = rules.findIndex((r) => {
      const m = r.match;
      if (m.endpointId && m.endpointId !== endpoint.id) return false;
      if (m.model && m.model !== model) return false;
      if (m.tools !== undefined && m.tools !== Boolean(request.tools?.length)) return false;
      if (m.lastMessage && !matchesLastMessage(m.lastMessage, lastText)) return false;
      return true;
    });
    return index < 0 ? null : { rule: rules[index] as InferenceRule, index };
  }

  /** A rule answered one more request: one `remaining` fewer, gone at zero. */
  #useRule(found: { rule: InferenceRule; index: number } | null): void {
    if (found?.rule.remaining === undefined) return;
    const left = found.rule.remaining - 1;
    const rules = this.rules;
    this.rules =
      left > 0
        ? rules.map((r, i) => (i === found.index ? { ...r, remaining: left } : r))
        : rules.filter((_, i) => i !== found.index);
  }

  /**
   * Dedicated endpoints take their capacity from their running replicas (`servingCapacity`). A
   * request that would take the window past 80 % of it starts one more replica, up to
   * `maxReplicas`; an endpoint idle for `idleScaleDownMs` on the emulator clock goes back to its
   * minimum (at least one). Scaling is immediate, and `currentReplicas` and
   * `effectiveTokensPerMinute` show it.
   */
  #scale(endpoint: StoredResource, used: number, atMs: number): StoredResource {
    const d = endpoint.body.deployment as { mode: string; minReplicas?: number; maxReplicas?: number };
    if (d.mode !== "dedicated") return endpoint;
    const floor = Math.max(1, d.minReplicas ?? 1);
    const max = Math.max(floor, d.maxReplicas ?? 1);
    const current = Number(endpoint.body.currentReplicas) || floor;
    const last = this.usage.lastServedMs(endpoint.id);
    let replicas = last !== null && atMs - last > idleScaleDownMs ? floor : current;
    const throughput = endpoint.body.throughput as Throughput;
    if (used > 0.8 * servingCapacity(d, throughput, replicas).limit && replicas < max) replicas++;
    if (replicas === current) return endpoint;
    const body = {
      ...endpoint.body,
      currentReplicas: replicas,
      effectiveTokensPerMinute: servingCapacity(d, throughput, replicas).limit,
      etag: newEtag(),
      updatedAt: new Date(atMs).toISOString(),
    };
    const scaled = { ...endpoint, body };
    tx(this.cloud.db, () => this.cloud.repo.putResource(scaled));
    return scaled;
  }

  /** How long until the window has room for `tokens` more tokens and `requests` more requests. */
  #roomIn(endpointId: string, nowMs: number, tokens: number, requests: number): number {
    let freedTokens = 0;
    let freedRequests = 0;
    for (const row of this.usage.servedSince(endpointId, nowMs - windowMs)) {
      freedTokens += row.tokens;
      freedRequests += 1;
      if (freedTokens >= tokens && freedRequests >= requests) return row.atMs + windowMs - nowMs;
    }
    return windowMs;
  }

  /**
   * The prompt's cache blocks (a chain of hashes over 64-token blocks: a block stands for the whole
   * prefix up to it) and how many leading tokens were seen within the endpoint's TTL. `implicit`:
   * every full block; `explicit`: the blocks up to the last message marked `cache_control`;
   * `disabled`: none. A cache is per account and endpoint.
   */
  #cache(
    account: string,
    endpoint: StoredResource,
    ids: number[],
    markedTokens: number | null,
    nowMs: number,
  ) {
    const mode = (endpoint.body.contextCache as { mode?: string } | undefined)?.mode ?? "implicit";
    const upTo = mode === "disabled" ? 0 : mode === "explicit" ? (markedTokens ?? 0) : ids.length;
    const blocks: string[] = [];
    let previous = "";
    for (let end = cacheBlockTokens; end <= upTo; end += cacheBlockTokens) {
      previous = createHash("sha256")
        .update(previous)
        .update(Buffer.from(Uint32Array.from(ids.slice(end - cacheBlockTokens, end)).buffer))
        .digest("hex")
        .slice(0, 32);
      blocks.push(previous);
    }
    const hit =
      this.usage.cachedBlocks(account, endpoint.id, blocks, nowMs - cacheTtlMs(endpoint)) * cacheBlockTokens;
    return { blocks, cachedTokens: hit >= cacheMinimumTokens ? hit : 0 };
  }
}

/** The most a request may take: what the endpoint serves at full scale. */
function tokenLimit(endpoint: StoredResource, t: Throughput): number {
  const d = endpoint.body.deployment as { mode: string; maxReplicas?: number };
  return servingCapacity(d, t, d.maxReplicas ?? 1).limit;
}

function requestsPerMinute(t: Throughput): number {
  return Math.max(60, Math.floor(t.tokensPerMinute / 100));
}

function cacheTtlMs(endpoint: StoredResource): number {
  const cache = endpoint.body.contextCache as { mode?: string; ttlSeconds?: number } | undefined;
  return cache?.mode === "disabled" ? 0 : (cache?.ttlSeconds ?? 3600) * 1000;
}

/** Completion tokens of an answer: its text, or its tool calls as JSON. */
export function outputTokensOf(model: ModelId, a: Pick<Answer, "pieces" | "toolCalls">): number {
  const calls = a.toolCalls.length
    ? JSON.stringify(a.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })))
    : "";
  return countTokens(model, a.pieces.join("") + calls);
}
