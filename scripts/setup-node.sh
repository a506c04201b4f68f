#!/usr/bin/env bash
# Installs the exact Node dependencies of package-lock.json into node_modules/.
#
# `npm install --no-save` rather than `npm ci`: npm 11.19 writes lock files without the other platforms'
# optional packages (biome, esbuild and unrs binaries for darwin, win32, ...) and then refuses them in `npm ci`
# as out of sync. `--no-save` installs exactly the locked versions and never rewrites package-lock.json.
# Idempotent: a stamp holds a hash of package-lock.json and the Node version, so a second run with nothing
# changed returns at once, and any change re-installs from scratch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STAMP="$ROOT/node_modules/.lakehouse-setup.sha256"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node: node and npm are needed on PATH (Node 20 or newer)" >&2
  exit 1
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if (( major < 20 )); then
  echo "node: found Node $(node --version), need 20 or newer" >&2
  exit 1
fi

wanted="$({ node --version; cat "$ROOT/package-lock.json"; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
  echo "node: node_modules up to date"
  exit 0
fi
echo "node: installing the locked dependencies ..."
started=$SECONDS
(cd "$ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error)
echo "$wanted" >"$STAMP"
echo "node: node_modules ready in $((SECONDS - started))s"
