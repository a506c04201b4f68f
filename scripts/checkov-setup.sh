#!/usr/bin/env bash
# Sets up checkov in its own venv, .cache/checkov-venv, from the fully pinned checkov/requirements.txt
# (checkov pins its own dependency ranges tightly and would fight the Spark venv's packages).
#
# Idempotent: a stamp in the venv holds a hash of the interpreter version and the requirements file, so a
# second run returns at once and any change re-creates the venv from scratch. pip's download cache lives in
# the per-machine tools cache (${LAKEHOUSE_TOOLS_CACHE:-$HOME/.cache/lakehouse-cdktf}/pip), so a fresh
# clone (CI) re-creates the venv from cached wheels.
#
# Env: LAKEHOUSE_PYTHON  interpreter to build the venv with (default: python3.11)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.cache/checkov-venv"
REQUIREMENTS="$ROOT/checkov/requirements.txt"
STAMP="$VENV/.lakehouse-setup.sha256"
PYTHON="${LAKEHOUSE_PYTHON:-python3.11}"

export PIP_CACHE_DIR="${LAKEHOUSE_TOOLS_CACHE:-$HOME/.cache/lakehouse-cdktf}/pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "checkov: '$PYTHON' not found on PATH; install Python 3.11 or set LAKEHOUSE_PYTHON" >&2
  exit 1
fi

wanted="$({ "$PYTHON" --version 2>&1; cat "$REQUIREMENTS"; } | sha256sum | cut -d' ' -f1)"
if [[ -x "$VENV/bin/checkov" && -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
  echo "checkov: venv up to date"
  exit 0
fi

started=$SECONDS
echo "checkov: creating .cache/checkov-venv with $("$PYTHON" --version 2>&1) ..."
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --require-virtualenv --no-deps -r "$REQUIREMENTS"
if ! "$VENV/bin/python" -m pip check >/dev/null; then
  "$VENV/bin/python" -m pip check >&2 || true
  echo "checkov: a dependency above is missing or conflicting; pin it in checkov/requirements.txt" >&2
  exit 1
fi
echo "$wanted" >"$STAMP"
echo "checkov: venv ready in $((SECONDS - started))s ($("$VENV/bin/checkov" --version))"
