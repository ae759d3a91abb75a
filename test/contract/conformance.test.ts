import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMockCloud, type MockCloud } from "../../provider/mock-cloud/index.ts";
import { type Client, client } from "../support/cloud-client.ts";
import { devToken as dev, cluster as spec } from "../support/fixtures.ts";

/**
 * The conformance check is live: a proxy in front of a real emulator corrupts its recorded answers
 * (as the `x-corrupt` request header asks), and the checking client must refuse each corruption
 * while passing the same exchanges untouched.
 */

const cluster = spec("live");

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

describe("the contract suite's conformance check", () => {
  let cloud: MockCloud;
  let server: Server;
  let c: Client;
  let id: string;

  beforeAll(async () => {
    cloud = createMockCloud();
    server = createServer(async (req, res) => {
      const corrupt = String(req.headers["x-corrupt"] ?? "");
      let sent = await readBody(req);
      // "accept": the emulator never sees the field it would refuse, so it answers 2xx.
      if (corrupt === "accept" && sent) {
        const { colour: _dropped, ...rest } = JSON.parse(sent) as Record<string, unknown>;
        sent = JSON.stringify(rest);
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && k !== "content-length" && k !== "x-corrupt") headers.set(k, v);
      }
      const answer = await cloud.fetch(
        new Request(`http://agentcloud.test${req.url}`, {
          method: req.method,
          headers,
          body: sent === "" ? undefined : sent,
        }),
      );
      let status = answer.status;
      const out: Record<string, string> = Object.fromEntries(answer.headers.entries());
      let text = await answer.text();
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      if (corrupt === "extra-field" && body) body.colour = "red";
      if (corrupt === "missing-field" && body) delete body.status;
      if (corrupt === "wrong-type" && body) body.hyperNodeCount = "1";
      if (corrupt === "status") status = 418;
      if (corrupt === "header") out.etag = '"not-declared-here"';
      if (corrupt === "drop-header") delete out["www-authenticate"];
      if (body) text = JSON.stringify(body);
      delete out["content-length"];
      res.writeHead(status, out);
      res.end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    c = client(`http://127.0.0.1:${port}`, dev);
    const created = await c.call("POST", "/v1/chip-clusters", cluster);
    expect(created.status).toBe(202);
    id = created.body.resource.id;
  });
  afterAll(async () => {
    await c.close();
    await new Promise((resolve) => server.close(resolve));
    cloud.close();
  });

  const as = (corrupt: string) => ({ headers: { "x-corrupt": corrupt } });

  it("passes the emulator's own answers", async () => {
    expect((await c.call("GET", `/v1/chip-clusters/${id}`)).status).toBe(200);
    expect((await c.call("GET", "/v1/chip-clusters?pageSize=2")).status).toBe(200);
    expect((await c.call("GET", `/v1/chip-clusters/${id}`, undefined, { token: null })).status).toBe(401);
  });

  it("fails on a field the document does not have", async () => {
    await expect(c.call("GET", `/v1/chip-clusters/${id}`, undefined, as("extra-field"))).rejects.toThrow(
      /extra property colour/,
    );
  });

  it("fails on a required field that is missing, and on a field of the wrong type", async () => {
    await expect(c.call("GET", `/v1/chip-clusters/${id}`, undefined, as("missing-field"))).rejects.toThrow(
      /missing property status/,
    );
    await expect(c.call("GET", `/v1/chip-clusters/${id}`, undefined, as("wrong-type"))).rejects.toThrow(
      /\/hyperNodeCount: must be integer/,
    );
  });

  it("fails on a status the operation does not document", async () => {
    await expect(c.call("GET", `/v1/chip-clusters/${id}`, undefined, as("status"))).rejects.toThrow(
      /status 418 is not documented/,
    );
  });

  it("fails on an API header the answer does not declare", async () => {
    await expect(c.call("GET", "/v1/chip-clusters", undefined, as("header"))).rejects.toThrow(
      /header etag is sent with 200 but not declared/,
    );
  });

  it("fails on a path or method the document does not have", async () => {
    await expect(c.call("GET", "/v1/widgets")).rejects.toThrow(/no path of the document matches/);
    await expect(c.call("PUT", `/v1/chip-clusters/${id}`, {})).rejects.toThrow(/has no PUT/);
  });

  it("fails when a request the document forbids is accepted", async () => {
    // Refused with a documented 400, the same request passes.
    expect(
      (await c.call("POST", "/v1/chip-clusters", { ...cluster, name: "x2", colour: "red" })).status,
    ).toBe(400);
    await expect(
      c.call("POST", "/v1/chip-clusters", { ...cluster, name: "x3", colour: "red" }, as("accept")),
    ).rejects.toThrow(/request does not conform \(request body: \(root\): extra property colour\)/);
  });

  it("counts what it checked", () => {
    const checker = c.conformance();
    expect(checker?.checked).toBeGreaterThan(10);
    expect(checker?.covered.get("getChipCluster")).toBeGreaterThan(3);
  });
});
