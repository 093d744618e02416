"""Tests for agentlab.ui.plots: each figure has the traces and axes it promises, on a real run."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

import agentlab as al
from agentlab.measure.reference import reference
from agentlab.ui import plots

TOOLS = [4, 16]


@pytest.fixture(scope="module")
def results() -> al.Results:
    """2 tool scopes x 3 seeds on the simulated model (offline, about a second)."""
    return al.run_episodes(al.grid(tools=TOOLS, seeds=range(3)), progress=False)


def _names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


def test_wilson_interval() -> None:
    lo, hi = plots.wilson_interval(5, 10)
    assert lo == pytest.approx(1 - hi) and 0.23 < lo < 0.24
    assert plots.wilson_interval(0, 10)[0] == 0.0
    assert plots.wilson_interval(10, 10)[1] == 1.0
    assert all(math.isnan(v) for v in plots.wilson_interval(0, 0))


def test_per_decision(results: al.Results) -> None:
    fig = plots.per_decision(results.episodes, log_x=True)
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 3  # cost, latency, tokens: one trace per panel
    assert [list(t.x) for t in fig.data] == [TOOLS] * 3
    assert fig.layout.xaxis3.title.text == "tools in scope"
    assert fig.layout.xaxis.type == "log"
    e = results.episodes
    expected = (e.tokens_in / e.decisions).groupby(e.tools).mean()
    assert list(fig.data[2].y) == pytest.approx(list(expected))
    assert "US cents" in fig.layout.yaxis.title.text


def test_per_decision_one_line_per_color(results: al.Results) -> None:
    e = results.episodes.assign(half=results.episodes.seed % 2)
    fig = plots.per_decision(e, x="tools", color="half")
    assert len(fig.data) == 6
    assert sum(bool(t.showlegend) for t in fig.data) == 2


@pytest.mark.parametrize("table", ["steps", "episodes"])
def test_token_breakdown(results: al.Results, table: str) -> None:
    fig = plots.token_breakdown(getattr(results, table), by="tools")
    assert _names(fig) == ["system prompt", "tool schemas", "memory notes", "history", "output"]
    assert fig.layout.barmode == "stack"
    assert list(fig.data[0].x) == [str(t) for t in TOOLS]
    assert fig.data[1].y[1] > fig.data[1].y[0]  # more tools, more schema tokens


def test_token_breakdown_matches_decision_rows(results: al.Results) -> None:
    fig = plots.token_breakdown(results.steps)
    s = results.steps
    rows = s[(s.kind == "llm") & s.node.isin(["plan", "act", "reflect"])]
    mean_in = rows.groupby("tools_in_scope").tokens_in.mean()
    assert [sum(t.y[i] for t in fig.data[:4]) for i in range(2)] == pytest.approx(list(mean_in))


def test_success_and_cost(results: al.Results) -> None:
    fig = plots.success_and_cost(results.episodes)
    names = _names(fig)
    assert names[:2] == ["success rate", "cost per success"]
    rate = results.episodes.groupby("tools").success.mean() * 100
    assert list(fig.data[0].y) == pytest.approx(list(rate))
    cps = results.cost_per_success().cost_per_success_usd
    assert [v for v in fig.data[1].y if not math.isnan(v)] == pytest.approx(list(cps.dropna()))
    assert fig.layout.yaxis2.type == "log"


def test_success_and_cost_marks_no_success_and_linear_reference() -> None:
    e = pd.DataFrame(
        {"tools": [4, 4, 40, 40], "success": [True, False, False, False], "cost_usd": [1, 1, 5, 7]}
    )
    fig = plots.success_and_cost(e)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["no success: at least this"].y) == [12]
    assert list(by_name["linear in tools in scope"].y) == [2, 20]


def test_node_costs(results: al.Results) -> None:
    fig = plots.node_costs(results.steps)
    assert list(fig.data[0].x)[:2] == ["plan", "act"]
    total = results.steps.cost_usd.sum() * 100 / results.steps.episode.nunique()
    assert sum(fig.data[0].y) == pytest.approx(total)


def _unpriced(results: al.Results) -> al.Results:
    """The run with episode 0 on a model no source prices: its cost is NaN, step by step."""
    e, s = results.episodes.copy(), results.steps.copy()
    unpriced = [math.nan, "unpriced"]
    e.loc[e.episode == 0, ["cost_usd", "price_source", "model"]] = [*unpriced, "openai:llama3.1"]
    llm = (s.episode == 0) & (s.kind == "llm")
    s.loc[llm, ["cost_usd", "price_source", "name"]] = [*unpriced, "llama3.1"]
    return al.Results(e, s)


def _notes(fig: go.Figure) -> str:
    return " ".join(a.text for a in fig.layout.annotations)


def test_cost_figures_say_unpriced_and_never_draw_it_as_zero(results: al.Results) -> None:
    bad = _unpriced(results)
    first = int(bad.episodes.loc[0, "tools"])  # the scope whose group holds episode 0
    fig = plots.per_decision(bad.episodes)
    cost = dict(zip(fig.data[0].x, fig.data[0].y, strict=True))
    assert math.isnan(cost[first]) and not any(math.isnan(v) for v in fig.data[2].y)
    assert "cost unpriced (no price) for openai:llama3.1" in _notes(fig)
    fig = plots.success_and_cost(bad.episodes)
    cps = dict(zip(fig.data[1].x, fig.data[1].y, strict=True))
    assert math.isnan(cps[first]) and not math.isnan(cps[TOOLS[1]])
    assert "unpriced" in _notes(fig)
    fig = plots.node_costs(bad.steps)
    assert all(math.isnan(v) for v in fig.data[0].y if v != 0)  # every LLM node: unpriced
    assert 0 not in list(fig.data[0].y[:2]) and "for llama3.1" in _notes(fig)
    assert "unpriced" not in _notes(plots.node_costs(results.steps))  # all priced: no note
    unknown = results.steps.assign(cost_usd=lambda t: t.cost_usd.where(t.episode != 0))
    assert "cost unknown" in _notes(plots.node_costs(unknown))  # priced, usage not reported


def test_architecture_bars_say_why_a_cost_per_success_is_missing() -> None:
    from agentlab.ui import team_plots

    e = pd.DataFrame({
        "architecture": ["single", "single", "pipeline", "swarm"], "success": [True] * 3 + [False],
        "cost_usd": [0.1, 0.1, math.nan, 0.2], "tokens_in": [10] * 4, "tokens_out": [1] * 4,
        "llm_calls": [2] * 4, "coordination_tokens": [0] * 4, "latency_s": [1.0] * 4,
        "errors_contained": [0] * 4, "errors_escaped": [0] * 4,
    })  # fmt: skip
    table = team_plots.architecture_table(e)
    assert math.isnan(table.loc["pipeline", "cost_per_success_usd"])
    fig = team_plots.architecture_bars(table)
    (labels,) = [t for t in fig.data if t.type == "scatter"]
    assert dict(zip(labels.x, labels.text, strict=True)) == {
        "pipeline": "unpriced", "swarm": "no success"
    }  # fmt: skip


def test_architecture_bars_carry_bootstrap_intervals_over_the_questions() -> None:
    from agentlab.ui import team_plots

    base = al.EpisodeConfig(scenario="research")
    runs = al.run_episodes(
        al.grid(base, architecture=["single", "centralized"], seeds=range(6)), progress=False
    )
    table = team_plots.architecture_table(runs.episodes)
    for col in ("success", "tokens_x", "cost_per_success_usd"):
        assert (table[f"{col}_lo"] <= table[col] + 1e-9).all(), col
        assert (table[col] <= table[f"{col}_hi"] + 1e-9).all(), col
    assert table.loc["single", "tokens_x_lo"] == table.loc["single", "tokens_x_hi"] == 1.0
    bars = team_plots.architecture_bars(table).data
    assert bars[0].error_y.array is not None and bars[2].error_y.array is not None


def test_episode_timeline(results: al.Results) -> None:
    s = results.steps
    fig = plots.episode_timeline(s, episode=1)
    one = s[s.episode == 1]
    bars = [t for t in fig.data if t.type == "bar"]
    assert sum(len(t.x) for t in bars) == len(one)
    assert {t.name for t in bars} <= {"plan", "act", "tools", "remember", "reflect"}
    marks = {t.name: len(t.x) for t in fig.data if t.type == "scatter"}
    assert marks["wrong decision"] == int(one.correct.eq(False).sum())
    assert marks["tool error"] == int(one.status.eq("error").sum())
    assert fig.layout.yaxis.categoryarray[0].strip().startswith("0 plan")
    assert fig.layout.xaxis.title.text == "virtual clock (s)"
    with pytest.raises(ValueError, match="episode"):
        plots.episode_timeline(s, episode=999)


def test_episode_timeline_of_one_episode_rows() -> None:
    ep = al.run_episode(al.EpisodeConfig(seed=0))
    fig = plots.episode_timeline(pd.DataFrame(ep.step_rows()))
    assert "trip-001" in fig.layout.title.text


def test_tool_choice(results: al.Results) -> None:
    rates = plots.tool_choice_rates(results.steps)
    assert list(rates.tools_in_scope) == TOOLS
    assert (rates.lo_pct <= rates.rate_pct).all() and (rates.rate_pct <= rates.hi_pct).all()
    rag = reference("tool_selection_rag_mcp")
    fig = plots.tool_choice_accuracy(results.steps, rag)
    assert len(fig.data) == 1 and fig.data[0].name.startswith("lab:")
    assert sorted(s.y0 for s in fig.layout.shapes) == sorted(rag.tool_selection_accuracy_pct)


def test_tool_choice_prefers_tool_correct_column(results: al.Results) -> None:
    steps = results.steps.assign(tool_correct=True)
    rates = plots.tool_choice_rates(steps)
    assert (rates.rate_pct == 100).all()
    assert rates.measure.iloc[0] == "picked the plan step's tool"


def test_context_accuracy(results: al.Results) -> None:
    rates = plots.context_rates(results.steps)
    acts = results.steps[(results.steps.node == "act") & (results.steps.decision != "answer")]
    assert rates.n.sum() == len(acts)
    nolima = reference("nolima_gpt4o")
    fig = plots.context_accuracy(results.steps, nolima)
    assert _names(fig) == ["NoLiMa, GPT-4o (published)", "lab: act decisions judged right"]
    assert list(fig.data[0].x) == list(nolima.context_tokens)
    assert fig.layout.yaxis.range == (0, 105)


def test_comparison_bars_carry_the_paired_interval_and_the_line_of_no_difference() -> None:
    from agentlab.measure.verdicts import Comparison
    from agentlab.ui import travel_team_plots

    diff = {
        "4 tools": Comparison("team", "single", "success", "difference", -0.1, -0.3, 0.1, 48),
        "64 tools": Comparison("team", "single", "success", "difference", 0.25, 0.08, 0.4, 48),
    }
    ratio = {"64 tools": Comparison("team", "single", "tokens_in", "ratio", 0.37, 0.32, 0.44, 48)}
    fig = travel_team_plots.comparison_bars({"success": diff, "tokens": ratio})
    left, right = fig.data
    assert list(right.y) == [0.37]
    assert list(left.x) == ["4 tools", "64 tools"]
    assert list(left.error_y.array) == pytest.approx([0.2, 0.15])
    assert list(left.error_y.arrayminus) == pytest.approx([0.2, 0.17])
    assert left.marker.color[0] != left.marker.color[1]  # no verdict is drawn apart
    assert [s.y0 for s in fig.layout.shapes] == [0.0, 1.0]  # no difference: 0, and 1 for a ratio
