"""Every figure of agentlab.ui reads in words: titled axes with units, no column names.

Each public figure function is built on small real runs (or synthetic tables where a real one
would be slow), then every axis title, legend entry, legend title, subplot title and hover
template is checked for a raw column name (``tokens_in``, ``cost_per_success_usd``): a
snake_case identifier is a label nobody wrote for a reader.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import agentlab as al
import agentlab.ui
from agentlab.measure import compounding, reliability
from agentlab.measure.verdicts import Comparison
from agentlab.ui import (
    error_plots,
    explorer_figure,
    panel_plots,
    plot_base,
    plots,
    team_plots,
    travel_team_plots,
)
from agentlab.world.travel import request_ids

IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # tokens_in, cost_per_success_usd
Build = Callable[[], go.Figure]


def _travel() -> al.Results:
    """2 scopes x 2 memory sizes x 2 seeds of the travel agent (about a second)."""
    return al.run_episodes(
        al.grid(tools=[4, 16], memory_items=[0, 100], seeds=range(2)), progress=False
    )


def _research() -> al.Results:
    """The single research agent and four of Kim et al.'s teams, one question each."""
    archs = ["single", "independent", "decentralized", "centralized", "hybrid"]
    base = al.EpisodeConfig(scenario="research")
    return al.run_episodes(al.grid(base, architecture=archs, seeds=range(2)), progress=False)


def _comparisons() -> dict[str, dict[str, Comparison]]:
    diff = {"4 tools": Comparison("team", "single", "success", "difference", -0.1, -0.3, 0.1, 8)}
    ratio = {"4 tools": Comparison("team", "single", "tokens_in", "ratio", 0.4, 0.3, 0.5, 8)}
    return {"success, team minus single": diff, "input tokens, team over single": ratio}


def _break_even() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples([("ambiguous", "never"), ("never", "every_k")],
                                      names=["clarify", "verify"])  # fmt: skip
    return pd.DataFrame({"estimate": [1.0, 6.0], "lo": [0.5, 4.0], "hi": [4.0, math.inf]}, index)


def _figures(travel: al.Results, research: al.Results) -> dict[str, Build]:
    """Every public figure function of agentlab.ui, each with inputs it is meant for."""
    e, s = travel.episodes, travel.steps
    washington = al.run_episode(al.EpisodeConfig(request="trip-001", seed=0))
    policies = al.run_episodes(
        al.grid(request=request_ids()[:2], clarify=["never", "ambiguous"],
                verify=["never", "every_k"], seeds=[0]), progress=False,
    ).episodes  # fmt: skip
    table = team_plots.architecture_table(research.episodes)
    profile = al.sim.profiles.get_profile("gpt-4o-mini", flat_accuracy=0.9)
    designs = research.episodes.assign(design=research.episodes["architecture"])
    one = research.steps[research.steps["episode"] == 2]
    sizes = al.run_episodes(
        al.grid(al.EpisodeConfig(scenario="research"), architecture=["independent"],
                team_size=[2, 3], seeds=[0]), progress=False,
    )  # fmt: skip
    decomposed = al.run_episodes(
        al.grid(architecture=["single", "centralized"], tools=[4, 16], seeds=[0]), progress=False
    )
    return {
        "per_decision": lambda: plots.per_decision(e, log_x=True),
        "per_decision by memory": lambda: plots.per_decision(e, x="memory_items", color="tools"),
        "token_breakdown steps": lambda: plots.token_breakdown(s),
        "token_breakdown episodes": lambda: plots.token_breakdown(e, by="memory_items"),
        "success_and_cost": lambda: plots.success_and_cost(e, log_x=True),
        "node_costs": lambda: plots.node_costs(s),
        "episode_timeline": lambda: plots.episode_timeline(s),
        "tool_choice_accuracy": lambda: plots.tool_choice_accuracy(s),
        "context_accuracy": lambda: plots.context_accuracy(s),
        "taint_timeline": lambda: error_plots.taint_timeline(washington.step_rows()),
        "taint_flow": lambda: error_plots.taint_flow(washington),
        "blast_radius": lambda: error_plots.blast_radius(e),
        "reflection_catch": lambda: error_plots.reflection_catch(e),
        "compounding": lambda: error_plots.compounding(reliability.chain_survival(s)),
        "flat_compounding": lambda: error_plots.flat_compounding(
            {0.9: compounding.chain_success(profile, range(1, 4), episodes=40)}
        ),
        "pass_k": lambda: error_plots.pass_k(reliability.pass_hat_k(e, ks=(1, 2))),
        "containment_vs_cost": lambda: error_plots.containment_vs_cost(policies),
        "containment_vs_cost success": lambda: error_plots.containment_vs_cost(
            policies, y="success"
        ),
        "break_even_bars": lambda: error_plots.break_even_bars(_break_even()),
        "decomposition_lines": lambda: travel_team_plots.decomposition_lines(decomposed.episodes),
        "comparison_bars": lambda: travel_team_plots.comparison_bars(_comparisons()),
        "agent_context_bars": lambda: team_plots.agent_context_bars(
            team_plots.agent_context(research)
        ),
        "architecture_bars": lambda: team_plots.architecture_bars(table),
        "agent_timeline": lambda: team_plots.agent_timeline(one),
        "team_size_lines": lambda: team_plots.team_size_lines(sizes),
        "against_paper_bars": lambda: team_plots.against_paper_bars(
            team_plots.against_paper(table)
        ),
        "placement_bars": lambda: team_plots.placement_bars(designs),
        "placement_bars by colour": lambda: team_plots.placement_bars(
            designs.assign(rank_filter="own agent"), x="design", color="rank_filter"
        ),
        "empty_figure": explorer_figure.empty_figure,
        "measure_panels": _panels,
        "measure_panels lines": lambda: panel_plots.measure_panels(
            designs.groupby("design")[["tokens_in", "latency_s"]].mean(),
            {"tokens_in": ("input tokens per episode", "tokens"), "latency_s": ("latency", "s")},
            x="design",
            title="Tokens and time per design",
        ),
    }


