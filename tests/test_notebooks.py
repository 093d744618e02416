"""Every course notebook runs top to bottom, offline, and is committed clean.

Executes each ``notebooks/*.ipynb`` in a ``python3`` kernel (this interpreter) with
``notebooks/`` as working directory, 120 s per cell at most. The claims a Markdown cell
declares about the numbers above it are checked in the same run, right after that cell
(``prose_claims.with_claim_checks``; tests/test_prose_claims.py has the static half).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat import NotebookNode
from prose_claims import with_claim_checks

pytestmark = pytest.mark.notebook

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds

per_notebook = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])


@pytest.fixture(autouse=True)
def _headless(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody at the keyboard: a kernel started here inherits ``AGENTLAB_HEADLESS=1``.

    A widget that waits for the learner (notebook 04's ``CheckpointWidget``) is answered by
    the simulated traveller instead, and says so (``agentlab.ui.widgets.headless``).
    """
    monkeypatch.setenv("AGENTLAB_HEADLESS", "1")


def _run(path: Path) -> Any:
    """A notebook to execute, marked ``ray`` when it starts Ray (one Ray at a time)."""
    code = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
    ray = re.search(r"^\s*import ray\b|backend=[\"']ray[\"']", code, re.M)
    return pytest.param(path, id=path.name, marks=[pytest.mark.ray] if ray else [])


def _read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def test_notebooks_exist() -> None:
    # Without this, an empty notebooks/ would make every test below silently skip.
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"


def test_kernel_is_this_interpreter(
    execute_notebook: Callable[..., NotebookNode], tmp_path: Path
) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os, sys\nprint(sys.prefix)\nprint(os.getcwd())")]
    )
    execute_notebook(nb, cwd=tmp_path)
    prefix, cwd = nb.cells[0].outputs[0]["text"].splitlines()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert Path(cwd).resolve() == tmp_path.resolve()


@pytest.mark.parametrize("path", [_run(p) for p in NOTEBOOKS])
def test_notebook_runs(path: Path, execute_notebook: Callable[..., NotebookNode]) -> None:
    execute_notebook(with_claim_checks(_read(path)), cwd=NOTEBOOKS_DIR, timeout=CELL_TIMEOUT)


@per_notebook
def test_notebook_committed_without_outputs(path: Path) -> None:
    dirty = [
        i
        for i, cell in enumerate(_read(path).cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts (make strip)"


@per_notebook
def test_notebook_opens_the_same_way(path: Path) -> None:
    cells = _read(path).cells
    assert cells, f"{path.name} is empty"
    assert cells[0].cell_type == "markdown", f"{path.name}: the first cell must be markdown"
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    assert "import agentlab as al" in code, f"{path.name} never runs `import agentlab as al`"
