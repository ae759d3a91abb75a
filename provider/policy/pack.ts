/**
 * The `agentcloud` policy pack: serves the policies of ./index.ts to the engine. Loaded by
 * run-policy-pack from policy-pack/ (the folder given to `--policy-pack`, or the one launcher.ts
 * runs), whose package.json gives the pack's version: PolicyPack reads `package.json` from the
 * working directory. Importing this module starts the analyzer server; import ./index.ts to reuse
 * the policies.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./index.ts";

new PolicyPack("agentcloud", {
  description:
    "AgentCloud guardrails: a monthly budget, chip caps by type, cluster overcommit by dedicated endpoints, context caching at high throughput.",
  policies,
});
