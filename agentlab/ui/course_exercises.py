"""The exercises of notebooks 09 (real models, offline) and 10 (sweeps), graded by
``agentlab.ui.exercises.check``.

Each check compares the learner's answer with values the notebook passes in, or with a
run of the learner's own configuration, never with a number written here; none opens a
socket beyond loopback. Reference solutions: ``instructors/solutions/``. Introduced in
notebook 09.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import Any

import pandas as pd

from agentlab.config import EpisodeConfig
from agentlab.run.sweep import run_sweep
from agentlab.ui.exercises import choice, exercise, integer, number, yes_no

FAULTS = ("rate_limit", "server_error", "malformed")


def fault_of(outcome: str) -> str:
    """The fault behind an ``"error: ..."`` outcome: HTTP 429, HTTP 500, or a broken reply."""
    if "429" in outcome:
        return "rate_limit"
    if "500" in outcome:
        return "server_error"
    return "malformed"


# ---- notebook 09 ------------------------------------------------------------------------


@exercise(
    "09.1",
    "predict",
    "Over HTTP, are the episodes' columns the same as in this process?",
    "The server runs the same seeded model; only the wall clock differs.",
)
def _same_over_http(answer: Any, *, same: bool) -> str | None:
    if yes_no(answer) == same:
        return None
    return (
        "What decides each reply: the seed and the prompt, or the transport? Compare the two "
        "tables column by column (`wall_s` is not among them)."
    )


@exercise(
    "09.2",
    "read",
    "How many episodes ended in an error at the heavy fault level?",
    "Every failed episode is still a row: nothing is lost, the outcome says why.",
)
def _failed_heavy(answer: Any, *, table: pd.DataFrame) -> str | None:
    said = integer(answer, "a count of episodes")
    heavy = table[table.faults == "heavy"]
    if said == int(heavy.failed.sum()):
        return None
    return "Count the rows whose `outcome` starts with `error` at the heavy level (`failed`)."


@exercise(
    "09.3",
    "provenance",
    "Which fault ended most of the failed episodes?",
    "Retries absorb most, but not all; a broken reply is not retried.",
)
def _which_fault(answer: Any, *, outcomes: pd.Series) -> str | None:
    said = choice(answer, FAULTS)
    counts = outcomes.map(fault_of).value_counts()
    if counts.get(said, 0) == counts.max():
        return None
    return (
        "Read the `outcome` of each failed row: an HTTP code (429 or 500) or a reply that "
        "could not be read. Which appears most?"
    )


# ---- notebook 10 ------------------------------------------------------------------------


@exercise(
    "10.1",
    "predict",
    "How many episodes will the second call of the same sweep run?",
    "Only the missing episodes run: the stored ones are never run twice.",
)
def _resumed(answer: Any, *, stored: int, total: int) -> str | None:
    said = integer(answer, "a number of episodes")
    if said == total - stored:
        return None
    return "How many episodes does the sweep hold in all, and how many are already stored?"


@exercise(
    "10.2",
    "read",
    "At the widest scope, is the window memory cheaper per success than full memory?",
    "The window trims the history, not the tool schemas.",
)
def _window_cheaper(answer: Any, *, table: pd.DataFrame) -> str | None:
    said = yes_no(answer)
    widest = table[table.tools == table.tools.max()].set_index("memory")
    cps = widest.cost_per_success_usd.astype(float).fillna(float("inf"))
    if said == bool(cps["window"] < cps["full"]):
        return None
    return "Compare `cost_per_success_usd` of the two rows with the most tools."


@exercise(
    "10.3",
    "configure",
    "Find a sweep budget that stops the sweep with some, but not all, episodes stored.",
    "A budget stops scheduling; what is stored stays stored.",
)
def _budget_stop(answer: Any, *, configs: Sequence[EpisodeConfig]) -> str | None:
    budget = number(answer, "dollars")
    with tempfile.TemporaryDirectory(prefix="agentlab-10-") as store:
        res = run_sweep(list(configs), store=store, budget_usd=budget, workers=0, progress=False)
        stored = len(res.episodes)
    if 0 < stored < len(configs):
        return None
    way = "smaller" if stored == len(configs) else "larger"
    return f"With ${budget:g}, {stored} of {len(configs)} episodes were stored: try a {way} one."
