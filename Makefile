# The venv is the only set-up: `make run` and `make test` build it on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Packages held to mypy --strict: everything that runs without a terminal.
STRICT := rebalancer_tui/engine rebalancer_tui/storage rebalancer_tui/rules.py rebalancer_tui/prices rebalancer_tui/workspace

.PHONY: run test lint bench bench-quick screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rebalancer-tui --offline

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Four guards: formatting, lint rules, types (strict on the headless core), import contracts.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy rebalancer_tui
	$(BIN)/mypy --strict $(STRICT)
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-quick: $(STAMP)
	$(BIN)/python bench/run.py --quick

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
