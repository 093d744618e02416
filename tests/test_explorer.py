"""Tests for agentlab.ui.explorer: the placement explorer and the run stepper, driven from
code as a notebook (or a click in the browser, tests/test_browser.py) would drive them."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

import agentlab.ui.explorer
from agentlab.config import EpisodeConfig
from agentlab.run.runner import grid, run_episodes
from agentlab.run.team_runner import run_team_episode
from agentlab.ui.explorer import METRICS, PlacementExplorer, _scores
from agentlab.ui.stepper import RunStepper
from agentlab.world.capabilities import with_data

SEEDS = range(3)


@pytest.fixture(scope="module")
def explorer() -> PlacementExplorer:
    return PlacementExplorer(seeds=SEEDS)


def _now(ex: PlacementExplorer) -> list[float]:
    return [float(t.y[1]) for t in ex.figure.data]


def test_the_first_sweep_fills_the_figure_and_the_team() -> None:
    ex = PlacementExplorer(seeds=SEEDS)
    assert ex.runs == 1 and ex.results is not None and len(ex.results.episodes) == len(SEEDS)
    assert len(ex.figure.data) == len(METRICS)
    assert [t.text[0] for t in ex.figure.data] == ["", "", "", ""]  # nothing before
    expected = _scores(run_episodes(grid(ex.config, seeds=SEEDS), progress=False).episodes)
    assert _now(ex) == pytest.approx([0 if v is None else v for v in expected])
    assert ex.config.placement == (
        "refine_query=retriever,retrieve=own,rank_filter=retriever,synthesize=own,fact_check=own"
    )
    assert [a.name for a in ex.team.agents] == ["retriever", "analyst", "checker"]
    assert "checker" in ex.agents_table.value and "sweep 1" in ex.readout.value
    (out,) = ex.diagram.outputs
    assert out["data"]["text/markdown"].startswith("```mermaid\n")
    assert "checker" in ex.diagram_text


def test_set_a_capability_reruns_and_updates_the_same_figure() -> None:
    ex = PlacementExplorer(seeds=SEEDS)
    figure, traces, before = ex.figure, ex.figure.data, _now(ex)
    assert ex.set("fact_check", "embedded") is ex
    assert ex.toggles["fact_check"].value == "analyst" and ex.runs == 2
    assert ex.figure is figure and all(a is b for a, b in zip(ex.figure.data, traces, strict=True))
    assert [float(t.y[0]) for t in ex.figure.data] == pytest.approx(before)  # moved left
    assert _now(ex) != pytest.approx(before)
    assert all(t.text[0] for t in ex.figure.data)
    assert set(ex.results.episodes["placement"]) == {ex.config.placement}  # type: ignore[union-attr]
    assert "fact_check=analyst" in ex.config.placement
    assert "checker" not in ex.diagram_text and "checker" not in ex.agents_table.value
    assert "sweep 2" in ex.readout.value


def test_a_toggle_change_is_a_rerun(explorer: PlacementExplorer) -> None:
    runs = explorer.runs
    explorer.toggles["rank_filter"].value = "own"  # what a click on "own agent" does
    assert explorer.runs == runs + 1
    assert "ranker" in [a.name for a in explorer.team.agents] and "ranker" in explorer.diagram_text
    explorer.set("rank_filter", "retriever")
    assert "ranker" not in explorer.diagram_text and explorer.runs == runs + 2


def test_architecture_and_team_size(explorer: PlacementExplorer) -> None:
    explorer.set("architecture", "independent")
    assert all(t.disabled for t in explorer.toggles.values())  # placement does not apply
    assert not explorer.team_size.disabled
    explorer.set("team_size", 4)
    assert len(explorer.team.agents) == 4
    assert set(explorer.results.episodes["team_size"]) == {4}  # type: ignore[union-attr]
    explorer.set("handoff_tokens", 500).set("architecture", "pipeline")
    assert explorer.team_size.disabled and not explorer.toggles["retrieve"].disabled
    assert set(explorer.results.episodes["handoff_tokens"]) == {500}  # type: ignore[union-attr]
    explorer.set("architecture", "centralized").set("handoff_tokens", 300)


def test_set_rejects_what_it_does_not_know(explorer: PlacementExplorer) -> None:
    with pytest.raises(ValueError, match="fact_check: got 'ranker'"):
        explorer.set("fact_check", "ranker")
    with pytest.raises(ValueError, match="allowed: refine_query, retrieve"):
        explorer.set("memory", "full")
    with pytest.raises(ValueError, match=r"allowed: own, embedded, analyst$"):
        explorer.set("fact_check", "none")  # only an optional capability can be left out


def test_refine_query_toggles_between_the_retriever_its_own_agent_and_nobody(
    explorer: PlacementExplorer,
) -> None:
    assert explorer.toggles["refine_query"].value == "retriever"
    assert [v for _, v in explorer.toggles["refine_query"].options] == ["own", "retriever", "none"]
    explorer.set("refine_query", "own")
    assert "refine_query=own" in explorer.config.placement
    assert "refiner" in explorer.diagram_text and "refiner" in explorer.agents_table.value
    explorer.set("refine_query", "none")
    assert all("refine_query" not in a.capabilities for a in explorer.team.agents)
    assert "refiner" not in explorer.diagram_text
    explorer.set("refine_query", "embedded")
    assert explorer.toggles["refine_query"].value == "retriever"


def test_questions_and_capability_data() -> None:
    ex = PlacementExplorer(["Q-001", "Q-002"], seeds=[0], caps=with_data(fact_check={"reuse": 1}))
    assert sorted(ex.results.episodes["request_id"]) == ["Q-001", "Q-002"]  # type: ignore[union-attr]
    ex.set("fact_check", "analyst")
    carriers = [a.name for a in ex.team.agents if "fact_check" in a.capabilities]
    assert carriers == ["analyst"]  # reuse 1: only its host carries it


def test_episode_is_one_run_of_the_current_design(explorer: PlacementExplorer) -> None:
    ep = explorer.episode(seed=2)
    assert ep.config.placement == explorer.config.placement and ep.config.seed == 2


@pytest.fixture(scope="module")
def tainted_episode():  # type: ignore[no-untyped-def]
    """A centralized run with the fact-checker embedded that goes wrong (seed 1)."""
    config = EpisodeConfig(scenario="research", architecture="centralized",
                           placement="fact_check=analyst", seed=1)  # fmt: skip
    ep = run_team_episode(config)
    assert any(r["tainted"] for r in ep.step_rows()) and any(
        r["root_error"] for r in ep.step_rows()
    )
    return ep


def test_stepper_moves_and_shows_the_right_rows(tainted_episode) -> None:  # type: ignore[no-untyped-def]
    rows = tainted_episode.step_rows()
    s = RunStepper(tainted_episode)
    assert len(s.rows) == len(rows) and s.index == 0 and s.previous_button.disabled
    s.next_button.click()
    assert s.index == 1 and s.slider.value == 1 and s.row["step"] == rows[1]["step"]
    assert s.row["agent"] == rows[1]["agent"] and rows[1]["agent"] in s.detail.value
    s.previous_button.click()
    assert s.index == 0
    s.slider.value = 4  # dragging the slider
    assert s.index == 4 and s.row["decision"] == rows[4]["decision"]
    s.go(len(rows) + 10)
    assert s.index == len(rows) - 1 and s.next_button.disabled
    assert s.next().index == len(rows) - 1 and s.go(-3).index == 0


def test_stepper_shows_taint_and_highlights_the_step(tainted_episode) -> None:  # type: ignore[no-untyped-def]
    rows = tainted_episode.step_rows()
    s = RunStepper(tainted_episode)
    root = next(i for i, r in enumerate(rows) if r["root_error"])
    tainted = next(i for i, r in enumerate(rows) if r["tainted"] and not r["root_error"])
    assert "root error" in s.go(root).detail.value
    s.go(tainted)
    assert "tainted" in s.detail.value and rows[tainted]["derived_from"][:20] in s.detail.value
    assert "outline" in s.neighbours.value  # the current row of the neighbours table
    mark = s.figure.data[-1]
    assert mark.name == "current step"
    assert mark.base[0] == pytest.approx(rows[tainted]["start_s"])
    assert mark.x[0] == pytest.approx(rows[tainted]["latency_s"])
    assert mark.y[0] == rows[tainted]["agent"]
    clean = next(i for i, r in enumerate(rows) if not r["tainted"])
    assert "clean" in s.go(clean).detail.value


def test_stepper_takes_the_steps_table() -> None:
    res = run_episodes(grid(EpisodeConfig(scenario="research"), seeds=range(2)), progress=False)
    one = res.steps[res.steps["episode"] == 1]
    s = RunStepper(one)
    assert len(s.rows) == len(one) and s.go(2).row["step"] == int(one["step"].iloc[2])
    with pytest.raises(ValueError, match="traced episode"):
        RunStepper(pd.DataFrame())


def test_unpriced_costs_read_unpriced_in_the_explorer_and_the_stepper(tainted_episode) -> None:  # type: ignore[no-untyped-def]
    rows = [{**r, "cost_usd": float("nan")} for r in tainted_episode.step_rows()]
    assert "<td>cost</td><td>unpriced</td>" in RunStepper(pd.DataFrame(rows)).detail.value
    e = pd.DataFrame({"success": [True, True], "cost_usd": [0.1, float("nan")],
                      "latency_s": [1.0, 2.0], "errors_escaped": [0, 0]})  # fmt: skip
    per_win = _scores(e)[0]
    assert per_win is not None and per_win != per_win  # NaN, not the priced half's cost
    assert agentlab.ui.explorer._text(per_win, 0) == "unpriced"


def test_docstring_examples() -> None:
    result = doctest.testmod(agentlab.ui.explorer, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2 and result.failed == 0


def test_a_design_seen_before_is_not_run_again() -> None:
    ex = PlacementExplorer(seeds=range(2))
    first = ex.results
    ex.set("fact_check", "analyst")
    assert not ex.kept and ex.results is not first
    ex.set("fact_check", "own")
    assert ex.kept and ex.results is first  # the same sweep, not a new one
    assert "kept from before" in ex.readout.value and len(ex.memo) == 2


def test_run_stepper_is_still_importable_from_the_explorer() -> None:
    from agentlab.ui import explorer

    assert explorer.RunStepper is RunStepper
