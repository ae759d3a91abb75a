import { connect } from "node:net";

/**
 * The engine starts the dynamic-provider process in a process group of its own and passes its own
 * gRPC address as the first argument. When the engine is killed (a cancelled CI job, `kill -9` of
 * `pulumi up`, the OOM killer), nothing stops the provider. Whatever it does then, the engine never
 * records: a create it finishes is left outside every stack, a delete it sends is not remembered.
 * So the provider stops as soon as its engine is gone: a probe a few times a second, and one before
 * every request that changes the cloud. Work in flight is abandoned, not completed; the next `up`
 * takes over what an abandoned create made (its key was never released).
 */

interface Engine {
  host: string;
  port: number;
}

let engine: Engine | null = null;
let probing: Promise<void> | null = null;
let lastAlive = 0;

/** The engine's address when this process is Pulumi's dynamic-provider host, else null. */
function engineAddress(argv: readonly string[] = process.argv): Engine | null {
  if (!/dynamic-provider/.test(argv[1] ?? "")) return null;
  const address = /^(?<host>[\w.-]+|\[[0-9a-f:]+\]):(?<port>\d+)$/i.exec(argv[2] ?? "");
  if (!address?.groups) return null;
  return { host: (address.groups.host as string).replace(/^\[|\]$/g, ""), port: Number(address.groups.port) };
}

/** Whether something still listens at the engine's address; only a refusal says no (a slow answer is a busy machine). */
function listening(at: Engine, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: at.host, port: at.port });
    socket.setTimeout(timeoutMs);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(e.code !== "ECONNREFUSED");
    });
  });
}

/** Exits this process when the engine is gone: a refusal, confirmed by a second probe at once. */
async function probe(at: Engine): Promise<void> {
  if (await listening(at, 1000)) {
    lastAlive = Date.now();
    return;
  }
  if (await listening(at, 1000)) return;
  process.exit(0);
}

/** Starts the watch when this process is a dynamic-provider host; a no-op elsewhere. */
export function exitWhenEngineGone(argv: readonly string[] = process.argv, everyMs = 250): void {
  engine = engineAddress(argv);
  if (!engine) return;
  const timer = setInterval(() => void ensureEngineAlive(), everyMs);
  timer.unref();
}

/**
 * Resolves when the engine is alive (probed within the last 100 ms, or now); exits the process when
 * it is gone. Called before every request that changes the cloud.
 */
export function ensureEngineAlive(): Promise<void> {
  const at = engine;
  if (!at || Date.now() - lastAlive < 100) return Promise.resolve();
  probing ??= probe(at).finally(() => {
    probing = null;
  });
  return probing;
}
