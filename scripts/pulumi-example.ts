/**
 * Runs a Pulumi operation on one of examples/* through the Automation API and the real CLI:
 *   node scripts/pulumi-example.ts <preview|up|refresh|destroy> <example dir> [--embedded] [--stack dev]
 *                                  [--config key=value]...
 * The example's index.ts is the program (loaded in this process, served to the CLI). With
 * --embedded, the AgentCloud emulator runs in this process on 127.0.0.1:4600 (--port) with its data
 * in .agentcloud/emulator; otherwise AGENTCLOUD_ENDPOINT and AGENTCLOUD_TOKEN say where the cloud is.
 * Why not `pulumi up` in the folder: that needs the pulumi-language-nodejs host, which the Go module
 * proxy here does not serve (see README).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    embedded: { type: "boolean", default: false },
    stack: { type: "string", default: "dev" },
    config: { type: "string", multiple: true, default: [] },
    // A stable port: refresh and destroy configure the provider from the config stored in state.
    port: { type: "string", default: "4600" },
  },
});
const [command, dir] = positionals;
if (!command || !dir || !["preview", "up", "refresh", "destroy"].includes(command)) {
  console.error(
    "usage: node scripts/pulumi-example.ts <preview|up|refresh|destroy> <example dir> [--embedded]",
  );
  process.exit(2);
}
const root = resolve(import.meta.dirname, "..");
const workDir = resolve(dir);

let endpoint = process.env.AGENTCLOUD_ENDPOINT;
let token = process.env.AGENTCLOUD_TOKEN ?? "agentcloud-dev-token";
let stopEmulator = async () => {};
if (values.embedded) {
  const { startMockCloudServer } = await import("pulumi-agentcloud/mock-cloud");
  const dataDir = join(root, ".agentcloud", "emulator");
  mkdirSync(dataDir, { recursive: true });
  const server = await startMockCloudServer({ host: "127.0.0.1", port: Number(values.port), dataDir }).catch(
    (e) => {
      const inUse = (e as { code?: string }).code === "EADDRINUSE";
      console.error(
        inUse ? `port ${values.port} is in use; pass --port <another> (or stop what listens there)` : e,
      );
      process.exit(1);
    },
  );
  endpoint = server.url;
  token = "agentcloud-dev-token";
  stopEmulator = () => server.close();
  console.log(`[example] AgentCloud emulator on ${endpoint} (data: ${dataDir})`);
}
if (!endpoint) {
  console.error("set AGENTCLOUD_ENDPOINT (and AGENTCLOUD_TOKEN), or pass --embedded");
  process.exit(2);
}

const projectName =
  /^name:\s*(\S+)/m.exec(readFileSync(join(workDir, "Pulumi.yaml"), "utf8"))?.[1] ?? "example";
const stack = await LocalWorkspace.createOrSelectStack(
  {
    projectName,
    stackName: values.stack,
    program: async () => ({ ...(await import(join(workDir, "index.ts"))) }),
  },
  { workDir },
);
await stack.setConfig("agentcloud:endpoint", { value: endpoint });
await stack.setConfig("agentcloud:token", { value: token, secret: true });
// Each run's program config is exactly what --config says: nothing lingers from an earlier run.
for (const key of Object.keys(await stack.getAllConfig())) {
  if (!key.startsWith("agentcloud:")) await stack.removeConfig(key);
}
for (const kv of values.config) {
  const [key, ...rest] = kv.split("=");
  if (key) await stack.setConfig(key, { value: rest.join("=") });
}

const onOutput = (s: string) => process.stdout.write(s);
try {
  if (command === "preview") await stack.preview({ onOutput });
  if (command === "refresh") await stack.refresh({ onOutput, diff: true } as never);
  if (command === "destroy") await stack.destroy({ onOutput });
  if (command === "up") await stack.up({ onOutput }); // the CLI prints the outputs
} catch (e) {
  process.exitCode = 1;
  // The CLI's own error text (stderr) is in the message; the progress was already streamed.
  console.error(e instanceof Error ? e.message : e);
} finally {
  await stopEmulator();
}
