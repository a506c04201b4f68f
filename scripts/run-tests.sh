#!/usr/bin/env bash
# The test step of `make test`: the TypeScript side (tsc, then jest) runs in the background while pytest runs
# in the foreground, since pytest's many small Spark jobs leave a core idle much of the time. pytest prints
# live; the TypeScript log follows when both are done, then one closing line that counts both runners.
# Exits non-zero when either side fails.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/.cache/node/bin:$PATH"

results=".cache/test-results"
rm -rf "$results" && mkdir -p "$results"
started=$SECONDS

(
  echo "typecheck: tsc --noEmit"
  node_modules/.bin/tsc --noEmit -p . &&
    node_modules/.bin/jest --ci --json --outputFile="$results/jest.json"
) >"$results/typescript.log" 2>&1 &
typescript=$!

.venv/bin/python -m pytest --junitxml="$results/pytest.xml"
pytest_status=$?
pytest_seconds=$((SECONDS - started))

wait "$typescript"
typescript_status=$?
echo
echo "---- TypeScript: tsc and jest (ran beside pytest) ----"
cat "$results/typescript.log"
echo "---- wall clock: pytest ${pytest_seconds} s, both sides $((SECONDS - started)) s ----"
.venv/bin/python scripts/test_summary.py "$results/jest.json" "$results/pytest.xml"
[[ $pytest_status -eq 0 && $typescript_status -eq 0 ]]
