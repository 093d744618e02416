"""Tests for agentlab.ui.explorer: the placement explorer and the run stepper, driven from
code as a notebook (or a click in the browser, tests/test_browser.py) would drive them.

Most explorers here run in the caller's thread (``background=False``): each click runs its
whole design, as the tests expect it. The background runs (the rest of a design after its
first look, the designs one click away) are tested at the end, and in
tests/test_explorer_runs.py with fake episodes."""

from __future__ import annotations

import doctest
import threading
from collections.abc import Iterator

import pandas as pd
import pytest

import agentlab.ui.explorer
from agentlab.config import EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.measure import intervals
from agentlab.run.runner import grid, run_episodes
from agentlab.run.team_runner import run_team_episode, team_for
from agentlab.ui.explorer import METRICS, PlacementExplorer
from agentlab.ui.explorer_figure import COLUMNS, bar_text, scores
from agentlab.ui.stepper import RunStepper
from agentlab.world.capabilities import with_data

SEEDS = range(4)  # four questions: the fewest an interval is computed on


def _explorer(**options: object) -> PlacementExplorer:
    return PlacementExplorer(seeds=options.pop("seeds", SEEDS), background=False, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def explorer() -> PlacementExplorer:
    return _explorer()


def _now(ex: PlacementExplorer) -> list[float]:
    return [float(t.y[1]) for t in ex.figure.data]


def test_the_first_sweep_fills_the_figure_and_the_team() -> None:
    ex = _explorer()
    assert ex.runs == 1 and ex.results is not None and len(ex.results.episodes) == len(SEEDS)
    assert len(ex.figure.data) == len(METRICS)
    assert [t.text[0] for t in ex.figure.data] == ["", "", "", ""]  # nothing before
    expected = scores(run_episodes(grid(ex.config, seeds=SEEDS), progress=False).episodes)
    assert _now(ex) == pytest.approx([0 if v is None else v for v in expected])
    assert ex.config.placement == (
        "refine_query=retriever,retrieve=own,rank_filter=retriever,synthesize=own,fact_check=own"
    )
    assert [a.name for a in ex.team.agents] == ["retriever", "analyst", "checker"]
    assert "checker" in ex.agents_table.value and "sweep 1" in ex.readout.value
    assert "4 tools in scope" in ex.readout.value and ex.config.tools == 4
    (out,) = ex.diagram.outputs
    assert out["data"]["text/markdown"].startswith("```mermaid\n")
    assert "checker" in ex.diagram_text


def test_set_a_capability_reruns_and_updates_the_same_figure() -> None:
    ex = _explorer()
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
    explorer.set("architecture", "pipeline").set("handoff_tokens", 500)
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
    with pytest.raises(ValueError, match=r"tools: got 10; allowed: 4, 8, 16, 32, 64, 120"):
        explorer.set("tools", 10)  # a stop of the slider, not a value it would round
    with pytest.raises(ValueError, match=r"team_size: got 9; allowed: 2, 3, 4, 5, 6"):
        explorer.set("team_size", 9)


def test_the_explorer_refuses_options_that_cannot_apply() -> None:
    with pytest.raises(ConfigError, match="ahead: got True; allowed: None or False"):
        PlacementExplorer(seeds=SEEDS, background=False, ahead=True)
    with pytest.raises(ConfigError, match="first_look: got 0"):
        PlacementExplorer(seeds=SEEDS, first_look=0)


def test_a_setting_that_does_not_apply_is_refused_with_the_reason(
    explorer: PlacementExplorer,
) -> None:
    # the other kind of scope, memory notes: the research teams do not read it
    with pytest.raises(ConfigError, match="memory_items: got 100; allowed: the default 0"):
        explorer.set("memory_items", 100)
    assert explorer.architecture.value == "centralized"
    size, runs = explorer.team_size.value, explorer.runs
    other = 5 if size != 5 else 4
    with pytest.raises(ConfigError, match=f"team_size: got {other}.*greyed out: a centralized"):
        explorer.set("team_size", other)  # centralized reads its placement, not a team size
    assert explorer.team_size.value == size
    explorer.set("team_size", size)  # its value already: nothing to refuse, nothing to run
    assert explorer.runs == runs


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
    caps = with_data(fact_check={"reuse": 1})
    ex = PlacementExplorer(["Q-001", "Q-002"], seeds=[0], caps=caps, background=False)
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
                      "latency_s": [1.0, 2.0], "errors_escaped": [0, 0],
                      "request_id": ["Q-001", "Q-002"], "seed": 0})  # fmt: skip
    per_win = scores(e)[0]
    assert per_win is not None and per_win != per_win  # NaN, not the priced half's cost
    assert bar_text(per_win, 0) == "unpriced"
    assert bar_text(None, 0) == "n/a"  # nothing succeeded: no cost per success


