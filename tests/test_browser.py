"""The placement explorer in a real browser: JupyterLab in headless Chromium.

A tiny notebook shows a ``PlacementExplorer``; JupyterLab (loopback, random port and
token) serves it; Playwright drives Debian's ``chromium`` (``executable_path``: Playwright
cannot download a browser here) to run all cells, waits for the widget, clicks the
fact-check toggle and checks that the figure in the page changes: the "now" bars move to
"previous" and new numbers appear. Another moves the scope slider (tools in scope) with the
keyboard, as a learner can, and checks that the same figure is redrawn for the wider scope,
its bars with their whiskers. A second test opens notebook 04, runs all its cells
and checks that its checkpoint widget is left waiting for the learner (nothing typed for
them), then answers in the widget and sees the run resume. A third runs notebook 00, answers
an exercise wrongly and sees a hint, then rightly and sees it marked correct. Everything
started here is stopped at the end (kernels through the server's API, the server's process
group, the browser), and a screenshot of a failure lands in the test's tmp dir.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import LabServer, make_env

pytestmark = pytest.mark.slow

UI_TIMEOUT_MS = 60_000  # for each wait in the page
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip


def _chromium() -> str | None:
    """Debian's Chromium: the binary itself, or the launcher script on PATH."""
    for path in ("/usr/lib/chromium/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser")):  # fmt: skip
        if path and os.access(path, os.X_OK):
            return path
    return None


CHROMIUM = _chromium()
NOTEBOOK_04 = "04_checkpoints.ipynb"
NOTEBOOK_00 = "00_quickstart.ipynb"
RUN_ALL_TIMEOUT_MS = 300_000  # notebook 04 runs a sweep: about 30 s headless, more here
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)"
)


def _write_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from agentlab.ui.explorer import PlacementExplorer\n"
            "ex = PlacementExplorer(seeds=range(6))\n"
            "ex"
        )
    ]
    path = folder / "explorer.ipynb"
    nbformat.write(nb, path)
    return path


def _quiet_settings(folder: Path) -> Path:
    """User settings that keep JupyterLab from asking about news and updates.

    And that keep every cell of a long notebook in the page (no windowing), so that a
    test finds a cell's widget wherever the notebook is scrolled.
    """
    notes = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notes.parent.mkdir(parents=True)
    notes.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    tracker = folder / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    return folder


@pytest.fixture
def lab(repo_root: Path, tmp_path: Path, lab_server: LabServer) -> tuple[str, Path]:
    """JupyterLab on a tmp folder holding the notebook; (notebook URL, tmp dir)."""
    work = tmp_path / "work"
    work.mkdir()
    _write_notebook(work)
    _start_lab(lab_server, repo_root, tmp_path, work)
    return lab_server.url("/lab/tree/explorer.ipynb"), tmp_path


@pytest.fixture
def lab_04(repo_root: Path, tmp_path: Path, lab_server: LabServer) -> tuple[str, Path]:
    """JupyterLab on a tmp folder holding a copy of notebook 04; (notebook URL, tmp dir)."""
    return _lab_on(NOTEBOOK_04, lab_server, repo_root, tmp_path)


@pytest.fixture
def lab_00(repo_root: Path, tmp_path: Path, lab_server: LabServer) -> tuple[str, Path]:
    """JupyterLab on a tmp folder holding a copy of notebook 00; (notebook URL, tmp dir)."""
    return _lab_on(NOTEBOOK_00, lab_server, repo_root, tmp_path)


def _lab_on(
    notebook: str, lab_server: LabServer, repo_root: Path, tmp_path: Path
) -> tuple[str, Path]:
    """Start JupyterLab on a tmp folder holding a copy of one of the course's notebooks."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(repo_root / "agentlab" / "notebooks" / notebook, work / notebook)
    _start_lab(lab_server, repo_root, tmp_path, work)
    return lab_server.url(f"/lab/tree/{notebook}"), tmp_path


def _start_lab(lab_server: LabServer, repo_root: Path, tmp_path: Path, work: Path) -> None:
    """Start JupyterLab on ``work``, as a learner would have it: not headless."""
    cmd = [
        sys.executable, "-m", "jupyter", "lab", *lab_server.args,
        "--ServerApp.allow_root=True", f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={_quiet_settings(tmp_path / 'settings')}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    path = os.pathsep.join(filter(None, [str(repo_root), os.environ.get("PYTHONPATH")]))
    env = make_env(PYTHONPATH=path)
    env.pop("AGENTLAB_HEADLESS", None)  # a live lab: the widget waits for a person
    lab_server.start(cmd, cwd=work, env=env)


BAR_TEXTS = """() => Array.from(document.querySelectorAll(
    '.agentlab-explorer .js-plotly-plot g.trace.bars')).map(
    t => Array.from(t.querySelectorAll('g.point')).map(p => {
        const label = p.querySelector('text.bartext');
        return label ? label.textContent : '';
    }))"""
KERNEL_IDLE = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session
        && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle' && !!w.content && w.content.widgets.length > 0;
}"""
# The team diagram: JupyterLab draws the Mermaid block as an <img> of an SVG data URL.
DIAGRAM = """() => Array.from(document.querySelectorAll(
    '.agentlab-explorer .jp-RenderedMermaid img')).map(
    i => decodeURIComponent(i.getAttribute('src') || '')).join('')"""


