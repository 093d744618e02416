"""Totals of money that keep an unpriced cost unpriced: NaN, shown as "unpriced", never $0.

A call to a model no source can price costs NaN (``agentlab.measure.pricing``). pandas skips NaN
when it sums or averages, so an unpriced episode would quietly add $0 to a total. These
helpers sum and average so that a total over rows that include an unpriced one is NaN,
and print such a total as "unpriced".

Introduced in notebook 00 (`00_quickstart.ipynb`); notebook 09 meets unpriced models.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
from pandas.core.groupby import SeriesGroupBy

from agentlab.measure.pricing import UNPRICED

COST = "cost_usd"  # the cost column of the episodes and steps tables
UNKNOWN = "unknown"  # a NaN cost of a priced model: its reply reported no usage


def usd_total(values: Iterable[float] | pd.Series) -> float:
    """The sum of costs; NaN if any of them is NaN (unpriced); 0.0 for none.

    Example:
        >>> usd_total([0.25, 0.5]), usd_total([0.25, float("nan")])
        (0.75, nan)
    """
    return float(pd.Series(values, dtype=float).sum(skipna=False))


def usd_mean(values: Iterable[float] | pd.Series) -> float:
    """The mean of costs; NaN if any of them is NaN (unpriced) or there are none."""
    s = pd.Series(values, dtype=float)
    return float(s.mean(skipna=False)) if len(s) else math.nan


def usd_totals(groups: SeriesGroupBy) -> pd.Series:
    """Per group, the sum of costs; NaN for a group with an unpriced row.

    Example:
        >>> e = pd.DataFrame({"tools": [4, 4, 8], "cost_usd": [1.0, float("nan"), 2.0]})
        >>> usd_totals(e.groupby("tools")["cost_usd"]).tolist()
        [nan, 2.0]
    """
    return groups.sum().where(groups.count() == groups.size())


def usd_per_success(cost: SeriesGroupBy, success: SeriesGroupBy) -> pd.Series:
    """Per group, the total cost over the successes: NaN where nothing succeeded, and
    where a row is unpriced."""
    wins = success.sum()
    return usd_totals(cost) / wins.where(wins > 0)


def usd_means(groups: SeriesGroupBy) -> pd.Series:
    """Per group, the mean of costs; NaN for a group with an unpriced row."""
    return groups.mean().where(groups.count() == groups.size())


def usd_text(value: Any, digits: int = 4) -> str:
    """A cost as text: ``$0.0123``, or "unpriced" for NaN (or None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return UNPRICED
    return f"${float(value):.{digits}f}"


def unpriced_models(table: pd.DataFrame) -> list[str]:
    """The models whose cost is unpriced in an ``episodes`` table (its ``model`` column) or
    a ``steps`` table (the ``name`` of its unpriced LLM calls), sorted; [] when all priced.

    A NaN cost whose ``price_source`` is not "unpriced" (a reply that reported no usage)
    is unknown, not unpriced: its model is not listed."""
    if COST not in table.columns:
        return []
    bad = table[table[COST].isna()]
    if "price_source" in bad.columns:
        bad = bad[bad["price_source"].astype(str).str.contains(UNPRICED)]
    if "kind" in bad.columns and "name" in bad.columns:  # steps: the unpriced calls' models
        names = bad.loc[bad["kind"] == "llm", "name"]
    elif "model" in bad.columns:
        names = bad["model"]
    else:
        return [UNPRICED] if len(bad) else []
    return sorted({str(v) for v in names.dropna()})


def cost_labels(table: pd.DataFrame, by: list[str] | None = None) -> pd.Series:
    """How each row's NaN cost reads: "unpriced", or "unknown" where its ``price_source``
    says the model was priced (its reply reported no usage); "unpriced" for every row of a
    table without ``price_source``. With ``by``: one label per group of
    ``table.groupby(by)``, in its order, "unpriced" if any of its rows is, else "unknown".

    Example:
        >>> priced = "agentlab table 2024-07-18"
        >>> t = pd.DataFrame({"tools": [4, 4, 8], "price_source": ["unpriced", priced, priced]})
        >>> cost_labels(t).tolist(), cost_labels(t, by=["tools"]).tolist()
        (['unpriced', 'unknown', 'unknown'], ['unpriced', 'unknown'])
    """
    label = pd.Series(UNPRICED, index=table.index, dtype=object)
    if "price_source" in table.columns:
        label = label.where(table["price_source"].astype(str).str.contains(UNPRICED), UNKNOWN)
    if by is None:
        return label
    unpriced = (label == UNPRICED).groupby([table[c] for c in by]).any()
    return unpriced.map({True: UNPRICED, False: UNKNOWN}).reset_index(drop=True)


def show_costs(table: pd.DataFrame, labels: pd.Series | None = None) -> pd.DataFrame:
    """A copy for printing: every cost column's NaN reads "unpriced" (or "unknown" where the
    row's ``price_source`` says the model was priced: its reply reported no usage); a cost
    per success that is NaN because nothing succeeded stays NaN.

    Args:
        table: Rows with cost columns (``cost_usd``, ``*_cost_usd``, ``cost_per_*_usd``).
        labels: Each row's label (``cost_labels``), for a table that lacks ``price_source``:
            columns selected for printing, or a summary of groups. Default: the table's own.

    Example:
        >>> t = pd.DataFrame({"cost_usd": [0.5, float("nan")], "successes": [1, 1]})
        >>> show_costs(t)["cost_usd"].tolist()
        [0.5, 'unpriced']
    """
    out = table.copy()
    label = cost_labels(table) if labels is None else labels.set_axis(table.index)
    for column in out.columns:
        name = str(column)
        if name == COST or name.endswith("_" + COST):
            missing = table[column].isna()
        elif name.startswith("cost_per_") and name.endswith("_usd") and COST in out.columns:
            missing = table[COST].isna()
        else:
            continue
        if missing.any():
            out[column] = out[column].astype(object).where(~missing, label)
    return out
