# vastgoed — `make help` lists the targets. Everything bootstraps itself on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv from PATH, else the one pip installs for $(PYTHON) (`python -m uv` works where shims do not).
UV ?= $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
BIN := $(VENV)/bin
SYNTHETIC := data/synthetic
# Real extracts: `make score DATA=/path` or VASTGOED_DATA=/path; otherwise the synthetic municipality.
DATA ?= $(or $(VASTGOED_DATA),$(SYNTHETIC))
TRUTH ?= data/synthetic-truth
OUT ?= out
SEED ?= 0
SCALE ?= 1.0
CONFIG ?= configs/default.toml

export MLFLOW_DISABLE_TELEMETRY := true
export OMP_WAIT_POLICY := PASSIVE

# The audit log's key (docs/security.md): held outside the log's folder. Unless the operator names
# one ($VASTGOED_AUDIT_KEY_FILE or $VASTGOED_AUDIT_KEY), a key is made once for this checkout in
# .secrets/ (mode 0600, git-ignored): enough for the synthetic municipality; a municipality keeps its
# key where operations alone can read it.
ifeq ($(strip $(VASTGOED_AUDIT_KEY)$(VASTGOED_AUDIT_KEY_FILE)),)
AUDIT_KEY_FILE := $(CURDIR)/.secrets/audit.key
export VASTGOED_AUDIT_KEY_FILE := $(AUDIT_KEY_FILE)
endif

.PHONY: help bootstrap score train experiment test test-spark bench bench-worlds bench-choices lint mlflow-ui evaluate clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(VENV)/.synced: pyproject.toml uv.lock $(AUDIT_KEY_FILE)
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --compile-bytecode --python 3.11
	@touch $@

$(CURDIR)/.secrets/audit.key:
	@mkdir -p -m 700 $(dir $@)
	@(umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@)
	@echo "audit key made for this checkout: $@ (docs/security.md)"

bootstrap: $(VENV)/.synced ## Install uv if missing, create .venv and sync the lock

# Regenerated when the generator changes, so a run never scores a municipality of an older generator.
$(SYNTHETIC)/manifest.toml: $(wildcard vastgoed/synthetic/*.py) | $(VENV)/.synced
	$(BIN)/vastgoed generate --out $(SYNTHETIC) --truth $(TRUTH) --seed $(SEED) --scale $(SCALE)

score: $(VENV)/.synced ## Generate the synthetic municipality if no data is configured, run the whole batch, print where the list is
	@if [ "$(DATA)" = "$(SYNTHETIC)" ]; then $(MAKE) --no-print-directory $(SYNTHETIC)/manifest.toml; fi
	$(BIN)/vastgoed run --data $(DATA) --out $(OUT) --config $(CONFIG)
	@if [ "$(DATA)" = "$(SYNTHETIC)" ] && [ -d $(TRUTH) ]; then \
		$(BIN)/vastgoed evaluate --run $(OUT)/latest --truth $(TRUTH); fi

train: $(VENV)/.synced ## Train and register a new model (champion only if it beats the champion), then score
	@if [ "$(DATA)" = "$(SYNTHETIC)" ]; then $(MAKE) --no-print-directory $(SYNTHETIC)/manifest.toml; fi
	$(BIN)/vastgoed run --train --data $(DATA) --out $(OUT) --config $(CONFIG)
	@if [ "$(DATA)" = "$(SYNTHETIC)" ] && [ -d $(TRUTH) ]; then \
		$(BIN)/vastgoed evaluate --run $(OUT)/latest --truth $(TRUTH); fi

EXPERIMENT ?= experiments/familie-ablatie.toml
experiment: $(VENV)/.synced ## Run a defined experiment as nested MLflow runs (EXPERIMENT=experiments/<name>.toml)
	@if [ "$(DATA)" = "$(SYNTHETIC)" ]; then $(MAKE) --no-print-directory $(SYNTHETIC)/manifest.toml; fi
	$(BIN)/vastgoed experiment run $(EXPERIMENT) --data $(DATA) --config $(CONFIG)

evaluate: $(VENV)/.synced ## Evaluate the latest run against the synthetic truth
	$(BIN)/vastgoed evaluate --run $(OUT)/latest --truth $(TRUTH)

test: $(VENV)/.synced ## Run the fast test suite
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider

# The `spark` extra (pyspark, ~500 MB) is added on top of the default sync with --inexact, so a later
# `make test` (whose sync is exact, but only reruns when pyproject.toml or uv.lock change) keeps it.
SPARK_SYNC = $(UV) sync --frozen --inexact --compile-bytecode --python 3.11 --extra spark

bench: $(VENV)/.synced ## Run the slow scale tests, benchmarks and the Spark backend test (prints figures)
	$(SPARK_SYNC)
	$(BIN)/python -m pytest -q -m "slow or spark" -s -p no:cacheprovider

# VASTGOED_INDEPENDENT_WORLD names the independent municipality (default: ../shared/independent-municipality
# beside the checkout); VASTGOED_BENCH_WORLD_SEEDS (1,2,3), VASTGOED_BENCH_WORLD_SCALE (1.0) override.
bench-worlds: $(VENV)/.synced ## The batch on the project's generator and on the independent world, 3 seeds each at scale 1 (out/bench/worlds.md; also in bench)
	$(BIN)/python -m pytest -q -m slow -s -p no:cacheprovider tests/bench/test_worlds.py

bench-choices: $(VENV)/.synced ## The model's choices (experiments/keuzes-werelden.toml) on every world, 2 seeds at scale 1 (out/bench/choices.md; also in bench)
	$(BIN)/python -m pytest -q -m slow -s -p no:cacheprovider tests/bench/test_choices.py

test-spark: $(VENV)/.synced ## Splink's Spark backend against DuckDB, Spark in local mode (needs Java; docs/spark.md)
	$(SPARK_SYNC)
	$(BIN)/python -m pytest -q -m spark -s -p no:cacheprovider tests/linkage/test_spark.py

lint: $(VENV)/.synced ## ruff, mypy (strict on the packages) and import-linter (the design's import rules)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

mlflow-ui: $(VENV)/.synced ## Open the MLflow UI on the local store (http://127.0.0.1:5000)
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --default-artifact-root ./mlartifacts --host 127.0.0.1 --port 5000

.PHONY: ui
HOST ?= 127.0.0.1
PORT ?= 8000
ui: $(VENV)/.synced ## The analysts' and reviewers' web application (http://127.0.0.1:8000/; HOST=, PORT=; docs/web.md)
	$(BIN)/vastgoed serve --host $(HOST) --port $(PORT) --out $(OUT) $(if $(filter 127.0.0.1 localhost,$(HOST)),--allow-http,)

clean: ## Remove generated data, runs, the MLflow store and caches (keeps .venv)
	rm -rf $(OUT) data/synthetic data/synthetic-truth mlflow.db mlartifacts .pytest_cache .mypy_cache .ruff_cache .hypothesis
