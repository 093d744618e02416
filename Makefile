# agentlab: the two commands are `make lab` and `make test`.
# Everything runs from a virtual environment in .venv, created and filled on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# uv installs in seconds where pip takes about a minute; pip is the fallback. UV= forces pip.
UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(strip $(UV)),)
NEW_VENV = $(PYTHON) -m venv $(VENV)
INSTALL = $(BIN)/python -m pip install --no-compile -c constraints.txt
else
NEW_VENV = $(UV) venv --quiet --python $(PYTHON) $(VENV)
INSTALL = $(UV) pip install --quiet --python $(BIN)/python -c constraints.txt
endif
# Written after a successful install; it runs again only when it is older than
# pyproject.toml or constraints.txt (or when .venv is removed). `make lab` needs the runtime
# and JupyterLab only; `make test` adds the developer tools (which include the runtime).
LAB_STAMP := $(VENV)/.agentlab-lab
# The wheel, built from this checkout and installed with its runtime dependencies only in a
# fresh environment outside it: what a user without a clone gets (tests/test_wheel.py).
# Its folder is named after this checkout's path, so two clones (or two users) sharing
# /tmp never remove each other's (make wheel-env starts it afresh). make runs $(shell) in
# the checkout, so `pwd` needs no quoting whatever the path holds.
CHECKOUT_ID := $(shell pwd | cksum | cut -d' ' -f1)
WHEEL_ENV ?= $(or $(TMPDIR),/tmp)/agentlab-wheel-env-$(CHECKOUT_ID)
ifeq ($(strip $(UV)),)
BUILD_WHEEL = $(PYTHON) -m pip wheel --no-deps --quiet -w dist .
NEW_WHEEL_ENV = $(PYTHON) -m venv $(WHEEL_ENV)
WHEEL_INSTALL = $(WHEEL_ENV)/bin/python -m pip install --quiet --no-compile -c constraints.txt
else
BUILD_WHEEL = $(UV) build --quiet --wheel -o dist
NEW_WHEEL_ENV = $(UV) venv --quiet --python $(PYTHON) $(WHEEL_ENV)
WHEEL_INSTALL = $(UV) pip install --quiet --python $(WHEEL_ENV)/bin/python -c constraints.txt
endif
DEV_STAMP := $(VENV)/.agentlab-dev
NEED_PY = command -v $(PYTHON) >/dev/null || \
	  { echo "agentlab: no '$(PYTHON)' on PATH; name a Python 3.11+: make lab PYTHON=python3.12" >&2; exit 1; }; \
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "agentlab needs Python 3.11+: '$(PYTHON)' is older; try make PYTHON=python3.11 ..." >&2; exit 1; }

