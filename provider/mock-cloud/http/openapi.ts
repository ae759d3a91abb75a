import { STATUS_CODES } from "node:http";
import { z } from "zod";
import {
  FaultRule,
  faultOperations,
  Limits,
  LimitsPatch,
  LoggedRequest,
  Snapshot,
  StoredFault,
  Transitions,
} from "../../api/admin.ts";
import { ChipSpec, ModelSpec, RegionInfo } from "../../api/catalog.ts";
import {
  ErrorBody,
  type ErrorCode,
  errorCodes,
  errorMeaning,
  errorStatus,
  Operation,
  resourceKinds,
} from "../../api/common.ts";
import { ChatCompletion, OpenAiError, UsageReport } from "../../api/inference.ts";
import { Quotas } from "../../api/quotas.ts";
import { errorStatuses } from "./register.ts";
import { type ResponseHeader, type RouteSpec, rateLimitHeaders } from "./route-spec.ts";
import { acceptedOf, dryRuns, pages, patchBodies, resources, routeSpecs as routes, specs } from "./routes.ts";

type Json = Record<string, unknown>;

/**
 * Schemas that get a name: request bodies (input side) under `#/components/requestBodies`,
 * answers (output side) under `#/components/schemas`.
 */
const namedSchemas: { input: Record<string, z.ZodType>; output: Record<string, z.ZodType> } = {
  input: {
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}Spec`, specs[k]])),
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}Patch`, patchBodies[k]])),
    FaultRuleSpec: FaultRule,
    TransitionsSpec: Transitions,
    LimitsPatch,
    Snapshot,
  },
  output: {
    Error: ErrorBody,
    Operation,
    ...resources,
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}Accepted`, acceptedOf[k]])),
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}Page`, pages[k]])),
    ...Object.fromEntries(resourceKinds.map((k) => [`${k}DryRun`, dryRuns[k]])),
    ChipInfo: ChipSpec,
    ModelInfo: ModelSpec,
    RegionInfo,
    Quotas,
    ChatCompletion,
    OpenAiError,
    UsageReport,
    FaultRule: StoredFault,
    Transitions,
    Limits,
    LoggedRequest,
  },
};

const componentPath = "#/components/schemas/";

const settings = { target: "draft-2020-12", unrepresentable: "any" } as const;

/**
 * Answers: zod's output side → JSON Schema 2020-12 (the dialect of OpenAPI 3.1), named schemas
 * under `#/components/schemas` and referenced by `$ref`.
 */
function outputs() {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(namedSchemas.output)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: "output",
    ...settings,
    uri: (id) => `${componentPath}${id}`,
  }) as { schemas: Record<string, Json> };
  const components = Object.fromEntries(Object.entries(schemas).map(([id, s]) => [id, strip(s)]));
  const names = new Map<z.ZodType, string>(Object.entries(namedSchemas.output).map(([id, s]) => [s, id]));
  return {
    components,
    /** A `$ref` for a named schema; otherwise the schema inline (its named parts as `$ref`s). */
    schema(s: z.ZodType): Json {
      const name = names.get(s);
      if (name) return { $ref: `${componentPath}${name}` };
      // Converting the named schemas alongside makes references to them `$ref`s.
      const withInline = z.registry<{ id: string }>();
      for (const [id, named] of Object.entries(namedSchemas.output)) withInline.add(named, { id });
      withInline.add(s, { id: "__inline" });
      const out = z.toJSONSchema(withInline, {
        io: "output",
        ...settings,
        uri: (id) => `${componentPath}${id}`,
      }) as { schemas: Record<string, Json> };
      return strip(out.schemas.__inline as Json);
    },
  };
}

/**
 * Requests: zod's input side (a field with a default is optional), inline. Named request bodies go
 * under `#/components/requestBodies`, not `schemas`: generators such as openapi-typescript make a
 * field with a `default` required in a schema component (it is always there in an answer), but
 * optional in a request body.
 */
const inputSchema = (s: z.ZodType): Json => strip(z.toJSONSchema(s, { io: "input", ...settings }) as Json);

function strip(s: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = s;
  return rest;
}