def _explorer_after_run_all(page: Any, url: str) -> tuple[Any, Any]:
    """Notebook 06's explorer after Run All: its widget and its readout, first sweep drawn
    (the first 4 questions at once, the other 2 redrawn from the background thread)."""
    page.goto(url)
    page.wait_for_function(KERNEL_IDLE)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    explorer = page.locator(".agentlab-explorer")
    readout = explorer.locator(".agentlab-readout")
    readout.filter(has_text="sweep 1: 6 episodes").wait_for()
    page.wait_for_function(f"() => ({BAR_TEXTS})().flat().filter(Boolean).length >= 4")
    return explorer, readout


@needs_chromium
def test_a_toggle_click_reruns_and_redraws(lab: tuple[str, Path]) -> None:
    url, tmp = lab
    with _page(tmp) as page:
        explorer, readout = _explorer_after_run_all(page, url)
        team = explorer.locator(".agentlab-team")
        page.wait_for_function(f"() => ({DIAGRAM})().includes('checker')")
        before = page.evaluate(BAR_TEXTS)
        assert [b[0] for b in before] == ["", "", "", ""], before  # no previous design yet
        assert all(b[1] for b in before), before  # the four numbers of the first sweep
        assert "checker" in team.inner_text()

        fact_check = explorer.locator(".widget-toggle-buttons").filter(has_text="fact-check")
        fact_check.get_by_role("button", name="embedded in analyst").click()

        readout.filter(has_text="sweep 2: 6 episodes").wait_for()
        page.wait_for_function(f"() => ({BAR_TEXTS})().every(t => t[0] !== '')")
        after = page.evaluate(BAR_TEXTS)
        assert [a[0] for a in after] == [b[1] for b in before]  # the old bars moved left
        assert [a[1] for a in after] != [b[1] for b in before], (before, after)
        # the checker is gone: from the agents table and from the redrawn diagram
        page.wait_for_function(
            f"() => {{ const d = ({DIAGRAM})(); return d !== '' && !d.includes('checker'); }}"
        )
        assert "checker" not in team.inner_text()


# The whiskers plotly drew in the explorer's figure: one path per bar that has an interval.
WHISKERS = """() => document.querySelectorAll(
    '.agentlab-explorer .js-plotly-plot g.errorbar path').length"""


@needs_chromium
def test_moving_the_scope_slider_reruns_and_redraws(lab: tuple[str, Path]) -> None:
    url, tmp = lab
    with _page(tmp) as page:
        explorer, readout = _explorer_after_run_all(page, url)
        page.wait_for_function(f"() => ({WHISKERS})() >= 4")  # six questions: intervals
        before = page.evaluate(BAR_TEXTS)
        assert "4 tools in scope" in readout.inner_text()
        team_before = explorer.locator(".agentlab-team").inner_text()

        scope = explorer.locator(".widget-hslider").filter(has_text="tools in scope")
        handle = scope.locator(".noUi-handle")
        handle.focus()
        handle.press("ArrowRight")  # one stop up: 8 tools in scope

        readout.filter(has_text="sweep 2: 6 episodes").wait_for()
        assert "8 tools in scope" in readout.inner_text()
        page.wait_for_function(f"() => ({BAR_TEXTS})().every(t => t[0] !== '')")
        after = page.evaluate(BAR_TEXTS)
        assert [a[0] for a in after] == [b[1] for b in before]  # the old bars moved left
        assert [a[1] for a in after] != [b[1] for b in before], (before, after)
        assert page.evaluate(WHISKERS) >= 8  # both designs' bars, each with its interval
        # the same agents, each carrying more tools
        assert explorer.locator(".agentlab-team").inner_text() != team_before


