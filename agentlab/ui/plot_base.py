"""What every figure of the lab shares: its look, its axis labels and the statistics it draws.

The palette (colour-blind safe), the plotly template, the colours of graph nodes and prompt
components, labels in words (``axis_label`` of a configuration column, ``value_label`` of a
value, ``PART_NAMES`` of a prompt component), hover values rounded in their unit
(``hover_value``), tables shown in words with units and rounded numbers (``readable``),
and the statistics figures draw:
means with 95% normal intervals over episodes, rates with Wilson 95% intervals, whiskers of
a table's bootstrap intervals (``whiskers``), and a note on a figure whose cost is
unpriced. ``agentlab.ui.plots``, ``agentlab.ui.reference_plots``, ``agentlab.ui.error_plots``,
``agentlab.ui.taint_plots``, ``agentlab.ui.team_plots`` and ``agentlab.ui.travel_team_plots``
draw with them.

Introduced in notebook 00 (`00_quickstart.ipynb`), with the first figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from agentlab.measure.costs import unpriced_models
from agentlab.measure.pricing import UNPRICED
from agentlab.sim.prompt import COMPONENTS

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
NODE_COLORS = dict(zip(("plan", "act", "tools", "remember", "reflect"), PALETTE, strict=False))
PART_COLORS = dict(zip((*COMPONENTS, "output"), PALETTE, strict=False))
WRONG, REFERENCE = "#D55E00", "#555555"
Bins = Sequence[float] | None
TEMPLATE = go.layout.Template(pio.templates["plotly_white"])
TEMPLATE.layout.update(
    font={"size": 13}, colorway=PALETTE, title={"x": 0.01}, legend={"bgcolor": "rgba(0,0,0,0)"}
)
LABELS = {"tools": "tools in scope", "tools_in_scope": "tools in scope", "memory": "memory policy",
          "memory_items": "long-term memory notes", "window": "messages kept verbatim",
          "team_size": "members", "tokens_in": "input tokens", "errors_escaped": "escaped errors",
          "rank_filter": "rank-and-filter lives in", "fact_check": "fact-check lives in",
          "data": "capability data", "success": "success"}  # fmt: skip
VALUES = {"every_k": "every k steps"}  # configuration values shown in words
PART_NAMES = {"system": "system prompt", "tools": "tool schemas", "memory": "memory notes",
              "history": "history", "handoff": "handoff", "output": "output"}  # fmt: skip
# hover formats by unit (d3-format): thousands separators for tokens, 4 decimals for dollars
FORMATS = {"tokens": ",.0f", "US$": ".4f", "%": ".0f", "share": ".0%", "x": ".2f"}


def axis_label(col: str) -> str:
    """The axis label of a configuration column (``tools`` -> ``tools in scope``)."""
    return LABELS.get(col, col.replace("_", " "))


def value_label(value: object) -> str:
    """A configuration value in words (``every_k`` -> ``every k steps``); others as they are."""
    return VALUES.get(str(value), str(value))


def hover_value(unit: str, var: str = "y") -> str:
    """A hover placeholder for a value in ``unit``, rounded (``FORMATS``; else 3 significant
    digits): ``hover_value("tokens")`` is ``%{y:,.0f} tokens``, ``hover_value("US$")``
    ``$%{y:.4f}``, ``hover_value("%")`` ``%{y:.0f}%``, ``hover_value("s", "x")`` ``%{x:.3g} s``.
    """
    value = f"%{{{var}:{FORMATS.get(unit, '.3g')}}}"
    if unit == "US$":
        return "$" + value
    return value + ("" if unit == "share" else unit if unit in ("%", "x") else f" {unit}")


def table_column(table: pd.DataFrame, name: str) -> str:
    """``name``, or its steps-table spelling (``tools`` is ``tools_in_scope`` there)."""
    if name not in table.columns and name == "tools" and "tools_in_scope" in table.columns:
        return "tools_in_scope"
    if name not in table.columns:
        raise ValueError(f"column {name!r} not in the table; columns: {', '.join(table.columns)}")
    return name


def wilson_interval(successes: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a rate (95% by default); (nan, nan) when ``n`` is 0."""
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def group_means(df: pd.DataFrame, by: list[str], y: str, *, money: bool = False) -> pd.DataFrame:
    """Mean of ``y`` per group with a 95% normal interval over rows (0 for one row).

    Rows where ``y`` is NaN are left out, except for ``money``: a group with an unpriced
    row has no mean (NaN, not drawn), never the mean of its priced rows."""
    if money:
        g = df.groupby(by, sort=True)[y]
        out = g.agg(["mean", "sem", "size", "count"]).reset_index()
        out.loc[out["count"] < out["size"], ["mean", "sem"]] = math.nan
    else:
        out = df.dropna(subset=[y]).groupby(by, sort=True)[y].agg(["mean", "sem", "size"])
        out = out.reset_index()
    out["half"] = (1.96 * out["sem"]).fillna(0.0)
    return out


