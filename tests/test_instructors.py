"""The instructors' material stays true to the course: ``instructors/GUIDE.md`` and its timer.

Quick (no notebook runs): the timer's counting on a tiny notebook, the guide's tracks against
the notebooks' headings, the guide's wrong answers against the exercises, the guide's quoted
timing table against the counts it was made from, and the wheel leaving the solutions out.
"""

from __future__ import annotations

import doctest
import re
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "instructors"))

import course_text  # noqa: E402
import time_course  # noqa: E402

GUIDE_TEXT = course_text.GUIDE.read_text()
NAMES = sorted(p.stem for p in course_text.NOTEBOOKS.glob("[01][0-9]_*.ipynb"))
TRACKS = course_text.tracks(GUIDE_TEXT)

TINY = new_notebook(
    cells=[
        new_markdown_cell("# 99 · Tiny\n\nYou will count words."),  # 6 words
        new_markdown_cell("## What you will be able to do\n\n* Count."),  # 8
        new_code_cell("import agentlab as al"),
        new_markdown_cell(
            "## First part\n\nRead [this](https://example.org/a-long-url) now.\n\n"  # 6
            "<details><summary>Go deeper</summary>\n\nHidden words here.\n\n"
            "<details>nested too</details>\n\n## Hidden heading\n</details>\n\n"
            "```mermaid\ngraph LR\n  a --> b\n```\n"
            "```python\nrun(x)\n```\n"  # 2: code in a fence is read
            "<!-- a note to authors -->"
        ),
        new_code_cell('answer = ...\nal.ui.exercises.check(\n    "99.1", answer, steps=steps)'),
        new_markdown_cell("### A subsection\n\nTwo words."),  # 4
        new_code_cell(
            "show()",
            outputs=[
                new_output("display_data", {"text/markdown": "Three shown words."}),
                new_output("display_data", {"text/html": "<b>not read</b>"}),
            ],
        ),
        new_markdown_cell("## Second part\n\n```bash\n# a comment, not a heading\n```"),  # 7
        new_code_cell('al.ui.exercises.check("99.2", x)\n# al.ui.exercises.check is the idiom'),
        new_markdown_cell("## Key points\n\n* One."),  # 3
    ]
)


def test_words_and_exercises_of_a_tiny_notebook() -> None:
    parts = course_text.sections(TINY)
    assert [(p.heading, p.level) for p in parts] == [
        ("", 0),
        ("99 · Tiny", 1),
        ("What you will be able to do", 2),
        ("First part", 2),
        ("A subsection", 3),
        ("Second part", 2),
        ("Key points", 2),
    ]
    assert [p.words for p in parts] == [0, 6, 8, 7, 7, 7, 3]
    assert [p.exercises for p in parts] == [[], [], [], ["99.1"], [], ["99.2"], []]
    assert "Hidden heading" in course_text.headings(TINY)  # it exists, off the short path


def test_a_track_row_takes_its_subsections_the_opening_and_the_key_points() -> None:
    parts = course_text.sections(TINY)
    chosen = course_text.selected(parts, ["First part"])
    assert [p.heading for p in chosen] == [
        "",
        "99 · Tiny",
        "What you will be able to do",
        "First part",
        "A subsection",
        "Key points",
    ]
    assert [p.heading for p in course_text.selected(parts, ["Second part"])][-2:] == [
        "Second part",
        "Key points",
    ]
    with pytest.raises(KeyError, match="Third part"):
        course_text.selected(parts, ["Third part"])


def test_suggested_minutes_add_reading_running_and_exercises() -> None:
    assert course_text.minutes(300, 60.0, 2) == pytest.approx(2 + 1 + 8)


def test_the_examples_in_the_counters_docstrings_hold() -> None:
    # instructors/ is outside pytest's doctest paths: run its examples here.
    failed, tried = doctest.testmod(course_text)
    assert tried and not failed


