#!/usr/bin/env bash
# The main job: set everything up, start the embedded AgentCloud emulator and run a real
# `pulumi up` of examples/chip-cluster, printing its outputs. Run it again: nothing changes.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
set -euo pipefail
node scripts/pulumi-example.ts up examples/chip-cluster --embedded "$@"
