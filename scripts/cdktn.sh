#!/usr/bin/env bash
# Runs the installed CDK Terrain CLI (`cdktn`) on the project's Node: `make synth`, `make plan`, `make deploy`.
#
#   scripts/cdktn.sh synth [--output DIR]      every environment (LAKEHOUSE_ENVIRONMENTS=dev,prod picks some)
#   scripts/cdktn.sh diff prod-lakehouse       terraform plan of one stack
#   scripts/cdktn.sh deploy dev-platform       apply one stack (platform first, then lakehouse)
#
# The CLI asks the terraform on PATH for its version and reports anything that terraform writes to stderr as an
# `[ERROR]` line. A TF_CLI_CONFIG_FILE naming a file that does not exist makes terraform warn on every call, so
# such a setting is dropped here with one warning of our own; synthesis itself never reads it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ -x "$ROOT/.cache/node/bin/node" ]]; then
  export PATH="$ROOT/.cache/node/bin:$PATH"
fi
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "$TF_CLI_CONFIG_FILE" ]]; then
  echo "cdktn: warning: TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE does not exist; running without it" >&2
  unset TF_CLI_CONFIG_FILE
fi
export CHECKPOINT_DISABLE=1
# Non-interactive output for synth (no spinner); diff and deploy keep the CLI's own prompts.
if [[ "${1:-}" == "synth" ]]; then export CI=1; fi
exec node_modules/.bin/cdktn "$@"
