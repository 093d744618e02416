"""Figures of the tidy tables: what scope does to tokens, cost, latency and accuracy.

Every function takes the ``episodes`` or ``steps`` table of ``agentlab.run_episodes`` and
returns a ``plotly.graph_objects.Figure`` (nothing is displayed until a notebook shows it).
Means carry 95% intervals over episodes; rates carry Wilson 95% intervals.

Introduced in notebook 00 (`00_quickstart.ipynb`); each function names its notebook.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from agentlab.costs import unpriced_models, usd_totals
from agentlab.pricing import UNPRICED
from agentlab.reference import reference as load_reference
from agentlab.runner import DECISION_NODES
from agentlab.sim.prompt import COMPONENTS
from agentlab.world.travel import CORE_TOOLS

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
          "memory_items": "long-term memory notes", "window": "messages kept verbatim"}  # fmt: skip


def _label(col: str) -> str:
    return LABELS.get(col, col.replace("_", " "))


def _col(table: pd.DataFrame, name: str) -> str:
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


def _means(df: pd.DataFrame, by: list[str], y: str, *, money: bool = False) -> pd.DataFrame:
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


def _rates(df: pd.DataFrame, by: str, y: str) -> pd.DataFrame:
    """Rate of a boolean column per group, with its Wilson interval, in percent."""
    d = df.dropna(subset=[y]).assign(_ok=lambda t: t[y].astype(bool))
    out = d.groupby(by, sort=True, observed=True)["_ok"].agg(n="size", hits="sum").reset_index()
    ci = [wilson_interval(h, n) for h, n in zip(out["hits"], out["n"], strict=True)]
    out["rate_pct"] = 100 * out["hits"] / out["n"]
    out["lo_pct"] = [100 * lo for lo, _ in ci]
    out["hi_pct"] = [100 * hi for _, hi in ci]
    return out


def _rate_line(rates: pd.DataFrame, x: str, name: str, color: str, **kw: object) -> go.Scatter:
    """A rate in percent with asymmetric (Wilson) whiskers."""
    err = {"type": "data", "symmetric": False, "array": rates["hi_pct"] - rates["rate_pct"],
           "arrayminus": rates["rate_pct"] - rates["lo_pct"]}  # fmt: skip
    return go.Scatter(
        x=rates[x], y=rates["rate_pct"], error_y=err, mode="lines+markers", name=name,
        line={"color": color}, customdata=rates["n"], **kw,
    )  # fmt: skip


def _whiskers(stats: pd.DataFrame, x: str, name: str, color: str, **kw: object) -> go.Scatter:
    return go.Scatter(
        x=stats[x], y=stats["mean"], name=name, mode="lines+markers",
        line={"color": color}, legendgroup=name,
        error_y={"type": "data", "array": stats["half"], "thickness": 1.2, "width": 4},
        **kw,
    )  # fmt: skip


def _log_x(fig: go.Figure, values: pd.Series, log_x: bool) -> None:
    """A logarithmic x axis ticked at the values swept."""
    if log_x:
        fig.update_xaxes(type="log", tickvals=sorted(values.unique()))


def per_decision(
    episodes: pd.DataFrame, x: str = "tools", *, color: str | None = None, log_x: bool = False
) -> go.Figure:
    """Cost, modeled latency and input tokens per decision against scope.

    A decision is one plan, act or reflect LLM call; each episode's totals are divided by
    its decisions (latency includes the tool calls the decisions trigger), then averaged
    over episodes, with 95% whiskers. Introduced in notebook 02 (`02_scaling_scope.ipynb`).

    Args:
        episodes: The ``episodes`` table.
        x: The column on the x axis (``tools``, ``memory_items``, ...).
        color: A column whose values get one line each (e.g. ``memory`` or ``model``).
        log_x: A logarithmic x axis.

    Returns:
        Three panels sharing x.
    """
    d = episodes[episodes["decisions"] > 0].assign(
        cost=lambda t: 100 * t["cost_usd"] / t["decisions"],
        latency=lambda t: t["latency_s"] / t["decisions"],
        tokens=lambda t: t["tokens_in"] / t["decisions"],
    )
    panels = [("cost", "cost (US cents)"), ("latency", "modeled time (s)"),
              ("tokens", "input tokens")]  # fmt: skip
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
        subplot_titles=[f"{t.split(' (')[0]} per decision" for _, t in panels],
    )  # fmt: skip
    groups = [(None, d)] if color is None else list(d.groupby(color, sort=True))
    for i, (value, part) in enumerate(groups):
        name = "mean over episodes" if value is None else f"{_label(color or '')}: {value!s}"
        for row, (y, title) in enumerate(panels, 1):
            stats = _means(part, [x], y, money=y == "cost")
            trace = _whiskers(stats, x, name, PALETTE[i % len(PALETTE)], showlegend=row == 1)
            fig.add_trace(trace, row=row, col=1)
            fig.update_yaxes(title_text=title, rangemode="tozero", row=row, col=1)
    fig.update_xaxes(title_text=_label(x), row=3, col=1)
    _log_x(fig, d[x], log_x)
    note_unpriced(fig, d, row=1, col=1)
    title = f"Every decision gets dearer as {_label(x)} grow"
    note = "mean over episodes, with 95% whiskers"
    return fig.update_layout(template=TEMPLATE, height=740, showlegend=color is not None,
                             title={"text": title, "subtitle": {"text": note}},
                             margin={"t": 110})  # fmt: skip


def token_breakdown(table: pd.DataFrame, by: str = "tools") -> go.Figure:
    """Stacked bars of input tokens per decision by component, plus the output tokens.

    The components are system, tools (schemas), memory, history and handoff (what
    another agent passed along; shown only when a team has any). From the ``steps``
    table: its plan/act/reflect calls; from ``episodes``: totals over decisions.
    Introduced in notebook 02 (`02_scaling_scope.ipynb`).

    Args:
        table: The ``steps`` or the ``episodes`` table.
        by: The column whose values make the bars.

    Returns:
        One bar per value of ``by``.
    """
    parts = [*(f"tokens_in_{c}" for c in COMPONENTS), "tokens_out"]
    parts = [
        p for p in parts if p in table.columns and (p != "tokens_in_handoff" or table[p].any())
    ]
    key = _col(table, by)
    if "node" in table.columns:
        rows = table[(table["kind"] == "llm") & table["node"].isin(DECISION_NODES)]
        means = rows.groupby(key, sort=True)[parts].mean()
    else:
        rows = table[table["decisions"] > 0]
        per = rows[parts].div(rows["decisions"], axis=0).assign(**{key: rows[key]})
        means = per.groupby(key, sort=True)[parts].mean()
    fig = go.Figure()
    for part in parts:
        name = "output" if part == "tokens_out" else part.removeprefix("tokens_in_")
        fig.add_bar(
            x=[str(v) for v in means.index], y=means[part], name=name,
            marker={"color": PART_COLORS[name], "pattern_shape": "/" if name == "output" else ""},
            hovertemplate=f"{name}: %{{y:,.0f}} tokens<extra></extra>",
        )  # fmt: skip
    return fig.update_layout(
        template=TEMPLATE, barmode="stack", height=420,
        title="Where the tokens of a decision come from",
        xaxis_title=_label(by), yaxis_title="tokens per decision (mean)",
    )  # fmt: skip


def success_and_cost(episodes: pd.DataFrame, x: str = "tools", *, log_x: bool = False) -> go.Figure:
    """Success rate (Wilson 95%) and cost per successful outcome against scope.

    Cost per success is the group's total cost over its successes. A group with no success
    is drawn as a triangle at its total cost: at least that much per success. The dotted
    line grows linearly with ``x`` from the smallest scope, so growth faster than the scope
    shows above it. Introduced in notebook 02 (`02_scaling_scope.ipynb`).

    Args:
        episodes: The ``episodes`` table.
        x: The column on the x axis (numeric for the linear reference).
        log_x: A logarithmic x axis.

    Returns:
        Two panels sharing x: success rate (%) and cost per success (US$, log scale).
    """
    rates = _rates(episodes, x, "success")
    cost = usd_totals(episodes.groupby(x, sort=True)["cost_usd"]).reset_index(drop=True)
    rates["cost_usd"] = cost
    rates["cps"] = rates["cost_usd"] / rates["hits"].where(rates["hits"] > 0)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
        subplot_titles=["success rate", "cost per successful outcome"],
    )  # fmt: skip
    hover = "%{y:.0f}% of %{customdata} episodes<extra></extra>"
    fig.add_trace(_rate_line(rates, x, "success rate", PALETTE[2], hovertemplate=hover), 1, 1)
    fig.add_scatter(
        x=rates[x], y=rates["cps"], mode="lines+markers", name="cost per success",
        line={"color": PALETTE[0]}, row=2, col=1,
    )  # fmt: skip
    none = rates[rates["hits"] == 0]
    if len(none):
        fig.add_scatter(
            x=none[x], y=none["cost_usd"], mode="markers", name="no success: at least this",
            marker={"symbol": "triangle-up", "size": 12, "color": WRONG}, row=2, col=1,
        )  # fmt: skip
    base = rates.dropna(subset=["cps"])
    if pd.api.types.is_numeric_dtype(rates[x]) and len(base) and base[x].iloc[0] > 0:
        x0, c0 = float(base[x].iloc[0]), float(base["cps"].iloc[0])
        fig.add_scatter(
            x=rates[x], y=c0 * rates[x] / x0, mode="lines", name=f"linear in {_label(x)}",
            line={"color": REFERENCE, "dash": "dot"}, row=2, col=1,
        )  # fmt: skip
    fig.update_yaxes(title_text="success (%)", range=[0, 105], row=1, col=1)
    fig.update_yaxes(title_text="US$ per success", type="log", dtick=1, row=2, col=1)
    fig.update_xaxes(title_text=_label(x), row=2, col=1)
    _log_x(fig, rates[x], log_x)
    note_unpriced(fig, episodes, row=2, col=1)
    title = f"Success falls and each success costs more as {_label(x)} grow"
    return fig.update_layout(template=TEMPLATE, height=620, title=title)


def node_costs(steps: pd.DataFrame) -> go.Figure:
    """Cost and modeled time per episode spent in each node of the agent graph (notebook 01).

    Args:
        steps: The ``steps`` table of one or many episodes.

    Returns:
        Two bar panels: cost (US cents) and modeled seconds per episode, by node.
    """
    n = max(steps["episode"].nunique() if "episode" in steps.columns else 1, 1)
    g = steps.groupby("node", sort=False)
    by = pd.DataFrame({"cost_usd": usd_totals(g["cost_usd"]), "latency_s": g["latency_s"].sum()})
    by = by / n
    order = [k for k in NODE_COLORS if k in by.index]
    by = by.reindex(order + sorted(set(by.index) - set(order)))
    colors = [NODE_COLORS.get(k, PALETTE[-1]) for k in by.index]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["cost (US cents)", "modeled time (s)"])
    fig.add_bar(x=by.index, y=100 * by["cost_usd"], marker_color=colors, row=1, col=1)
    fig.add_bar(x=by.index, y=by["latency_s"], marker_color=colors, row=1, col=2)
    note_unpriced(fig, steps, row=1, col=1)
    title = f"Where an episode's money and time go (mean of {n} episodes)"
    return fig.update_layout(template=TEMPLATE, height=380, showlegend=False, title=title)


def episode_timeline(steps: pd.DataFrame, episode: int | None = None) -> go.Figure:
    """One episode's steps on the virtual clock, coloured by graph node, with wrong decisions
    (``correct == False`` against the request's ground truth) marked. Introduced in notebook
    00 (`00_quickstart.ipynb`), read closely in notebook 01.

    Args:
        steps: The ``steps`` table (of one episode, or pick one with ``episode``).
        episode: The ``episode`` number to draw (default: the first in the table).

    Returns:
        A Gantt-like chart: one bar per LLM or tool call, from ``start_s`` for ``latency_s``.
    """
    s = steps
    if "episode" in s.columns:
        s = s[s["episode"] == (s["episode"].iloc[0] if episode is None else episode)]
    if s.empty:
        raise ValueError(f"episode: got {episode!r}; allowed: a value of the episode column")
    s = s.assign(label=s["step"].map("{:>2}".format) + " " + s["node"] + ": " + s["decision"])
    fig = go.Figure()
    for node, part in s.groupby("node", sort=False):
        fig.add_bar(
            y=part["label"], x=part["latency_s"], base=part["start_s"], orientation="h",
            name=str(node), marker_color=NODE_COLORS.get(str(node), PALETTE[-1]),
            customdata=part[["tokens_in", "status"]],
            hovertemplate="%{y}<br>%{x:.2f} s, %{customdata[0]} input tokens, "
            "%{customdata[1]}<extra></extra>",
        )  # fmt: skip
    marks = [("wrong decision", s["correct"].eq(False), "x"),
             ("tool error", s["status"].eq("error"), "circle-open")]  # fmt: skip
    for name, mask, symbol in marks:
        fig.add_scatter(
            y=s.loc[mask, "label"], x=(s["start_s"] + s["latency_s"])[mask], mode="markers",
            name=name, marker={"symbol": symbol, "size": 11, "color": WRONG},
        )  # fmt: skip
    first = s.iloc[0]
    total = float((s["start_s"] + s["latency_s"]).max())
    return fig.update_layout(
        template=TEMPLATE, height=140 + 22 * len(s), barmode="overlay",
        title=f"{first['request_id']}: {len(s)} steps, {total:.0f} s on the virtual clock",
        xaxis_title="virtual clock (s)",
        yaxis={"autorange": "reversed", "type": "category", "title": None,
               "categoryorder": "array", "categoryarray": list(s["label"])},
    )  # fmt: skip


def tool_choice_rates(steps: pd.DataFrame, core: Sequence[str] = CORE_TOOLS) -> pd.DataFrame:
    """Share of act calls whose tool choice was right, per tools in scope (Wilson 95%).

    With a ``tool_correct`` column (the simulated model's own record of whether it picked
    the plan step's tool) that is what is measured. Without it, a pick counts as right
    when every tool called is one of ``core`` (the task's own tools): an upper bound that
    misses mix-ups among the core tools themselves. Introduced in notebook 02.

    Args:
        steps: The ``steps`` table.
        core: The task's own tool names.

    Returns:
        Columns tools_in_scope, n, hits, rate_pct, lo_pct, hi_pct, measure.
    """
    acts = steps[(steps["node"] == "act") & (steps["kind"] == "llm")]
    acts = acts[acts["decision"] != "answer"]
    if "tool_correct" in acts.columns:
        measure, y = "picked the plan step's tool", "tool_correct"
    else:
        measure, y = "picked one of the task's own tools (upper bound)", "in_domain"
        acts = acts.assign(in_domain=[set(d.split(",")) <= set(core) for d in acts["decision"]])
    return _rates(acts, _col(acts, "tools"), y).assign(measure=measure)


def tool_choice_accuracy(
    steps: pd.DataFrame, reference: pd.DataFrame | None = None, *, log_x: bool = True
) -> go.Figure:
    """The lab's tool-choice accuracy against tools in scope, beside RAG-MCP's figures.

    RAG-MCP measured selection among a far larger pool of MCP tools, with another model and
    tasks: its figures are horizontal markers, not points on this x axis. What the lab's
    curve measures is explained in ``tool_choice_rates``. Introduced in notebook 02.

    Args:
        steps: The ``steps`` table of a sweep over tools.
        reference: RAG-MCP's table (default: ``reference("tool_selection_rag_mcp")``).
        log_x: A logarithmic x axis.

    Returns:
        The lab's curve with Wilson whiskers and one dashed line per published method.
    """
    rates = tool_choice_rates(steps)
    ref = load_reference("tool_selection_rag_mcp") if reference is None else reference
    name = f"lab: {rates['measure'].iloc[0]}"
    fig = go.Figure(_rate_line(rates, "tools_in_scope", name, PALETTE[0]))
    levels = ref.set_index("method")["tool_selection_accuracy_pct"].sort_values()
    for i, (method, pct) in enumerate(levels.items()):
        fig.add_hline(
            y=pct, line={"dash": "dash", "color": REFERENCE},
            annotation_text=f"RAG-MCP, {str(method).replace('_', ' ')}: {pct:.1f}%",
            annotation_position="bottom left" if i == 0 else "top left",
            annotation_font_color=REFERENCE,
        )  # fmt: skip
    fig.update_xaxes(title_text="tools in scope")
    _log_x(fig, rates["tools_in_scope"], log_x)
    note = "dashed: RAG-MCP (Gan and Sun 2025), a far larger tool pool and another model"
    return fig.update_layout(
        template=TEMPLATE, height=460, yaxis={"title": "accuracy (%)", "range": [0, 105]},
        title={"text": "Tool choice gets harder with every tool in scope",
               "subtitle": {"text": note + ": reference levels, not points on this axis"}},
        showlegend=True, legend={"yanchor": "top", "y": 0.99, "xanchor": "right", "x": 0.99},
    )  # fmt: skip


def context_rates(steps: pd.DataFrame, bins: Bins = None) -> pd.DataFrame:
    """Share of act decisions judged right, binned by the input tokens of their prompt.

    Counts the act calls that call a tool (not the final answer). One is right when its
    call agrees with the request's ground truth: the right tool with the right arguments
    (or the cheapest right offer), so it holds two decisions. Introduced in notebook 02.

    Args:
        steps: The ``steps`` table.
        bins: Bin edges in tokens (default: NoLiMa's grid, doubling from 1k to 64k).

    Returns:
        Columns tokens (mean of the bin), n, hits, rate_pct, lo_pct, hi_pct.
    """
    edges = list(bins or (0, 1000, 2000, 4000, 8000, 16000, 32000, 64000, math.inf))
    acts = steps[(steps["node"] == "act") & (steps["kind"] == "llm") & steps["correct"].notna()]
    acts = acts[acts["decision"] != "answer"]
    acts = acts.assign(bin=pd.cut(acts["tokens_in"], edges, right=False))
    out = _rates(acts, "bin", "correct")
    tokens = acts.groupby("bin", observed=True)["tokens_in"].mean()
    return out.assign(tokens=tokens.to_numpy()).drop(columns="bin")


def context_accuracy(
    steps: pd.DataFrame, reference: pd.DataFrame | None = None, *, bins: Bins = None
) -> go.Figure:
    """The lab's decision accuracy against context length, beside NoLiMa's GPT-4o curve.

    Run the lab with ``model="sim:gpt-4o"`` for a like-for-like model. What is measured is
    explained in ``context_rates``. Introduced in notebook 02 (`02_scaling_scope.ipynb`).

    Args:
        steps: The ``steps`` table of a sweep that grows the context (e.g. memory notes).
        reference: NoLiMa's table (default: ``reference("nolima_gpt4o")``).
        bins: Bin edges in tokens (see ``context_rates``).

    Returns:
        The lab's binned accuracy (Wilson whiskers) and the published curve.
    """
    rates = context_rates(steps, bins)
    ref = load_reference("nolima_gpt4o") if reference is None else reference
    fig = go.Figure()
    fig.add_scatter(
        x=ref["context_tokens"], y=ref["accuracy_pct"], mode="lines+markers",
        name="NoLiMa, GPT-4o (published)", line={"color": REFERENCE, "dash": "dash"},
    )  # fmt: skip
    hover = "%{y:.0f}% of %{customdata} decisions<extra></extra>"
    name = "lab: act decisions judged right"
    fig.add_trace(_rate_line(rates, "tokens", name, PALETTE[0], hovertemplate=hover))
    return fig.update_layout(
        template=TEMPLATE, height=440, title="Decisions get worse as the context grows",
        xaxis_title="input tokens of the prompt",
        yaxis={"title": "accuracy (%)", "range": [0, 105]},
        legend={"yanchor": "bottom", "y": 0.02, "xanchor": "left", "x": 0.01},
    )  # fmt: skip
