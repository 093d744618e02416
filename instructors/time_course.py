"""Time the course: run each notebook headless, count what a learner reads and does.

Prints two Markdown tables, the ones ``instructors/GUIDE.md`` quotes: one row per notebook
(execution seconds, short-path words, reading minutes, exercises, suggested minutes), then
each track of the guide with the minutes of the sections it names. Run it from the
repository's root, on an idle machine (it executes the notebooks one after the other)::

    .venv/bin/python instructors/time_course.py                 # every notebook, and the tracks
    .venv/bin/python instructors/time_course.py 02_scaling_scope --save /tmp/executed
    .venv/bin/python instructors/time_course.py --no-execute    # counts only, in a second
    .venv/bin/python instructors/time_course.py --executed /tmp/executed   # time saved runs

Suggested minutes = short-path words / 150 + execution + 4 per exercise (``course_text``).
Exit status 1 when a notebook failed to run (its row says why; the others still run).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import nbformat
from course_text import (
    GUIDE,
    MINUTES_PER_EXERCISE,
    NOTEBOOKS,
    WORDS_PER_MINUTE,
    Section,
    executed_seconds,
    minutes,
    sections,
    selected,
    tracks,
)
from nbclient import NotebookClient
from nbformat import NotebookNode

CELL_TIMEOUT = 300  # seconds; a cell that takes longer fails its notebook's row


def execute(nb: NotebookNode, cwd: Path) -> float:
    """Run a notebook in place in a fresh ``python3`` kernel, headless; return the seconds.

    The seconds run from the first cell's start to the last cell's end: what "Run All"
    takes once the kernel is up (starting it adds a second or two, while the learner reads).
    """
    os.environ["AGENTLAB_HEADLESS"] = "1"  # the kernel inherits it: widgets answer themselves
    marks: list[float] = []
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=lambda **_: marks.append(time.perf_counter()) if not marks else None,
        on_cell_executed=lambda **_: marks.append(time.perf_counter()),
    )
    client.execute()
    return marks[-1] - marks[0] if len(marks) > 1 else 0.0


def load() -> str:
    """The load averages over 1, 5 and 15 minutes."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def machine(before: str) -> str:
    """The date, CPUs, load before and now, and Python, for the line under a table."""
    return (
        f"{date.today().isoformat()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {before} before the run and {load()} after, "
        f"Python {platform.python_version()}"
    )


def notebook_table(rows: list[tuple[str, float | str, list[Section]]]) -> str:
    """The per-notebook table in Markdown, with a total row."""
    lines = [
        "| notebook | execution s | short-path words | reading min | exercises | suggested min |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = [0.0, 0, 0.0, 0, 0.0]
    for name, seconds, parts in rows:
        words = sum(p.words for p in parts)
        exercises = sum(len(p.exercises) for p in parts)
        reading = words / WORDS_PER_MINUTE
        run = seconds if isinstance(seconds, float) else 0.0  # failed or not run: none
        shown = f"{seconds:.1f}" if isinstance(seconds, float) else seconds
        suggested = round(minutes(words, run, exercises))
        lines.append(
            f"| `{name}` | {shown} | {words:,} | {reading:.0f} | {exercises} | {suggested} |"
        )
        for i, value in enumerate([run, words, reading, exercises, minutes(words, run, exercises)]):
            total[i] += value
    lines.append(
        f"| all | {total[0]:.1f} | {int(total[1]):,} | {total[2]:.0f} | {int(total[3])} "
        f"| {round(total[4])} |"
    )
    return "\n".join(lines)


def track_tables(
    guide: str, parts: dict[str, list[Section]], seconds: dict[str, float | str]
) -> str:
    """Each track of the guide: per notebook row, the minutes of the sections it names.

    A row's minutes: the named sections' words and exercises, plus the whole notebook's
    execution (its later cells need the earlier ones: the learner runs them all).
    """
    out = []
    for title, rows in tracks(guide).items():
        out += [f"{title}:", "", "| notebook | sections | words | exercises | minutes |"]
        out.append("| --- | --- | ---: | ---: | ---: |")
        total = 0.0
        for row in rows:
            if row.notebook not in parts:
                out.append(f"| `{row.notebook}` | (not timed) | | | |")
                continue
            try:
                chosen = selected(parts[row.notebook], row.headings)
            except KeyError as exc:
                out.append(f"| `{row.notebook}` | {exc} | | | |")
                continue
            words = sum(p.words for p in chosen)
            exercises = sum(len(p.exercises) for p in chosen)
            run = seconds.get(row.notebook)
            spent = minutes(words, run if isinstance(run, float) else 0.0, exercises)
            total += spent
            named = " · ".join(f'"{h}"' for h in row.headings) or "(whole notebook)"
            out.append(f"| `{row.notebook}` | {named} | {words:,} | {exercises} | {spent:.0f} |")
        out += [f"| total | | | | {total:.0f} |", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Time the notebooks named (default: all), print the tables; 1 if a notebook failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="names, e.g. 02_scaling_scope (default: all)")
    parser.add_argument("--save", type=Path, help="write the executed notebooks to this folder")
    parser.add_argument("--no-execute", action="store_true", help="count words and exercises only")
    parser.add_argument(
        "--executed",
        type=Path,
        help="time notebooks already executed into this folder (from their cell timings)",
    )
    args = parser.parse_args(argv)
    names = args.notebooks or sorted(p.stem for p in NOTEBOOKS.glob("[01][0-9]_*.ipynb"))
    unknown = [n for n in names if not (NOTEBOOKS / f"{n}.ipynb").is_file()]
    if unknown:
        parser.error(f"notebooks: no such notebook {unknown}; allowed: names in {NOTEBOOKS}")
    if args.executed:
        absent = [n for n in names if not (args.executed / f"{n}.ipynb").is_file()]
        if absent:
            parser.error(f"--executed: {args.executed} has no executed notebook {absent}")
    before = load()
    rows: list[tuple[str, float | str, list[Section]]] = []
    failed = False
    for name in names:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        seconds: float | str = "not run"
        if args.executed:
            nb = nbformat.read(args.executed / f"{name}.ipynb", as_version=4)
            timed = executed_seconds(nb)
            seconds = "no timings" if timed is None else timed
        elif not args.no_execute:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            try:
                seconds = execute(nb, NOTEBOOKS)
            except Exception as exc:  # the row says so; the other notebooks still run
                seconds, failed = f"failed: {type(exc).__name__}", True
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, args.save / f"{name}.ipynb")
        rows.append((name, seconds, sections(nb)))
    print(notebook_table(rows))
    where = machine(before)
    if args.executed:
        where = f"execution from the cell timings saved in {args.executed}"
    print(
        f"\n{where}. Reading at {WORDS_PER_MINUTE} words a minute, "
        f"{MINUTES_PER_EXERCISE} minutes an exercise.\n"
    )
    if GUIDE.is_file():
        print(
            track_tables(GUIDE.read_text(), {n: p for n, _, p in rows}, {n: s for n, s, _ in rows})
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
