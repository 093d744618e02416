"""The exercises of the travel notebooks (00-04), graded by ``agentlab.ui.exercises.check``.

Each check compares the learner's answer with values the notebook passes in (what it just
measured) or with a run of the learner's own configuration, never with a number written
here, so the checks survive a re-run with other seeds or physics. Reference solutions:
``instructors/solutions/`` in the repository. Introduced in notebook 00.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from agentlab.config import EpisodeConfig
from agentlab.measure.compounding import chain_success
from agentlab.run.runner import grid, run_episode, run_episodes
from agentlab.sim.profiles import get_profile
from agentlab.ui.exercises import Unfit, choice, exercise, integer, number, yes_no
from agentlab.ui.plot_base import wilson_interval

DIRECTIONS = ("more", "less")


def _direction(answer: Any, measured_more: bool, what: str) -> str | None:
    """A "more"/"less" answer against a measured direction."""
    said = choice(answer, DIRECTIONS)
    return None if (said == "more") == measured_more else what


def _step(answer: Any, steps: pd.DataFrame) -> pd.Series:
    """The row of the steps table a step number names."""
    n = integer(answer, "the `step` column's number")
    rows = steps[steps["step"] == n]
    if rows.empty:
        raise Unfit(f"There is no step {n}: the steps run {steps.step.min()}-{steps.step.max()}.")
    return rows.iloc[0]


def _wrong(row: pd.Series) -> str | None:
    """A hint when this step's decision was right or was no decision (a tool call)."""
    if row["correct"] is None or pd.isna(row["correct"]):
        return f"Step {row['step']} ran a tool ({row['decision']}): a tool decides nothing."
    if bool(row["correct"]):
        return (
            f"Step {row['step']} ({row['node']}, {row['decision']}) was right (`correct` is True)."
        )
    return None


# ---- notebook 00 ------------------------------------------------------------------------


@exercise(
    "00.1",
    "predict",
    "Does a second run of the same seed give the same steps table?",
    "The dice are a function of the seed and the prompt: same seed, same tables.",
)
def _same_tables(answer: Any, *, measured: bool) -> str | None:
    said = yes_no(answer)
    if said == measured:
        return None
    return (
        "Re-read what the dice of each call depend on (the section above): does anything in "
        "them change between two runs of the same configuration?"
    )


@exercise(
    "00.3",
    "read",
    "Which scope has the lower cost per successful trip?",
    "Cost per success counts the failures' spend too.",
)
def _cheaper_scope(answer: Any, *, table: pd.DataFrame) -> str | None:
    tools = [int(t) for t in table["tools"]]
    said = integer(answer, f"one of the table's `tools` values {tools}")
    if said not in tools:
        return f"Answer with one of the table's `tools` values {tools} (got {answer!r})."
    cps = table.set_index("tools")["cost_per_success_usd"].astype(float).fillna(float("inf"))
    if cps[said] == cps.min():
        return None
    return (
        f"Dollars per successful trip at {said} tools is not the lowest: compare the "
        "`cost_per_success_usd` column row by row (total cost over successes, not per episode)."
    )


@exercise(
    "00.2",
    "configure",
    "Find a seed at which the Washington trip succeeds.",
    "With this seed the dice read Washington the way the user meant it.",
)
def _washington_seed(answer: Any, *, request: str) -> str | None:
    seed = integer(answer, "a seed")
    episode = run_episode(EpisodeConfig(request=request, seed=seed))
    if episode.success:
        return None
    assumed = episode.state["plan"]["assumptions"][0]["value"]
    if episode.step_rows()[0]["correct"]:  # the plan read it right; a later step slipped
        return f"With seed {seed} the plan read {assumed!r} rightly, but a later step slipped."
    return (
        f"With seed {seed} the plan assumed {assumed!r} and the trip failed. Which reading did "
        "the user mean (`episode.request.note`)? Try other seeds until the dice agree with it."
    )


# ---- notebook 01 ------------------------------------------------------------------------


@exercise(
    "01.1",
    "provenance",
    "Which step made the episode's first wrong decision?",
    "Everything after it derives from it: the root error.",
)
def _first_wrong_step(answer: Any, *, steps: pd.DataFrame) -> str | None:
    row = _step(answer, steps)
    wrong = _wrong(row)
    if wrong is not None:
        return wrong
    earlier = steps[(steps.step < row["step"]) & (steps.correct == False)]  # noqa: E712
    if earlier.empty:
        return None
    return (
        f"Step {row['step']} was wrong, but it was not the first: read the `correct` column "
        "from the top."
    )


