"""The exercises of the team notebooks (05-08), graded by ``agentlab.ui.exercises.check``.

Each check compares the learner's answer with values the notebook passes in (a paired
interval it computed, a table it printed, an episode's steps) or with a run of the
learner's own configuration, never with a number written here. An ordering is accepted
only when the paired interval separates the two; "no difference" only when it does not.
Reference solutions: ``instructors/solutions/``. Introduced in notebook 05.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from agentlab.config import EpisodeConfig
from agentlab.measure.verdicts import Comparison
from agentlab.run.runner import grid, run_episodes
from agentlab.ui.exercises import Unfit, choice, exercise, integer, number
from agentlab.world.capabilities import with_data

SAME = "no difference"


def _order(lo: float, hi: float, null: float = 0.0) -> int:
    """+1 when the interval lies above ``null``, -1 below, 0 when it holds it."""
    return 1 if lo > null else -1 if hi < null else 0


def _ordering(answer: Any, order: int, first: str, second: str, where: str) -> str | None:
    """A "first"/"second"/"no difference" answer against an interval's ``order`` (+1: the
    first is higher, -1: the second, 0: the interval holds no difference)."""
    said = choice(answer, (first, second, SAME))
    if {first: 1, second: -1, SAME: 0}[said] == order:
        return None
    return (
        f"Read the interval {where}: does it lie above zero, below it, or hold it? An "
        "ordering needs an interval that excludes zero; mind which is subtracted from which."
    )


def _comparison(c: Comparison) -> int:
    return _order(c.lo, c.hi, 0.0 if c.how == "difference" else 1.0)


def _largest(answer: Any, column: pd.Series, what: str) -> str | None:
    """A row label of ``column`` that holds its largest value."""
    said = choice(answer, tuple(str(i) for i in column.index))
    if column[said] == column.max():
        return None
    return f"{said!r} is not the largest: compare the {what} column row by row."


def root_agent(answer: Any, steps: pd.DataFrame) -> str | None:
    """Hint unless ``answer`` names the agent of the episode's first root error."""
    agents = tuple(str(a) for a in steps.agent.dropna().unique())
    said = choice(answer, agents)
    roots = steps[steps.root_error.eq(True)]
    if roots.empty:
        raise Unfit("This episode made no root error: pass the steps of a failed episode.")
    if said == roots.iloc[0]["agent"]:
        return None
    mine = steps[(steps.agent == said) & steps.correct.eq(False)]
    if mine.empty:
        return f"Every decision of the {said} was right (`correct`): look for a wrong one."
    if not mine.root_error.any():
        return (
            f"The {said} decided wrong, but on tainted input (`tainted_input`): it inherited "
            "the error. Follow `derived_from` back to where it began."
        )
    return "That agent made a root error, but not the first: read the `step` column in order."


def _cost_per_success(episodes: pd.DataFrame, by: str) -> pd.Series:
    g = episodes.groupby(by)
    return (g.cost_usd.sum() / g.success.sum().replace(0, float("nan"))).fillna(float("inf"))


# ---- notebook 05 ------------------------------------------------------------------------


@exercise(
    "05.1",
    "predict",
    "At 64 tools, does the team succeed more often than the single agent?",
    "Each member chooses among its own few tools: the scope that hurts one agent is split.",
)
def _team_at_64(answer: Any, *, comparison: Comparison) -> str | None:
    return _ordering(answer, _comparison(comparison), "team", "single", "printed at 64 tools")


@exercise(
    "05.2",
    "configure",
    "Find a number of tools at which the travel team is cheaper per success.",
    "A wide scope makes the single agent fail often; each failure's spend counts.",
)
def _cheaper_team(answer: Any, *, travel: EpisodeConfig, seeds: Sequence[int]) -> str | None:
    tools = integer(answer, "a number of tools")
    configs = grid(travel, architecture=["single", "centralized"], tools=[tools], seeds=seeds)
    cps = _cost_per_success(run_episodes(configs, progress=False).episodes, "architecture")
    if cps["centralized"] < cps["single"]:
        return None
    return (
        f"At {tools} tools the team paid ${cps['centralized']:.4f} per successful trip and the "
        f"single agent ${cps['single']:.4f}. Where does the single agent lose most trips?"
    )


@exercise(
    "05.3",
    "read",
    "Which architecture lets the most errors escape into a wrong answer?",
    "Count errors, not wrong answers: members who each answer the whole question, in"
    " parallel, can let several errors escape behind one wrong answer.",
)
def _most_escaped(answer: Any, *, table: pd.DataFrame) -> str | None:
    return _largest(answer, table["errors_escaped"], "`errors_escaped`")


@exercise(
    "05.4",
    "provenance",
    "Which agent made this episode's first root error?",
    "Its error travelled in the handoff: every agent after it read it.",
)
def _crew_root(answer: Any, *, steps: pd.DataFrame) -> str | None:
    return root_agent(answer, steps)


# ---- notebook 06 ------------------------------------------------------------------------


@exercise(
    "06.1",
    "predict",
    "Does the dedicated checker get more answers right than the embedded one?",
    "A reviewer of someone else's work, in a short context, catches more.",
)
def _checker(answer: Any, *, comparison: Comparison) -> str | None:
    where = "on the first verdict line"
    return _ordering(answer, _comparison(comparison), "dedicated", "embedded", where)


