"""What a learner reads and does in a notebook, and the workshop tracks that name its sections.

Instructors' tooling, not part of the package (the wheel ships ``agentlab/`` only). It
reads notebooks without running them: the short path's words (Markdown outside
``<details>`` "go deeper" blocks, plus any Markdown a code cell displays), the exercises
(check cells, ``al.ui.exercises.check("02.3", ...)``) and the headings. It also reads the
tracks of ``instructors/GUIDE.md``, so ``time_course.py`` can time them and
``tests/test_instructors.py`` can check that they name only notebooks and headings that exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "agentlab" / "notebooks"
GUIDE = ROOT / "instructors" / "GUIDE.md"

WORDS_PER_MINUTE = 150  # reading speed for technical text
MINUTES_PER_EXERCISE = 4  # predict, run, check, maybe one hint

_DETAILS = re.compile(r"<details\b[^>]*>(?:(?!<details\b).)*?</details\s*>", re.S | re.I)
_OPEN_DETAILS = re.compile(r"<details\b.*", re.S | re.I)  # unclosed: hidden to the cell's end
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MERMAID = re.compile(r"^```\s*mermaid\b.*?^```", re.S | re.M)  # drawn, not read
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W_]+(?:['\u2019.\-][^\W_]+)*")  # it's, 4.0x, agent-by-agent
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# Sections every track reads, whatever it names: a notebook's objectives and key points.
ALWAYS = re.compile(r"what you will|objectives|key points", re.I)
_CHECK = re.compile(r"exercises\.check\(\s*[\"'](\d\d\.\d+)[\"']")


def short_path(markdown: str) -> str:
    """The Markdown a learner reads without opening any ``<details>`` block.

    Args:
        markdown: a Markdown cell's source, or Markdown a code cell displayed.

    Returns:
        The text without ``<details>`` blocks (nested or unclosed ones too), HTML comments
        and Mermaid diagrams.

    Example:
        >>> short_path("Read this. <details><summary>More</summary>Not this.</details>")
        'Read this. '
    """
    text = _COMMENT.sub("", markdown)
    while True:
        shorter = _DETAILS.sub("", text)
        if shorter == text:
            break
        text = shorter
    return _MERMAID.sub("", _OPEN_DETAILS.sub("", text))


def count_words(markdown: str) -> int:
    """Words a learner reads in Markdown: link targets, tags and ``#`` marks do not count.

    Example:
        >>> count_words("## Cost per success\\nSee [the glossary](glossary.md), it's 4.0x.")
        8
    """
    text = _TAG.sub(" ", _LINK_TARGET.sub("]", markdown))
    return len(_WORD.findall(text))


def headings(nb: NotebookNode) -> list[str]:
    """Every heading of a notebook's Markdown cells (any level, ``#`` marks stripped)."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = [line for line, fenced in _lines(cell.source) if not fenced]
            found += [m.group(2) for m in map(_HEADING.match, lines) if m]
    return found


@dataclass
class Section:
    """A stretch of a notebook from one heading on the short path to the next."""

    heading: str  # the heading's text; "" for the cells before the first heading
    level: int  # 1 for "#", 2 for "##", ...; 0 for the cells before the first heading
    words: int = 0  # short-path words: Markdown cells, and Markdown the code displays
    exercises: list[str] = field(default_factory=list)  # exercise ids checked in it
    cells: list[int] = field(default_factory=list)  # indices of its cells in the notebook


def sections(nb: NotebookNode) -> list[Section]:
    """A notebook cut at its headings, with each part's words and exercises.

    Only headings on the short path cut (a heading inside ``<details>`` belongs to hidden
    text). Markdown a code cell displayed (``text/markdown`` outputs of an executed
    notebook) is read too, so prose rendered from computed values counts.
    """
    parts = [Section("", 0)]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for line, fenced in _lines(short_path(cell.source)):
                match = None if fenced else _HEADING.match(line)
                if match:
                    parts.append(Section(match.group(2), len(match.group(1))))
                parts[-1].words += count_words(line)  # code in a fence is read too
            parts[-1].cells.append(index)
        elif cell.cell_type == "code":
            parts[-1].cells.append(index)
            parts[-1].exercises += _CHECK.findall(cell.source)
            for output in cell.get("outputs", []):
                shown = output.get("data", {}).get("text/markdown")
                if shown:
                    text = shown if isinstance(shown, str) else "".join(shown)
                    parts[-1].words += count_words(short_path(text))
    return parts