def test_execution_seconds_come_from_the_cell_timings() -> None:
    def timed(start: str, end: str) -> object:
        cell = new_code_cell("x = 1")
        cell.metadata["execution"] = {
            "iopub.execute_input": f"2026-12-03T17:{start}Z",
            "shell.execute_reply": f"2026-12-03T17:{end}Z",
        }
        return cell

    nb = new_notebook(cells=[timed("00:01.5", "00:02.0"), timed("00:02.1", "00:13.5")])
    assert course_text.executed_seconds(nb) == pytest.approx(12.0)
    assert course_text.executed_seconds(TINY) is None


def test_the_timer_counts_without_running_and_refuses_an_unknown_notebook(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert time_course.main(["--no-execute", NAMES[0]]) == 0
    out = capsys.readouterr().out
    assert f"| `{NAMES[0]}` | not run |" in out
    with pytest.raises(SystemExit) as stop:
        time_course.main(["--no-execute", "99_nothing"])
    assert stop.value.code == 2
    assert "99_nothing" in capsys.readouterr().err


def test_the_guide_has_both_tracks() -> None:
    titles = " | ".join(TRACKS)
    assert re.search(r"2-hour", titles) and re.search(r"full-day", titles), titles
    assert all(TRACKS.values()), {t: len(r) for t, r in TRACKS.items()}


@pytest.mark.parametrize("title", list(TRACKS))
def test_a_track_names_only_notebooks_and_headings_that_exist(title: str) -> None:
    for row in TRACKS[title]:
        assert row.notebook in NAMES, f"{title}: no notebook {row.notebook}; have {NAMES}"
        assert row.headings, f"{title}: the row of {row.notebook} names no section"
        known = course_text.headings(course_text.read(row.notebook))
        missing = [h for h in row.headings if h not in known]
        assert not missing, f"{title}, {row.notebook}: no heading {missing}; headings: {known}"


def test_the_full_day_covers_every_notebook() -> None:
    (full,) = [rows for title, rows in TRACKS.items() if "full-day" in title]
    assert sorted({row.notebook for row in full}) == NAMES


def test_the_guide_discusses_every_exercise_and_no_other() -> None:
    exercises = {
        ex
        for name in NAMES
        for part in course_text.sections(course_text.read(name))
        for ex in part.exercises
    }
    wrong = GUIDE_TEXT.split("## Common wrong answers", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"\*\*(\d\d\.\d+)\*\*", wrong))
    assert named == exercises, f"missing {exercises - named}; unknown {named - exercises}"


def test_the_quoted_timing_table_matches_the_notebooks() -> None:
    # The counts need no run; the words may drift a little with edits, not a lot.
    quoted = dict(
        re.findall(
            r"^\| `(\d\d_[a-z0-9_]+)` \| [\d.]+ \| ([\d,]+ \| \d+ \| \d+) \|", GUIDE_TEXT, re.M
        )
    )
    assert sorted(quoted) == NAMES, "re-run instructors/time_course.py and paste its table"
    for name in NAMES:
        words, _, exercises = (int(x.replace(",", "")) for x in quoted[name].split(" | "))
        parts = course_text.sections(course_text.read(name))
        now_words = sum(p.words for p in parts)
        assert sum(len(p.exercises) for p in parts) == exercises, (
            f"{name}: the exercises changed; re-run instructors/time_course.py"
        )
        assert abs(now_words - words) <= 0.25 * words, (
            f"{name}: {now_words} short-path words now, {words} in the guide's table; "
            "re-run instructors/time_course.py and update the tracks"
        )


def test_the_wheel_leaves_the_instructors_material_out() -> None:
    # What setuptools packs: the top-level folders with an __init__.py that the
    # `packages.find` patterns match, and the package data named under them.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["packages"]["find"]["include"]
    packed = [
        d.name
        for d in ROOT.iterdir()
        if (d / "__init__.py").is_file() and any(fnmatch(d.name, p) for p in patterns)
    ]
    assert packed == ["agentlab"], packed
    assert not any(fnmatch("instructors", p) for p in patterns)
    assert not any(k.startswith("instructors") for k in config.get("package-data", {}))
    shipped = ROOT / "agentlab"
    assert not list(shipped.rglob("GUIDE.md")) and not list(shipped.rglob("solutions"))
    assert not (ROOT / "instructors" / "__init__.py").exists()


def test_the_tiny_notebook_is_a_valid_notebook() -> None:
    nbformat.validate(TINY)
