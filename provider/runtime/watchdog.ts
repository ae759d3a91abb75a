import { connect } from "node:net";

/**
 * The engine starts the dynamic-provider process in a process group of its own and passes its
 * own gRPC address as the first argument. When the engine is killed (a cancelled CI job, `kill -9`
 * of `pulumi up`), nothing stops the provider: it would live on, holding sockets and memory. So
 * the provider checks that the engine still listens and exits once it does not.
 */
export function exitWhenEngineGone(argv: readonly string[] = process.argv, everyMs = 2000): void {
  if (!/dynamic-provider/.test(argv[1] ?? "")) return;
  const address = /^(?<host>[\w.-]+|\[[0-9a-f:]+\]):(?<port>\d+)$/i.exec(argv[2] ?? "");
  if (!address?.groups) return;
  const host = (address.groups.host as string).replace(/^\[|\]$/g, "");
  const port = Number(address.groups.port);
  let misses = 0;
  const timer = setInterval(() => {
    const socket = connect({ host, port });
    socket.setTimeout(everyMs);
    socket.once("connect", () => {
      misses = 0;
      socket.destroy();
    });
    socket.once("timeout", () => socket.destroy());
    socket.once("error", (e: NodeJS.ErrnoException) => {
      socket.destroy();
      // Only a refusal says nobody listens (a slow answer is a busy machine); twice in a row.
      if (e.code === "ECONNREFUSED" && ++misses >= 2) process.exit(0);
    });
  }, everyMs);
  timer.unref();
}
