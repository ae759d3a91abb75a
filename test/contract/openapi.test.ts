import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { maxTags } from "../../provider/api/common.ts";
import { CloudService } from "../../provider/mock-cloud/core/service.ts";
import { createApp } from "../../provider/mock-cloud/http/app.ts";
import { TokenTable } from "../../provider/mock-cloud/http/auth.ts";
import { RequestLog } from "../../provider/mock-cloud/http/request-log.ts";
import { createMockCloud } from "../../provider/mock-cloud/index.ts";
import { openDb } from "../../provider/mock-cloud/store/db.ts";
import { client } from "../support/cloud-client.ts";
import { devToken } from "../support/fixtures.ts";
import { repoRoot } from "../support/paths.ts";

type Json = Record<string, any>;

async function liveDocument(): Promise<Json> {
  const cloud = createMockCloud();
  const res = await client(cloud, devToken, { conformance: false }).call("GET", "/openapi.json", undefined, {
    token: null,
  });
  expect(res.status).toBe(200);
  const doc = res.body as Json;
  cloud.close();
  return doc;
}

const methods = ["get", "put", "post", "patch", "delete"];
const body = (doc: Json, name: string): Json =>
  doc.components.requestBodies[name].content["application/json"].schema as Json;

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await liveDocument();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents every route the app serves, and serves every route it documents", async () => {
    const db = openDb(":memory:");
    const app = createApp({
      service: new CloudService(db),
      tokens: new TokenTable({}, "admin"),
      log: new RequestLog(),
    });
    // Middleware is registered with method ALL; every other entry is a route.
    // The console's page and assets, and the agent skills' files, are documents, not API operations.
    const served = app.routes
      .filter(
        (r) => r.method !== "ALL" && !r.path.startsWith("/console") && !r.path.startsWith("/.well-known"),
      )
      .map((r) => `${r.method} ${r.path.replace(/:([^/]+)/g, "{$1}")}`)
      .sort();
    db.close();
    const doc = await liveDocument();
    const documented = Object.entries(doc.paths as Json)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => methods.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    expect(served).toEqual(documented);
    expect(new Set(served).size).toBe(served.length);
    expect(documented).toEqual(
      expect.arrayContaining([
        "GET /v1/catalog/chips",
        "GET /v1/catalog/models",
        "GET /v1/catalog/regions",
        "GET /v1/chip-clusters",
        "PATCH /v1/model-endpoints/{id}",
        "GET /v1/operations/{id}",
        "POST /_mock/reset",
        "GET /_mock/health",
      ]),
    );
  });

  it("types list parameters: pageSize an integer 1–500, region the enum of regions", async () => {
    const doc = await liveDocument();
    const params = doc.paths["/v1/chip-clusters"].get.parameters as Json[];
    const byName = Object.fromEntries(params.map((p) => [p.name, p]));
    expect(byName.pageSize.schema).toEqual({ type: "integer", minimum: 1, maximum: 500 });
    expect(byName.region.schema.enum).toContain("cn-hangzhou");
    expect(byName.pageToken.schema.type).toBe("string");
    expect(params.every((p) => p.required === false)).toBe(true);
  });

  it("puts the tag limit, the answers' headers and 500 in the document", async () => {
    const doc = await liveDocument();
    const spec = body(doc, "ChipClusterSpec");
    expect(spec.properties.tags.maxProperties).toBe(maxTags);
    const get = doc.paths["/v1/chip-clusters/{id}"].get.responses as Json;
    expect(get["200"].headers.ETag.required).toBe(true);
    expect(get["401"].headers["WWW-Authenticate"].required).toBe(true);
    expect(get["429"].headers["Retry-After"].required).toBe(true);
    expect(get["503"].headers["Retry-After"].required).toBe(true);
    expect(get["500"].description).toContain("InternalError");
    expect(doc.paths["/v1/chip-clusters/{id}"].patch.responses["202"].headers.ETag.required).toBe(true);
  });

  it("lets a PATCH restate immutable fields, which the emulator accepts unchanged", async () => {
    const doc = await liveDocument();
    for (const kind of ["ChipCluster", "ModelEndpoint", "AgentRuntime"]) {
      const patch = body(doc, `${kind}Patch`);
      expect(patch.additionalProperties).toBe(false);
      expect(patch.properties.name.description).toMatch(/immutable/);
      expect(patch.properties.region.description).toMatch(/immutable/);
      expect(patch.required ?? []).toEqual([]);
    }
  });

  it("describes request bodies on their input side, as request bodies: fields with defaults are optional", async () => {
    const doc = await liveDocument();
    const spec = body(doc, "ChipClusterSpec");
    expect(doc.paths["/v1/chip-clusters"].post.requestBody).toEqual({
      $ref: "#/components/requestBodies/ChipClusterSpec",
    });
    expect(doc.components.schemas.ChipClusterSpec).toBeUndefined();
    expect(spec.required.sort()).toEqual([
      "chipType",
      "chipsPerHyperNode",
      "hyperNodeCount",
      "name",
      "region",
    ]);
    expect(spec.properties.scheduling.default).toBe("task");
  });

  it("is what the README's API tables and error catalogue say", async () => {
    const doc = await liveDocument();
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("API (`/v1`"), readme.indexOf("## Testing your own code"));
    const collections = ["chip-clusters", "model-endpoints", "agent-runtimes"];
    const inReadme = [...section.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s]+)`/g)]
      .flatMap(([, method, path]) =>
        path?.includes("<collection>")
          ? collections.map((c) => `${method} ${path.replace("<collection>", c)}`)
          : [`${method} ${path}`],
      )
      .sort();
    const documented = Object.entries(doc.paths as Json)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => methods.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    expect([...new Set(inReadme)]).toEqual(documented);
    const catalogue = [...section.matchAll(/^\| `(\w+)` \| (\d{3}) \| (.+) \|$/gm)].map(
      ([, code, status, text]) => [code, { status: Number(status), description: text }],
    );
    expect(Object.fromEntries(catalogue)).toEqual(doc["x-error-catalogue"]);
  });
});
