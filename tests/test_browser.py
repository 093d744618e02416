"""The placement explorer in a real browser: JupyterLab in headless Chromium.

A tiny notebook shows a ``PlacementExplorer``; JupyterLab (loopback, random port and
token) serves it; Playwright drives Debian's ``chromium`` (``executable_path``: Playwright
cannot download a browser here) to run all cells, waits for the widget, clicks the
fact-check toggle and checks that the figure in the page changes: the "now" bars move to
"previous" and new numbers appear. Everything started here is stopped at the end (kernels
through the server's API, the server's process group, the browser), and a screenshot of a
failure lands in the test's tmp dir.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

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
            "ex = PlacementExplorer(seeds=range(3))\n"
            "ex"
        )
    ]
    path = folder / "explorer.ipynb"
    nbformat.write(nb, path)
    return path


def _quiet_settings(folder: Path) -> Path:
    """User settings that keep JupyterLab from asking about news and updates."""
    notes = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notes.parent.mkdir(parents=True)
    notes.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return folder


@pytest.fixture
def lab(repo_root: Path, tmp_path: Path, lab_server: LabServer) -> tuple[str, Path]:
    """JupyterLab on a tmp folder holding the notebook; (notebook URL, tmp dir)."""
    work = tmp_path / "work"
    work.mkdir()
    _write_notebook(work)
    cmd = [
        sys.executable, "-m", "jupyter", "lab", *lab_server.args,
        "--ServerApp.allow_root=True", f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={_quiet_settings(tmp_path / 'settings')}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    path = os.pathsep.join(filter(None, [str(repo_root), os.environ.get("PYTHONPATH")]))
    lab_server.start(cmd, cwd=work, env=make_env(PYTHONPATH=path))
    return lab_server.url("/lab/tree/explorer.ipynb"), tmp_path


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


@needs_chromium
def test_a_toggle_click_reruns_and_redraws(lab: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, tmp = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS, timeout=UI_TIMEOUT_MS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(UI_TIMEOUT_MS)
        try:
            page.goto(url)
            page.wait_for_function(KERNEL_IDLE)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            explorer = page.locator(".agentlab-explorer")
            readout = explorer.locator(".agentlab-readout")
            team = explorer.locator(".agentlab-team")
            readout.filter(has_text="sweep 1").wait_for()
            page.wait_for_function(f"() => ({BAR_TEXTS})().flat().filter(Boolean).length >= 4")
            page.wait_for_function(f"() => ({DIAGRAM})().includes('checker')")
            before = page.evaluate(BAR_TEXTS)
            assert [b[0] for b in before] == ["", "", "", ""], before  # no previous design yet
            assert all(b[1] for b in before), before  # the four numbers of the first sweep
            assert "checker" in team.inner_text()

            fact_check = explorer.locator(".widget-toggle-buttons").filter(has_text="fact-check")
            fact_check.get_by_role("button", name="embedded in analyst").click()

            readout.filter(has_text="sweep 2").wait_for()
            page.wait_for_function(f"() => ({BAR_TEXTS})().every(t => t[0] !== '')")
            after = page.evaluate(BAR_TEXTS)
            assert [a[0] for a in after] == [b[1] for b in before]  # the old bars moved left
            assert [a[1] for a in after] != [b[1] for b in before], (before, after)
            # the checker is gone: from the agents table and from the redrawn diagram
            page.wait_for_function(
                f"() => {{ const d = ({DIAGRAM})(); return d !== '' && !d.includes('checker'); }}"
            )
            assert "checker" not in team.inner_text()
        except Exception:
            page.screenshot(path=str(tmp / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
