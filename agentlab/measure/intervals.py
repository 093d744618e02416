"""Confidence intervals over questions and seeds, and verdicts that wait for them.

A comparison the course teaches ("the dedicated checker costs less per right answer",
"the independent team fails most") is a statement about questions the lab did not ask as
well as those it did. This module puts an interval on every such number and states an
ordering only when the interval separates the two sides.

**What is resampled, and why.** The unit that varies is the *question* (``request_id``):
questions differ in difficulty far more than two runs of one question differ, and an
episode of one architecture on a question is not independent of another architecture's
episode on the same question. So the bootstrap is a *cluster* bootstrap: each resample
draws the questions with replacement and, when a question was run with several seeds,
draws its seeds with replacement too (a two-stage bootstrap: between-question variation
first, then run-to-run variation within a question). Every architecture (every group of
``by``) is resampled with the *same* questions and seeds, so a difference or a ratio
between two groups is **paired**: what the questions themselves vary by cancels, and the
interval is the one a verdict needs. Intervals are percentile intervals (95% by default)
over seeded resamples: the same table gives the same interval.

A metric is one of:

* a column name: its mean per group (``"success"``, ``"tokens_in"``);
* a ``Ratio``: the sum of one column over the sum of another per group, computed on the
  resampled sums, not as a mean of per-episode ratios (``COST_PER_SUCCESS`` is
  ``sum(cost_usd) / sum(success)``; ``FAILURE`` is the share of failed episodes);
* a callable taking one group's episodes and returning a number: anything else (slower:
  each resample rebuilds the table).

``error_amplification`` gives the lab's one definition (``reliability.error_amplification``,
a group's failure rate over the single agent's) its interval. Paired comparisons of two
groups, the verdicts they allow, and the disjoint halves a verdict is checked on are in
``agentlab.measure.verdicts``.

The tables come with ``lo`` and ``hi`` columns ready for error bars
(``px.bar(t, y="estimate", error_y=t.hi - t.estimate, error_y_minus=t.estimate - t.lo)``).

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agentlab.errors import ConfigError
from agentlab.measure import reliability

QUESTION = "request_id"  # the episodes table's question (or trip) id
SEED = "seed"  # the episodes table's seed
CLUSTER = (QUESTION, SEED)  # resample questions, then seeds within a question
MIN_QUESTIONS = 4  # fewer questions than this give no interval worth reading

Column = str | Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Ratio:
    """A ratio of sums per group: ``sum(numerator) / sum(denominator)``.

    Example:
        >>> num, den = COST_PER_SUCCESS.values(pd.DataFrame({"cost_usd": [1.0, 3.0],
        ...                                                   "success": [1, 0]}))
        >>> float(num.sum() / den.sum())
        4.0
    """

    numerator: Column  # a column, or a function of the table giving one value per episode
    denominator: Column | None = None  # likewise; None counts episodes (the ratio is a mean)
    name: str = ""  # the name shown in verdicts

    def values(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The per-episode numerator and denominator, as floats."""
        den = np.ones(len(frame)) if self.denominator is None else _column(frame, self.denominator)
        return _column(frame, self.numerator), den


COST_PER_SUCCESS = Ratio("cost_usd", "success", "cost per success (US$)")
FAILURE = Ratio(lambda t: 1 - t["success"].astype(float), None, "failure rate")

Metric = str | Ratio | Callable[[pd.DataFrame], float]


def _column(frame: pd.DataFrame, column: Column) -> np.ndarray:
    """One value per episode: a column of the table or a function of it."""
    values = column(frame) if callable(column) else frame[column]
    return np.asarray(values, dtype=float)


def metric_name(metric: Metric) -> str:
    """The name a metric is shown by."""
    if isinstance(metric, str):
        return metric
    if isinstance(metric, Ratio):
        return metric.name or f"{metric.numerator} / {metric.denominator}"
    return getattr(metric, "__name__", "metric")


