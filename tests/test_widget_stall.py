"""Notebook 04's widget, shown and answered twenty times in a row, with no cell stalling.

Executing notebook 04 headless, the cell that answers its ``CheckpointWidget`` sometimes
waited for its reply until the cell's timeout, the kernel long done, and then passed: a lost
wake-up between nbclient and a kernel drawing ipywidgets (jupyter/nbclient#312; issue 13).
The widget now sets its Output instead of capturing a display into it
(agentlab/ui/widgets.py). This test executes the notebook's own cells, read from the file
so that it follows the notebook: its setup cells once, then the cells from the one that
shows the widget to the one that answers it, twenty times. The kernel runs headless
(``AGENTLAB_HEADLESS=1``), so that the answering cell lets the simulated traveller answer.
A stalled cell waits out the whole cell timeout (31 s here); the test fails on any cell
over 30 s, with every cell's time.

One kernel for the twenty runs, not one each: the stall struck the answering cell of any
run, not only in a fresh kernel. With the widget put back to ``with output:`` (an 8 s
timeout), one kernel stalled 9 answers in 100 (97 s) and a kernel per run 1 in 20 (125 s);
with the widget as it is, one kernel stalled 0 in 100 (22 s). This test, with the widget
put back, failed 4 times in 4 (2 to 5 stalled answers each); as it is, it takes 10-15 s.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from nbformat import NotebookNode

pytestmark = pytest.mark.notebook  # `make test-fast` leaves it out

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = NOTEBOOKS_DIR / "04_checkpoints.ipynb"
RUNS = 20
ANSWERS = ".answer_if_headless("  # what the cell that answers the widget calls
STALL_S = 30  # the longest any cell may take (the slowest takes about 3 s)
# A stalled cell waits out the whole cell timeout: a second beyond STALL_S, so it is caught.
TIMEOUT_S = STALL_S + 1
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # colours in a cell's traceback


def _code(cells: list[NotebookNode]) -> list[NotebookNode]:
    """Fresh copies of the code cells among ``cells``, without outputs or ids."""
    return [nbformat.v4.new_code_cell(c.source) for c in cells if c.cell_type == "code"]


def widget_cells(path: Path) -> tuple[list[NotebookNode], list[NotebookNode]]:
    """The notebook's setup cells and its widget's cells, as fresh code cells.

    The setup cells are the code cells before the first section (``## ``, the objectives
    aside: they open every notebook, before its imports); the widget's
    are the code cells from the one that makes a ``CheckpointWidget`` to the first one
    after it that calls ``.answer_if_headless(`` (``ANSWERS``).
    """
    cells = nbformat.read(path, as_version=4).cells
    code = [i for i, c in enumerate(cells) if c.cell_type == "code"]
    section = next(
        (
            i
            for i, c in enumerate(cells)
            if c.cell_type == "markdown"
            and c.source.startswith("## ")
            and not c.source.startswith("## What you will be able to do")
        ),
        None,
    )
    shown = next((i for i in code if "CheckpointWidget(" in cells[i].source), None)
    assert section is not None, f"{path.name}: no section (a markdown cell opening with '## ')"
    assert shown is not None, f"{path.name}: no cell makes a CheckpointWidget"
    answered = next((i for i in code if i > shown and ANSWERS in cells[i].source), None)
    assert answered is not None, f"{path.name}: no cell after the widget's calls {ANSWERS}"
    return _code(cells[:section]), _code(cells[shown : answered + 1])


def test_notebook_04_widget_twenty_times_without_a_stall(
    kernel_start: FileLock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    monkeypatch.setenv("TMPDIR", str(tmp_path))  # each widget's SQLite file, in the kernel
    monkeypatch.setenv("AGENTLAB_HEADLESS", "1")  # the traveller answers, as in CI

    setup, run = widget_cells(NOTEBOOK)
    nb = nbformat.v4.new_notebook(cells=setup + [c for _ in range(RUNS) for c in _code(run)])
    started: dict[int, float] = {}
    took: dict[int, float] = {}

    def on_cell_start(cell: NotebookNode, cell_index: int) -> None:
        started[cell_index] = time.monotonic()

    def on_cell_executed(cell: NotebookNode, cell_index: int, **_: object) -> None:
        took[cell_index] = time.monotonic() - started[cell_index]

    client = NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
        on_cell_start=on_cell_start,
        on_cell_executed=on_cell_executed,
    )
    error = ""
    with kernel_start:  # until the kernel answers on its ports
        client.create_kernel_manager()
        client.start_new_kernel()
        client.start_new_kernel_client()
    try:
        client.execute()  # in that kernel; shut down at the end
    except Exception as exc:  # a timeout, or a cell's error: reported with the times
        error = _ANSI.sub("", f"{type(exc).__name__}: {exc}")
        unfinished = [i for i in started if i not in took]
        took.update({i: time.monotonic() - started[i] for i in unfinished})
    slow = {i: round(s, 1) for i, s in took.items() if s > STALL_S}
    times = ", ".join(f"{i}: {s:.2f}" for i, s in sorted(took.items()))
    assert not error and not slow, (
        f"{len(slow)} cell(s) of {len(nb.cells)} took over {STALL_S} s: {slow}\n"
        f"seconds per cell ({len(setup)} setup cells, then {len(run)} per run): {times}\n"
        f"{error}"
    )
    answers = [c for c in nb.cells[len(setup) :] if ANSWERS in c.source]
    said = ["".join(o.get("text", "") for o in c.outputs) for c in answers]
    assert len(said) == RUNS and all("the simulated traveller answered" in t for t in said), said
