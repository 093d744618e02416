"""The price of a failure at which a checkpoint pays for itself, with its paired interval.

A checkpoint policy adds cost per request (model tokens, a person's time) and, when it
helps, success. If a failed outcome costs F dollars, a policy's expected cost per request
is ``cost + (1 - success) * F``, and it costs no more than a baseline policy for every F
from its **break-even** on: the extra cost over the success gained, ``(cost - cost_base) /
(success - success_base)`` (0 when the policy is no dearer; infinite when it does not
succeed more often: then no price of a failure makes it pay).

The interval comes from the cluster bootstrap of ``agentlab.measure.intervals`` (the
questions, here the travel requests, drawn with replacement, then the seeds within each):
the policy and the baseline are resampled on the same requests and seeds, so the gain and
the extra cost are paired, and the break-even is computed on each resample. An interval
that reaches infinity says the lab cannot rule out that the policy never pays.
``compare_break_even`` puts a paired interval on the difference of two policies'
break-evens, so "A pays sooner than B" is stated only when it excludes zero.

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from agentlab.errors import ConfigError
from agentlab.measure.intervals import (
    CLUSTER,
    Column,
    Ratio,
    check_table,
    columns_of,
    group_index,
    group_labels,
    percentile_interval,
    resampled,
)
from agentlab.measure.verdicts import Comparison

NAME = "break-even failure price (US$)"  # the metric's name in a Comparison
TIE = 1e-12  # a success gain smaller than this is no gain (floating-point noise)


def price(extra: np.ndarray | float, gain: np.ndarray | float) -> np.ndarray:
    """The failure price from which on a policy pays: ``extra / gain`` for a gain, never
    below 0; 0 for no gain at no extra cost; infinite for no gain at a cost, or a loss.

    Example:
        >>> price(np.array([0.5, -0.1, 0.1, 0.0]), np.array([0.25, 0.25, 0.0, -0.1])).tolist()
        [2.0, 0.0, inf, inf]
    """
    extra, gain = np.asarray(extra, dtype=float), np.asarray(gain, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.maximum(extra / gain, 0.0)
    flat = np.where(extra <= 0, 0.0, np.inf)
    return np.where(np.isnan(extra) | np.isnan(gain), np.nan,
                    np.where(gain > TIE, ratio, np.where(gain >= -TIE, flat, np.inf)))  # fmt: skip


def _paired(
    frame: pd.DataFrame, by: list[str], groups: Sequence[Hashable], cluster: list[str]
) -> pd.DataFrame:
    """The rows of ``groups`` on the questions and seeds every one of them was run on."""
    labels = group_labels(frame, by)
    mine = labels.map(lambda g: g in groups).to_numpy(dtype=bool)
    rows = frame[mine].assign(_group=pd.factorize(labels[mine])[0])
    everyone = rows.groupby(cluster)["_group"].transform("nunique") == len(set(groups))
    rows = rows[everyone.to_numpy()].drop(columns="_group")
    if rows.empty:
        raise ConfigError("frame", "no question run by every policy", f"{list(groups)!r}")
    return rows.reset_index(drop=True)


def _resampled(
    frame: pd.DataFrame,
    by: list[str],
    groups: Sequence[Hashable],
    cost: Column,
    value: Column,
    cluster: list[str],
    resamples: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Mean cost and value of each of ``groups`` on the table and on shared resamples (the
    same seed draws the same questions and seeds for both), and the questions."""
    rows = _paired(frame, by, groups, cluster)
    check_table(rows, Ratio(cost), by, cluster)
    check_table(rows, Ratio(value), by, cluster)
    names, _, c_point, c_boot = resampled(rows, Ratio(cost), by, cluster, resamples, seed)
    _, _, v_point, v_boot = resampled(rows, Ratio(value), by, cluster, resamples, seed)
    i = [names.index(g) for g in groups]
    return c_point[i], c_boot[:, i], v_point[i], v_boot[:, i], rows[cluster[0]].nunique()


