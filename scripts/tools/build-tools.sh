#!/usr/bin/env bash
# Builds the Terraform CLI and the Databricks provider from source with `go build` (Go module proxy only),
# into a per-machine tools cache outside the repository, so a fresh clone (CI) reuses them:
#
#   $CACHE/terraform/<version>/terraform
#   $CACHE/providers/registry.terraform.io/databricks/databricks/<version>/linux_amd64/
#       terraform-provider-databricks_v<version>          (a filesystem mirror, "unpacked" layout)
#   $CACHE/terraformrc                                    (CLI config: that mirror only, no network)
#
# CACHE is ${LAKEHOUSE_TOOLS_CACHE:-$HOME/.cache/lakehouse-cdktf}. Go's own module and build caches
# (`go env GOMODCACHE GOCACHE`) are per machine too, so a rebuild after a version bump is incremental.
#
# Versions: Terraform is pinned in scripts/tools/terraform.version (1.5.7, the last MPL release), the
# Databricks provider in scripts/tools/databricks-provider.version (1.84.0): the newest release the Go module
# proxy serves (it answers 403 "not available" for 1.84.1 and 1.85.0 up to at least 1.160.0), and exactly the
# version the bindings (@cdktf/provider-databricks 15.2.0) target and the stacks pin. Validation refuses any
# other version, and tests/validation/toolchain.test.ts checks the three agree (docs/toolchain.md).
#
# Idempotent: a tool whose binary is in place and answers its version is not rebuilt. A cold build takes
# several minutes on 2 cores (see docs/validation.md); a warm run returns in well under a second.
# Builds hold a lock, so parallel callers (make -j, jest workers) wait for one build instead of racing.
#
# Usage: scripts/tools/build-tools.sh [--print-env]
#   --print-env  print shell assignments (LAKEHOUSE_TERRAFORM=..., LAKEHOUSE_TF_CLI_CONFIG=...) after building
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${LAKEHOUSE_TOOLS_CACHE:-$HOME/.cache/lakehouse-cdktf}"
TERRAFORM_VERSION="$(tr -d '[:space:]' <"$ROOT/scripts/tools/terraform.version")"
TERRAFORM_MODULE="github.com/hashicorp/terraform"
DATABRICKS_MODULE="github.com/databricks/terraform-provider-databricks"

GO="${LAKEHOUSE_GO:-}"
if [[ -z "$GO" ]]; then
  if command -v go >/dev/null 2>&1; then GO="$(command -v go)"; else GO=/usr/local/go/bin/go; fi
fi
if [[ ! -x "$GO" ]]; then
  echo "tools: Go not found (looked on PATH and at /usr/local/go/bin/go); install Go >= 1.22 or set LAKEHOUSE_GO" >&2
  exit 1
fi

DATABRICKS_VERSION="$(tr -d '[:space:]' <"$ROOT/scripts/tools/databricks-provider.version")"
GOARCH_DIR="$("$GO" env GOOS)_$("$GO" env GOARCH)"

TERRAFORM_BIN="$CACHE/terraform/$TERRAFORM_VERSION/terraform"
MIRROR="$CACHE/providers"
PROVIDER_DIR="$MIRROR/registry.terraform.io/databricks/databricks/$DATABRICKS_VERSION/$GOARCH_DIR"
PROVIDER_BIN="$PROVIDER_DIR/terraform-provider-databricks_v$DATABRICKS_VERSION"
CLI_CONFIG="$CACHE/terraformrc"
# The provider's replacement rules (scripts/tools/force-new/main.go), built against the same provider version;
# keyed by the program's hash too, so an edit rebuilds it.
FORCE_NEW_SRC="$ROOT/scripts/tools/force-new/main.go"
FORCE_NEW_HASH="$(sha256sum "$FORCE_NEW_SRC" | cut -c1-12)"
FORCE_NEW_BIN="$CACHE/force-new/$DATABRICKS_VERSION-$FORCE_NEW_HASH/force-new"

