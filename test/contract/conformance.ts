import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";

// ajv-formats is CommonJS: its default export arrives as the module object under nodenext.
const addFormats = formats.default;

/**
 * Checks HTTP exchanges against an OpenAPI 3.1 document: the operation (path + method) exists,
 * its parameters, security and request body conform, the status is one the operation declares,
 * and the answer's media type, body and headers are the ones declared for that status.
 *
 * Schemas are compiled by ajv's JSON Schema 2020-12 validator (the dialect OpenAPI 3.1 uses) with
 * ajv-formats, straight from the document: `$ref`s resolve into the document itself.
 *
 * A request the document forbids is allowed only when the answer refuses it with a 4xx that the
 * operation documents: a server that accepts what the document forbids disagrees with it.
 */

export interface Exchange {
  method: string;
  /** Path and query, as sent: `/v1/chip-clusters?pageSize=2`. */
  url: string;
  requestHeaders: Record<string, string>;
  /** The request body as sent (text), or undefined for none. */
  requestBody: string | undefined;
  status: number;
  responseHeaders: Record<string, string | string[] | undefined>;
  /** The response body as received (text). */
  responseBody: string;
}

export interface Verdict {
  operation: string | null;
  /** Ways the request departs from the document; fine only when the answer is a documented 4xx. */
  requestIssues: string[];
  /** Ways the exchange disagrees with the document: any one fails the test. */
  violations: string[];
}

/** Headers whose presence is part of the API: one the operation does not declare is a violation. */
const apiHeaders = [
  "etag",
  "retry-after",
  "www-authenticate",
  "x-request-id",
  "location",
  "idempotent-replayed",
];

type Json = Record<string, any>;
interface Op {
  id: string;
  method: string;
  template: string;
  matcher: RegExp;
  pathNames: string[];
  op: Json;
  params: Json[];
}

const docId = "https://agentcloud.test/openapi.json";

