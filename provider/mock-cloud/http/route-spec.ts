/**
 * The shape of a route of the emulator's table (routes.ts), and the types derived from the table:
 * the handler names, and the parsed input each handler receives. A handler is typed by its routes:
 * a missing one fails to compile, its query and body arrive parsed with their schemas' types.
 */
import type { Context, Env } from "hono";
import type { z } from "zod";
import type { ErrorCode, ResourceKind } from "../../api/common.ts";
import type { routes } from "./routes.ts";

type Method = "get" | "post" | "put" | "patch" | "delete";
type Auth = "bearer" | "admin" | "endpointKey" | "none";
/** Response headers the API sends; each answer says which of them it carries. */
export type ResponseHeader =
  | "ETag"
  | "Retry-After"
  | "WWW-Authenticate"
  | "X-Request-Id"
  | "Idempotent-Replayed"
  | "Preference-Applied"
  | "X-Agentcloud-Routed-To"
  | "X-Agentcloud-Hops"
  | RateLimitHeader;

/** OpenAI's rate-limit headers, on every answer of a model endpoint's chat completions and its 429s. */
export const rateLimitHeaders = [
  "X-RateLimit-Limit-Tokens",
  "X-RateLimit-Remaining-Tokens",
  "X-RateLimit-Reset-Tokens",
  "X-RateLimit-Limit-Requests",
  "X-RateLimit-Remaining-Requests",
  "X-RateLimit-Reset-Requests",
] as const;
type RateLimitHeader = (typeof rateLimitHeaders)[number];

export interface RouteSpec {
  /** The function that answers it; several routes may share one (create, for each kind). */
  handler: string;
  /** The resource kind of a `/v1/<collection>` route. */
  kind?: ResourceKind;
  operationId: string;
  method: Method;
  /** OpenAPI path template: `/v1/chip-clusters/{id}`. */
  path: string;
  tag:
    | "resources"
    | "operations"
    | "advice"
    | "catalog"
    | "quotas"
    | "usage"
    | "inference"
    | "gateway"
    | "admin"
    | "meta";
  summary: string;
  auth: Auth;
  /** Path parameters (strings); an enum schema documents the values that exist. */
  params?: Record<string, z.ZodType<string>>;
  /** Query parameters: parsed from the query string by the app; a failure is 400 ValidationError. */
  query?: z.ZodObject;
  /** Request headers the operation reads. */
  headers?: { name: string; description: string }[];
  /**
   * The JSON body. `parsedBy: "app"`: validated against `schema` before the handler runs;
   * `"service"`: the service validates it (resource specs and patches, with their own rules).
   */
  body?: {
    schema: z.ZodType;
    parsedBy: "app" | "service";
    required: boolean;
    /** Value of an absent body, when `required` is false. */
    empty?: unknown;
    /** A limit above the API's 256 KiB (restore). */
    maxBytes?: number;
    description?: string;
  };
  ok: {
    status: 200 | 201 | 202;
    description: string;
    body: z.ZodType;
    headers?: ResponseHeader[];
    /** Headers sent on some answers only. */
    optionalHeaders?: ResponseHeader[];
    /** Other than application/json: the change feed's `text/event-stream`. */
    contentType?: string;
    /** The same operation answers as server-sent events when asked (`stream: true`). */
    alsoStreamed?: boolean;
    /** The same body under another status when asked (an `async: true` task: 202, still RUNNING). */
    alsoStatus?: { status: 202; description: string };
  };
  /** The 200 answer to the request sent with `X-Agentcloud-Dry-Run: true` (a write that can be tried). */
  dryRun?: z.ZodType;
  /** Changes nothing whatever its method says (a POST that only reads its body): its tool is read-only. */
  safe?: true;
  /** Destroys state whatever its method says (reset, restore): its tool is destructive. */
  destructive?: true;
  /** The error codes the operation can answer with; statuses come from the catalogue. */
  errors: readonly ErrorCode[];
  /** The data plane answers errors in OpenAI's shape instead: these statuses. */
  openAiErrors?: readonly number[];
}

type Routes = (typeof routes)[number];

/** Every handler the table names. */
export type HandlerName = Routes["handler"];

/** The routes a handler answers. */
type RoutesOf<N extends HandlerName> = Extract<Routes, { handler: N }>;

type QueryOf<R> = R extends { query: infer Q extends z.ZodType } ? z.output<Q> : Record<string, never>;
type BodyOf<R> = R extends { body: { parsedBy: "app"; schema: infer S extends z.ZodType } }
  ? z.output<S>
  : undefined;
type ParamsOf<R> = R extends { params: infer P } ? { [K in keyof P]: string } : Record<string, never>;

/**
 * What a handler receives: its route, the path parameters, the query and (`parsedBy: "app"`) the
 * body, each parsed with the route's schema. A `parsedBy: "service"` body is the handler's to read.
 */
type RouteInput<R> = R extends unknown
  ? { route: R; params: ParamsOf<R>; query: QueryOf<R>; body: BodyOf<R> }
  : never;

type Handler<N extends HandlerName, E extends Env = Env> = (
  c: Context<E>,
  input: RouteInput<RoutesOf<N>>,
) => Response | Promise<Response>;

/** Handlers for the names `N`: each typed by its routes. */
export type Handlers<N extends HandlerName, E extends Env = Env> = { [K in N]: Handler<K, E> };

/** A route of the table, its literal types kept (for the types above), checked against RouteSpec. */
export const route = <const R extends RouteSpec>(r: R): R => r;

/** Handlers for every route of some tags: a route of those tags without its handler fails to compile. */
export type HandlersOfTags<T extends RouteSpec["tag"], E extends Env = Env> = Handlers<
  Extract<Routes, { tag: T }>["handler"],
  E
>;
