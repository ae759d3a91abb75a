#!/usr/bin/env bash
# npm run bench: set up (Node, Pulumi CLI, build), then every benchmark, each against a baseline
# measured in the same run, printed as ratios. Pass --small for a quick pass, --only emulator|tokens|engine|mocks.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
set -euo pipefail
node bench/run.ts "$@"