def note_unpriced(fig: go.Figure, table: pd.DataFrame, **where: object) -> go.Figure:
    """Say on a figure that some cost is unpriced (and so not drawn), naming the models, or
    unknown (a NaN cost of a priced model).

    Args:
        fig: The figure.
        table: The ``episodes`` or ``steps`` table the figure's costs come from.
        **where: ``row`` and ``col`` of the cost panel (default: the whole figure).
    """
    models = unpriced_models(table)
    if models:
        text = f"cost {UNPRICED} (no price) for {', '.join(models)}: not drawn"
    elif "cost_usd" in table.columns and table["cost_usd"].isna().any():
        text = "some cost unknown (no usage reported, or a failed run): not drawn"
    else:
        return fig
    ref = "domain" if where else "paper"
    return fig.add_annotation(
        text=text,
        xref=f"x {ref}" if where else ref, yref=f"y {ref}" if where else ref, x=0.01, y=0.99,
        xanchor="left", yanchor="top", showarrow=False, font={"color": WRONG},
        bgcolor="rgba(255,255,255,0.8)", **where,
    )  # fmt: skip


def group_rates(df: pd.DataFrame, by: str, y: str) -> pd.DataFrame:
    """Rate of a boolean column per group, with its Wilson interval, in percent."""
    d = df.dropna(subset=[y]).assign(_ok=lambda t: t[y].astype(bool))
    out = d.groupby(by, sort=True, observed=True)["_ok"].agg(n="size", hits="sum").reset_index()
    ci = [wilson_interval(h, n) for h, n in zip(out["hits"], out["n"], strict=True)]
    out["rate_pct"] = 100 * out["hits"] / out["n"]
    out["lo_pct"] = [100 * lo for lo, _ in ci]
    out["hi_pct"] = [100 * hi for _, hi in ci]
    return out


def rate_line(
    rates: pd.DataFrame, x: str, name: str, color: str, of: str = "episodes", **kw: object
) -> go.Scatter:
    """A rate in percent with asymmetric (Wilson) whiskers; its hover counts ``of``."""
    err = {"type": "data", "symmetric": False, "array": rates["hi_pct"] - rates["rate_pct"],
           "arrayminus": rates["rate_pct"] - rates["lo_pct"]}  # fmt: skip
    kw.setdefault(
        "hovertemplate", f"%{{y:.0f}}% of %{{customdata:,}} {of}<extra>%{{fullData.name}}</extra>"
    )
    return go.Scatter(
        x=rates[x], y=rates["rate_pct"], error_y=err, mode="lines+markers", name=name,
        line={"color": color}, customdata=rates["n"], **kw,
    )  # fmt: skip


def whiskers(table: pd.DataFrame, col: str, scale: float = 1.0) -> dict[str, object] | None:
    """Plotly error bars (``error_y`` or ``error_x``) for ``col`` from its ``{col}_lo`` and
    ``{col}_hi`` columns (a bootstrap interval, say), if the table has them.

    An end at infinity (an interval the data cannot bound) has no whisker on that side:
    read the table for it.
    """
    if f"{col}_lo" not in table:
        return None
    up, down = table[f"{col}_hi"] - table[col], table[col] - table[f"{col}_lo"]
    return {
        "type": "data",
        "symmetric": False,
        "array": scale * up.where(up < math.inf),
        "arrayminus": scale * down.where(down < math.inf),
    }


def whisker_line(stats: pd.DataFrame, x: str, name: str, color: str, **kw: object) -> go.Scatter:
    """Group means (``group_means``) as a line with 95% whiskers."""
    return go.Scatter(
        x=stats[x], y=stats["mean"], name=name, mode="lines+markers",
        line={"color": color}, legendgroup=name,
        error_y={"type": "data", "array": stats["half"], "thickness": 1.2, "width": 4},
        **kw,
    )  # fmt: skip


def log_axis(fig: go.Figure, values: pd.Series, log_x: bool) -> None:
    """A logarithmic x axis ticked at the values swept."""
    if log_x:
        fig.update_xaxes(type="log", tickvals=sorted(values.unique()))


def titled_layout(fig: go.Figure, title: str, note: str = "", **kw: Any) -> go.Figure:
    """The lab's template and a title, with ``note`` as its subtitle when there is one."""
    t = {"text": title, "subtitle": {"text": note}} if note else title
    return fig.update_layout(template=TEMPLATE, title=t, margin={"t": 100 if note else 80}, **kw)


# a table column's unit, by the end of its name (``latency_s`` is in seconds) or by its name
SUFFIX_UNITS = {"_usd": "US$", "_pct": "%", "_s": "s", "_x": "x single agent",
                "_x_single": "x single agent", "_share": "share"}  # fmt: skip