const headerDocs: Record<ResponseHeader, { description: string; schema: Json }> = {
  ETag: { description: "the resource's etag, quoted: send it back as If-Match", schema: { type: "string" } },
  "Retry-After": {
    description: "seconds to wait before trying again",
    schema: { type: "integer", minimum: 0 },
  },
  "WWW-Authenticate": {
    description: 'the scheme and realm to authenticate with: Bearer realm="agentcloud"',
    schema: { type: "string" },
  },
  "X-Request-Id": {
    description: "the request's id, as in error bodies and the request log",
    schema: { type: "string" },
  },
  "Idempotent-Replayed": {
    description:
      "true: this answer replays an earlier create with the same Idempotency-Key (no new resource)",
    schema: { type: "string", enum: ["true"] },
  },
  "Preference-Applied": {
    description: "wait: the operation finished before this answer (the request's Prefer: wait)",
    schema: { type: "string", enum: ["wait"] },
  },
  "X-Agentcloud-Routed-To": {
    description: "the model endpoint whose answer this is (an agent runtime's gateway)",
    schema: { type: "string" },
  },
  "X-Agentcloud-Hops": {
    description: "each endpoint the gateway tried, in order, with its status: `me-1:429,me-2:200`",
    schema: { type: "string" },
  },
  ...rateLimitDocs(),
};

/** OpenAI's six rate-limit headers: limit, remaining and reset, of tokens and of requests. */
function rateLimitDocs(): Record<(typeof rateLimitHeaders)[number], { description: string; schema: Json }> {
  const what = {
    Limit: (unit: string) => `${unit} per minute the endpoint serves now`,
    Remaining: (unit: string) => `${unit} left in the sliding minute`,
    Reset: () => "until the window is empty again, e.g. `12s` (emulator clock)",
  };
  return Object.fromEntries(
    rateLimitHeaders.map((h) => {
      const [, part, unit] = /^X-RateLimit-(\w+)-(\w+)$/.exec(h) as unknown as [
        string,
        keyof typeof what,
        string,
      ];
      return [h, { description: what[part](unit.toLowerCase()), schema: { type: "string" } }];
    }),
  ) as unknown as Record<(typeof rateLimitHeaders)[number], { description: string; schema: Json }>;
}

function headers(required: ResponseHeader[], optional: ResponseHeader[] = []): Json {
  const out: Json = {};
  for (const [names, isRequired] of [
    [required, true],
    [optional, false],
  ] as const) {
    for (const name of names) out[name] = { required: isRequired, ...headerDocs[name] };
  }
  return out;
}

function errorResponses(route: RouteSpec): Json {
  const out: Json = {};
  for (const status of route.openAiErrors ?? []) {
    const retry: ResponseHeader[] = status === 429 || status === 503 ? ["Retry-After"] : [];
    const auth: ResponseHeader[] = status === 401 ? ["WWW-Authenticate"] : [];
    // A 429 of the endpoint's own window says where it stands; a scripted one may not.
    const limits: ResponseHeader[] = status === 429 ? [...rateLimitHeaders] : [];
    out[String(status)] = {
      description: `an error in OpenAI's shape (${STATUS_CODES[status] ?? status})`,
      headers: headers(["X-Request-Id", ...retry, ...auth], limits),
      content: { "application/json": { schema: { $ref: `${componentPath}OpenAiError` } } },
    };
  }
  for (const [status, codes] of [...errorStatuses(route.errors)].sort(([a], [b]) => a - b)) {
    // Throttled and CapacityUnavailable always say when to come back; an injected fault of any
    // other code may say so too.
    const retry: ResponseHeader[] = status === 429 || status === 503 ? ["Retry-After"] : [];
    const required: ResponseHeader[] = ["X-Request-Id", ...retry];
    if (status === 401) required.push("WWW-Authenticate");
    const optional: ResponseHeader[] = route.tag === "admin" || retry.length > 0 ? [] : ["Retry-After"];
    out[String(status)] = {
      description: codes.map((c) => `${c}: ${errorMeaning[c]}`).join("; "),
      headers: headers(required, route.auth === "none" ? [] : optional),
      content: { "application/json": { schema: { $ref: `${componentPath}Error` } } },
    };
  }
  if ((faultOperations as readonly string[]).includes(route.operationId)) {
    out.default = {
      description: `an answer a fault rule injected (POST /_mock/faults with operation ${route.operationId}): any status it names, in OpenAI's error shape (429 and 503 with Retry-After)`,
      headers: headers(["X-Request-Id"], ["Retry-After"]),
      content: { "application/json": { schema: { $ref: `${componentPath}OpenAiError` } } },
    };
  } else if (route.auth === "bearer") {
    out.default = {
      description:
        "an answer a fault rule injected (POST /_mock/faults): any status and code it names, in the Error shape",
      headers: headers(["X-Request-Id"], ["Retry-After"]),
      content: { "application/json": { schema: { $ref: `${componentPath}Error` } } },
    };
  }
  return out;
}