@contextmanager
def _page(tmp: Path) -> Iterator[Any]:
    """A page of headless Chromium; a screenshot of a failure in ``tmp``; closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS, timeout=UI_TIMEOUT_MS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield page
        except Exception:
            page.screenshot(path=str(tmp / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()


# The text outputs (streams) of the first cell whose source holds the marker, from the
# notebook's model: null until that cell exists.
CELL_TEXT = """(marker) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    const cell = nb.widgets.find(c => c.model.sharedModel.getSource().includes(marker));
    if (!cell || !cell.model.outputs) return null;
    return cell.model.outputs.toJSON().map(o => [].concat(o.text || []).join('')).join('');
}"""
# Select the first cell whose source holds the marker and run it.
RUN_CELL = """(marker) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    nb.activeCellIndex = nb.widgets.findIndex(
        c => c.model.sharedModel.getSource().includes(marker));
    return window.jupyterapp.commands.execute('notebook:run-cell');
}"""
ANSWERING_CELL = "answer_if_headless("  # notebook 04's cell after the widget
LAST_CELL = "numbers as uninterrupted"  # what notebook 04's last code cell prints


@needs_chromium
def test_run_all_leaves_the_checkpoint_widget_waiting(lab_04: tuple[str, Path]) -> None:
    url, tmp = lab_04
    meant = "No. By Washington I mean Washington State."
    last = json.dumps(LAST_CELL)
    with _page(tmp) as page:
        page.goto(url)
        page.wait_for_function(KERNEL_IDLE)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # Run All is done when the last cell has printed (after the answering cell's turn)
        page.wait_for_function(
            f"() => (({CELL_TEXT})({last}) || '').includes({last})",
            timeout=RUN_ALL_TIMEOUT_MS,
        )
        said = page.evaluate(f"({CELL_TEXT})({json.dumps(ANSWERING_CELL)})")
        assert "waiting for your answer" in said and "Washington, D.C." in said, said
        assert "traveller answered" not in said and "success" not in said, said

        widget = page.locator(".agentlab-checkpoint")
        widget.scroll_into_view_if_needed()
        question = widget.locator(".widget-html").first
        assert "Agent asks (clarify)" in question.inner_text()
        assert "Washington, D.C." in question.inner_text()
        assert "You:" not in widget.inner_text()  # nothing answered for the learner
        box = widget.locator("input[type=text]")
        answer = widget.get_by_role("button", name="Answer", exact=True)
        assert box.input_value() == "" and answer.is_enabled()

        box.fill(meant)
        answer.click()
        widget.get_by_text("The episode has finished").wait_for()
        widget.get_by_text("errors_prevented").wait_for()  # the key numbers
        widget.locator(".js-plotly-plot").wait_for()  # and the taint timeline, drawn
        assert f"You: {meant}" in widget.inner_text()
        assert not answer.is_enabled()

        # the answering cell, run again, reports the learner's answer and the outcome
        page.evaluate(RUN_CELL, ANSWERING_CELL)
        page.wait_for_function(
            f"() => (({CELL_TEXT})({json.dumps(ANSWERING_CELL)}) || '').includes('success')"
        )
        said = page.evaluate(f"({CELL_TEXT})({json.dumps(ANSWERING_CELL)})")
        assert f"answered in the widget: {meant!r}" in said, said
        assert "success: True, errors prevented: 1" in said and "traveller" not in said, said


# What the page shows under the first cell whose source holds the marker (its rendered
# output area), or null until that cell has one.
SHOWN = """(marker) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    const cell = nb.widgets.find(c => c.model.sharedModel.getSource().includes(marker));
    const out = cell && cell.node.querySelector('.jp-OutputArea');
    return out ? out.innerText : null;
}"""
# Type a new source into the first cell whose source holds the marker (as a learner would).
TYPE_INTO = """([marker, source]) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    nb.widgets.find(c => c.model.sharedModel.getSource().includes(marker))
        .model.sharedModel.setSource(source);
}"""
ANSWER_CELL = "cheaper_tools = "  # notebook 00's answer cell of exercise 00.3
CHECK_CELL = 'check("00.3"'


@needs_chromium
def test_an_exercise_answered_wrongly_shows_a_hint_then_rightly_shows_success(
    lab_00: tuple[str, Path],
) -> None:
    url, tmp = lab_00
    check = json.dumps(CHECK_CELL)
    shown = f"(({SHOWN})({check}) || '')"
    with _page(tmp) as page:
        page.goto(url)
        page.wait_for_function(KERNEL_IDLE)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # unanswered, Run All goes through: the check says so instead of failing
        page.wait_for_function(f"() => {shown}.includes('Not answered yet.')",
                               timeout=RUN_ALL_TIMEOUT_MS)  # fmt: skip
        page.wait_for_function(KERNEL_IDLE)

        def answer(value: int, mark: str) -> str:
            page.evaluate(TYPE_INTO, [ANSWER_CELL, f"cheaper_tools = {value}  # 4 or 32"])
            page.evaluate(RUN_CELL, ANSWER_CELL)
            page.evaluate(RUN_CELL, CHECK_CELL)
            page.wait_for_function(f"() => {shown}.includes({json.dumps(mark)})")
            return str(page.evaluate(f"() => {shown}"))

        wrong = answer(32, "Not yet.")
        assert "Exercise 00.3" in wrong and "cost_per_success_usd" in wrong, wrong
        right = answer(4, "Correct.")
        assert "Not yet" not in right and "failures" in right, right