def _panels() -> go.Figure:
    """``measure_panels`` as notebook 08 would call it: grouped bars from a two-level index."""
    both = pd.DataFrame(
        {"turns_x": [1.0, 2.5, 1.0, 3.1], "tokens_x": [1.0, 4.0, 1.0, 2.9]},
        index=pd.MultiIndex.from_product([["lab", "paper"], ["single", "centralized"]],
                                         names=["source", "architecture"]),
    )  # fmt: skip
    measures = {"turns_x": ("turns", "x single agent"), "tokens_x": ("tokens", "x single agent")}
    return panel_plots.measure_panels(
        both, measures, x="architecture", color="source", kind="bar", reference=1, title="Both"
    )


@pytest.fixture(scope="module")
def figures() -> dict[str, Build]:
    return _figures(_travel(), _research())


def _text(value: object) -> str:
    """A layout title's text (a title may be a string, a dict or a plotly object)."""
    if value is None or isinstance(value, str):
        return value or ""
    text = getattr(value, "text", None)
    return text or ""


def _axes(fig: go.Figure) -> Iterator[tuple[str, go.layout.XAxis | go.layout.YAxis]]:
    """The axes a trace is drawn on and whose tick labels show (a shared axis's twin aside)."""
    used = {getattr(t, a, None) or a[0] for t in fig.data for a in ("xaxis", "yaxis")}
    for ref in sorted(used):
        name = ref[0] + "axis" + ref[1:]  # x2 -> xaxis2
        if fig.layout[name].showticklabels is not False:
            yield name, fig.layout[name]


def _words(where: str, text: str) -> list[str]:
    """Problems of a label: empty, or holding a raw column name."""
    if not text.strip():
        return [f"{where}: no title"]
    return [f"{where}: {text!r} names a column" for _ in IDENTIFIER.findall(text)][:1]


PLACEHOLDER = re.compile(r"%\{(x|y|customdata)(?:\[(\d+)\])?(:[^}]*)?\}")


def _unrounded(trace: go.BaseTraceType) -> list[str]:
    """Hover placeholders of fractional numbers that carry no format."""
    out = []
    for var, index, fmt in PLACEHOLDER.findall(trace.hovertemplate or ""):
        values = getattr(trace, var)
        if values is None or fmt:
            continue
        a = np.asarray(values, dtype=object)
        if var == "customdata" and index:
            a = a.reshape(len(a), -1)[:, int(index)]
        nums = pd.to_numeric(pd.Series(a.ravel()), errors="coerce").dropna()
        if len(nums) == len(a.ravel()) and len(nums) and (nums % 1 != 0).any():
            out.append(f"%{{{var}{f'[{index}]' if index else ''}}} unrounded")
    return out