def break_even(
    frame: pd.DataFrame,
    by: str | Sequence[str],
    base: Hashable,
    *,
    cost: Column = "cost_usd",
    value: Column = "success",
    cluster: Sequence[str] = CLUSTER,
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each policy's break-even failure price against ``base``, with its paired interval.

    Args:
        frame: An episodes table (one row per episode) holding every policy.
        by: The column (or columns) naming a policy, e.g. ["clarify", "verify"].
        base: The policy every other is measured against, e.g. ("never", "never").
        cost: What a request costs, in dollars: a column or a function of the table (the
            model's cost plus a person's time, say).
        value: The outcome a failure is the absence of (its mean is the success rate).
        cluster: The question column, then optionally the seed column within a question.
        level: The interval's coverage.
        resamples: Bootstrap resamples.
        seed: Seeds the resampling: the same table gives the same interval.

    Returns:
        One row per policy other than ``base``: ``gain`` (success over the base's),
        ``extra_usd`` (cost over the base's), ``estimate`` (the break-even price), ``lo``
        and ``hi`` (its interval; ``hi`` is inf when the policy may never pay),
        ``never_pays`` (the share of resamples where it does not) and ``questions``.

    Example:
        >>> t = pd.DataFrame({"policy": ["off"] * 8 + ["ask"] * 8,
        ...                   "request_id": list(range(8)) * 2, "seed": 0,
        ...                   "success": [0, 0, 1, 1, 1, 1, 1, 1] + [1] * 8,
        ...                   "cost_usd": [0.0] * 8 + [0.5] * 8})
        >>> break_even(t, "policy", "off").round(2)[["gain", "estimate"]].to_dict("index")
        {'ask': {'gain': 0.25, 'estimate': 2.0}}
    """
    by_ = columns_of(by)
    if not 0 < level < 1:
        raise ConfigError("level", level, "a coverage between 0 and 1, e.g. 0.95")
    check_table(frame, Ratio(cost), by_, list(cluster))
    labels = group_labels(frame.reset_index(drop=True), by_)
    present = sorted(set(labels), key=str)
    group_index(present, base, "base")
    rows = []
    for g in (p for p in present if p != base):
        c, cb, v, vb, questions = _resampled(
            frame, by_, [base, g], cost, value, list(cluster), resamples, seed
        )
        boot = price(cb[:, 1] - cb[:, 0], vb[:, 1] - vb[:, 0])
        lo, hi, _ = percentile_interval(boot, level)
        rows.append(
            {
                "gain": float(v[1] - v[0]),
                "extra_usd": float(c[1] - c[0]),
                "estimate": float(price(c[1] - c[0], v[1] - v[0])),
                "lo": lo,
                "hi": hi,
                "never_pays": float(np.isinf(boot).mean()),
                "questions": questions,
            }
        )
    index: Any = (
        pd.MultiIndex.from_tuples([tuple(p) for p in present if p != base], names=by_)
        if len(by_) > 1
        else pd.Index([p for p in present if p != base], name=by_[0])
    )
    return pd.DataFrame(rows, index=index)


def compare_break_even(
    frame: pd.DataFrame,
    by: str | Sequence[str],
    a: Hashable,
    b: Hashable,
    base: Hashable,
    *,
    cost: Column = "cost_usd",
    value: Column = "success",
    cluster: Sequence[str] = CLUSTER,
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Comparison:
    """``a``'s break-even against ``base`` minus ``b``'s, with a paired interval: all three
    resampled on the same questions and seeds. ``order`` is "<" (``a`` pays sooner) or ">"
    only when the interval excludes zero.

    Args:
        frame: An episodes table holding the three policies.
        by: The column (or columns) naming a policy.
        a: The first policy, e.g. ("ambiguous", "never").
        b: The policy it is compared with, e.g. ("never", "always").
        base: The policy both are measured against, e.g. ("never", "never").
        cost: As for ``break_even``.
        value: As for ``break_even``.
        cluster: The question column, then optionally the seed column.
        level: The interval's coverage.
        resamples: Bootstrap resamples.
        seed: Seeds the resampling.

    Returns:
        A ``Comparison`` (``how="difference"``) of the two break-even prices. Resamples on
        which neither pays (infinity minus infinity) are left out of the interval.
    """
    by_ = columns_of(by)
    if not 0 < level < 1:
        raise ConfigError("level", level, "a coverage between 0 and 1, e.g. 0.95")
    check_table(frame, Ratio(cost), by_, list(cluster))
    present = sorted(set(group_labels(frame.reset_index(drop=True), by_)), key=str)
    for arg, policy in (("base", base), ("a", a), ("b", b)):
        group_index(present, policy, arg)
    if len({base, a, b}) < 3:
        raise ConfigError("b", b, f"a policy other than a ({a!r}) and base ({base!r})")
    c, cb, v, vb, questions = _resampled(
        frame, by_, [base, a, b], cost, value, list(cluster), resamples, seed
    )
    point = price(c[1:] - c[0], v[1:] - v[0])
    boot = price(cb[:, 1:] - cb[:, [0]], vb[:, 1:] - vb[:, [0]])
    with np.errstate(invalid="ignore"):
        est = float(point[0] - point[1])
        lo, hi, _ = percentile_interval(boot[:, 0] - boot[:, 1], level)
    return Comparison(a, b, NAME, "difference", est, lo, hi, questions, level)
