# Two entry points: `make run` (the app) and `make test` (the whole suite).
# Both create .venv when missing and (re)install when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export OPENBLAS_NUM_THREADS := 1
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 2
# Two test processes where two cores are free (about 7 minutes instead of 13 on two cores);
# a test module stays in one process, so its shared fixtures are built once; modules go out
# in the order tests/conftest.py gives them (the slow ones first).
# `make test PYTEST_WORKERS=` runs the suite in one process.
PYTEST_WORKERS ?= -n auto --maxprocesses=2 --dist loadscope --no-loadscope-reorder

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/mpdtui $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/ruff check mpdtui models tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy mpdtui models
	$(BIN)/python -m pytest -q $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/train.py
	$(BIN)/python bench/suggest.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