def _problems(fig: go.Figure) -> list[str]:
    found = _words("title", _text(fig.layout.title))
    for name, axis in _axes(fig):
        found += _words(name, _text(axis.title))
    found += [f"legend title: {t!r}" for t in IDENTIFIER.findall(_text(fig.layout.legend.title))]
    for trace in fig.data:
        if trace.name and trace.showlegend is not False and IDENTIFIER.search(trace.name):
            found.append(f"legend entry {trace.name!r}")
        if trace.hoverinfo == "skip":
            continue
        if not trace.hovertemplate:
            found.append(f"trace {trace.name!r}: no hovertemplate (raw values on hover)")
            continue
        literal = PLACEHOLDER.sub("", re.sub(r"%\{[^}]*\}", "", trace.hovertemplate))
        found += [f"hover {trace.name!r}: {w!r}" for w in IDENTIFIER.findall(literal)]
        found += [f"hover {trace.name!r}: {p}" for p in _unrounded(trace)]
    for note in fig.layout.annotations:
        found += [f"annotation {note.text!r}" for _ in IDENTIFIER.findall(note.text or "")][:1]
    return found


@pytest.mark.slow
def test_every_figure_reads_in_words(figures: dict[str, Build]) -> None:
    problems = {name: p for name, build in figures.items() if (p := _problems(build()))}
    assert not problems, problems


@pytest.mark.slow
def test_every_public_figure_function_is_checked(figures: dict[str, Build]) -> None:
    """A new figure function of agentlab.ui joins the list above (one that takes a figure,
    such as ``note_unpriced``, decorates figures others build)."""
    public = set()
    for info in pkgutil.iter_modules(agentlab.ui.__path__):
        module = importlib.import_module(f"agentlab.ui.{info.name}")
        for name, f in vars(module).items():
            if not inspect.isfunction(f) or f.__module__ != module.__name__ or name[0] == "_":
                continue
            first = next(iter(inspect.signature(f).parameters.values()), None)
            takes_figure = first is not None and "Figure" in str(first.annotation)
            if f.__annotations__.get("return") in ("go.Figure", "Figure") and not takes_figure:
                public.add(name)
    assert public - {key.split(" ")[0] for key in figures} == set()


def test_the_checks_catch_a_raw_label() -> None:
    fig = go.Figure(go.Scatter(x=[1, 2], y=[0.123, 0.456], name="tokens_in"))
    fig.update_layout(title="Something", xaxis_title="cost_per_success_usd")
    problems = _problems(fig)
    assert "xaxis: 'cost_per_success_usd' names a column" in problems
    assert "yaxis: no title" in problems
    assert "legend entry 'tokens_in'" in problems
    assert any("no hovertemplate" in p for p in problems)
    fig.update_traces(hovertemplate="%{x}: %{y} tokens<extra></extra>")
    assert "hover 'tokens_in': %{y} unrounded" in _problems(fig)


def test_hover_value_rounds_in_the_unit() -> None:
    assert plot_base.hover_value("tokens") == "%{y:,.0f} tokens"
    assert plot_base.hover_value("US$", "x") == "$%{x:.4f}"
    assert plot_base.hover_value("%") == "%{y:.0f}%"
    assert plot_base.hover_value("share") == "%{y:.0%}"
    assert plot_base.hover_value("s") == "%{y:.3g} s"
    assert plot_base.value_label("every_k") == "every k steps"


def test_measure_panels_name_each_panel_and_refuse_a_missing_column() -> None:
    fig = _panels()
    assert [a.text for a in fig.layout.annotations][:2] == ["turns", "tokens"]
    assert (
        fig.layout.xaxis.title.text == "architecture" and fig.layout.legend.title.text == "source"
    )
    assert [t.name for t in fig.data] == ["lab", "paper", "lab", "paper"]
    assert [s.y0 for s in fig.layout.shapes] == [1, 1]
    with pytest.raises(ValueError, match="'success'"):
        panel_plots.measure_panels(pd.DataFrame({"agents": [1]}), {"success": ("s", "%")},
                                   x="agents", title="t")  # fmt: skip