NAME_UNITS = {"cost_per_decision": "US$", "success": "share", "failure": "share"}
# table columns whose words are not their name's
WORDS = {"llm_calls": "LLM calls", "usd_per_success": "US$ per success"}
INTERVAL_ENDS = {"lo": "95% low", "hi": "95% high"}  # ``success_lo`` is success, 95% low
SIDES = ("lab", "paper")  # ``success_lab`` is success, lab


def _unit(col: str) -> str:
    """The unit of a table column, or "" (``tokens_in`` -> ``tokens``, ``success_lo`` ->
    ``share``)."""
    base = col.rsplit("_", 1)[0] if col.rsplit("_", 1)[-1] in (*INTERVAL_ENDS, *SIDES) else col
    if base in NAME_UNITS:
        return NAME_UNITS[base]
    unit = next((u for end, u in SUFFIX_UNITS.items() if base.endswith(end)), "")
    words = base.split("_")  # a count of tokens, not a rate per token
    return unit or ("tokens" if "tokens" in words and "per" not in words else "")


def column_label(col: object) -> object:
    """A table column in words with its unit: ``latency_s`` -> ``latency (s)``,
    ``success_lo`` -> ``success, 95% low (share)``, ``turns_x`` -> ``turns (x single agent)``;
    a name that is not snake_case (or not a string) as it is."""
    if not isinstance(col, str) or " " in col:
        return col
    head, _, tail = col.rpartition("_")
    if head and tail in (*INTERVAL_ENDS, *SIDES):
        name = f"{_words(head)}, {INTERVAL_ENDS.get(tail, tail)}"
    else:
        name = _words(col)
    unit = _unit(col)
    return f"{name} ({unit})" if unit and unit not in name.replace(",", " ").split() else name


def _words(col: str) -> str:
    """A column's name in words, without the suffix that is its unit."""
    if col in LABELS or col in WORDS:
        return LABELS.get(col) or WORDS[col]
    if col.startswith("tokens_in_"):  # tokens_in_handoff -> input tokens, handoff
        return f"input tokens, {_words(col[len('tokens_in_') :])}"
    for end in SUFFIX_UNITS:
        if col.endswith(end) and len(col) > len(end):
            return _words(col[: -len(end)])
    return INTERVAL_ENDS.get(col, axis_label(col))


def _rounded(values: pd.Series, unit: str, digits: int) -> pd.Series:
    """Floats rounded in their unit: whole tokens, dollars to 4 decimals or 3 significant
    digits of the smallest, 1 decimal of a percent or a second, ``digits`` decimals
    otherwise; other columns as they are."""
    if not pd.api.types.is_float_dtype(values):
        return values
    if unit == "tokens":
        whole = values.round(0)
        return whole if whole.isna().any() else whole.astype(int)
    places = {"US$": max(digits, 4, _places(values, 3)), "%": 1, "s": 1}.get(unit, digits)
    return values.round(places)


def _places(values: pd.Series, significant: int) -> int:
    """Decimals that keep ``significant`` digits of the smallest non-zero value (at most 8)."""
    small = values[(values != 0) & values.notna() & (values.abs() < math.inf)].abs().min()
    return 0 if pd.isna(small) else min(8, significant - 1 - math.floor(math.log10(small)))


def readable(table: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """A copy of ``table`` to show a reader: columns and index names in words with their
    units (``column_label``), numbers rounded in their unit. ``table`` is not changed.

    Args:
        table: Any table (a MultiIndex on either axis is labelled level by level).
        digits: Decimals of a number without a unit of its own (a share, a ratio).

    Example:
        >>> t = pd.DataFrame({"tools": [4, 16], "success": [0.7, 0.55],
        ...                   "tokens_in": [13100.95, 17171.75],
        ...                   "cost_per_success_usd": [0.0033081, 0.0053671]}).set_index("tools")
        >>> readable(t)  # doctest: +NORMALIZE_WHITESPACE
                       success (share)  input tokens  cost per success (US$)
        tools in scope
        4                         0.70         13101                 0.00331
        16                        0.55         17172                 0.00537
        >>> list(t.columns)
        ['success', 'tokens_in', 'cost_per_success_usd']
    """
    rounded = {}
    for i, col in enumerate(table.columns):  # by position: a name may repeat
        names = col if isinstance(col, tuple) else (col,)
        unit = next((u for u in (_unit(n) for n in names if isinstance(n, str)) if u), "")
        rounded[i] = _rounded(table.iloc[:, i], unit, digits)
    out = pd.DataFrame(rounded, index=table.index.copy())
    out.columns = table.columns
    out = out.rename(columns=column_label)
    out.columns = out.columns.set_names([column_label(n) for n in out.columns.names])
    out.index = out.index.set_names([column_label(n) for n in out.index.names])
    return out