# The JupyterLab command line, in one place (tests/test_lab_command.py reads it through
# `make -s print-lab-cmd`). allow_root lets it start as root (containers, CI); harmless
# otherwise. Extra options: make lab LAB_ARGS="--no-browser --port=8899".
LAB_CMD = $(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.allow_root=True
LAB_ARGS ?=
PYTEST_ARGS ?=
# mypy's cache, outside the checkout: a fresh clone checks in about 2 s instead of 15-40 s.
# mypy rechecks any file whose contents differ from what the cache saw, so clones, branches
# and developers can share it (MYPY_CACHE=.mypy_cache keeps it in the checkout).
MYPY_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/agentlab/mypy
# pytest on parallel workers (pytest-xdist): one per core by default (PYTEST_WORKERS=4 to
# choose, PYTEST_WORKERS=0 for none). worksteal: each worker takes a run of the tests (long
# ones first, tests/conftest.py) and an idle worker takes over the tail of another's queue.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist worksteal

# Run recipes one after the other, even under `make -j`: `test` stops at the first failure.
.NOTPARALLEL:
.DEFAULT_GOAL := help
.PHONY: help venv install lab lab-env wheel wheel-env test test-fast lint format typecheck pytest bench bench-quick strip clean print-lab-cmd

help:
	@echo "make lab        set up .venv and open JupyterLab on notebooks/ (simulated model, no API key)"
	@echo "make test       set up .venv, build the wheel, run lint, format check, type check and pytest"
	@echo "make test-fast  ruff and the quick tests (no notebooks, slow cases or wheel)"
	@echo "make lab-env    set up .venv for the lab only (runtime and JupyterLab), print its size"
	@echo "make wheel      build the wheel into dist/ (the course, data and notebooks in one file)"
	@echo "make wheel-env  build the wheel and install it alone in \$$TMPDIR/agentlab-wheel-env-<checkout>"
	@echo "make install    create .venv and install agentlab with its dev tools (once)"
	@echo "make format     apply ruff's formatting and safe fixes to .py and .ipynb"
	@echo "make lint       ruff check + ruff format --check + lint-imports (import contracts)"
	@echo "make typecheck  mypy over agentlab/"
	@echo "make pytest     run the test suite only (PYTEST_ARGS=... to pass options)"
	@echo "make bench      the benchmark table (benchmarks/README.md); bench-quick: a short run"
	@echo "make strip      remove outputs and execution counts from notebooks/*.ipynb"
	@echo "make clean      remove .venv and caches"

venv install: $(DEV_STAMP)
lab-env: $(LAB_STAMP)

# The learner's environment: runtime and JupyterLab, no test, lint, type or Ray packages.
$(LAB_STAMP): pyproject.toml constraints.txt
	@$(NEED_PY)
	@start=$$(date +%s); \
	{ test -x $(BIN)/python || $(NEW_VENV); } && $(INSTALL) -e . && touch $@ && \
	echo "agentlab: $(VENV) ready in $$(( $$(date +%s) - start )) s, $$(du -sm $(VENV) | cut -f1) MB" \
	  "(runtime and JupyterLab; make test adds the developer tools)"

# The developer's: the same plus the `dev` extra.
$(DEV_STAMP): pyproject.toml constraints.txt
	@$(NEED_PY)
	test -x $(BIN)/python || $(NEW_VENV)
	$(INSTALL) -e ".[dev]"
	touch $(LAB_STAMP) $@

# The wheel alone, into dist/ (no environment needed: what an instructor hands out).
wheel:
	rm -rf dist build  # a stale build/ would carry modules that have moved or gone
	$(BUILD_WHEEL)
	@ls dist/*.whl

wheel-env: wheel
	rm -rf $(WHEEL_ENV)
	$(NEW_WHEEL_ENV)
	$(WHEEL_INSTALL) dist/*.whl
	@echo "agentlab: the wheel's environment is $(WHEEL_ENV)"

lab: $(LAB_STAMP)
	$(LAB_CMD) $(LAB_ARGS)

print-lab-cmd:
	@echo '$(LAB_CMD)'

# Prerequisites run in this order (.NOTPARALLEL) and make stops at the first that fails.
test: lint typecheck wheel-env pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix --exit-zero .
	$(BIN)/ruff format .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy --cache-dir $(MYPY_CACHE)

# The wheel's tests (tests/test_wheel.py, the README's blocks) use $(WHEEL_ENV) when
# `make wheel-env` (part of `make test`) has built it.
pytest: $(DEV_STAMP)
	AGENTLAB_WHEEL_ENV=$(WHEEL_ENV) $(BIN)/python -m pytest $(PYTEST_PARALLEL) --durations=10 $(PYTEST_ARGS)

# The quick part, for a developer between changes: no notebooks, no slow cases, no wheel.
test-fast: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not notebook and not slow" --durations=10 $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/run.py

bench-quick: $(DEV_STAMP)
	$(BIN)/python benchmarks/run.py --quick

strip: $(DEV_STAMP)
	$(if $(wildcard notebooks/*.ipynb),$(BIN)/nbstripout $(wildcard notebooks/*.ipynb),@echo "no notebooks")

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks .mypy_cache .ruff_cache .import_linter_cache build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