function requestBody(body: NonNullable<RouteSpec["body"]>, name: string | undefined): Json {
  if (name && body.required && !body.description) return { $ref: `#/components/requestBodies/${name}` };
  return {
    required: body.required,
    ...(body.description ? { description: body.description } : {}),
    content: { "application/json": { schema: inputSchema(body.schema) } },
  };
}

let cached: Json | null = null;

/** OpenAPI 3.1 from the route list the app serves and the zod schemas it validates with. */
export function openApiDocument(): Json {
  if (cached) return cached;
  const output = outputs();
  const requestBodies: Record<string, Json> = {};
  const bodyNames = new Map<z.ZodType, string>();
  for (const [name, schema] of Object.entries(namedSchemas.input)) {
    bodyNames.set(schema, name);
    requestBodies[name] = {
      required: true,
      content: { "application/json": { schema: inputSchema(schema) } },
    };
  }
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const parameters: Json[] = [];
    for (const [name, schema] of Object.entries(route.params ?? {})) {
      parameters.push({ name, in: "path", required: true, schema: inputSchema(schema) });
    }
    for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
      const field = schema as z.ZodType;
      const { description, ...fieldSchema } = inputSchema(field);
      parameters.push({
        name,
        in: "query",
        required: !field.safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema: fieldSchema,
      });
    }
    for (const h of route.headers ?? []) {
      parameters.push({
        name: h.name,
        in: "header",
        required: false,
        description: h.description,
        schema: { type: "string" },
      });
    }
    const ok = {
      description: route.ok.description,
      headers: headers(["X-Request-Id", ...(route.ok.headers ?? [])], route.ok.optionalHeaders ?? []),
      content: {
        [route.ok.contentType ?? "application/json"]: { schema: output.schema(route.ok.body) },
        ...(route.ok.alsoStreamed
          ? {
              "text/event-stream": {
                schema: {
                  type: "string",
                  description: "`data: <chat.completion.chunk JSON>` events, then `data: [DONE]`",
                },
              },
            }
          : {}),
      },
    };
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security: route.auth === "none" ? [] : [{ [route.auth]: [] }],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: requestBody(route.body, bodyNames.get(route.body.schema)) } : {}),
      responses: {
        [String(route.ok.status)]: ok,
        ...(route.ok.alsoStatus
          ? { [String(route.ok.alsoStatus.status)]: { ...ok, description: route.ok.alsoStatus.description } }
          : {}),
        ...(route.dryRun
          ? {
              "200": {
                description:
                  "a dry run (X-Agentcloud-Dry-Run: true): every check passed; the resource the call would make or leave, nothing written",
                headers: headers(["X-Request-Id"]),
                content: { "application/json": { schema: output.schema(route.dryRun) } },
              },
            }
          : {}),
        ...errorResponses(route),
      },
    };
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "AgentCloud mock cloud API",
      version: "1.0.0",
      description:
        "The AgentCloud emulator shipped with pulumi-agentcloud: the API under /v1 (bearer token of an " +
        "account) and the emulator's admin plane under /_mock (the admin token). Every error answer " +
        "is { error: { code, message, requestId, details? } }; x-error-catalogue lists the codes. Each " +
        "operation lists the errors it answers by itself; a fault rule (POST /_mock/faults) can make any " +
        "/v1 operation answer any code or status besides (Throttled and CapacityUnavailable with Retry-After), " +
        "and a model endpoint's models and chat completions or a runtime's gateway, named by operationId, " +
        "any status in OpenAI's error shape.",
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "resources", description: "ChipCluster, ModelEndpoint, AgentRuntime" },
      { name: "operations", description: "long-running operations" },
      {
        name: "gateway",
        description: "an agent runtime's model gateway: its endpoints, with fallback",
      },
      {
        name: "advice",
        description: "a spec checked and estimated as preview does, and plans: nothing written",
      },
      { name: "catalog", description: "chips, models and regions" },
      { name: "quotas", description: "the account's quotas and what it uses of them" },
      { name: "usage", description: "metered tokens and their cost" },
      {
        name: "inference",
        description: "the data plane: OpenAI's wire protocol under each model endpoint's url + /v1",
      },
      { name: "admin", description: "the emulator's admin plane" },
      { name: "meta", description: "health and this document" },
    ],
    paths,
    components: {
      schemas: output.components,
      requestBodies,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "an account's API token" },
        admin: { type: "http", scheme: "bearer", description: "the emulator's admin token" },
        endpointKey: { type: "http", scheme: "bearer", description: "a model endpoint's own apiKey" },
      },
    },
    "x-error-catalogue": Object.fromEntries(
      errorCodes.map((code: ErrorCode) => [
        code,
        { status: errorStatus[code], description: errorMeaning[code] },
      ]),
    ),
  };
  return cached;
}
