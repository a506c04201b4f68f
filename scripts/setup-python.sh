#!/usr/bin/env bash
# Sets up the project-local Python toolchain for the PySpark jobs in jobs-src/:
#   .venv/        python3.11 venv with the pinned requirements and `lakehouse` installed editable
#   .cache/pip/   pip's download and wheel cache (the pyspark sdist is ~450 MB; its built wheel is
#                 cached here, so re-creating the venv after a pin change does not rebuild it)
#   .cache/jars/  Delta Lake jars for local Spark (delegated to scripts/resolve-jars.sh)
#
# Idempotent: a stamp in .venv holds a hash of the requirement files and pyproject.toml, so a
# second run with nothing changed returns in well under a second, and any change re-creates the
# venv from scratch (no stale packages survive a removed pin). Installs use --no-deps from fully
# pinned files followed by `pip check`, so an unpinned transitive dependency fails setup instead
# of being picked silently.
#
# Env: LAKEHOUSE_PYTHON  interpreter to build the venv with (default: python3.11)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="$ROOT/jobs-src"
VENV="$ROOT/.venv"
STAMP="$VENV/.lakehouse-setup.sha256"
PYTHON="${LAKEHOUSE_PYTHON:-python3.11}"

export PIP_CACHE_DIR="$ROOT/.cache/pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "python: '$PYTHON' not found on PATH; install Python 3.11 or set LAKEHOUSE_PYTHON" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "python: '$PYTHON' is $("$PYTHON" --version 2>&1), expected Python 3.11; set LAKEHOUSE_PYTHON" >&2
  exit 1
fi

wanted="$(
  {
    "$PYTHON" --version 2>&1
    cat "$JOBS/requirements-build.txt" "$JOBS/requirements.txt" "$JOBS/requirements-dev.txt" \
      "$JOBS/pyproject.toml"
  } | sha256sum | cut -d' ' -f1
)"

if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
  echo "python: venv up to date"
else
  started=$SECONDS
  echo "python: creating .venv with $("$PYTHON" --version 2>&1)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  pip=("$VENV/bin/python" -m pip install --quiet --require-virtualenv --no-deps)
  echo "python: installing build tools ..."
  "${pip[@]}" -r "$JOBS/requirements-build.txt"
  echo "python: installing requirements ... (first run downloads and builds the ~450 MB pyspark sdist)"
  "${pip[@]}" --no-build-isolation -r "$JOBS/requirements-dev.txt"
  echo "python: installing lakehouse (editable) ..."
  "${pip[@]}" --no-build-isolation --editable "$JOBS"
  if ! "$VENV/bin/python" -m pip check >/dev/null; then
    "$VENV/bin/python" -m pip check >&2 || true
    echo "python: a dependency above is missing or conflicting; pin it in jobs-src/requirements*.txt" >&2
    exit 1
  fi
  echo "$wanted" >"$STAMP"
  echo "python: venv ready in $((SECONDS - started))s"
fi

bash "$ROOT/scripts/resolve-jars.sh"
bash "$ROOT/scripts/resolve-kafka.sh"
