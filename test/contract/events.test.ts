import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { consoleAssets } from "../../provider/mock-cloud/http/console.ts";
import { type MockCloudServer, startMockCloudServer } from "../../provider/mock-cloud/index.ts";
import { type Call, type Client, client } from "../support/cloud-client.ts";
import {
  adminToken as admin,
  devToken as dev,
  pooledEndpoint,
  cluster as spec,
} from "../support/fixtures.ts";
import { parseSse, sseEvents } from "../support/sse.ts";

let cloud: MockCloudServer;
let http: Client;
beforeAll(async () => {
  cloud = await startMockCloudServer({ port: 0 });
  http = client(cloud.url, dev, { conformance: false });
});
afterAll(async () => {
  await http.close();
  await cloud.close();
});

const api = (method: string, path: string, body?: unknown, token = dev) =>
  http.call(method, path, body, { token });
/** Without a token. */
const anonymous: Call = (method, path, body, options) =>
  http.call(method, path, body, { ...options, token: null });

/** Follows GET /_mock/events; `next(match)` waits for the first change that matches (and takes it). */
async function follow() {
  const controller = new AbortController();
  const res = await http.open("GET", "/_mock/events", { token: admin, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
  const events = sseEvents(res.body);
  const seen: { event: string; data: any }[] = [];
  async function next(match: (e: { event: string; data: any }) => boolean, timeoutMs = 3000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = seen.findIndex(match);
      if (found >= 0) return seen.splice(found, 1)[0] as { event: string; data: any };
      if (Date.now() > deadline) throw new Error(`no matching event; saw ${JSON.stringify(seen)}`);
      const { value, done } = await events.next();
      if (done) throw new Error("stream ended");
      if (value.event) seen.push({ event: value.event, data: JSON.parse(value.data) });
    }
  }
  return { next, seen, close: () => controller.abort() };
}

const cluster = (name: string) => spec(name, { chipsPerHyperNode: 128 });

describe("change feed (GET /_mock/events)", () => {
  it("needs the admin token, in the Authorization header", async () => {
    expect((await anonymous("GET", "/_mock/events")).status).toBe(401);
    expect((await anonymous("GET", `/_mock/events?token=${admin}`)).status).toBe(401);
    const res = await api("GET", "/_mock/events");
    expect(res.status).toBe(401);
  });

  it("tells of creates, updates, finished operations and deletes as they commit, with apiKey masked", async () => {
    const feed = await follow();
    expect((await feed.next((e) => e.event === "hello")).data).toMatchObject({ seq: expect.any(Number) });
    const created = await api("POST", "/v1/chip-clusters", cluster("feed-a"));
    expect(created.status).toBe(202);
    const id = created.body.resource.id;
    const c = await feed.next((e) => e.data.type === "resource.created" && e.data.id === id);
    expect(c.data).toMatchObject({ account: "dev", kind: "ChipCluster", resource: { name: "feed-a" } });
    await feed.next((e) => e.data.type === "operation.finished" && e.data.operation.resourceId === id);
    await feed.next(
      (e) => e.data.type === "resource.updated" && e.data.id === id && e.data.resource.status === "ACTIVE",
    );
    await feed.next((e) => e.data.type === "request" && e.data.request.path === "/v1/chip-clusters");

    const ep = await api("POST", "/v1/model-endpoints", pooledEndpoint("feed-ep", 100_000));
    const epEvent = await feed.next(
      (e) => e.data.type === "resource.created" && e.data.id === ep.body.resource.id,
    );
    expect(ep.body.resource.apiKey).toMatch(/^ak-/);
    expect(epEvent.data.resource.apiKey).toBe(`••••••••${ep.body.resource.apiKey.slice(-4)}`);
    expect(JSON.stringify(feed.seen)).not.toContain(ep.body.resource.apiKey);

    await api("DELETE", `/v1/chip-clusters/${id}`);
    await feed.next((e) => e.data.type === "resource.deleted" && e.data.id === id);
    feed.close();
  });

  it("says nothing of a write that was rolled back", async () => {
    const feed = await follow();
    await feed.next((e) => e.event === "hello");
    await api("POST", "/v1/chip-clusters", cluster("feed-b"));
    await feed.next((e) => e.data.type === "resource.created" && e.data.resource.name === "feed-b");
    // The name is taken: the create fails inside its transaction.
    expect((await api("POST", "/v1/chip-clusters", cluster("feed-b"))).status).toBe(409);
    await feed.next((e) => e.data.type === "request" && e.data.request.status === 409);
    expect(feed.seen.filter((e) => e.data.type === "resource.created")).toEqual([]);
    feed.close();
  });

  it("tells of admin changes: clock, faults, transitions, reset", async () => {
    const feed = await follow();
    await feed.next((e) => e.event === "hello");
    await api("POST", "/_mock/clock/advance", { ms: 1000 }, admin);
    await feed.next((e) => e.data.type === "clock");
    await api("POST", "/_mock/faults", { kind: "ChipCluster", status: 503 }, admin);
    await feed.next((e) => e.data.type === "settings" && e.data.what === "faults");
    await api("DELETE", "/_mock/faults", undefined, admin);
    await api("PUT", "/_mock/transitions", { ChipCluster: { mode: "immediate" } }, admin);
    await feed.next((e) => e.data.type === "settings" && e.data.what === "transitions");
    await api("POST", "/_mock/reset", { account: "nobody" }, admin);
    await feed.next((e) => e.data.type === "store.reset" && e.data.account === "nobody");
    feed.close();
  });

  it("lets go of a listener that disconnects", async () => {
    // The server lets go once it sees the connection close: polled, up to 10 s.
    const none = () =>
      vi.waitFor(() => expect(cloud.service.feed.listeners).toBe(0), { timeout: 10_000, interval: 20 });
    // The earlier tests' streams are gone once their connections have closed.
    await none();
    const feed = await follow();
    await feed.next((e) => e.event === "hello");
    expect(cloud.service.feed.listeners).toBe(1);
    feed.close();
    await none();
  });
});

describe("the tests' text/event-stream reader (test/support/sse.ts)", () => {
  it("reads fields as the spec does: comments, several data lines, one space dropped, any line end", () => {
    expect(
      parseSse(
        ': keep-alive\r\nevent: hello\r\ndata: {"seq":1}\r\nid: 7\r\n\r\ndata:a\rdata:  b\r\rdata\n\n',
      ),
    ).toEqual([{ event: "hello", data: '{"seq":1}', id: "7" }, { data: "a\n b" }, { data: "" }]);
  });

  it("dispatches nothing for an event without data, or one the body ends in the middle of", () => {
    expect(parseSse("event: empty\n\nid: 1\n\ndata: cut off")).toEqual([]);
  });

  it("reads a stream whose chunks split lines, a CRLF and a character anywhere", async () => {
    const bytes = new TextEncoder().encode("data: é1\r\n\r\nevent: e\ndata: 2\n\n");
    async function* oneByteAtATime() {
      for (const b of bytes) yield new Uint8Array([b]);
    }
    const events = [];
    for await (const e of sseEvents(oneByteAtATime())) events.push(e);
    expect(events).toEqual([{ data: "é1" }, { event: "e", data: "2" }]);
  });
});

describe("GET /_mock/resources", () => {
  it("lists every account's resources for the admin token, secrets masked", async () => {
    const ep = await api(
      "POST",
      "/v1/model-endpoints",
      pooledEndpoint("list-ep", 100_000, { region: "cn-shanghai" }),
    );
    const all = await api("GET", "/_mock/resources?kind=ModelEndpoint", undefined, admin);
    expect(all.status).toBe(200);
    const item = all.body.items.find((i: any) => i.resource.id === ep.body.resource.id);
    expect(item).toMatchObject({ account: "dev", resource: { name: "list-ep", kind: "ModelEndpoint" } });
    expect(item.resource.apiKey).not.toBe(ep.body.resource.apiKey);
    expect((await api("GET", "/_mock/resources")).status).toBe(401);
    expect((await api("GET", "/_mock/resources?kind=Nope", undefined, admin)).status).toBe(400);
  });
});

describe("GET /console", () => {
  it("serves the page, its script and stylesheet from this origin only, with no token in them", async () => {
    const page = await anonymous("GET", "/console");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("form-action 'none'");
    const html = page.text;
    expect(html).toContain('<script src="/console/console.js" defer></script>');
    expect(html).not.toMatch(/https?:\/\//);
    const js = (await anonymous("GET", "/console/console.js")).text;
    const css = (await anonymous("GET", "/console/console.css")).text;
    for (const text of [html, js, css]) {
      expect(text).not.toContain(admin);
      expect(text).not.toContain(dev);
    }
    // The script is the client's source run once, and plain JavaScript.
    expect(() => new Function(js)).not.toThrow();
    // No URL but the SVG namespace: nothing is fetched from elsewhere.
    expect(new Set(js.match(/https?:\/\/[^"'`\s]+/g))).toEqual(new Set(["http://www.w3.org/2000/svg"]));
    const assets = consoleAssets();
    expect(html).toBe(assets.html);
    expect(js).toBe(assets.js);
    // The weight the README states (about 65 KB); a budget, so that it stays a light page.
    const bytes = [html, js, css].reduce((n, t) => n + Buffer.byteLength(t), 0);
    expect(bytes).toBeLessThan(100_000);
  });
});
