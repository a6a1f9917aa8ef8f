# seqsleepnet developer commands. Everything installs into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= demo-output

.PHONY: install test lint typecheck pytest demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the package with its dev tools

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest -q -n 2

test: lint typecheck pytest  ## ruff, mypy and the test suite

demo: install  ## synthesise a night from a real hypnogram, read it, write its features and pictures
	$(BIN)/seqsleepnet demo --out $(DEMO_DIR) --overwrite

PHYSIOEX := benchmarks/.venv-physioex/bin/python

# physioex (another SeqSleepNet) for the training-throughput comparison only: its own
# virtualenv, never a project dependency; torch first so that pip keeps the CPU build.
$(PHYSIOEX):
	$(PYTHON) -m venv benchmarks/.venv-physioex
	$(PHYSIOEX) -m pip install --quiet torch==2.13.0
	$(PHYSIOEX) -m pip install --quiet physioex

bench: install  ## run every benchmark and regenerate BENCHMARKS.md
	$(MAKE) $(PHYSIOEX) || echo "physioex could not be installed; its rows will say so"
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
