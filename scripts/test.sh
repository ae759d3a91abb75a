#!/usr/bin/env bash
# Set everything up (Node, Pulumi CLI, dependencies, build) and run every test, including the
# engine end-to-end tests against the real emulator. Extra arguments go to vitest.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
set -euo pipefail
npm run typecheck
npm run lint
npx vitest run "$@"
