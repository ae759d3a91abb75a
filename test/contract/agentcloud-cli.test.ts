import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes } from "../../provider/api/common.ts";
import { cliCommands, commandLine, commandName, globalFlags } from "../../provider/cli/commands.ts";
import { exitCodes, exitMeaning } from "../../provider/cli/exit-codes.ts";
import { routeSpecs } from "../../provider/mock-cloud/http/routes.ts";
import type { ToolSpec } from "../../provider/mock-cloud/mcp/tools.ts";
import { repoRoot } from "../support/paths.ts";
import { cluster, dev, nodeServer, useAdapterCloud } from "./fixtures.ts";

const entry = join(repoRoot, "provider/cli/agentcloud.ts");
/** Where nothing listens: a command that reaches it fails with 6, one refused before any request with 2. */
const nowhere = "http://127.0.0.1:9";
const wrongToken = "not-a-token-of-this-cloud";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `agentcloud` derived from the route table, run as users run it: a child process, against the emulator. */
describe("agentcloud, the JSON CLI", () => {
  // A child process needs a socket: the node server, a fresh store with immediate transitions for each test.
  const server = useAdapterCloud(nodeServer);
  let scratch: string;
  /** Everything every run printed: the token must be in none of it. */
  const printed: string[] = [];

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "agentcloud-cli-"));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const cli = (args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) =>
    new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [entry, ...args], {
        env: {
          PATH: process.env.PATH ?? "",
          AGENTCLOUD_ENDPOINT: server.baseUrl,
          AGENTCLOUD_TOKEN: dev,
          ...options.env,
        },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("error", reject);
      child.on("close", (code) => {
        printed.push(stdout, stderr);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(options.stdin ?? "");
    });

  /** The one JSON envelope a `-o json` run printed. */
  const envelope = (r: Run) => {
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0] as string);
  };

  /** An error envelope: exactly its five fields, and the exit code of its class. */
  const expectFailure = (r: Run, exit: number, code: string) => {
    const e = envelope(r);
    expect(e.ok).toBe(false);
    expect(Object.keys(e.error).sort()).toEqual(["code", "details", "message", "requestId", "retryable"]);
    expect(e.error).toMatchObject({ code, message: expect.any(String), retryable: exit === 6 });
    expect(typeof e.error.details).toBe("object");
    expect(r.code).toBe(exit);
    return e.error;
  };

  const clusterFlags = (name: string, hyperNodes = 1) => [
    "--name",
    name,
    "--region",
    "cn-hangzhou",
    "--chip-type",
    "zhenwu-m890",
    "--chips-per-hyper-node",
    "8",
    "--hyperNodeCount",
    String(hyperNodes),
  ];

  describe("commands from the route table", () => {
    it("gives every /v1 route a command, each named once, none of whose flags a global flag hides", () => {
      const commands = cliCommands();
      const v1 = routeSpecs.filter((r) => r.path.startsWith("/v1/"));
      expect(v1.length).toBeGreaterThan(20);
      for (const route of v1) expect(commands.filter((c) => c.tool.route === route)).toHaveLength(1);
      expect(commands).toHaveLength(v1.length);
      const names = commands.map((c) => `${c.group} ${c.verb}`);
      expect(new Set(names).size).toBe(names.length);
      for (const c of commands) {
        for (const f of c.flags) for (const n of f.names) expect(Object.keys(globalFlags)).not.toContain(n);
        expect(c.positionals).toEqual([...c.tool.route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
      }
      expect(commands.every((c) => !c.tool.route.path.startsWith("/_mock"))).toBe(true);
    });

    it("names them as the brief does: by path, and by method or operationId", () => {
      const lines = cliCommands().map(commandLine);
      for (const kind of ["chip-clusters", "model-endpoints", "agent-runtimes"])
        expect(lines).toEqual(
          expect.arrayContaining([
            `agentcloud ${kind} list`,
            `agentcloud ${kind} create`,
            `agentcloud ${kind} get <id>`,
            `agentcloud ${kind} update <id>`,
            `agentcloud ${kind} delete <id>`,
          ]),
        );
      expect(lines).toEqual(
        expect.arrayContaining([
          "agentcloud catalog chips",
          "agentcloud catalog models",
          "agentcloud catalog regions",
          "agentcloud quotas",
          "agentcloud usage",
          "agentcloud operations get <id>",
          "agentcloud idempotency-keys list",
          "agentcloud idempotency-keys get <key>",
          "agentcloud idempotency-keys release <key>",
          "agentcloud model-endpoints usage <id>",
        ]),
      );
    });

    it("names a route that is not in the table yet with no edit", () => {
      const tool = (method: string, path: string, operationId: string) =>
        ({ route: { method, path, operationId } }) as unknown as ToolSpec;
      expect(commandName(tool("post", "/v1/widgets/{id}/restart", "restartWidget"))).toEqual({
        group: "widgets",
        verb: "restart",
      });
      expect(commandName(tool("put", "/v1/widgets/{id}", "replaceWidget"))).toEqual({
        group: "widgets",
        verb: "replace",
      });
    });

    it("maps every API error code to an exit code, and documents them in --help", async () => {
      for (const code of errorCodes) expect(Object.keys(exitCodes)).toContain(code);
      const help = await cli(["--help"]);
      expect(help.code).toBe(0);
      for (const [n, meaning] of Object.entries(exitMeaning))
        expect(help.stdout).toContain(`${n}  ${meaning}`);
      // Under each exit code's line, the error codes it stands for.
      const listed = new Map<number, string[]>();
      let current = -1;
      for (const line of help.stdout.slice(help.stdout.indexOf("exit codes:")).split("\n")) {
        const head = /^ {2}(\d) {2}/.exec(line);
        if (head) current = Number(head[1]);
        else if (/^ {7}[A-Z]/.test(line))
          listed.set(current, [...(listed.get(current) ?? []), ...line.trim().split(/, ?/)]);
      }
      for (const [code, n] of Object.entries(exitCodes)) expect(listed.get(n)).toContain(code);
      expect(help.stdout).toContain("chip-clusters get <id>");
      const one = await cli(["chip-clusters", "create", "--help"]);
      expect(one.stdout).toContain("--dry-run");
      expect(one.stdout).toContain("--hyper-node-count <number>");
      expect(one.stdout).toContain("Conflict (4)");
    });
  });

  describe("a resource's round trip", () => {
    it("creates, gets, lists and deletes, in tables", async () => {
      const made = await cli(["chip-clusters", "create", ...clusterFlags("human-trip"), "--wait"]);
      expect(made.code).toBe(0);
      const id = /^create (cc-[0-9a-f]+): operation op-[0-9a-f]+ SUCCEEDED$/m.exec(made.stdout)?.[1];
      expect(id).toBeDefined();

      const got = await cli(["chip-clusters", "get", id as string]);
      expect(got.code).toBe(0);
      expect(got.stdout).toMatch(new RegExp(`^id +${id}$`, "m"));
      expect(got.stdout).toMatch(/^status +ACTIVE$/m);
      expect(got.stdout).toMatch(/^provisioning\.mode +onDemand$/m);

      const list = await cli(["chip-clusters", "list"]);
      expect(list.code).toBe(0);
      const [header, ...rows] = list.stdout.trimEnd().split("\n");
      expect(header?.split(/ +/)).toEqual(["ID", "NAME", "REGION", "STATUS", "CHIPS"]);
      expect(rows.map((r) => r.split(/ +/))).toContainEqual([id, "human-trip", "cn-hangzhou", "ACTIVE", "8"]);

      // A delete takes no Prefer: wait (the route has no such header, so no --wait flag).
      const gone = await cli(["chip-clusters", "delete", id as string]);
      expect(gone.code).toBe(0);
      expect(gone.stdout).toMatch(
        new RegExp(`^delete ${id}: operation op-[0-9a-f]+ (RUNNING|SUCCEEDED)$`, "m"),
      );
      expect((await cli(["chip-clusters", "get", id as string])).code).toBe(3);
    });

    it("creates, gets, lists and deletes, as JSON envelopes", async () => {
      const made = envelope(
        await cli(["chip-clusters", "create", ...clusterFlags("json-trip"), "-o", "json"]),
      );
      expect(made.ok).toBe(true);
      const id = made.data.resource.id as string;
      expect(made.data.resource).toMatchObject({
        name: "json-trip",
        hyperNodeCount: 1,
        chipsPerHyperNode: 8,
      });

      const op = envelope(await cli(["operations", "get", made.data.operation.id, "--output=json"]));
      expect(op).toMatchObject({ ok: true, data: { id: made.data.operation.id, resourceId: id } });

      const got = envelope(await cli(["-o", "json", "chip-clusters", "get", id]));
      expect(got).toMatchObject({ ok: true, data: { id, name: "json-trip", kind: "ChipCluster" } });

      const list = envelope(await cli(["chip-clusters", "list", "--page-size", "500", "-o", "json"]));
      expect(list.ok).toBe(true);
      expect(list.data.items.map((i: { id: string }) => i.id)).toContain(id);

      const gone = envelope(await cli(["chip-clusters", "delete", id, "-o", "json"]));
      expect(gone).toMatchObject({ ok: true, data: { operation: { action: "delete", resourceId: id } } });
      const after = envelope(await cli(["chip-clusters", "list", "-o", "json"]));
      expect(after.data.items.map((i: { id: string }) => i.id)).not.toContain(id);
    });

    it("takes the body from a file or stdin, flags over its fields, nested flags by path", async () => {
      const file = join(scratch, "cluster.json");
      writeFileSync(file, JSON.stringify(cluster("from-file", { hyperNodeCount: 2 })));
      const fromFile = envelope(
        await cli(["chip-clusters", "create", "-f", file, "--hyper-node-count", "3", "-o", "json"]),
      );
      expect(fromFile.data.resource).toMatchObject({ name: "from-file", hyperNodeCount: 3 });

      const fromStdin = envelope(
        await cli(["model-endpoints", "create", "-f", "-", "--tags.team", "ml", "-o", "json"], {
          stdin: JSON.stringify({
            name: "from-stdin",
            region: "cn-hangzhou",
            model: "glm-5.1",
            deployment: { mode: "pooled" },
            throughput: { tokensPerMinute: 4000 },
          }),
        }),
      );
      expect(fromStdin.data.resource).toMatchObject({ name: "from-stdin", tags: { team: "ml" } });

      const flags = envelope(
        await cli([
          "model-endpoints",
          "create",
          "--name",
          "from-flags",
          "--region",
          "cn-hangzhou",
          "--model",
          "glm-5.1",
          "--deployment",
          '{"mode":"pooled"}',
          "--throughput.tokens-per-minute",
          "2000",
          "--throughput.elastic",
          "--idempotency-key",
          "cli-key-1",
          "-o",
          "json",
        ]),
      );
      expect(flags.data.resource).toMatchObject({ throughput: { tokensPerMinute: 2000, elastic: true } });
      const key = envelope(await cli(["idempotency-keys", "get", "cli-key-1", "-o", "json"]));
      expect(key.data).toMatchObject({ key: "cli-key-1", resourceId: flags.data.resource.id });
      const keys = await cli(["idempotency-keys", "list"]);
      expect(keys.stdout).toMatch(/^KEY +KIND +RESOURCE_ID/);
      expect(keys.stdout).toContain("cli-key-1");
    });

    it("reads the catalog, the quotas and the usage", async () => {
      const chips = await cli(["catalog", "chips"]);
      expect(chips.code).toBe(0);
      expect(chips.stdout).toContain("zhenwu-m890");
      const regions = envelope(await cli(["catalog", "regions", "-o", "json"]));
      expect(regions.data.items.map((r: { region: string }) => r.region)).toContain("cn-hangzhou");
      const quotas = await cli(["quotas"]);
      expect(quotas.code).toBe(0);
      expect(quotas.stdout).toMatch(/^chips:\nREGION +CHIP_TYPE +LIMIT +USED$/m);
      const usage = envelope(await cli(["usage", "--group-by", "day", "-o", "json"]));
      expect(usage).toMatchObject({ ok: true, data: { currency: "USD" } });
    });
  });

  describe("--dry-run", () => {
    it("answers what a create or a delete would do, and writes nothing", async () => {
      const before = envelope(await cli(["chip-clusters", "list", "--page-size", "500", "-o", "json"]));
      const dry = envelope(
        await cli(["chip-clusters", "create", ...clusterFlags("dry-only"), "--dry-run", "-o", "json"]),
      );
      expect(dry).toMatchObject({
        ok: true,
        data: { dryRun: true, action: "create", resource: { name: "dry-only" } },
      });
      const human = await cli(["chip-clusters", "create", ...clusterFlags("dry-only"), "--dry-run"]);
      expect(human.stdout).toMatch(/^dry run: would create ChipCluster .*nothing was written$/m);
      const after = envelope(await cli(["chip-clusters", "list", "--page-size", "500", "-o", "json"]));
      expect(after.data.items).toEqual(before.data.items);

      const kept = envelope(
        await cli(["chip-clusters", "create", ...clusterFlags("dry-kept"), "-o", "json"]),
      );
      const id = kept.data.resource.id as string;
      const dryDelete = envelope(await cli(["chip-clusters", "delete", id, "--dry-run", "-o", "json"]));
      expect(dryDelete.data).toMatchObject({ dryRun: true, action: "delete" });
      expect((await cli(["chip-clusters", "get", id])).code).toBe(0);
    });
  });

  describe("exit codes and error envelopes", () => {
    it("2: a usage error, refused before any request (the endpoint is never reached)", async () => {
      const lines = [
        ["chip-clusters", "frobnicate"],
        ["nothing-here"],
        ["chip-clusters", "get"],
        ["chip-clusters", "get", "a", "b"],
        ["chip-clusters", "list", "--no-such-flag", "x"],
        ["chip-clusters", "create", "--hyper-node-count", "many"],
        ["chip-clusters", "create", "--tags", "{not json"],
        ["chip-clusters", "create", "--deployment.mode", "pooled"],
        ["chip-clusters", "get", "cc-1", "--dry-run"],
        ["chip-clusters", "list", "-f", "x.json"],
        ["chip-clusters", "create", "-f", join(scratch, "missing.json")],
        ["chip-clusters", "list", "--page-size"],
        ["catalog"],
        [],
      ];
      const runs = await Promise.all(
        lines.map((l) => cli([...l, "-o", "json"], { env: { AGENTCLOUD_ENDPOINT: nowhere } })),
      );
      runs.forEach((r, i) => {
        expect(r.code, lines[i]?.join(" ")).toBe(2);
        const error = expectFailure(r, 2, "UsageError");
        expect(error.requestId, lines[i]?.join(" ")).toBeNull();
      });
      const table = await cli(["chip-clusters", "list", "--output", "yaml"], {
        env: { AGENTCLOUD_ENDPOINT: nowhere },
      });
      expect(table.code).toBe(2);
      expect(table.stdout).toBe("");
      expect(table.stderr).toMatch(/^agentcloud: UsageError: --output takes table or json/);

      const noToken = await cli(["quotas", "-o", "json"], { env: { AGENTCLOUD_TOKEN: "" } });
      expect(expectFailure(noToken, 2, "UsageError").message).toMatch(/no token/);
      const noEndpoint = await cli(["quotas", "-o", "json"], { env: { AGENTCLOUD_ENDPOINT: "" } });
      expect(expectFailure(noEndpoint, 2, "UsageError").message).toMatch(/no endpoint/);
      // 17 processes, 14 at once: a loaded machine needs more than the default 30 s.
    }, 120_000);

    it("3: not found", async () => {
      const error = expectFailure(
        await cli(["chip-clusters", "get", "cc-000000000000", "-o", "json"]),
        3,
        "NotFound",
      );
      expect(error.requestId).toMatch(/^req-/);
      const human = await cli(["operations", "get", "op-000000000000"]);
      expect(human.code).toBe(3);
      expect(human.stdout).toBe("");
      expect(human.stderr).toMatch(/^agentcloud: NotFound: .*\(request req-[0-9a-f]+\)$/m);
    });

    it("4: a conflict or a precondition", async () => {
      const first = envelope(await cli(["chip-clusters", "create", ...clusterFlags("taken"), "-o", "json"]));
      expect(first.ok).toBe(true);
      const again = await cli(["chip-clusters", "create", ...clusterFlags("taken"), "-o", "json"]);
      expect(expectFailure(again, 4, "Conflict").details).toMatchObject({
        existingId: first.data.resource.id,
      });
      const stale = await cli([
        "chip-clusters",
        "update",
        first.data.resource.id,
        "--hyper-node-count",
        "2",
        "--if-match",
        "not-the-etag",
        "-o",
        "json",
      ]);
      expectFailure(stale, 4, "PreconditionFailed");
    });

    it("5: a token the cloud does not know, never printed", async () => {
      const json = await cli(["chip-clusters", "list", "--token", wrongToken, "-o", "json"]);
      expectFailure(json, 5, "Unauthenticated");
      const human = await cli(["quotas"], { env: { AGENTCLOUD_TOKEN: wrongToken } });
      expect(human.code).toBe(5);
      expect(human.stderr).toMatch(/^agentcloud: Unauthenticated: /);
      for (const r of [json, human]) expect(r.stdout + r.stderr).not.toContain(wrongToken);
    });

    it("6: throttled (an injected fault) or no answer: retryable", async () => {
      const fault = await server.adminCall("POST", "/_mock/faults", {
        operation: "list",
        code: "Throttled",
        status: 429,
        remaining: 1,
      });
      expect(fault.status).toBeLessThan(300);
      const throttled = await cli(["chip-clusters", "list", "-o", "json"]);
      expect(expectFailure(throttled, 6, "Throttled").retryable).toBe(true);
      // The rule fired its one time: the same command now succeeds.
      expect(envelope(await cli(["chip-clusters", "list", "-o", "json"])).ok).toBe(true);

      const down = await cli(["quotas", "-o", "json"], { env: { AGENTCLOUD_ENDPOINT: nowhere } });
      expectFailure(down, 6, "ConnectionFailed");
      const human = await cli(["quotas"], { env: { AGENTCLOUD_ENDPOINT: nowhere } });
      expect(human.code).toBe(6);
      expect(human.stderr).toContain("retryable");
    });

    it("7: validation or quota", async () => {
      const invalid = await cli(["chip-clusters", "create", ...clusterFlags("too-small", 0), "-o", "json"]);
      // The flag is a number: the CLI sends it; the API's rule (at least 1) refuses it.
      expect(expectFailure(invalid, 7, "ValidationError").details.issues).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: "hyperNodeCount" })]),
      );
      expectFailure(
        await cli(["chip-clusters", "list", "--page-token", "bogus", "-o", "json"]),
        7,
        "InvalidPageToken",
      );
      const quota = await cli(["chip-clusters", "create", ...clusterFlags("too-big", 512), "-o", "json"]);
      expectFailure(quota, 7, "QuotaExceeded");
    });
  });

  it("prints the token in no output", () => {
    expect(printed.length).toBeGreaterThan(40);
    for (const text of printed) {
      expect(text).not.toContain(dev);
      expect(text).not.toContain(wrongToken);
    }
  });
});
