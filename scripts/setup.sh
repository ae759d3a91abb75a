# shellcheck shell=bash
# Source this file: toolchain (Node >= 22, Pulumi CLI, offline engine settings), dependencies
# installed from the lock file when they changed, the package compiled, and the package made
# resolvable by name from the repo (the engine's provider process loads `pulumi-agentcloud/runtime`).
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
set -euo pipefail
cd "$AGENTCLOUD_ROOT"
stamp="node_modules/.agentcloud-lock-$(node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync("package-lock.json")).digest("hex").slice(0,16))')-$(node -p process.versions.modules)"
if [ ! -f "$stamp" ]; then
  echo "[setup] installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
# The engine starts dynamic providers through this script of @pulumi/pulumi.
# Beside the pulumi binary when we may write there (the CLI warns when it finds it elsewhere).
pulumi_bin_dir="$(dirname "$(command -v pulumi)")"
if [ -w "$pulumi_bin_dir" ]; then
  install -m 0755 node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs "$pulumi_bin_dir/"
elif [ ! -x "$pulumi_bin_dir/pulumi-resource-pulumi-nodejs" ]; then
  mkdir -p .agentcloud/bin
  install -m 0755 node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs .agentcloud/bin/
  export PATH="$PATH:$AGENTCLOUD_ROOT/.agentcloud/bin"
fi
[ -e node_modules/pulumi-agentcloud ] || ln -s .. node_modules/pulumi-agentcloud
# The console's browser tests drive Debian's Chromium; installed only where missing and we are root.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ]; then
  echo "[setup] installing chromium" >&2
  apt-get update && apt-get install -y chromium
fi
echo "[setup] compiling" >&2
npx tsc -p tsconfig.build.json
set +euo pipefail
