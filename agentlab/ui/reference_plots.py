"""The lab's measured accuracy beside published curves: tool choice and context length.

``tool_choice_accuracy`` sets the lab's share of right tool picks against tools in scope
beside RAG-MCP's figures (``tool_choice_rates`` is its table); ``context_accuracy`` sets the
share of act decisions judged right against the prompt's input tokens beside NoLiMa's
GPT-4o curve (``context_rates``). The published numbers come from ``agentlab.measure.reference``.
Notebooks find these as ``plots.tool_choice_accuracy`` and so on (``agentlab.ui.plots``).

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from agentlab.measure.reference import reference as load_reference
from agentlab.ui.plot_base import (
    PALETTE,
    REFERENCE,
    TEMPLATE,
    Bins,
    group_rates,
    log_axis,
    rate_line,
    table_column,
)
from agentlab.world.travel import CORE_TOOLS


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
    return group_rates(acts, table_column(acts, "tools"), y).assign(measure=measure)


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
    fig = go.Figure(rate_line(rates, "tools_in_scope", name, PALETTE[0], of="tool picks"))
    levels = ref.set_index("method")["tool_selection_accuracy_pct"].sort_values()
    for i, (method, pct) in enumerate(levels.items()):
        fig.add_hline(
            y=pct, line={"dash": "dash", "color": REFERENCE},
            annotation_text=f"RAG-MCP, {str(method).replace('_', ' ')}: {pct:.1f}%",
            annotation_position="bottom left" if i == 0 else "top left",
            annotation_font_color=REFERENCE,
        )  # fmt: skip
    fig.update_xaxes(title_text="tools in scope")
    log_axis(fig, rates["tools_in_scope"], log_x)
    note = "dashed: RAG-MCP (Gan and Sun 2025), a far larger tool pool and another model"
    return fig.update_layout(
        template=TEMPLATE, height=460,
        yaxis={"title": "right tool picks (%)", "range": [0, 105]},
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
    out = group_rates(acts, "bin", "correct")
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
        hovertemplate="NoLiMa at %{x:,.0f} tokens: %{y:.0f}%<extra></extra>",
    )  # fmt: skip
    hover = "%{y:.0f}% of %{customdata:,} decisions at %{x:,.0f} tokens (bin mean)<extra></extra>"
    name = "lab: act decisions judged right"
    fig.add_trace(rate_line(rates, "tokens", name, PALETTE[0], hovertemplate=hover))
    return fig.update_layout(
        template=TEMPLATE, height=440, title="Decisions get worse as the context grows",
        xaxis={"title": "input tokens of the prompt", "tickformat": ","},
        yaxis={"title": "decisions judged right (%)", "range": [0, 105]},
        legend={"yanchor": "bottom", "y": 0.02, "xanchor": "left", "x": 0.01},
    )  # fmt: skip