def _lines(text: str) -> list[tuple[str, bool]]:
    """Lines of Markdown, each with whether it is inside a code fence (a ``# comment`` there
    is no heading); the fence lines themselves are blank."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            lines.append(("", True))
        else:
            lines.append((line, fenced))
    return lines


def selected(parts: list[Section], names: list[str]) -> list[Section]:
    """The sections a track row names, each with its subsections, plus the notebook's opening.

    The opening (title, imports, seed: everything before the first ``##``), the objectives
    and the key points (``ALWAYS``) always come along: every track starts and ends a
    notebook the same way.

    Raises:
        KeyError: a name that is no heading of the notebook.
    """
    known = {part.heading for part in parts}
    missing = [name for name in names if name not in known]
    if missing:
        raise KeyError(f"no such heading: {missing}; headings: {sorted(known - {''})}")
    chosen: list[Section] = []
    inside_level = None  # the level of the named heading we are inside, if any
    for part in parts:
        if inside_level is not None and 0 < part.level <= inside_level:
            inside_level = None
        if part.heading in names:
            inside_level = part.level
        if inside_level is not None or part.level <= 1 or ALWAYS.match(part.heading):
            chosen.append(part)
    return chosen


def executed_seconds(nb: NotebookNode) -> float | None:
    """Seconds from the first code cell's start to the last one's end, from the timings an
    executed notebook keeps (nbclient and ``jupyter nbconvert --execute`` record them);
    None when it has none."""
    starts, ends = [], []
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            starts.append(datetime.fromisoformat(timing["iopub.execute_input"]))
            ends.append(datetime.fromisoformat(timing["shell.execute_reply"]))
    return (max(ends) - min(starts)).total_seconds() if starts else None


def minutes(words: int, execution_s: float, exercises: int) -> float:
    """Suggested minutes: reading at ``WORDS_PER_MINUTE``, running, ``MINUTES_PER_EXERCISE`` each.

    Example:
        >>> minutes(1500, 30.0, 3)
        22.5
    """
    return words / WORDS_PER_MINUTE + execution_s / 60 + MINUTES_PER_EXERCISE * exercises


@dataclass
class TrackRow:
    """One row of a track table in the guide that works through a notebook."""

    notebook: str  # the notebook's file name without ".ipynb", e.g. "02_scaling_scope"
    headings: list[str]  # the sections it covers, by heading text


_TRACK = re.compile(r"^## (.*track.*)$", re.M | re.I)
_ROW_NOTEBOOK = re.compile(r"`(\d\d_[a-z0-9_]+)`")
_QUOTED = re.compile(r"\"([^\"]+)\"")


def tracks(guide: str) -> dict[str, list[TrackRow]]:
    """The tracks of the guide: each ``## ... track ...`` section's table rows that name a notebook.

    A row names its notebook in backticks in the second column and its sections as quoted
    headings in the third, e.g. ``| 0:10 | `02_scaling_scope` | "Growing memory" | 14 |``.

    Example:
        >>> text = '## The 2-hour track\\n| 0:10 | `02_x` | "A" · "B" | 9 |\\n## Other'
        >>> tracks(text)
        {'The 2-hour track': [TrackRow(notebook='02_x', headings=['A', 'B'])]}
    """
    found: dict[str, list[TrackRow]] = {}
    for start in _TRACK.finditer(guide):
        body = guide[start.end() :]
        body = body[: m.start()] if (m := re.search(r"^## ", body, re.M)) else body
        rows = []
        for line in body.splitlines():
            columns = [c.strip() for c in line.strip().strip("|").split("|")]
            if not line.lstrip().startswith("|") or len(columns) < 3:
                continue
            match = _ROW_NOTEBOOK.fullmatch(columns[1])
            if match:
                rows.append(TrackRow(match.group(1), _QUOTED.findall(columns[2])))
        found[start.group(1).strip()] = rows
    return found


def read(name: str) -> NotebookNode:
    """A course notebook by name (``"02_scaling_scope"``), from ``agentlab/notebooks/``."""
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
