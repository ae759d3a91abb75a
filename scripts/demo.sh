#!/usr/bin/env bash
# The main job, the way a Pulumi user works: set everything up, start the AgentCloud emulator
# (durable, data in .agentcloud/emulator, on 127.0.0.1:4600), then type `pulumi up` inside
# examples/chip-cluster and print its outputs. Run it again: nothing changes.
# Extra arguments go to `pulumi up` (e.g. --diff). AGENTCLOUD_DEMO_PORT / AGENTCLOUD_DEMO_STACK
# choose another port or stack.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
set -euo pipefail
port="${AGENTCLOUD_DEMO_PORT:-4600}"
stack="${AGENTCLOUD_DEMO_STACK:-dev}"
endpoint="http://127.0.0.1:$port"

mkdir -p .agentcloud
node provider/mock-cloud/cli.ts --port "$port" --data .agentcloud/emulator >.agentcloud/emulator.log 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true' EXIT
if ! node -e '
  const url = process.argv[1] + "/_mock/health";
  const until = Date.now() + 20_000;
  (async () => {
    while (Date.now() < until) {
      try { if ((await fetch(url)).ok) process.exit(0); } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    process.exit(1);
  })();' "$endpoint"; then
  echo "[demo] the emulator did not start on port $port:" >&2
  cat .agentcloud/emulator.log >&2
  exit 1
fi
echo "[demo] AgentCloud emulator on $endpoint (data in .agentcloud/emulator, log in .agentcloud/emulator.log)" >&2

cd examples/chip-cluster
pulumi stack select --create "$stack" >/dev/null
pulumi config set agentcloud:endpoint "$endpoint"
pulumi config set --secret agentcloud:token agentcloud-dev-token
pulumi up --yes "$@"
pulumi stack output
