# agentlab: the two commands are `make lab` and `make test`.
# Everything runs from a virtual environment in .venv, created and filled on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Written after a successful install; pip runs again only when it is older than
# pyproject.toml or constraints.txt (or when .venv is removed).
STAMP := $(VENV)/.agentlab-installed

# The JupyterLab command line, in one place (tests/test_lab_command.py reads it through
# `make -s print-lab-cmd`). allow_root lets it start as root (containers, CI); harmless
# otherwise. Extra options: make lab LAB_ARGS="--no-browser --port=8899".
LAB_CMD = $(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.allow_root=True
LAB_ARGS ?=
PYTEST_ARGS ?=

# Run recipes one after the other, even under `make -j`: `test` stops at the first failure.
.NOTPARALLEL:
.DEFAULT_GOAL := help
.PHONY: help venv install lab test lint format typecheck pytest strip clean print-lab-cmd

help:
	@echo "make lab        set up .venv and open JupyterLab on notebooks/ (simulated model, no API key)"
	@echo "make test       set up .venv and run lint, format check, type check and pytest"
	@echo "make install    create .venv and install agentlab with its dev tools (once)"
	@echo "make format     apply ruff's formatting and safe fixes to .py and .ipynb"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make typecheck  mypy over agentlab/"
	@echo "make pytest     run the test suite only (PYTEST_ARGS=... to pass options)"
	@echo "make strip      remove outputs and execution counts from notebooks/*.ipynb"
	@echo "make clean      remove .venv and caches"

venv install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "agentlab needs Python 3.11+: '$(PYTHON)' is older; try make PYTHON=python3.11 ..." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -c constraints.txt -e ".[dev]"
	touch $@

lab: $(STAMP)
	$(LAB_CMD) $(LAB_ARGS)

print-lab-cmd:
	@echo '$(LAB_CMD)'

# Prerequisites run in this order (.NOTPARALLEL) and make stops at the first that fails.
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix --exit-zero .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

strip: $(STAMP)
	$(if $(wildcard notebooks/*.ipynb),$(BIN)/nbstripout $(wildcard notebooks/*.ipynb),@echo "no notebooks")

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks .mypy_cache .ruff_cache build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