export class Conformance {
  private readonly ajv: Ajv2020;
  private readonly ops: Op[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();
  /** operationId → how many exchanges were checked against it. */
  readonly covered = new Map<string, number>();
  checked = 0;

  readonly doc: Json;

  constructor(doc: Json) {
    this.doc = doc;
    this.ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
      validateFormats: true,
    });
    addFormats(this.ajv);
    // The document's components are added under the document's own URI, so that the
    // `$ref: "#/components/schemas/..."` of its schemas resolve as they do in the document.
    this.ajv.addVocabulary(["components"]);
    this.ajv.addSchema({ $id: docId, components: doc.components ?? {} });
    for (const [template, item] of Object.entries((doc.paths ?? {}) as Json)) {
      const pathNames: string[] = [];
      const pattern = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{(.+)\}$/.exec(part);
          if (!m) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
          pathNames.push(m[1] as string);
          return "([^/]+)";
        })
        .join("");
      for (const method of ["get", "put", "post", "patch", "delete", "head", "options"]) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Json) => this.deref(p));
        this.ops.push({
          id: op.operationId ?? `${method} ${template}`,
          method: method.toUpperCase(),
          template,
          matcher: new RegExp(`^${pattern}$`),
          pathNames,
          op,
          params,
        });
      }
    }
  }

  /** Every operation the document declares. */
  operations(): string[] {
    return this.ops.map((o) => o.id);
  }

  check(x: Exchange): Verdict {
    this.checked++;
    const url = new URL(x.url, "http://conformance.invalid");
    const path = url.pathname;
    const candidates = this.ops.filter((o) => o.matcher.test(path));
    const found = candidates.find((o) => o.method === x.method.toUpperCase());
    if (!found) {
      return {
        operation: null,
        requestIssues: [],
        violations: [
          candidates.length > 0
            ? `${x.method} ${path}: the document has no ${x.method} for ${candidates[0]?.template}`
            : `${x.method} ${path}: no path of the document matches`,
        ],
      };
    }
    this.covered.set(found.id, (this.covered.get(found.id) ?? 0) + 1);
    const requestIssues = this.checkRequest(found, x, url);
    const violations = this.checkResponse(found, x);
    if (requestIssues.length > 0) {
      const documented4xx = x.status >= 400 && x.status < 500 && this.responseFor(found, x.status) !== null;
      if (!documented4xx) {
        violations.push(
          `the request does not conform (${requestIssues.join("; ")}), yet the answer was ${x.status}, not a documented 4xx`,
        );
      }
    }
    return { operation: found.id, requestIssues, violations: violations.map((v) => `${found.id}: ${v}`) };
  }

  /** Throws, listing every violation, when the exchange disagrees with the document. */
  assert(x: Exchange): Verdict {
    const verdict = this.check(x);
    if (verdict.violations.length > 0) {
      throw new Error(
        `OpenAPI conformance: ${x.method} ${x.url} → ${x.status}\n  - ${verdict.violations.join("\n  - ")}\n  answer: ${x.responseBody.slice(0, 500)}`,
      );
    }
    return verdict;
  }

  private checkRequest(o: Op, x: Exchange, url: URL): string[] {
    const issues: string[] = [];
    const headers = lower(x.requestHeaders);
    const pathValues = o.matcher.exec(url.pathname)?.slice(1) ?? [];
    const declared = new Set<string>();
    for (const p of o.params) {
      const key = `${p.in}:${p.in === "header" ? String(p.name).toLowerCase() : p.name}`;
      declared.add(key);
      let raw: string | undefined;
      if (p.in === "path") raw = decodeURIComponent(pathValues[o.pathNames.indexOf(p.name)] ?? "");
      else if (p.in === "query") raw = url.searchParams.get(p.name) ?? undefined;
      else if (p.in === "header") raw = headers[String(p.name).toLowerCase()];
      else continue;
      if (raw === undefined) {
        if (p.required) issues.push(`${p.in} parameter ${p.name} is required`);
        continue;
      }
      const errors = this.validate(p.schema ?? {}, coerce(raw, this.derefSchema(p.schema ?? {})));
      if (errors) issues.push(`${p.in} parameter ${p.name}=${JSON.stringify(raw)}: ${errors}`);
    }
    for (const name of new Set(url.searchParams.keys())) {
      if (!declared.has(`query:${name}`)) issues.push(`query parameter ${name} is not declared`);
    }
    const security = (o.op.security ?? this.doc.security ?? []) as Json[];
    if (security.length > 0) {
      const ok = security.some((req) =>
        Object.keys(req).every((scheme) => {
          const s = this.doc.components?.securitySchemes?.[scheme] as Json | undefined;
          if (s?.type === "http" && s.scheme === "bearer")
            return /^Bearer \S+$/i.test(headers.authorization ?? "");
          return false;
        }),
      );
      if (!ok) issues.push("no credentials for the operation's security scheme");
    }
    const body = o.op.requestBody ? (this.deref(o.op.requestBody) as Json) : null;
    const hasBody = x.requestBody !== undefined && x.requestBody !== "";
    if (!body) {
      if (hasBody) issues.push("the operation takes no request body");
      return issues;
    }
    if (!hasBody) {
      if (body.required) issues.push("the request body is required");
      return issues;
    }
    const type = mediaType(headers["content-type"]);
    const media = type ? (body.content?.[type] as Json | undefined) : undefined;
    if (!media) {
      issues.push(`request media type ${headers["content-type"] ?? "(none)"} is not declared`);
      return issues;
    }
    let value: unknown;
    try {
      value = JSON.parse(x.requestBody as string);
    } catch {
      issues.push("the request body is not JSON");
      return issues;
    }
    const errors = this.validate(media.schema ?? {}, value);
    if (errors) issues.push(`request body: ${errors}`);
    return issues;
  }

  private checkResponse(o: Op, x: Exchange): string[] {
    const out: string[] = [];
    const response = this.responseFor(o, x.status);
    if (!response) {
      return [`status ${x.status} is not documented (documented: ${Object.keys(o.op.responses).join(", ")})`];
    }
    const headers = lower(x.responseHeaders);
    const declaredHeaders = Object.fromEntries(
      Object.entries((response.headers ?? {}) as Json).map(([k, v]) => [
        k.toLowerCase(),
        this.deref(v) as Json,
      ]),
    );
    for (const [name, h] of Object.entries(declaredHeaders)) {
      const value = headers[name];
      if (value === undefined) {
        if (h.required) out.push(`header ${name} is declared required for ${x.status} but absent`);
        continue;
      }
      const errors = this.validate(h.schema ?? {}, coerce(value, this.derefSchema(h.schema ?? {})));
      if (errors) out.push(`header ${name}: ${JSON.stringify(value)}: ${errors}`);
    }
    for (const name of apiHeaders) {
      if (headers[name] !== undefined && !(name in declaredHeaders)) {
        out.push(`header ${name} is sent with ${x.status} but not declared`);
      }
    }
    const content = response.content as Json | undefined;
    if (!content || Object.keys(content).length === 0) {
      if (x.responseBody !== "") out.push(`status ${x.status} declares no body, but one was sent`);
      return out;
    }
    const type = mediaType(headers["content-type"]);
    const media = type ? (content[type] as Json | undefined) : undefined;
    if (!media) {
      out.push(`media type ${headers["content-type"] ?? "(none)"} is not declared for ${x.status}`);
      return out;
    }
    let value: unknown;
    try {
      value = JSON.parse(x.responseBody);
    } catch {
      out.push("the body is not JSON");
      return out;
    }
    const errors = this.validate(media.schema ?? {}, value);
    if (errors) out.push(`body: ${errors}`);
    return out;
  }

  private responseFor(o: Op, status: number): Json | null {
    const responses = o.op.responses as Json;
    const r = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? null;
    return r ? (this.deref(r) as Json) : null;
  }

  private validate(schema: Json, value: unknown): string | null {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(rebase(schema));
      this.compiled.set(key, fn);
    }
    if (fn(value)) return null;
    return describe(fn.errors ?? []);
  }

  private deref(v: Json): Json {
    let cur = v;
    for (let i = 0; i < 16 && typeof cur?.$ref === "string"; i++) cur = this.pointer(cur.$ref);
    return cur;
  }

  private derefSchema(s: Json): Json {
    return this.deref(s);
  }

  private pointer(ref: string): Json {
    if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported: ${ref}`);
    let cur: any = this.doc;
    for (const part of ref.slice(2).split("/")) cur = cur?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    if (cur === undefined) throw new Error(`unresolved $ref ${ref}`);
    return cur;
  }
}

/** `$ref: "#/..."` inside a schema taken out of the document points back into the document. */
function rebase(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema), (k, v) =>
    k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${docId}${v}` : v,
  );
}

/** A parameter or header is text; its schema says what it stands for (simple style). */
function coerce(raw: string | string[], schema: Json): unknown {
  const value = Array.isArray(raw) ? raw.join(", ") : raw;
  const types = ([] as string[]).concat(schema.type ?? []);
  if ((types.includes("integer") || types.includes("number")) && /^-?\d+(\.\d+)?$/.test(value)) {
    return Number(value);
  }
  if (types.includes("boolean") && (value === "true" || value === "false")) return value === "true";
  return value;
}

function describe(errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const where = e.instancePath || "(root)";
      if (e.keyword === "additionalProperties")
        return `${where}: extra property ${e.params.additionalProperty}`;
      if (e.keyword === "required") return `${where}: missing property ${e.params.missingProperty}`;
      return `${where}: ${e.message}`;
    })
    .join("; ");
}

function lower(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function mediaType(contentType: string | undefined): string | null {
  if (!contentType) return null;
  return (contentType.split(";")[0] as string).trim().toLowerCase();
}
