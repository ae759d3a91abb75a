#!/usr/bin/env bash
# Set everything up (Node, Pulumi CLI, dependencies, build) and run every test, including the
# engine end-to-end tests against the real emulator. Extra arguments go to vitest.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
set -euo pipefail
npm run typecheck
npm run lint
mkdir -p .agentcloud
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.agentcloud/test-results.json "$@" || status=$?
# One plain closing line, whatever the reporter looks like: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(".agentcloud/test-results.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit "$status"
