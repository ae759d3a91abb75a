#!/usr/bin/env node
/**
 * agentcloud-policy-pack [--logtostderr -v=N | --tracing <endpoint>] <engine-address>
 *
 * The `agentcloud` policy pack as an analyzer plugin the engine starts itself:
 *   pulumi preview --policy-pack node_modules/.bin/agentcloud-policy-pack --policy-pack-config policy.json
 * When `--policy-pack` names an executable file, the engine runs it without a language host, with
 * its own address as the last argument (the only one unless logging or tracing is on: then
 * `--logtostderr -v=N` or `--tracing <endpoint>` come first). This runs @pulumi/pulumi's
 * run-policy-pack, which takes the address alone, on policy-pack/ in this process, from that folder
 * (PolicyPack reads its version from package.json in the working directory), with the
 * @pulumi/pulumi that @pulumi/policy loads. See docs/policy.md.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const packDir = fileURLToPath(new URL("../../policy-pack", import.meta.url));

function main(argv: string[]): number | undefined {
  const engine = argv.at(-1);
  if (!engine || engine.startsWith("-")) {
    process.stderr.write(
      "usage: agentcloud-policy-pack [--logtostderr -v=N | --tracing <endpoint>] <engine-address>\n" +
        "  started by the engine: pulumi preview --policy-pack <path of this file> [--policy-pack-config policy.json]\n",
    );
    return 2;
  }
  const fromPack = createRequire(join(packDir, "package.json"));
  let policy: string;
  try {
    policy = fromPack.resolve("@pulumi/policy");
  } catch {
    process.stderr.write(
      "agentcloud-policy-pack: @pulumi/policy is not installed; install it beside pulumi-agentcloud (npm install --save-dev @pulumi/policy)\n",
    );
    return 1;
  }
  const fromPolicy = createRequire(policy);
  const runner = fromPolicy.resolve("@pulumi/pulumi/cmd/run-policy-pack");
  if (!existsSync(join(packDir, "package.json"))) {
    process.stderr.write(`agentcloud-policy-pack: ${packDir} is missing\n`);
    return 1;
  }
  process.chdir(packDir);
  // What `node run-policy-pack <engine> <pack>` would see; it runs on require.
  process.argv = [process.execPath, runner, engine, packDir];
  fromPolicy(runner);
  return undefined;
}

const code = main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
