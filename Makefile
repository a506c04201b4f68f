# The two commands of the project (see README.md):
#   make synth   set everything up, then synthesize every environment with `cdktn synth` (CDK Terrain)
#   make test    set everything up, then type-check, lint and run every test (jest + pytest on real Spark)
# Both are idempotent and quick when already set up. `make help` lists the rest.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
BIN := node_modules/.bin
PY := .venv/bin
# The project's Node (.node-version, installed by scripts/setup-node.sh) comes first when it is there.
export PATH := $(CURDIR)/.cache/node/bin:$(PATH)

.PHONY: help setup setup-node setup-python synth plan deploy synth-direct catalogue check-catalogue typecheck lint \
        test test-ts test-python bench-synth clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

setup: setup-node setup-python ## install Node and Python dependencies and the Delta jars (idempotent)

setup-node:
	@bash scripts/setup-node.sh

setup-python:
	@bash scripts/setup-python.sh

synth: setup ## synthesize every environment into cdktf.out/ (LAKEHOUSE_ENVIRONMENTS=dev,prod picks some)
	@bash scripts/cdktn.sh synth

plan: setup ## terraform plan of one stack through cdktn: make plan STACK=prod-lakehouse
	@test -n "$(STACK)" || { echo "plan: name a stack, e.g. make plan STACK=dev-platform" >&2; exit 2; }
	@bash scripts/cdktn.sh diff $(STACK)

deploy: setup ## apply one stack through cdktn (platform first): make deploy STACK=dev-platform
	@test -n "$(STACK)" || { echo "deploy: name a stack, e.g. make deploy STACK=dev-platform" >&2; exit 2; }
	@bash scripts/cdktn.sh deploy $(STACK)

synth-direct: setup-node ## the same without the cdktn CLI (faster; what the tests and benchmarks run)
	@$(BIN)/tsx main.ts

catalogue: setup-node ## re-export the table catalogue JSON for the Spark jobs
	@$(BIN)/tsx scripts/export-catalogue.ts

check-catalogue:
	@$(BIN)/tsx scripts/export-catalogue.ts --check

typecheck:
	@echo "typecheck: tsc --noEmit"
	@$(BIN)/tsc --noEmit -p .

lint:
	@echo "lint: biome (TypeScript), ruff (Python)"
	@$(BIN)/biome check --error-on-warnings .
	@$(PY)/ruff check jobs-src tests/python scripts
	@$(PY)/ruff format --check jobs-src tests/python scripts

test-ts:
	@$(BIN)/jest --ci

test-python:
	@$(PY)/python -m pytest

test: setup tools setup-checkov check-catalogue lint lint-checkov ## set up, lint, then tsc + jest beside pytest (incl. terraform validate and checkov)
	@bash scripts/run-tests.sh

bench-synth: setup-node ## benchmark synthesis of every environment (direct and through cdktn synth)
	@$(BIN)/tsx scripts/bench-synth.ts

clean: ## remove build output (keeps dependencies and caches)
	rm -rf cdktf.out cdktf.out.staging

# --- Offline validation, security scan and review tools (docs/validation.md) ---------------------------------
.PHONY: tools setup-checkov validate scan lint-checkov env-diff access-matrix

tools: setup-node ## build Terraform + the Databricks provider from source (per-machine cache, once)
	@bash scripts/tools/build-tools.sh

setup-checkov: ## install the pinned checkov into .cache/checkov-venv (idempotent)
	@bash scripts/checkov-setup.sh

validate: tools ## terraform init -backend=false + validate on every stack it can build providers for
	@$(BIN)/tsx scripts/validate-stacks.ts

scan: setup-node setup-checkov ## checkov on every synthesized stack (accepted findings: checkov/skips.yaml)
	@$(BIN)/tsx scripts/checkov-scan.ts

lint-checkov: setup-python ## ruff on the custom checkov checks
	@$(PY)/ruff check checkov/checks
	@$(PY)/ruff format --check checkov/checks

env-diff: setup-node ## Markdown diff: ARGS="staging prod --strict" or ARGS="--env prod --base origin/main"
	@$(BIN)/tsx scripts/env-diff.ts $(ARGS)

access-matrix: setup-node ## access matrix per environment: ARGS="prod" or ARGS="dev prod --format csv"
	@$(BIN)/tsx scripts/access-matrix.ts $(ARGS)
