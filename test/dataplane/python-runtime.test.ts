import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findPython } from "../../provider/mock-cloud/sandbox/python.ts";
import { nodeServer, useAdapterCloud } from "../contract/fixtures.ts";
import { pooledEndpoint } from "../support/fixtures.ts";
import { scratchRoot } from "../support/paths.ts";

/** The interpreter the environment chose, if any (the tests about a missing one change it). */
const chosenPython = process.env.AGENTCLOUD_PYTHON;
/** Whether this host has a Python the emulator runs code with (python3.12, else python3). */
const hasPython = "python" in findPython("python3.12");

/**
 * A `code` artifact with a Python runtime: its entrypoint's `handle(input, context)` run for each
 * task in a child process (sandbox/harness.py) under an audit hook, calling its models and memory
 * through the context. Where the host has no Python (simulated here by AGENTCLOUD_PYTHON naming an
 * interpreter that does not exist), its create is refused saying why.
 */
describe("a Python code artifact's agent", () => {
  const { call } = useAdapterCloud(nodeServer);
  const wait = { headers: { Prefer: "wait" } };
  const codeDir = join(scratchRoot, "agents", "python");
  let primary: string;

  beforeAll(() => {
    mkdirSync(codeDir, { recursive: true });
    writeFileSync(
      join(codeDir, "main.py"),
      `import os
import socket
import sys

from words import greeting

served = 0


def handle(input, context):
    global served
    served += 1
    if input == "read outside":
        with open("/etc/hostname") as f:
            return f.read()
    if input == "open a socket":
        socket.socket().connect(("127.0.0.1", 80))
    if input == "resolve a name":
        return socket.getaddrinfo("example.com", 443)
    if input == "remember":
        put = context.memory.put("notes", "k", "kept")
        got = context.memory.get("notes", "k")
        return "%s %s" % (put["status"], got["body"]["value"])
    if input == "env":
        return os.environ["GREETING"] + " " + os.environ["SECRET_WORD"]
    if input == "count":
        with open(os.path.join(context.scratch, "note.txt"), "a") as f:
            f.write("x")
        with open(os.path.join(context.scratch, "note.txt")) as f:
            return {"served": served, "note": f.read()}
    if input == "crash":
        sys.exit(3)
    if input == "throw":
        raise ValueError("the agent gave up")
    print("to stderr, not the protocol")
    answer = context.models.chat({"messages": [{"role": "user", "content": input}]})
    if answer["status"] != 200:
        return {"failed": answer["status"]}
    return greeting + answer["body"]["choices"][0]["message"]["content"]
`,
    );
    writeFileSync(join(codeDir, "words.py"), `greeting = "agent says: "\n`);
    writeFileSync(
      join(codeDir, "concurrent.py"),
      `import asyncio
import threading
import time


async def handle(input, context):
    began = time.monotonic()
    await asyncio.sleep(0.3)
    put, got = await asyncio.gather(
        context.memory.put("notes", input, input),
        context.memory.get("notes", "missing"),
    )
    return {
        "input": input,
        "put": put["status"],
        "got": got["status"],
        "thread": threading.get_ident(),
        "ran": [began, time.monotonic()],
    }
`,
    );
    writeFileSync(join(codeDir, "nohandler.py"), "def main(input, context):\n    return input\n");
  });
  beforeEach(async () => {
    primary = (await call("POST", "/v1/model-endpoints", pooledEndpoint("primary", 10_000), wait)).body
      .resource.id;
  });

  const code = (entrypoint = "main.py", runtime = "python3.12") => ({
    uri: pathToFileURL(codeDir).href,
    entrypoint,
    runtime,
  });
  const create = (artifact: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    call(
      "POST",
      "/v1/agent-runtimes",
      {
        name: `py-${Math.random().toString(36).slice(2, 8)}`,
        region: "cn-hangzhou",
        artifact,
        models: [{ endpointId: primary, role: "primary" }],
        ...spec,
      },
      wait,
    );
  const runtime = async (c = code(), spec: Record<string, unknown> = {}) => {
    const created = await create({ code: c }, spec);
    expect(created.status).toBe(202);
    return created.body.resource as { id: string; invokeUrl: string };
  };
  const invoke = async (rt: { invokeUrl: string }, input: string) =>
    (await call("POST", `${new URL(rt.invokeUrl).pathname}/invocations`, { input })).body;

  /** AGENTCLOUD_PYTHON naming an interpreter that does not exist: the emulator finds no Python. */
  const withoutPython = () => {
    process.env.AGENTCLOUD_PYTHON = join(scratchRoot, "no-python-here", "python3");
  };
  afterEach(() => {
    if (chosenPython === undefined) delete process.env.AGENTCLOUD_PYTHON;
    else process.env.AGENTCLOUD_PYTHON = chosenPython;
  });

  describe.runIf(hasPython)("on a host with Python", () => {
    it("runs handle(input, context), which calls its primary model through context.models.chat", async () => {
      const task = await invoke(await runtime(), "hello");
      expect(task).toMatchObject({
        status: "SUCCEEDED",
        output: { routedTo: primary, hops: `${primary}:200` },
      });
      expect(task.output.text).toMatch(/^agent says: \S/);
    });

    it("runs python3.13 as well", async () => {
      const task = await invoke(await runtime(code("main.py", "python3.13")), "hello");
      expect(task.status).toBe("SUCCEEDED");
    });

    it("gives the agent its memory through the context, and its env and secretEnv", async () => {
      const rt = await runtime(code(), {
        env: { GREETING: "hello" },
        secretEnv: { SECRET_WORD: "swordfish" },
        memory: { enabled: true },
      });
      expect((await invoke(rt, "remember")).output.text).toBe("200 kept");
      expect((await invoke(rt, "env")).output.text).toBe("hello swordfish");
    });

    it("keeps its module state and scratch files across two tasks on the warm instance", async () => {
      const rt = await runtime();
      const first = await invoke(rt, "count");
      expect(first).toMatchObject({ status: "SUCCEEDED", placement: { start: "cold" } });
      const second = await invoke(rt, "count");
      expect(second.placement).toMatchObject({ instanceId: first.placement.instanceId, start: "warm" });
      expect(JSON.parse(first.output.text)).toEqual({ served: 1, note: "x" });
      expect(JSON.parse(second.output.text)).toEqual({ served: 2, note: "xx" });
    });

    it("refuses reading outside its folders: the task fails ERR_ACCESS_DENIED, the instance serves on", async () => {
      const rt = await runtime();
      const read = await invoke(rt, "read outside");
      expect(read).toMatchObject({ status: "FAILED", error: { code: "ERR_ACCESS_DENIED" } });
      expect(read.error.message).toMatch(/\/etc\/hostname: reading outside the sandbox/);
      const thrown = await invoke(rt, "throw");
      expect(thrown).toMatchObject({ status: "FAILED", error: { code: "AgentError" } });
      expect(thrown.error.message).toBe("ValueError: the agent gave up (main.py line 34)");
      expect((await invoke(rt, "fine again")).status).toBe("SUCCEEDED");
    });

    it("refuses a socket and a name lookup: the sandbox has no network", async () => {
      const rt = await runtime();
      for (const input of ["open a socket", "resolve a name"]) {
        const task = await invoke(rt, input);
        expect(task).toMatchObject({ status: "FAILED", error: { code: "ERR_ACCESS_DENIED" } });
        expect(task.error.message).toMatch(/the sandbox has no network/);
      }
    });

    it("fails a task that exits (sys.exit) with AgentExited; the next task cold-starts a new instance", async () => {
      const rt = await runtime();
      const crashed = await invoke(rt, "crash");
      expect(crashed).toMatchObject({ status: "FAILED", error: { code: "AgentExited" } });
      expect(crashed.error.message).toMatch(/exit 3/);
      const instances = (await call("GET", `/v1/agent-runtimes/${rt.id}/instances`)).body.items;
      expect(instances).toMatchObject([{ state: "STOPPED", stopReason: "crashed" }]);
      const next = await invoke(rt, "hello");
      expect(next).toMatchObject({ status: "SUCCEEDED", placement: { start: "cold" } });
      expect(next.placement.instanceId).not.toBe(crashed.placement.instanceId);
    });

    it("runs an async def handle, two tasks at once on one instance's event loop", async () => {
      const rt = await runtime(code("concurrent.py"), {
        scaling: { minInstances: 0, maxInstances: 1, concurrencyPerInstance: 2 },
        memory: { enabled: true },
      });
      const [a, b] = await Promise.all([invoke(rt, "a"), invoke(rt, "b")]);
      expect(a.placement.instanceId).toBe(b.placement.instanceId);
      const [first, second] = [a, b].map((t) => JSON.parse(t.output.text));
      expect([first, second]).toMatchObject([
        { input: "a", put: 200, got: 404 },
        { input: "b", put: 200, got: 404 },
      ]);
      // One event loop thread for both, and they ran at the same time.
      expect(first.thread).toBe(second.thread);
      expect(first.ran[0]).toBeLessThan(second.ran[1]);
      expect(second.ran[0]).toBeLessThan(first.ran[1]);
    });

    it("says why an entrypoint without handle() does not start", async () => {
      const task = await invoke(await runtime(code("nohandler.py")), "hi");
      expect(task).toMatchObject({ status: "FAILED", error: { code: "NoHandler" } });
      expect(task.error.message).toMatch(/has no handle\(input, context\) function/);
    });

    it("fails a task with ArtifactNotRunnable when the Python it was created with is gone", async () => {
      const rt = await runtime();
      withoutPython();
      const task = await invoke(rt, "hello");
      expect(task).toMatchObject({ status: "FAILED", error: { code: "ArtifactNotRunnable" } });
      expect(task.error.message).toMatch(/python3\.12 needs Python 3\.9 or later .* none runs/);
    });
  });

  describe("on a host without Python", () => {
    beforeEach(withoutPython);

    it("refuses the create at artifact.code.runtime, saying why", async () => {
      const refused = await create({ code: code() });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("ValidationError");
      expect(refused.body.error.details.issues).toEqual([
        {
          path: "artifact.code.runtime",
          message: expect.stringMatching(/^python3\.12 needs Python 3\.9 or later .*: install python3/),
        },
      ]);
    });

    it("refuses an update to a Python artifact the same way", async () => {
      const node = await runtime({ ...code(), entrypoint: "index.mjs", runtime: "nodejs24" });
      const refused = await call(
        "PATCH",
        `/v1/agent-runtimes/${node.id}`,
        { artifact: { code: code("main.py", "python3.13") } },
        wait,
      );
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.issues[0].path).toBe("artifact.code.runtime");
    });

    it("accepts a Python artifact outside the emulator's reach (oss://), which never runs here", async () => {
      const created = await create({
        code: { uri: "oss://agents/a.zip", entrypoint: "main.py", runtime: "python3.12" },
      });
      expect(created.status).toBe(202);
    });
  });
});