def check_table(
    frame: pd.DataFrame, metric: Metric, by: Sequence[str], cluster: Sequence[str]
) -> None:
    """Refuse a table the interval cannot be computed on, naming the argument."""
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise ConfigError("frame", type(frame).__name__, "a non-empty episodes table")
    columns = ", ".join(map(str, frame.columns))
    if not 1 <= len(cluster) <= 2:
        raise ConfigError("cluster", tuple(cluster), "(question column,) or (question, seed)")
    for arg, names in (("by", by), ("cluster", cluster)):
        for c in names:
            if c not in frame.columns:
                raise ConfigError(arg, c, f"a column of the table: {columns}")
    needed: list[Column | None] = []
    if isinstance(metric, str):
        needed = [metric]
    elif isinstance(metric, Ratio):
        needed = [metric.numerator, metric.denominator]
    elif not callable(metric):
        raise ConfigError("metric", metric, "a column name, a Ratio or a function of a table")
    for m in needed:
        if isinstance(m, str) and m not in frame.columns:
            raise ConfigError("metric", m, f"a column of the table: {columns}")
    questions = frame[cluster[0]].nunique()
    if questions < MIN_QUESTIONS:
        raise ConfigError(
            "frame", f"{questions} questions", f"at least {MIN_QUESTIONS} distinct {cluster[0]}"
        )


