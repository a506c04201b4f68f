# The two commands of the project (see README.md):
#   make synth   set everything up, then synthesize every environment with `cdktf synth`
#   make test    set everything up, then type-check, lint and run every test (jest + pytest on real Spark)
# Both are idempotent and quick when already set up. `make help` lists the rest.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
BIN := node_modules/.bin
PY := .venv/bin

.PHONY: help setup setup-node setup-python synth synth-direct catalogue check-catalogue typecheck lint \
        test test-ts test-python bench-synth clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

setup: setup-node setup-python ## install Node and Python dependencies and the Delta jars (idempotent)

setup-node:
	@bash scripts/setup-node.sh

setup-python:
	@bash scripts/setup-python.sh

synth: setup ## synthesize every environment into cdktf.out/ (LAKEHOUSE_ENVIRONMENTS=dev,prod picks some)
	@CI=1 CHECKPOINT_DISABLE=1 $(BIN)/cdktf synth

synth-direct: setup-node ## the same without the cdktf CLI (faster; what the tests and benchmarks run)
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
	@$(PY)/ruff check jobs-src tests/python
	@$(PY)/ruff format --check jobs-src tests/python

test-ts:
	@$(BIN)/jest --ci

test-python:
	@$(PY)/python -m pytest

test: setup tools setup-checkov check-catalogue typecheck lint lint-checkov test-ts test-python ## set up, then type-check, lint and run all tests (incl. terraform validate and checkov)

bench-synth: setup-node ## benchmark synthesis of every environment (direct and through cdktf synth)
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
