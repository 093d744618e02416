"""Tests for agentlab.ui.error_plots: each figure has the traces it promises, on real runs."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

import agentlab as al
from agentlab.measure import reliability
from agentlab.run.runner import Episode
from agentlab.ui import error_plots
from agentlab.world.travel import request_ids

REQUESTS = request_ids()[:6]


@pytest.fixture(scope="module")
def washington() -> Episode:
    """The Washington trip: one root error (the plan), everything after it tainted."""
    return al.run_episode(al.EpisodeConfig(request="trip-001", seed=0))


@pytest.fixture(scope="module")
def sweep() -> al.Results:
    """6 requests x 4 seeds x 2 memory sizes (offline, a few seconds)."""
    configs = al.grid(request=REQUESTS, memory_items=[0, 100], seeds=range(4))
    return al.run_episodes(configs, progress=False)


@pytest.fixture(scope="module")
def policies() -> pd.DataFrame:
    """clarify x verify over 3 requests."""
    configs = al.grid(request=REQUESTS[:3], clarify=["never", "ambiguous"],
                      verify=["never", "every_k"], seeds=[0])  # fmt: skip
    return al.run_episodes(configs, progress=False).episodes


def _trace(fig: go.Figure, name: str) -> go.BaseTraceType:
    return next(t for t in fig.data if t.name == name)


def test_taint_timeline(washington: Episode) -> None:
    fig = error_plots.taint_timeline(washington.step_rows())
    bars = [t for t in fig.data if t.type == "bar"]
    assert sum(len(t.x) for t in bars) == len(washington.records)
    assert [t.name for t in bars] == ["tainted (derived from a root error)"]  # all of it
    root = _trace(fig, "root error")
    assert list(root.y) == ["plan"] and root.marker.symbol == "x"
    assert "derived from" in bars[0].hovertemplate
    assert fig.layout.yaxis.categoryarray[-1] == "plan"  # plan on top


def test_taint_timeline_picks_an_episode_and_shows_a_person(sweep: al.Results) -> None:
    ep = al.run_episode(al.EpisodeConfig(request="trip-001", clarify="ambiguous"))
    fig = error_plots.taint_timeline(ep.step_rows())
    assert "a person answers" in [t.name for t in fig.data]
    assert len(_trace(fig, "root error").x) == 0  # prevented, not committed
    steps = sweep.steps
    fig = error_plots.taint_timeline(steps, episode=3)
    assert sum(len(t.x) for t in fig.data if t.type == "bar") == (steps.episode == 3).sum()
    with pytest.raises(ValueError, match="traced episode"):
        error_plots.taint_timeline(steps.drop(columns="tainted"))


def test_taint_flow(washington: Episode) -> None:
    fig = error_plots.taint_flow(washington)
    prov = washington.provenance
    assert prov is not None
    nodes = [t for t in fig.data if t.mode == "markers"]
    assert sum(len(t.x) for t in nodes) == len(prov.artifacts)
    root = _trace(fig, "root error")
    assert list(root.x) == [0]  # the plan, at step 0
    edges = [t for t in fig.data if t.mode == "lines"]
    n_edges = sum(len(a.derived_from) for a in prov.artifacts.values())
    assert sum(len(t.x) for t in edges) == 3 * n_edges
    assert fig.layout.annotations[0].text == "root error (plan)"
    assert len(error_plots.taint_flow(prov).data) == len(fig.data)  # a Provenance works too


def test_taint_flow_collapses_long_term_memory() -> None:
    ep = al.run_episode(al.EpisodeConfig(request="trip-002", memory_items=20))
    assert ep.provenance is not None
    fig = error_plots.taint_flow(ep)
    nodes = sum(len(t.x) for t in fig.data if t.mode == "markers")
    assert nodes == len(ep.provenance.artifacts) - 20 + 1


def test_containment_vs_cost(policies: pd.DataFrame) -> None:
    fig = error_plots.containment_vs_cost(policies)
    assert len(fig.data) == 4 * 2  # one trace per policy and panel
    base = _trace(fig, "never / never")  # the first panel's trace
    assert list(base.x) == [0.0]  # no cost added to itself
    right = [t for t in fig.data if t.name == "never / never" and t.xaxis == "x2"]
    assert list(right[0].x) == [0.0]  # and no person's time
    asks = [t for t in fig.data if t.name == "ambiguous / never" and t.xaxis == "x2"]
    assert asks[0].x[0] > 0
    escaped = policies.groupby(["clarify", "verify"])["errors_escaped"].mean()
    assert base.y[0] == pytest.approx(escaped["never", "never"])


def test_blast_radius(sweep: al.Results) -> None:
    fig = error_plots.blast_radius(sweep.episodes)
    radius, cost, ref = fig.data
    assert list(radius.x) == sorted(radius.x) and len(radius.x) >= 2
    assert all(y >= 0 for y in cost.y)
    assert ref.line.dash == "dot"
    assert fig.layout.yaxis2.title.text == "tainted cost (US cents)"


def test_cost_plots_say_unpriced_never_zero(washington: Episode, policies: pd.DataFrame) -> None:
    steps = washington.step_rows()
    rows = [{**r, "cost_usd": math.nan} if r["kind"] == "llm" else r for r in steps]
    title = error_plots.taint_timeline(rows).layout.title.text
    assert title.endswith("unpriced of unpriced") and "$0" not in title
    e = policies.copy()
    asked = (e.clarify == "ambiguous") & (e.verify == "never")
    e.loc[asked, ["cost_usd", "price_source"]] = [math.nan, "unpriced"]
    fig = error_plots.containment_vs_cost(e)
    (asks,) = [t for t in fig.data if t.name == "ambiguous / never" and t.xaxis == "x"]
    assert math.isnan(asks.x[0])  # no cost point: not drawn at the baseline's cost
    assert "unpriced" in " ".join(a.text for a in fig.layout.annotations)


def test_reflection_catch(sweep: al.Results) -> None:
    fig = error_plots.reflection_catch(sweep.episodes)
    (line,) = fig.data
    assert list(line.x) == [0, 100]
    assert all(0 <= y <= 100 for y in line.y if y == y)
    assert "tokens" in fig.layout.xaxis.ticktext[0]


def test_compounding(sweep: al.Results) -> None:
    chain = reliability.chain_survival(sweep.steps)
    fig = error_plots.compounding(chain)
    assert list(_trace(fig, "lab: first k decisions all right").y) == list(chain["intact"])
    refs = _trace(fig, "reference points")
    assert list(refs.x) == [10, 20]
    assert [round(y, 2) for y in refs.y] == [0.60, 0.36]


def test_pass_k(sweep: al.Results) -> None:
    table = reliability.pass_hat_k(sweep.episodes[sweep.episodes.memory_items == 0], ks=(1, 2, 4))
    fig = error_plots.pass_k(table)
    assert list(_trace(fig, "lab: pass^k").y) == list(table["pass_k"])
    tau = _trace(fig, "tau-bench, gpt-4o retail")
    assert list(tau.x) == [1, 8] and list(tau.y) == [0.61, 0.25]


def test_break_even_bars_draw_each_interval_and_say_when_it_has_no_end() -> None:
    table = pd.DataFrame(
        {"estimate": [1.0, 6.0, math.inf], "lo": [0.5, 4.0, 3.0], "hi": [4.0, math.inf, math.inf]},
        index=pd.MultiIndex.from_tuples(
            [("ambiguous", "never"), ("never", "always"), ("always", "never")],
            names=["clarify", "verify"],
        ),
    )
    (bars,) = error_plots.break_even_bars(table).data
    assert list(bars.y) == ["always / never", "never / always", "ambiguous / never"]
    assert list(bars.text) == ["never pays", "no upper bound", ""]
    assert list(bars.error_x.arrayminus)[1:] == [2.0, 0.5]
    assert math.isnan(bars.error_x.array[1]) and bars.error_x.array[2] == 3.0  # no end: none
    assert math.isnan(bars.x[0])  # never pays: no bar at infinity