@exercise(
    "01.3", "predict", "Which node takes the most money?", "Each act call resends the whole prompt."
)
def _costliest_node(answer: Any, *, shares: pd.Series) -> str | None:
    said = choice(answer, tuple(str(n) for n in shares.index))
    if shares[said] == shares.max():
        return None
    return (
        f"{said!r} is not the node that spends the most: every call of one node resends the "
        "whole prompt, and there are many of those calls per episode."
    )


@exercise(
    "01.2",
    "read",
    "Do ambiguous requests succeed more or less often?",
    "The prior decides the reading of an ambiguous place, whatever the scope.",
)
def _ambiguous_success(answer: Any, *, success: pd.Series) -> str | None:
    return _direction(
        answer,
        bool(success[True] > success[False]),
        "Compare the `success` column of the two rows: `ambiguous` True against False.",
    )


# ---- notebook 02 ------------------------------------------------------------------------


@exercise(
    "02.1",
    "predict",
    "Does cost per decision grow more or less than the tools?",
    "The system prompt and the history do not grow with the tools.",
)
def _cost_growth(answer: Any, *, growth: float, tools_growth: float) -> str | None:
    return _direction(
        answer,
        bool(growth > tools_growth),
        "Which parts of a prompt grow with the tools, and which stay the same size (the system "
        "prompt, the request, the history)? The printed growth per decision tells.",
    )


@exercise(
    "02.2",
    "read",
    "Which part of the prompt grows most with the tools?",
    "Every tool's schema rides along in every call.",
)
def _growing_part(answer: Any, *, steps: pd.DataFrame) -> str | None:
    parts = ("system", "tools", "memory", "history")
    said = choice(answer, parts)
    calls = steps[steps.node.isin(["plan", "act", "reflect"])]
    means = calls.groupby("tools_in_scope")[[f"tokens_in_{p}" for p in parts]].mean()
    grew = means.iloc[-1] - means.iloc[0]
    if grew[f"tokens_in_{said}"] == grew.max():
        return None
    return (
        f"The {said} part grows, but not the most: compare the height of each colour in the "
        "first bar and in the last."
    )


@exercise(
    "02.3",
    "configure",
    "Find a tools value where success falls below half.",
    "Wider scope, more wrong picks, fewer trips done right.",
)
def _half_success(answer: Any, *, seeds: range, baseline: float) -> str | None:
    tools = integer(answer, "a number of tools")
    runs = run_episodes(grid(tools=[tools], seeds=seeds), progress=False).episodes
    if runs.success.mean() < baseline / 2:
        return None
    return (
        f"At {tools} tools {int(runs.success.sum())} of {len(runs)} trips succeeded "
        f"({runs.success.mean():.0%}), not below half the four-tool rate ({baseline / 2:.0%}). "
        "Which way does success move as the tools grow (the plot above)?"
    )


@exercise(
    "02.4",
    "predict",
    "Is a fact in the middle found as often as at the start?",
    "Lost in the middle: the start and the end are read best.",
)
def _middle_as_often(answer: Any, *, start: float, middle: float) -> str | None:
    said = yes_no(answer)
    if said == bool(middle >= start):
        return None
    return (
        "Compare the `position` rows of the table: the same fact, the same prompt length, "
        "three places."
    )


# ---- notebook 03 ------------------------------------------------------------------------


@exercise(
    "03.1",
    "provenance",
    "Which step is this episode's root error?",
    "A wrong decision made on clean input: where the taint begins.",
)
def _root_step(answer: Any, *, steps: pd.DataFrame) -> str | None:
    row = _step(answer, steps)
    wrong = _wrong(row)
    if wrong is not None:
        return wrong
    if bool(row["tainted_input"]):
        return (
            f"Step {row['step']} was wrong, but it read tainted input (`tainted_input`): it "
            "inherited its error. Follow its `derived_from` back."
        )
    return None if bool(row["root_error"]) else "Look for a wrong decision made on clean input."