def test_docstring_examples() -> None:
    result = doctest.testmod(agentlab.ui.explorer, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2 and result.failed == 0


def test_a_design_seen_before_is_not_run_again() -> None:
    ex = _explorer(seeds=range(2))
    first = ex.results
    ex.set("fact_check", "analyst")
    assert not ex.kept and ex.results is not first and ex.designs.ran == 4
    ex.set("fact_check", "own")
    assert ex.kept and ex.results is first  # the same sweep, not a new one
    assert "kept from before" in ex.readout.value and ex.designs.ran == 4


def test_run_stepper_is_still_importable_from_the_explorer() -> None:
    from agentlab.ui import explorer

    assert explorer.RunStepper is RunStepper


def test_the_scope_slider_reruns_and_redraws_the_same_figure() -> None:
    ex = _explorer()
    figure, traces, before = ex.figure, ex.figure.data, _now(ex)
    tools_before = {a.name: n for a, n in _tools(ex)}
    ex.tools.value = 64  # what letting go of the slider at 64 does
    assert ex.config.tools == 64 and ex.runs == 2
    assert set(ex.results.episodes["tools"]) == {64}  # type: ignore[union-attr]
    assert ex.figure is figure and all(a is b for a, b in zip(ex.figure.data, traces, strict=True))
    assert [float(t.y[0]) for t in ex.figure.data] == pytest.approx(before)  # moved left
    assert _now(ex) != pytest.approx(before)
    assert "64 tools in scope" in ex.readout.value
    # the same agents, each carrying its capabilities' shares of the wider scope
    tools_after = {a.name: n for a, n in _tools(ex)}
    assert tools_after.keys() == tools_before.keys()
    assert all(tools_after[a] > tools_before[a] for a in tools_after)
    assert sum(tools_after.values()) >= 64
    assert f"{tools_after['retriever']} tools" in ex.agents_table.value
    ex.set("tools", 4)
    assert ex.kept and _now(ex) == pytest.approx(before)  # back to the first design


def _tools(ex: PlacementExplorer) -> list[tuple[object, int]]:
    from agentlab.graphs.team import agent_tools

    return [(a, len(agent_tools(a, ex.team))) for a in ex.team.agents]


def test_every_bar_carries_its_95_percent_interval_over_the_questions() -> None:
    ex = _explorer().set("fact_check", "analyst")
    t = ex.table
    for trace, col, scale in zip(ex.figure.data, COLUMNS, (100, 1, 1, 100), strict=True):
        assert trace.error_y.visible is not False
        up, down = trace.error_y.array, trace.error_y.arrayminus
        assert len(up) == len(down) == 2
        for i, side in enumerate(("previous", "now")):
            lo, est, hi = (t.at[side, c] for c in (f"{col}_lo", col, f"{col}_hi"))
            if est != est:  # no success: no cost per success, no whisker
                continue
            assert lo <= est <= hi
            assert up[i] == pytest.approx(scale * (hi - est))
            assert down[i] == pytest.approx(scale * (est - lo))
        assert all("95% interval" in h and "4 questions" in h for h in trace.hovertext)
    assert "whiskers: 95% intervals over 4 questions" in ex.readout.value


def test_the_intervals_are_the_cluster_bootstrap_of_measure_intervals() -> None:
    ex = _explorer()
    e = ex.results.episodes  # type: ignore[union-attr]
    ci = intervals.bootstrap_ci(e.assign(d="now"), "success", "d").loc["now"]
    assert (ex.table.at["now", "success_lo"], ex.table.at["now", "success_hi"]) == (
        ci["lo"], ci["hi"],
    )  # fmt: skip
    cost = intervals.bootstrap_ci(e.assign(d="now"), intervals.COST_PER_SUCCESS, "d").loc["now"]
    assert ex.table.at["now", "cost_per_success_usd_hi"] == pytest.approx(cost["hi"])


def test_too_few_questions_draw_no_whiskers_and_say_so() -> None:
    ex = _explorer(seeds=range(3))
    assert all(t.error_y.visible is False for t in ex.figure.data)
    assert "no whiskers: 3 questions, an interval needs 4" in ex.readout.value


def test_every_greyed_out_control_says_why_in_words() -> None:
    ex = _explorer(architecture="independent")
    greyed = [w for w in ex.controls.values() if w.disabled]
    assert set(greyed) == {*ex.toggles.values(), ex.handoff_tokens}
    for w in greyed:
        assert w.tooltip.startswith("Greyed out: an independent team: ")
    assert "placement applies to pipeline, centralized, hierarchical and swarm teams" in (
        ex.toggles["fact_check"].tooltip
    )
    assert "nothing is handed off" in ex.handoff_tokens.tooltip
    assert "capability toggles greyed out" in ex.note.value
    assert "handoff tokens greyed out" in ex.note.value
    assert "researchers greyed out" not in ex.note.value
    assert not ex.team_size.disabled and ex.team_size.tooltip == "researchers working in parallel"
    ex.set("architecture", "single")
    assert {w for w in ex.controls.values() if w.disabled} == {
        *ex.toggles.values(), ex.handoff_tokens, ex.team_size,
    }  # fmt: skip
    assert ex.team_size.tooltip.startswith("Greyed out: the single agent: it is one agent;")
    assert "researchers greyed out" in ex.note.value
    ex.set("architecture", "centralized")
    assert [w for w in ex.controls.values() if w.disabled] == [ex.team_size]
    assert "tools in scope" not in ex.note.value and not ex.tools.disabled  # read everywhere
    assert not ex.toggles["fact_check"].tooltip.startswith("Greyed out")


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Iterator[PlacementExplorer]:
    """An explorer as in a live notebook: the background thread runs the rest of a design
    and the designs ahead of the clicks; here one design ahead, the one the test clicks
    (the choice of designs ahead: test_the_designs_run_ahead_are_one_click_away)."""

    def ahead(self: PlacementExplorer) -> list[EpisodeConfig]:
        return [self._config_for({**self._values(), "fact_check": "analyst"})]

    monkeypatch.setattr(PlacementExplorer, "_ahead", ahead)
    ex = PlacementExplorer(seeds=range(6), ahead=True)
    yield ex
    ex.close()


def test_a_click_to_a_design_run_ahead_runs_nothing_and_the_rest_follows(
    live: PlacementExplorer,
) -> None:
    assert live.designs.wait(120, ahead=True)  # the learner reads the first figure
    ran = live.designs.ran
    live.set("fact_check", "analyst")
    assert live.kept  # its first look (4 of 6 questions) was run ahead
    assert live.wait(120).results is not None
    assert len(live.results.episodes) == 6 and live.table.at["now", "questions"] == 6
    assert "6 episodes" in live.readout.value and live.designs.ran > ran
    # the same numbers as a run in the caller's thread
    alone = _explorer(seeds=range(6)).set("fact_check", "analyst")
    assert _now(live) == pytest.approx(_now(alone))
    columns = ["request_id", "seed", "success", "cost_usd", "tokens_in"]
    pd.testing.assert_frame_equal(live.results.episodes[columns], alone.results.episodes[columns])  # type: ignore[union-attr]


class Gated(PlacementExplorer):
    """An explorer whose episodes at 16 tools in scope wait for ``gate``: a design that is
    slow to run, held as long as the test needs."""

    def __init__(self, **options: object) -> None:
        self.gate = threading.Event()
        super().__init__(**options)  # type: ignore[arg-type]

    def _run_episode(self, config: EpisodeConfig):  # type: ignore[no-untyped-def]
        if config.tools == 16:
            assert self.gate.wait(120), "the test never opened the gate"
        return super()._run_episode(config)


def test_a_click_to_a_design_not_run_yet_answers_before_its_first_look() -> None:
    ex = Gated(seeds=range(4), ahead=False)  # nothing runs ahead: every click must wait
    try:
        runs, figure_before = ex.runs, [t.y for t in ex.figure.data]
        ex.tools.value = 16  # the click returns while its episodes are held
        assert ex.runs == runs and not ex.kept and ex.designs.progress(ex.designs.shown)[0] == 0
        assert "running the first 4 questions" in ex.readout.value
        assert ex.team == team_for(ex.config)  # the new team is drawn at once
        assert [t.y for t in ex.figure.data] == figure_before  # the figure waits for numbers
        ex.gate.set()
        assert ex.wait(120).runs == runs + 1  # drawn once, when its first look came in
        assert set(ex.results.episodes["tools"]) == {16}  # type: ignore[union-attr]
        assert "16 tools in scope" in ex.readout.value and "sweep 2" in ex.readout.value
        assert [float(t.y[0]) for t in ex.figure.data] == pytest.approx(
            [float(y[1]) for y in figure_before]
        )  # the first design moved left
    finally:
        ex.gate.set()
        ex.close()


class Broken(PlacementExplorer):
    """An explorer whose episodes at 16 tools in scope fail (a bug, not an episode's
    failure)."""

    def _run_episode(self, config: EpisodeConfig):  # type: ignore[no-untyped-def]
        if config.tools == 16:
            raise RuntimeError("injected bug")
        return super()._run_episode(config)


def test_a_click_to_a_design_that_fails_says_why_instead_of_running_forever() -> None:
    ex = Broken(seeds=range(4), ahead=False)
    try:
        runs = ex.runs
        ex.tools.value = 16  # answered at once; the worker then finds the bug
        with pytest.raises(RuntimeError, match="injected bug"):
            ex.wait(120)
        assert "cannot run" in ex.readout.value and "injected bug" in ex.readout.value
        assert ex.runs == runs  # nothing drawn for it
        ex.set("tools", 4)  # the first design again: kept, drawn
        assert ex.kept and ex.runs == runs + 1 and "4 tools in scope" in ex.readout.value
    finally:
        ex.close()


def test_the_designs_run_ahead_are_one_click_away() -> None:
    ex = _explorer()
    shown = ex.config
    ahead = ex._ahead()
    changed = [{k for k, v in c.as_row().items() if v != shown.as_row()[k]} for c in ahead]
    assert changed[:6] == [{"placement"}] * 6  # the toggles' other places first
    assert {"tools"} in changed and {"handoff_tokens"} in changed and {"architecture"} in changed
    assert all("team_size" not in c for c in changed)  # greyed out here: no click moves it
    assert len({c for c in ahead}) == len(ahead)
