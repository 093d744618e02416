"""Paired comparisons of two groups, the verdict each allows, and disjoint halves.

``compare`` resamples two groups (two architectures, two placements) over the *same*
questions and seeds (``intervals``: a cluster bootstrap over questions, then seeds within
a question), so the difference or ratio between them has a paired interval; ``verdict``
states an order ("A < B") only when that interval excludes no difference (0 for a
difference, 1 for a ratio), and otherwise says "no separation at this sample", with the
numbers. ``halves`` splits the questions into two disjoint sets and ``on_halves`` runs a
comparison on each: a verdict the course teaches should state the same order on both
(``tests/test_replication.py``).

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import pandas as pd

from agentlab.errors import ConfigError
from agentlab.measure.intervals import (
    CLUSTER,
    MIN_QUESTIONS,
    QUESTION,
    Metric,
    check_table,
    columns_of,
    group_index,
    group_labels,
    metric_name,
    percentile_interval,
    resampled,
)


@dataclass(frozen=True)
class Comparison:
    """A paired comparison of two groups on one metric, and what it allows one to say."""

    a: Hashable  # the first group
    b: Hashable  # the group it is compared with
    metric: str  # the metric's name
    how: Literal["difference", "ratio"]  # a - b, or a / b
    estimate: float  # on the table itself
    lo: float  # the interval's lower end
    hi: float  # its upper end
    questions: int  # questions both groups answered
    level: float = 0.95  # the interval's coverage

    @property
    def order(self) -> str | None:
        """``"<"`` or ``">"`` when the interval excludes no difference; else None."""
        null = 0.0 if self.how == "difference" else 1.0
        if self.lo > null:
            return ">"
        if self.hi < null:
            return "<"
        return None

    def questions_for(self, effect: float, power: float = 0.8) -> int:
        """Questions at which a true ``effect`` would separate with probability ``power``.

        Planning arithmetic, read from this comparison's own interval: its width at
        ``questions`` questions gives the standard error (of the log for a ratio), which
        shrinks as one over the square root of the questions; the effect separates when it
        lies (z of the level + z of the power) standard errors from no difference. It uses
        the spread the lab measured on these very designs, paired as they were run, and
        assumes that spread carries over to the effect asked about: failure rates far from
        the measured ones, or another pairing, have another spread.

        Args:
            effect: The true ratio (how="ratio", not 1) or difference (not 0) to detect,
                e.g. a published one.
            power: The probability of separating that one asks for, in (0.5, 1).

        Example:
            >>> c = Comparison("a", "b", "failure rate", "ratio", 1.1, 0.8, 1.5, 32)
            >>> c.questions_for(1.17)
            263
        """
        if not 0.5 < power < 1:
            raise ConfigError("power", power, "a probability above 0.5 and below 1")
        ratio = self.how == "ratio"
        if (ratio and (effect <= 0 or effect == 1)) or (not ratio and effect == 0):
            allowed = "a ratio above 0 other than 1" if ratio else "a difference other than 0"
            raise ConfigError("effect", effect, allowed)
        if ratio and self.lo <= 0:
            raise ConfigError("comparison", str(self), "a ratio interval above 0 (a log scale)")
        scale = np.log if ratio else (lambda x: x)
        z = NormalDist().inv_cdf
        se = (scale(self.hi) - scale(self.lo)) / (2 * z(0.5 + self.level / 2))
        needed = self.questions * ((z(0.5 + self.level / 2) + z(power)) * se / scale(effect)) ** 2
        return max(1, math.ceil(float(needed)))

    def __str__(self) -> str:
        sign = "+" if self.how == "difference" else ""
        nums = (
            f"{self.metric}, {self.a} {'-' if self.how == 'difference' else '/'} {self.b}: "
            f"{self.estimate:{sign}.3g} [{self.lo:{sign}.3g}, {self.hi:{sign}.3g}], "
            f"{self.questions} questions"
        )
        if self.order is None:
            return f"{self.a} vs {self.b}: no separation at this sample ({nums})"
        return f"{self.a} {self.order} {self.b} ({nums})"


def compare(
    frame: pd.DataFrame,
    metric: Metric,
    by: str | Sequence[str],
    a: Hashable,
    b: Hashable,
    *,
    how: Literal["difference", "ratio"] = "difference",
    cluster: Sequence[str] = CLUSTER,
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Comparison:
    """``a``'s metric minus (or over) ``b``'s, on the questions both answered, with a paired
    interval: both are resampled with the same questions and seeds.

    Args:
        frame: An episodes table holding both groups.
        metric: As for ``bootstrap_ci``.
        by: The column (or columns) whose values ``a`` and ``b`` are (tuples for columns).
        a: The first group, e.g. "centralized".
        b: The group it is compared with, e.g. "single".
        how: "difference" (a - b, no difference is 0) or "ratio" (a / b, none is 1).
        cluster: The question column, then optionally the seed column.
        level: The interval's coverage.
        resamples: Bootstrap resamples.
        seed: Seeds the resampling.

    Returns:
        A ``Comparison``; ``str()`` of it is a sentence with the numbers, and its ``order``
        is "<" or ">" only when the interval excludes no difference.

    Example:
        >>> t = pd.DataFrame({"architecture": ["a"] * 8 + ["b"] * 8,
        ...                   "request_id": list(range(8)) * 2, "seed": 0,
        ...                   "success": [1] * 8 + [0] * 8})
        >>> str(compare(t, "success", "architecture", "a", "b"))
        'a > b (success, a - b: +1 [+1, +1], 8 questions)'
    """
    if how not in ("difference", "ratio"):
        raise ConfigError("how", how, "'difference' or 'ratio'")
    by_, cluster = columns_of(by), list(cluster)
    check_table(frame, metric, by_, cluster)
    frame = frame.reset_index(drop=True)
    labels = group_labels(frame, by_)
    present = sorted(set(labels), key=str)
    for arg, g in (("a", a), ("b", b)):
        group_index(present, g, arg)
    if a == b:
        raise ConfigError("b", b, f"a group other than a ({a!r})")
    mine = labels.map(lambda g: g in (a, b)).to_numpy(dtype=bool)
    both = frame[mine].assign(_group=pd.factorize(labels[mine])[0])
    paired = both.groupby(cluster)["_group"].transform("nunique") == 2  # run both ways
    both = both[paired.to_numpy()].drop(columns="_group")
    if both.empty:
        raise ConfigError("frame", "no question run both ways", f"{a!r} and {b!r} on one question")
    check_table(both, metric, by_, cluster)  # enough questions run both ways
    groups, _, point, boot = resampled(both, metric, by_, cluster, resamples, seed)
    i, j = groups.index(a), groups.index(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = point[i] - point[j] if how == "difference" else point[i] / point[j]
        dist = boot[:, i] - boot[:, j] if how == "difference" else boot[:, i] / boot[:, j]
    lo, hi, _ = percentile_interval(dist, level)
    return Comparison(
        a, b, metric_name(metric), how, float(est), lo, hi, both[cluster[0]].nunique(), level
    )


def verdict(
    frame: pd.DataFrame,
    metric: Metric,
    by: str | Sequence[str],
    a: Hashable,
    b: Hashable,
    **options: Any,
) -> str:
    """The sentence a notebook prints: ``compare(...)`` as text.

    "A < B (...)" only when the paired interval excludes no difference (0, or 1 for a
    ratio); otherwise "A vs B: no separation at this sample (...)", with the numbers.
    """
    return str(compare(frame, metric, by, a, b, **options))


def halves(questions: Sequence[Hashable], seed: int = 0) -> tuple[list[Hashable], list[Hashable]]:
    """Two disjoint halves of the questions, drawn at random (seeded), each in given order.

    Example:
        >>> first, second = halves([f"Q-{i:03d}" for i in range(1, 9)])
        >>> len(first), len(second), set(first) & set(second)
        (4, 4, set())
    """
    unique = list(dict.fromkeys(questions))
    if len(unique) < 2 * MIN_QUESTIONS:
        raise ConfigError("questions", len(unique), f"at least {2 * MIN_QUESTIONS} distinct ids")
    order = np.random.default_rng(seed).permutation(len(unique))
    first = set(order[: len(unique) // 2].tolist())
    return (
        [q for i, q in enumerate(unique) if i in first],
        [q for i, q in enumerate(unique) if i not in first],
    )


def on_halves(
    frame: pd.DataFrame,
    metric: Metric,
    by: str | Sequence[str],
    a: Hashable,
    b: Hashable,
    *,
    split_seed: int = 0,
    question: str = QUESTION,
    **options: Any,
) -> tuple[Comparison, Comparison]:
    """``compare`` on each of two disjoint halves of the table's questions (``halves``).

    A verdict replicates when both comparisons state the same order.
    """
    if question not in frame.columns:
        raise ConfigError("question", question, "the question column of the table")
    first, second = halves(frame[question].tolist(), split_seed)
    return (
        compare(frame[frame[question].isin(first)], metric, by, a, b, **options),
        compare(frame[frame[question].isin(second)], metric, by, a, b, **options),
    )
