"""Shared fixtures. Tests never reach the network: pytest-socket (configured in
pyproject.toml) blocks every connection except loopback and unix sockets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from nbformat import NotebookNode

REPO_ROOT = Path(__file__).resolve().parents[1]

# Variables that would send a test (or a notebook kernel started by one) to a real
# model or to a tracing service.
_NETWORK_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "LANGSMITH_API_KEY",
    "LANGCHAIN_API_KEY",
    "AGENTLAB_BASE_URL",
    "AGENTLAB_API_KEY",
    "AGENTLAB_SERVE_KEY",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run every test (and the kernels it starts) with no API key and no tracing."""
    for name in _NETWORK_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")
    yield


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the folder holding pyproject.toml)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def notebooks_dir(repo_root: Path) -> Path:
    """The course notebooks' folder, also their working directory when executed."""
    return repo_root / "notebooks"


@pytest.fixture
def execute_notebook() -> Callable[..., NotebookNode]:
    """Execute a notebook in a fresh ``python3`` kernel; fail with the failing cell.

    Returns a function ``run(nb, cwd, timeout=120)`` that executes ``nb`` in place with
    ``cwd`` as working directory and returns it. On an error, a timeout or a dead kernel
    the test fails with the cell's index, source and error. The ``python3`` kernel is the
    interpreter running pytest (``ipykernel`` is installed in it), so a notebook sees the
    same ``agentlab`` as the tests (tests/test_notebooks.py checks this).
    """
    from nbclient import NotebookClient

    def run(nb: NotebookNode, cwd: Path, timeout: int = 120) -> NotebookNode:
        current = {"index": -1}

        def on_cell_start(cell: NotebookNode, cell_index: int) -> None:
            current["index"] = cell_index

        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(cwd)}},
            on_cell_start=on_cell_start,
        )
        try:
            client.execute()
        except Exception as exc:
            failure = _describe_failure(nb, current["index"], exc)
        else:
            return nb
        # Outside the except block, so the report is not chained to nbclient's ANSI dump.
        pytest.fail(failure, pytrace=False)

    return run


def _describe_failure(nb: NotebookNode, index: int, exc: Exception) -> str:
    """Which cell failed, its source and its error, as plain text."""
    if index < 0:
        return f"the kernel did not start: {type(exc).__name__}: {exc}"
    cell = nb.cells[index]
    error = _cell_error(cell) or _ANSI.sub("", f"{type(exc).__name__}: {exc}")
    return (
        f"cell {index} (counting from 0, markdown included) failed ({type(exc).__name__}):\n"
        f"----- source -----\n{cell.source}\n----- error -----\n{error}"
    )


def _cell_error(cell: NotebookNode) -> str:
    """The error output of an executed cell, as plain text ('' if none)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            traceback = "\n".join(output.get("traceback", []))
            return _ANSI.sub("", f"{output['ename']}: {output['evalue']}\n{traceback}")
    return ""