def _units(frame: pd.DataFrame, cluster: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's unit (question, or question and seed) and each unit's question."""
    keys = frame[list(cluster)].drop_duplicates().sort_values(list(cluster))
    unit_index = pd.MultiIndex.from_frame(keys)
    unit = unit_index.get_indexer(pd.MultiIndex.from_frame(frame[list(cluster)]))
    question = pd.factorize(keys[cluster[0]], sort=True)[0]
    return unit, question


def _weights(question: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """How often each unit is drawn in each resample (resamples x units): the questions
    with replacement, then each drawn question's seeds with replacement."""
    rng = np.random.default_rng(seed)
    n_q = int(question.max()) + 1
    per_q = np.bincount(question, minlength=n_q)  # units (seeds) per question
    start = np.concatenate([[0], np.cumsum(per_q)[:-1]])  # units are sorted by question
    drawn = rng.integers(0, n_q, size=(resamples, n_q))  # questions, with replacement
    most = int(per_q.max())
    pick = (rng.random((resamples, n_q, most)) * per_q[drawn][..., None]).astype(int)
    unit = start[drawn][..., None] + pick
    valid = np.arange(most)[None, None, :] < per_q[drawn][..., None]
    rows = np.repeat(np.arange(resamples), n_q * most).reshape(unit.shape)
    w = np.zeros((resamples, len(question)))
    np.add.at(w, (rows[valid], unit[valid]), 1.0)
    return w


def group_labels(frame: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """Each row's group: the value of ``by``, or the tuple of its columns' values."""
    if len(by) == 1:
        return frame[by[0]]
    return pd.Series(list(zip(*(frame[c] for c in by), strict=True)), index=frame.index)


def resampled(
    frame: pd.DataFrame,
    metric: Metric,
    by: Sequence[str],
    cluster: Sequence[str],
    resamples: int,
    seed: int,
) -> tuple[list[Hashable], np.ndarray, np.ndarray, np.ndarray]:
    """The groups, each row's group, and the metric per group on the table itself and on
    each resample (resamples x groups)."""
    frame = frame.reset_index(drop=True)
    labels = group_labels(frame, by).reset_index(drop=True)
    codes, groups = pd.factorize(labels, sort=True)
    unit, question = _units(frame, cluster)
    w = _weights(question, resamples, seed)
    if isinstance(metric, str | Ratio):
        ratio = Ratio(metric) if isinstance(metric, str) else metric
        num, den = ratio.values(frame)
        cells = unit * len(groups) + codes  # sums per unit and group
        size = len(question) * len(groups)
        s_num = np.bincount(cells, num, size).reshape(len(question), len(groups))
        s_den = np.bincount(cells, den, size).reshape(len(question), len(groups))
        with np.errstate(divide="ignore", invalid="ignore"):
            point = s_num.sum(0) / s_den.sum(0)
            boot = (w @ s_num) / (w @ s_den)
        return list(groups), codes, point, boot

    def per_group(t: pd.DataFrame, c: np.ndarray) -> np.ndarray:
        out = np.full(len(groups), np.nan)
        for g in np.unique(c):
            out[g] = float(metric(t[c == g]))
        return out

    point = per_group(frame, codes)
    boot = np.empty((resamples, len(groups)))
    for b in range(resamples):
        rows = np.repeat(np.arange(len(frame)), w[b, unit].astype(int))
        boot[b] = per_group(frame.iloc[rows], codes[rows])
    return list(groups), codes, point, boot


def percentile_interval(values: np.ndarray, level: float) -> tuple[float, float, float]:
    """Percentile interval over the defined resamples, and the share left undefined (0/0)."""
    undefined = float(np.isnan(values).mean())
    finite = values[~np.isnan(values)]
    if not len(finite):
        return float("nan"), float("nan"), undefined
    # the empirical quantile, no interpolation: an infinite ratio (x / 0) stays infinite
    lo, hi = np.quantile(finite, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return float(lo), float(hi), undefined


def columns_of(by: str | Sequence[str]) -> list[str]:
    """``by`` as a list of columns."""
    return [by] if isinstance(by, str) else list(by)


def bootstrap_ci(
    frame: pd.DataFrame,
    metric: Metric = "success",
    by: str | Sequence[str] = "architecture",
    *,
    cluster: Sequence[str] = CLUSTER,
    relative_to: Hashable | None = None,
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """A metric per group with its bootstrap interval over questions (and seeds).

    Args:
        frame: An episodes table (one row per episode), e.g. ``run_episodes(...).episodes``.
        metric: A column (its mean), a ``Ratio`` of sums, or a function of a group's rows.
        by: The column (or columns) told apart, e.g. "architecture" or ["tools", "architecture"].
        cluster: The question column, then optionally the seed column within a question.
        relative_to: A group every group is divided by on the same resample (paired), e.g.
            "single" for tokens relative to the single agent.
        level: The interval's coverage.
        resamples: Bootstrap resamples.
        seed: Seeds the resampling: the same table gives the same interval.

    Returns:
        One row per group: ``estimate``, ``lo``, ``hi``, ``n`` (episodes), ``questions`` and
        ``undefined`` (the share of resamples where the metric was 0/0, left out).

    Example:
        >>> t = pd.DataFrame({"architecture": ["a"] * 8 + ["b"] * 8,
        ...                   "request_id": list(range(8)) * 2, "seed": 0,
        ...                   "success": [1, 1, 1, 1, 1, 1, 1, 0] + [0, 0, 0, 0, 0, 0, 1, 0]})
        >>> bootstrap_ci(t).round(3)[["estimate", "n"]].to_dict("index")
        {'a': {'estimate': 0.875, 'n': 8}, 'b': {'estimate': 0.125, 'n': 8}}
    """
    by, cluster = columns_of(by), list(cluster)
    check_table(frame, metric, by, cluster)
    if not 0 < level < 1:
        raise ConfigError("level", level, "a coverage between 0 and 1, e.g. 0.95")
    frame = frame.reset_index(drop=True)
    groups, codes, point, boot = resampled(frame, metric, by, cluster, resamples, seed)
    if relative_to is not None:
        base = group_index(groups, relative_to, "relative_to")
        with np.errstate(divide="ignore", invalid="ignore"):
            point, boot = point / point[base], boot / boot[:, [base]]
    rows = []
    for i in range(len(groups)):
        lo, hi, undefined = percentile_interval(boot[:, i], level)
        mine = frame[codes == i]
        rows.append(
            {
                "estimate": float(point[i]),
                "lo": lo,
                "hi": hi,
                "n": len(mine),
                "questions": mine[cluster[0]].nunique(),
                "undefined": undefined,
            }
        )
    if len(by) > 1:
        return pd.DataFrame(
            rows,
            index=pd.MultiIndex.from_tuples([tuple(g) for g in groups], names=by),  # type: ignore[arg-type]
        )
    return pd.DataFrame(rows, index=pd.Index(groups, name=by[0]))


def error_amplification(
    frame: pd.DataFrame, *, by: str = "architecture", base: str = "single", **options: Any
) -> pd.DataFrame:
    """The lab's error amplification (``reliability.error_amplification``: a group's failure
    rate over ``base``'s) with its paired interval: ``FAILURE`` relative to ``base``.

    Args:
        frame: An episodes table with ``success`` and ``by``.
        by: The column told apart.
        base: The group every group's failure rate is divided by.
        **options: ``bootstrap_ci``'s keyword options (cluster, level, resamples, seed).

    Returns:
        ``bootstrap_ci``'s table; ``estimate`` is ``reliability.error_amplification``.
    """
    table = bootstrap_ci(frame, FAILURE, by, relative_to=base, **options)
    table["estimate"] = reliability.error_amplification(frame, by=by, base=base).reindex(
        table.index
    )
    return table


def group_index(groups: list[Hashable], group: Hashable, arg: str) -> int:
    """Where ``group`` is among ``groups``; refused, naming ``arg``, when it is not there."""
    if group not in groups:
        raise ConfigError(arg, group, f"a group of the table: {', '.join(map(str, groups))}")
    return groups.index(group)
