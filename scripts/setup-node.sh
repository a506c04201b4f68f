#!/usr/bin/env bash
# Installs the project's Node (.node-version) and the exact Node dependencies of package-lock.json.
#
# Node: the CDK Terrain CLI (cdktn-cli 0.24.0) needs Node >= 22.19, and a machine may come with Node 20. On
# Linux (x64, arm64) the pinned Node is taken from the npm registry package that carries its binary
# (`node-linux-<arch>@<version>`), checked against the sha512 in scripts/tools/node.integrity, and unpacked
# into .cache/node/; the Makefile puts .cache/node/bin first on PATH, so every target runs on that Node.
# Elsewhere the Node on PATH is used when it is new enough, and otherwise the script says what to install.
#
# Dependencies: `npm install --no-save` rather than `npm ci`: npm 11.19 writes lock files without the other
# platforms' optional packages (biome, esbuild and unrs binaries for darwin, win32, ...) and then refuses them
# in `npm ci` as out of sync. `--no-save` installs exactly the locked versions and never rewrites the lock.
# Idempotent: a stamp holds a hash of package-lock.json and the Node version, so a second run with nothing
# changed returns at once, and any change re-installs from scratch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STAMP="$ROOT/node_modules/.lakehouse-setup.sha256"
NODE_VERSION="$(tr -d '[:space:]' <"$ROOT/.node-version")"
NODE_MIN_MAJOR=22
NODE_MIN_MINOR=19
NODE_HOME="$ROOT/.cache/node"

if ! command -v npm >/dev/null 2>&1; then
  echo "node: npm is needed on PATH to bootstrap (any Node 20 or newer brings it)" >&2
  exit 1
fi

node_is_recent() {
  local v
  v="$("$1" -p 'process.versions.node' 2>/dev/null)" || return 1
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  ((major > NODE_MIN_MAJOR || (major == NODE_MIN_MAJOR && minor >= NODE_MIN_MINOR)))
}

install_pinned_node() {
  local os arch platform wanted scratch tarball got
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch="$(uname -m)" ;;
  esac
  platform="$os-$arch"
  wanted="$(awk -v p="$platform" '$1 == p { print $2 }' "$ROOT/scripts/tools/node.integrity")"
  if [[ -z "$wanted" ]]; then
    return 1
  fi
  echo "node: installing Node $NODE_VERSION ($platform) into .cache/node from the npm registry ..."
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' RETURN
  (cd "$scratch" && npm pack "node-$platform@$NODE_VERSION" --silent --loglevel=error >/dev/null)
  tarball="$(ls "$scratch"/*.tgz)"
  got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ "$got" != "$wanted" ]]; then
    echo "node: node-$platform@$NODE_VERSION has sha512 $got, expected $wanted (scripts/tools/node.integrity)" >&2
    exit 1
  fi
  mkdir -p "$scratch/unpacked"
  tar -xzf "$tarball" -C "$scratch/unpacked"
  rm -rf "$NODE_HOME.tmp"
  mkdir -p "$NODE_HOME.tmp/bin"
  mv "$scratch/unpacked/package/bin/node" "$NODE_HOME.tmp/bin/node"
  echo "$NODE_VERSION" >"$NODE_HOME.tmp/VERSION"
  rm -rf "$NODE_HOME"
  mv "$NODE_HOME.tmp" "$NODE_HOME"
}

if [[ "$(cat "$NODE_HOME/VERSION" 2>/dev/null)" != "$NODE_VERSION" ]]; then
  if ! install_pinned_node; then
    if ! command -v node >/dev/null 2>&1 || ! node_is_recent node; then
      echo "node: no pinned Node binary for $(uname -s)/$(uname -m); install Node >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR" \
        "(e.g. $NODE_VERSION) and run again" >&2
      exit 1
    fi
  fi
fi
if [[ -x "$NODE_HOME/bin/node" ]]; then
  export PATH="$NODE_HOME/bin:$PATH"
fi

wanted="$({ node --version; cat "$ROOT/package-lock.json"; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
  echo "node: node_modules up to date (Node $(node --version))"
  exit 0
fi
echo "node: installing the locked dependencies with Node $(node --version) ..."
started=$SECONDS
(cd "$ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error)
echo "$wanted" >"$STAMP"
echo "node: node_modules ready in $((SECONDS - started))s"