# Builds the main package of <module>@<version> into a scratch directory, then moves the binary into place
# atomically, so an interrupted build never leaves a half-written tool that looks installed. The build runs in
# a throw-away wrapper module rather than as `go install <module>@<version>`: go install first reads the
# module's version list to look for deprecations, and the proxy refuses that list for the Databricks
# provider. The wrapper resolves exactly the dependency versions of the module's own go.mod (MVS), which is
# what go install builds too.
go_build() {
  local module="$1" version="$2" target="$3"
  local scratch
  scratch="$(mktemp -d "$CACHE/.build.XXXXXX")"
  local started=$SECONDS
  echo "tools: building $module@$version with $("$GO" version | cut -d' ' -f3) (cold: several minutes) ..." >&2
  printf 'module lakehouse.local/tools\n\ngo 1.22\n\nrequire %s %s\n' "$module" "$version" >"$scratch/go.mod"
  if ! (cd "$scratch" && GOFLAGS=-mod=mod GOTOOLCHAIN=local "$GO" build -o "$scratch/out" "$module"); then
    rm -rf "$scratch"
    echo "tools: building $module@$version failed (output above); the Go module proxy must serve it" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$target")"
  mv -f "$scratch/out" "$target"
  rm -rf "$scratch"
  echo "tools: built $(basename "$target") in $((SECONDS - started))s" >&2
}

# Builds scripts/tools/force-new against the Databricks provider module (its packages are in Go's build cache
# after the provider build, so this takes seconds).
build_force_new() {
  local scratch started=$SECONDS
  scratch="$(mktemp -d "$CACHE/.build.XXXXXX")"
  echo "tools: building the provider's replacement-rule reader (force-new) ..." >&2
  cp "$FORCE_NEW_SRC" "$scratch/main.go"
  printf 'module lakehouse.local/force-new\n\ngo 1.22\n\nrequire %s v%s\n' "$DATABRICKS_MODULE" "$DATABRICKS_VERSION" \
    >"$scratch/go.mod"
  if ! (cd "$scratch" && GOFLAGS=-mod=mod GOTOOLCHAIN=local "$GO" build -o "$scratch/out" .); then
    rm -rf "$scratch"
    echo "tools: building force-new failed (output above)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$FORCE_NEW_BIN")"
  mv -f "$scratch/out" "$FORCE_NEW_BIN"
  rm -rf "$scratch"
  echo "tools: built force-new in $((SECONDS - started))s" >&2
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.build.lock"
flock 9

installed="$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE="$CLI_CONFIG" "$TERRAFORM_BIN" version 2>/dev/null || true)"
if [[ "$installed" != "Terraform v$TERRAFORM_VERSION"* ]]; then
  go_build "$TERRAFORM_MODULE" "v$TERRAFORM_VERSION" "$TERRAFORM_BIN"
fi
if [[ ! -x "$PROVIDER_BIN" ]]; then
  go_build "$DATABRICKS_MODULE" "v$DATABRICKS_VERSION" "$PROVIDER_BIN"
fi
if [[ ! -x "$FORCE_NEW_BIN" ]]; then
  build_force_new
fi

# The CLI config is rewritten every run (cheap) so a moved cache never points at a stale mirror. No `direct`
# block: a provider that is not in the mirror fails `init` at once instead of reaching for the network.
cat >"$CLI_CONFIG.tmp" <<EOF
# Written by scripts/tools/build-tools.sh; do not edit.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/databricks/databricks"]
  }
}
disable_checkpoint = true
EOF
mv -f "$CLI_CONFIG.tmp" "$CLI_CONFIG"

echo "tools: terraform $TERRAFORM_VERSION and databricks provider $DATABRICKS_VERSION ready in $CACHE" >&2
if [[ "${1:-}" == "--print-env" ]]; then
  printf 'LAKEHOUSE_TERRAFORM=%q\nLAKEHOUSE_TF_CLI_CONFIG=%q\nLAKEHOUSE_FORCE_NEW=%q\n' "$TERRAFORM_BIN" "$CLI_CONFIG" \
    "$FORCE_NEW_BIN"
fi