@exercise(
    "06.2",
    "provenance",
    "Which agent made the first root error of the first wrong answer?",
    "Provenance names where an error began, not where it showed.",
)
def _failed_root(answer: Any, *, steps: pd.DataFrame) -> str | None:
    return root_agent(answer, steps)


@exercise(
    "06.3",
    "configure",
    "Find rank_filter data under which the ranker of its own is cheaper per success.",
    "Placement follows the data: coupling and reuse decide it.",
)
def _flip_ranker(
    answer: Any, *, base: EpisodeConfig, own: str, embedded: str, seeds: Sequence[int]
) -> str | None:
    if not isinstance(answer, dict) or not set(answer) <= {"coupling", "reuse"} or not answer:
        raise Unfit(f'Answer with a dict such as `{{"coupling": 0.5}}` (got {answer!r}).')
    data = {"coupling": number(answer.get("coupling", 0.9), "a coupling from 0 to 1")}
    data["reuse"] = integer(answer.get("reuse", 1), "a reuse count")
    if not 0 <= data["coupling"] <= 1 or data["reuse"] < 1:
        raise Unfit("coupling runs from 0 to 1 and reuse from 1 up.")
    caps = with_data(rank_filter={k: v for k, v in data.items() if k in answer})
    runs = run_episodes(
        grid(base, placement=[own, embedded], seeds=seeds), caps=caps, progress=False
    )
    cps = _cost_per_success(runs.episodes, "placement")
    if cps[own] < cps[embedded]:
        return None
    return (
        f"With {answer} the ranker of its own paid ${cps[own]:.4f} per success, embedded "
        f"${cps[embedded]:.4f}. What does a handoff lose when coupling is high, and what does "
        "embedding cost when many agents reuse the capability?"
    )


# ---- notebook 07 ------------------------------------------------------------------------


@exercise(
    "07.1",
    "predict",
    "From one agent to four, do coordination tokens per episode grow or shrink?",
    "Each agent that moves out adds routing calls and handoffs.",
)
def _coordination(answer: Any, *, coordination: pd.Series) -> str | None:
    said = choice(answer, ("more", "less"))
    if (said == "more") == bool(coordination.iloc[-1] > coordination.iloc[0]):
        return None
    return "Compare `coordination_tokens` in the first and the last row of the ladder table."


@exercise(
    "07.2",
    "read",
    "At how many agents does the busiest agent's decision read the fewest tokens?",
    "Splitting takes tools and history out of each agent's prompt.",
)
def _leanest(answer: Any, *, trade: pd.DataFrame) -> str | None:
    rungs = [int(i) for i in trade.index]
    said = integer(answer, f"one of the `agents` values {rungs}")
    if said not in rungs:
        return f"Answer with one of the `agents` values {rungs} (got {answer!r})."
    if trade.busiest_tokens[said] == trade.busiest_tokens.min():
        return None
    return "Read the `busiest_tokens` column (or its panel in the plot) from top to bottom."


@exercise(
    "07.3",
    "provenance",
    "In the top rung's first wrong answer, which agent made the first root error?",
    "The error began there; the agents after it only carried it.",
)
def _rung_root(answer: Any, *, steps: pd.DataFrame) -> str | None:
    return root_agent(answer, steps)


@exercise(
    "07.4",
    "predict",
    "Does owning both sub-agents change success against all as tools?",
    "On twelve questions, read the interval before any ordering.",
)
def _owns_both(answer: Any, *, comparison: Comparison) -> str | None:
    where = "in the last line printed"
    return _ordering(answer, _comparison(comparison), "owns both", "all as tools", where)


# ---- notebook 08 ------------------------------------------------------------------------


@exercise(
    "08.1",
    "read",
    "Which architecture has the largest overhead in the lab's table?",
    "Overhead counts every token beyond the single agent's.",
)
def _overhead(answer: Any, *, lab: pd.DataFrame) -> str | None:
    return _largest(answer, lab["overhead_pct"], "lab's `overhead_pct`")


@exercise(
    "08.2",
    "configure",
    "Find a budget at which the hybrid team answers as many questions as the centralized one.",
    "The budget picks the winner: a full researcher per member needs room.",
)
def _budget(answer: Any, *, episodes: pd.DataFrame, p90: float) -> str | None:
    f = number(answer, "a budget as a multiple of the single agent's 90th percentile")
    a, b = "hybrid", "centralized"
    ok = (episodes.success & (episodes.tokens <= f * p90)).groupby(episodes.architecture).sum()
    if ok[a] >= ok[b] and ok[a] > 0:
        return None
    if ok[a] == ok[b] == 0:
        return f"Under {f:g}x neither team answers anything: a tie at nothing. Give them room."
    return (
        f"Under {f:g}x the {a} team answers {ok[a]} questions, the {b} team {ok[b]}. "
        "Which of them needs more tokens per question (the budget plot)?"
    )


@exercise(
    "08.3",
    "predict",
    "At 80 tools, does the hybrid team succeed more often than the single agent?",
    "Read the verdict from the interval, not from the points.",
)
def _hybrid_at_80(answer: Any, *, comparison: Comparison) -> str | None:
    return _ordering(answer, _comparison(comparison), "team", "single", "printed at 80 tools")
