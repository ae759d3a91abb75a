/**
 * The glue between the route table and Hono: each route registered with its handler, its query and
 * body parsed with its schemas first.
 */
import type { Context, Env, Hono } from "hono";
import type { z } from "zod";
import { type ErrorCode, errorStatus } from "../../api/common.ts";
import { fieldIssues } from "../../api/issues.ts";
import { invalid } from "../errors.ts";
import type { HandlerName, Handlers } from "./route-spec.ts";
import { routeSpecs } from "./routes.ts";

/** Parses a request part with a zod schema; a failure is 400 ValidationError with field paths. */
export function parseInput<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  invalid(fieldIssues(r.error.issues));
}

/** Handler names registered so far, by any app: `checkEveryRouteServed` reads it. */
const served = new Set<string>();

/**
 * Registers on a Hono app every route of the table whose handler is in `handlers` and whose path
 * is under `prefix` (the part the app is mounted under). `readBody` reads the JSON body (size
 * limits, media type).
 */
export function register<N extends HandlerName, E extends Env>(
  app: Hono<E>,
  handlers: Handlers<N, E>,
  readBody: (c: Context, options: { empty?: unknown; maxBytes?: number }) => Promise<unknown>,
  prefix = "",
): void {
  const byName = handlers as unknown as Record<
    string,
    (c: Context<E>, input: unknown) => Response | Promise<Response>
  >;
  for (const route of routeSpecs) {
    const handler = byName[route.handler];
    if (!handler || !route.path.startsWith(prefix)) continue;
    served.add(route.handler);
    const path = route.path.slice(prefix.length).replace(/\{([^}]+)\}/g, ":$1") || "/";
    app.on(route.method.toUpperCase(), path, async (c) => {
      const query = route.query ? parseInput(route.query, c.req.query()) : {};
      let body: unknown;
      if (route.body?.parsedBy === "app") {
        const options = {
          ...(route.body.required ? {} : { empty: route.body.empty }),
          ...(route.body.maxBytes ? { maxBytes: route.body.maxBytes } : {}),
        };
        body = parseInput(route.body.schema, await readBody(c, options));
      }
      return handler(c, { route, params: c.req.param(), query, body });
    });
  }
}

/** Throws when a route of the table has no handler registered (the types make that a compile error too). */
export function checkEveryRouteServed(): void {
  const missing = routeSpecs.filter((r) => !served.has(r.handler));
  if (missing.length > 0)
    throw new Error(
      `no handler for ${missing.map((r) => `${r.method} ${r.path} (${r.handler})`).join(", ")}`,
    );
}

/** HTTP status of each error code, grouped: the answers a route documents. */
export function errorStatuses(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const out = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorStatus[code];
    out.set(status, [...(out.get(status) ?? []), code]);
  }
  return out;
}