@exercise(
    "03.2",
    "predict",
    "With 1,000 notes, does the reviewer catch a smaller share, a larger one, or no "
    "difference that this many slips can show?",
    "A share, not a count, and with its interval: small counts order nothing.",
)
def _catch_share(answer: Any, *, table: pd.DataFrame) -> str | None:
    said = choice(answer, ("smaller", "larger", "no difference"))
    caught, reviewed = table["execution_errors_caught"], table["execution_errors_reviewed"]
    (lo0, hi0), (lo1, hi1) = (wilson_interval(caught.iloc[i], reviewed.iloc[i]) for i in (0, -1))
    seen = "smaller" if hi1 < lo0 else "larger" if lo1 > hi0 else "no difference"
    if said == seen:
        return None
    shares = ", ".join(
        f"{c:.0f} of {n:.0f} ({c / n:.0%}) with {m:,}" if n else f"none reviewed with {m:,}"
        for m, c, n in zip(table.index, caught, reviewed, strict=True)
    )
    return (
        f"Divide `execution_errors_caught` by `execution_errors_reviewed` (the sums): {shares} "
        "notes. The counts mislead (longer prompts make more slips), and a share reads as "
        "smaller or larger only when the 95% intervals (the plot's whiskers) do not overlap."
    )


@exercise(
    "03.4",
    "read",
    "At the largest k, is pass^k above or below constant p?",
    "Easy requests stay easy and hard ones hard: the chances are not all the same.",
)
def _pass_k(answer: Any, *, passes: pd.DataFrame) -> str | None:
    last = passes.iloc[-1]
    said = choice(answer, ("above", "below"))
    return _direction(
        "more" if said == "above" else "less",
        bool(last.pass_k > last.constant_p),
        "Read the two curves at the right end of the plot (or the last row of `passes`).",
    )


@exercise(
    "03.3",
    "configure",
    "Find a flat accuracy at which ten decisions succeed about half the time.",
    "p^10 is about one half: each step has to be very reliable.",
)
def _flat_half(answer: Any, *, n: int, episodes: int, low: float, high: float) -> str | None:
    p = number(answer, "a per-decision accuracy between 0 and 1")
    measured = chain_success(get_profile("gpt-4o-mini", flat_accuracy=p), [n], episodes=episodes)
    share = float(measured.success.iloc[0])
    if low <= share <= high:
        return None
    way = "lower" if share > high else "higher"
    return f"With p = {p}, {share:.0%} of {n}-decision chains succeeded: try a {way} p."


# ---- notebook 04 ------------------------------------------------------------------------


@exercise(
    "04.1",
    "predict",
    "Does the checkpoint run cost more or less model money?",
    "A wrong plan spends tokens on the wrong place and on retries there.",
)
def _clarify_cost(answer: Any, *, without: float, with_checkpoint: float) -> str | None:
    return _direction(
        answer,
        bool(with_checkpoint > without),
        "Compare `cost_usd` in the two columns. What did the run without a checkpoint spend "
        "its tokens on, once the plan was wrong?",
    )


@exercise(
    "04.2",
    "read",
    "Which policy lets the fewest errors escape?",
    "Now look at what that policy costs, in money and in a person's time.",
)
def _fewest_escaped(answer: Any, *, escaped: pd.Series) -> str | None:
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return (
            f"Answer with a pair `(clarify, verify)`, e.g. `('never', 'never')` (got {answer!r})."
        )
    key = (str(answer[0]).strip().lower(), str(answer[1]).strip().lower())
    if key not in escaped.index:
        return f"No policy {key}: the table's rows are its (clarify, verify) pairs."
    if escaped[key] == escaped.min():
        return None
    return (
        f"{key} lets {escaped[key]:.3f} errors per episode escape: some policy lets fewer "
        "(the `escaped` column)."
    )


@exercise(
    "04.3",
    "configure",
    "Find a failure price at which clarifying pays.",
    "Once a failure has a price, the cheap question at the right moment pays.",
)
def _failure_price(answer: Any, *, per: pd.DataFrame, policy: tuple[str, str]) -> str | None:
    f = number(answer, "the dollars a failed trip costs")

    costs = (per.cost_usd + per.human_usd + (1 - per.success) * f).to_dict()
    mine, base = costs[policy], costs[("never", "never")]
    if mine < base:
        return None
    success = per["success"].to_dict()
    if success[policy] <= success[("never", "never")]:
        return f"{policy} succeeds no more often than no checkpoint: no failure price makes it pay."
    return (
        f"At F = ${f:g}, {policy} costs ${mine:.3f} per request and no checkpoint ${base:.3f}. "
        "Which of the two fails more often, and what happens to its cost as F grows?"
    )
