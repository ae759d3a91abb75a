# shellcheck shell=bash
# Source this file: toolchain (Node >= 22, Pulumi CLI, offline engine settings), dependencies
# installed from the lock file when they changed, the package compiled, and the package made
# resolvable by name from the repo (the engine's provider process loads `pulumi-agentcloud/runtime`).
# It also runs as a script (`bash scripts/setup.sh`).
#
# Sourced, it gives the caller's shell its options back as they were (errexit, nounset, pipefail,
# xtrace...): the steps below run with `set -euo pipefail` in a subshell, and toolchain.sh sets and
# clears those options itself. A failed step makes `source` return non-zero (which ends a caller
# running under errexit) rather than end an interactive shell.
# `$(set +o)` runs in a subshell, where bash drops errexit: `$-` tells whether the caller had it.
_agentcloud_setup_opts="$(set +o)"
case $- in *e*) _agentcloud_setup_opts+=$'\nset -o errexit' ;; esac
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
set +euo pipefail # whatever toolchain.sh left: a failed step must reach the restore below
cd "$AGENTCLOUD_ROOT" # the caller stays there
# The steps. The subshell must not be part of an `if`, `&&` or `||`: bash would ignore its errexit.
(
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
  fi
  [ -e node_modules/pulumi-agentcloud ] || ln -s .. node_modules/pulumi-agentcloud
  # The console's browser tests drive Debian's Chromium; installed only where missing and we are root.
  if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ]; then
    echo "[setup] installing chromium" >&2
    apt-get update && apt-get install -y chromium
  fi
  echo "[setup] compiling" >&2
  npm run build --silent
)
_agentcloud_setup_status=$?
# Where the plugin script went to .agentcloud/bin (pulumi's directory is read-only), that goes on PATH.
pulumi_bin_dir="$(dirname "$(command -v pulumi)")"
if [ ! -w "$pulumi_bin_dir" ] && [ ! -x "$pulumi_bin_dir/pulumi-resource-pulumi-nodejs" ]; then
  case ":$PATH:" in
    *":$AGENTCLOUD_ROOT/.agentcloud/bin:"*) ;;
    *) export PATH="$PATH:$AGENTCLOUD_ROOT/.agentcloud/bin" ;;
  esac
fi
# The caller's options back, then `return` when sourced (`exit` when run as a script). The values
# are expanded before eval runs, so the two helper variables are gone from the caller's shell.
eval "$_agentcloud_setup_opts
unset _agentcloud_setup_opts _agentcloud_setup_status
return $_agentcloud_setup_status 2>/dev/null || exit $_agentcloud_setup_status"
