import { z } from "zod";
import { AgentRuntime, AgentRuntimePatch, AgentRuntimeSpec } from "../../api/agent-runtime.ts";
import { ChipCluster, ChipClusterPatch, ChipClusterSpec } from "../../api/chip-cluster.ts";
import {
  collectionOf,
  ErrorBody,
  IdempotencyKeyInfo,
  Operation,
  ReleaseIdempotencyKey,
  type ResourceKind,
} from "../../api/common.ts";
import { ModelEndpoint, ModelEndpointPatch, ModelEndpointSpec } from "../../api/model-endpoint.ts";

const schemas: Record<ResourceKind, { spec: z.ZodType; patch: z.ZodType; resource: z.ZodType }> = {
  ChipCluster: { spec: ChipClusterSpec, patch: ChipClusterPatch, resource: ChipCluster },
  ModelEndpoint: { spec: ModelEndpointSpec, patch: ModelEndpointPatch, resource: ModelEndpoint },
  AgentRuntime: { spec: AgentRuntimeSpec, patch: AgentRuntimePatch, resource: AgentRuntime },
};

const toSchema = (s: z.ZodType, io: "input" | "output") => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, {
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (name: string) => ({ content: { "application/json": { schema: ref(name) } } });
const errors = Object.fromEntries(
  ["400", "401", "402", "404", "409", "412", "413", "422", "429", "503"].map((s) => [
    s,
    { description: "error", ...jsonBody("Error") },
  ]),
);
/** A list's own 400s: a bad region or pageSize, or a page token it did not issue. */
const listErrors = {
  ...errors,
  "400": {
    description:
      "ValidationError (region, pageSize), or InvalidPageToken: a pageToken not issued for this account, collection and region filter",
    ...jsonBody("Error"),
  },
};
const bearer = [{ bearer: [] }];

let cached: Record<string, unknown> | null = null;

/** OpenAPI 3.1 from the same zod schemas the emulator validates with and the client parses with. */
export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const components: Record<string, unknown> = {
    Error: toSchema(ErrorBody, "output"),
    Operation: toSchema(Operation, "output"),
    IdempotencyKeyInfo: toSchema(IdempotencyKeyInfo, "output"),
    ReleaseIdempotencyKey: toSchema(ReleaseIdempotencyKey, "input"),
  };
  const key = { name: "key", in: "path", required: true, schema: { type: "string" } };
  const paths: Record<string, unknown> = {
    "/v1/operations/{id}": {
      get: {
        operationId: "getOperation",
        security: bearer,
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "the operation", ...jsonBody("Operation") }, ...errors },
      },
    },
    "/v1/idempotency-keys/{key}": {
      get: {
        operationId: "getIdempotencyKey",
        description:
          "What the cloud remembers of a create's Idempotency-Key: 404 when never used, expired (24 h, unless released) or its resource is gone.",
        security: bearer,
        parameters: [key],
        responses: { "200": { description: "the key", ...jsonBody("IdempotencyKeyInfo") }, ...errors },
      },
    },
    "/v1/idempotency-keys/{key}/release": {
      post: {
        operationId: "releaseIdempotencyKey",
        description:
          "The client recorded the create's result: while its resource exists, the key answers 409 IdempotencyKeyReleased instead of handing it out again. With resourceId, an unknown key is bound, released, to that resource.",
        security: bearer,
        parameters: [key],
        requestBody: { required: false, ...jsonBody("ReleaseIdempotencyKey") },
        responses: {
          "200": { description: "the key, released", ...jsonBody("IdempotencyKeyInfo") },
          ...errors,
          "415": { description: "error", ...jsonBody("Error") },
        },
      },
    },
  };
  for (const [kind, s] of Object.entries(schemas) as [ResourceKind, (typeof schemas)[ResourceKind]][]) {
    components[kind] = toSchema(s.resource, "output");
    components[`${kind}Spec`] = toSchema(s.spec, "input");
    components[`${kind}Patch`] = toSchema(s.patch, "input");
    components[`${kind}Accepted`] = {
      type: "object",
      required: ["operation", "resource"],
      properties: { operation: ref("Operation"), resource: ref(kind) },
    };
    components[`${kind}Page`] = {
      type: "object",
      required: ["items", "nextPageToken"],
      properties: { items: { type: "array", items: ref(kind) }, nextPageToken: { type: ["string", "null"] } },
    };
    const id = { name: "id", in: "path", required: true, schema: { type: "string" } };
    const accepted = {
      "202": { description: "accepted: a long-running operation", ...jsonBody(`${kind}Accepted`) },
      ...errors,
    };
    // A request body that is not application/json (UTF-8) is refused before it is read.
    const acceptedWithBody = { ...accepted, "415": { description: "error", ...jsonBody("Error") } };
    paths[`/v1/${collectionOf[kind]}`] = {
      post: {
        operationId: `create${kind}`,
        security: bearer,
        parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } }],
        requestBody: { required: true, ...jsonBody(`${kind}Spec`) },
        responses: acceptedWithBody,
      },
      get: {
        operationId: `list${kind}s`,
        security: bearer,
        parameters: ["region", "pageSize", "pageToken"].map((name) => ({
          name,
          in: "query",
          required: false,
          schema: { type: "string" },
          ...(name === "pageToken"
            ? {
                description:
                  "nextPageToken of the previous page: opaque, and good only for the same account, collection and region",
              }
            : {}),
        })),
        responses: { "200": { description: "a page", ...jsonBody(`${kind}Page`) }, ...listErrors },
      },
    };
    paths[`/v1/${collectionOf[kind]}/{id}`] = {
      get: {
        operationId: `get${kind}`,
        security: bearer,
        parameters: [id],
        responses: { "200": { description: kind, ...jsonBody(kind) }, ...errors },
      },
      patch: {
        operationId: `update${kind}`,
        security: bearer,
        parameters: [id, { name: "If-Match", in: "header", required: false, schema: { type: "string" } }],
        requestBody: { required: true, ...jsonBody(`${kind}Patch`) },
        responses: acceptedWithBody,
      },
      delete: { operationId: `delete${kind}`, security: bearer, parameters: [id], responses: accepted },
    };
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "AgentCloud mock cloud API",
      version: "1.0.0",
      description: "The AgentCloud emulator shipped with pulumi-agentcloud.",
    },
    servers: [{ url: "/" }],
    paths,
    components: { schemas: components, securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
  };
  return cached;
}
