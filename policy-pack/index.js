// The `agentcloud` policy pack: `pulumi preview --policy-pack <this folder>` (a full Pulumi install)
// or the agentcloud-policy-pack launcher. The pack is compiled into dist/ (docs/policy.md).
import "../dist/policy/pack.js";
