import { readdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeResponse } from "./node-response.ts";

// What node-response.ts relies on in @hono/node-server beyond its documented API, tested against
// the installed version itself (not through the emulator): a version that moves or changes its
// Response class fails here, by name, instead of the emulator silently answering slower or
// dropping a header.

/** Makes reading `body` or `headers` of `res` count: the server's slow path reads both. */
function watched(res: Response): { res: Response; reads: string[] } {
  const reads: string[] = [];
  for (const key of ["body", "headers"] as const) {
    const proto = Object.getPrototypeOf(res) as object;
    const getter = Object.getOwnPropertyDescriptor(proto, key)?.get ?? (() => undefined);
    Object.defineProperty(res, key, {
      get() {
        reads.push(key);
        return getter.call(res);
      },
    });
  }
  return { res, reads };
}

describe("@hono/node-server's Response, as node-response.ts takes it", () => {
  let next: () => Response = () => new Response(null, { status: 500 });
  let url = "";
  let server: ReturnType<typeof serve>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      // As the emulator serves: overrideGlobalObjects off, an async fetch handler (hono's app.fetch).
      server = serve(
        { fetch: async () => next(), hostname: "127.0.0.1", port: 0, overrideGlobalObjects: false },
        () => resolve(),
      );
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is found where node-response.ts looks for it, and the globals are left as they were", () => {
    const before = {
      Request: Object.getOwnPropertyDescriptor(globalThis, "Request"),
      Response: Object.getOwnPropertyDescriptor(globalThis, "Response"),
    };
    const node = nodeResponse();
    // Undefined here means getRequestListener no longer installs a Response class of its own.
    expect(node).toBeDefined();
    expect(Object.getOwnPropertyDescriptor(globalThis, "Request")).toEqual(before.Request);
    expect(Object.getOwnPropertyDescriptor(globalThis, "Response")).toEqual(before.Response);
    const res = node?.json("{}", 200, {}) as Response;
    expect(res.constructor).not.toBe(globalThis.Response);
    expect(node?.made(res)).toBe(true);
    expect(node?.made(new Response("{}"))).toBe(false);
  });

  it("makes a Response that code reading a global Response understands", async () => {
    const res = nodeResponse()?.json('{"a":1}', 202, { "content-type": "application/json", "x-one": "1" });
    expect(res).toBeInstanceOf(Response);
    expect(res?.status).toBe(202);
    expect(res?.ok).toBe(true);
    expect(res?.headers.get("x-one")).toBe("1");
    await expect(res?.json()).resolves.toEqual({ a: 1 });
  });

  it("is written by the server with exactly the status, headers and body it was made with, without reading them back", async () => {
    const body = JSON.stringify({ name: "réseau", items: [1, 2, 3] });
    const made = watched(
      nodeResponse()?.json(body, 202, {
        "content-type": "application/json",
        "x-request-id": "req-1",
        "x-agentcloud-test": "yes",
      }) as Response,
    );
    next = () => made.res;
    const got = await fetch(url);
    expect(got.status).toBe(202);
    expect(got.headers.get("content-type")).toBe("application/json");
    expect(got.headers.get("x-request-id")).toBe("req-1");
    expect(got.headers.get("x-agentcloud-test")).toBe("yes");
    // The length is the body's in bytes (not in characters): written in one piece, not chunked.
    expect(got.headers.get("content-length")).toBe(String(Buffer.byteLength(body)));
    expect(got.headers.get("transfer-encoding")).toBeNull();
    expect(await got.text()).toBe(body);
    // The fast path: the server took the record and the string as they were.
    expect(made.reads).toEqual([]);
  });

  it("(the check above can tell: a global Response is read back by the same server)", async () => {
    const made = watched(new Response("{}", { headers: { "content-type": "application/json" } }));
    next = () => made.res;
    const got = await fetch(url);
    expect(await got.text()).toBe("{}");
    expect(made.reads).toContain("body");
  });
});

describe("node-server's Response is reached through node-response.ts only", () => {
  const root = join(import.meta.dirname, "..", "..");
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? sources(join(dir, e.name))
        : /\.(ts|cjs|mjs|js)$/.test(e.name) && !/\.test\.ts$/.test(e.name)
          ? [join(dir, e.name)]
          : [],
    );

  it("no other module of provider/ takes it from the globals or builds one", () => {
    const internal = /\bgetRequestListener\b|overrideGlobalObjects:\s*true|\bnew\s+NodeResponse\b/;
    const offenders = sources(root)
      .filter((f) => !f.endsWith(join("http", "node-response.ts")))
      .filter((f) => internal.test(readFileSync(f, "utf8")))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });
});
