"""What the teams measure: capability placement verdicts that follow the data, the token
bill of multi-agent architectures, coordination against team size, and per-agent context.

The placement verdicts are statistical: they run 48 questions per design (seeds 0-47,
one question each). The architecture properties are structural and run a few seeds.
"""

from __future__ import annotations

import pandas as pd
import pytest

import agentlab as al
from agentlab import capabilities
from agentlab.runner import DECISION_NODES
from agentlab.team_runner import run_team_episode, team_for

BASE = al.EpisodeConfig(scenario="research", architecture="centralized")
SEEDS = range(48)
DEDICATED_CHECKER = "fact_check=own,rank_filter=retriever"  # the default placement
EMBEDDED_CHECKER = "fact_check=analyst,rank_filter=retriever"
DEDICATED_RANKER = "fact_check=own,rank_filter=own"
EMBEDDED_RANKER = DEDICATED_CHECKER
LOOSE = {"rank_filter": {"coupling": 0.1, "reuse": 3}}  # rank-and-filter, reusable and independent


def _rows(
    placement: str, caps: dict[str, capabilities.Capability] | None = None, seeds: range = SEEDS
) -> pd.DataFrame:
    return pd.DataFrame(
        run_team_episode(BASE.with_(placement=placement, seed=s), caps=caps).row() for s in seeds
    )


def _verdict(rows: pd.DataFrame) -> tuple[float, float]:
    """Cost per successful answer (US$) and escaped errors per episode."""
    return rows.cost_usd.sum() / rows.success.sum(), rows.errors_escaped.mean()


@pytest.fixture(scope="module")
def placements() -> dict[str, tuple[float, float]]:
    loose = capabilities.with_data(**LOOSE)
    return {
        "dedicated checker": _verdict(_rows(DEDICATED_CHECKER)),
        "embedded checker": _verdict(_rows(EMBEDDED_CHECKER)),
        "dedicated ranker": _verdict(_rows(DEDICATED_RANKER)),
        "loose, embedded ranker": _verdict(_rows(EMBEDDED_RANKER, loose)),
        "loose, dedicated ranker": _verdict(_rows(DEDICATED_RANKER, loose)),
    }


def test_a_dedicated_fact_checker_beats_an_embedded_one(placements: dict) -> None:
    own, embedded = placements["dedicated checker"], placements["embedded checker"]
    assert own[0] < embedded[0], "cost per successful answer"
    assert own[1] < embedded[1], "escaped errors"


def test_rank_and_filter_embedded_in_retrieval_beats_its_own_agent(placements: dict) -> None:
    embedded, own = placements["dedicated checker"], placements["dedicated ranker"]
    assert embedded[0] < own[0], "cost per successful answer"
    assert embedded[1] < own[1], "escaped errors"


def test_the_verdict_flips_with_low_coupling_and_high_reuse(placements: dict) -> None:
    embedded, own = placements["loose, embedded ranker"], placements["loose, dedicated ranker"]
    assert own[0] < embedded[0], "cost per successful answer"
    assert own[1] < embedded[1], "escaped errors"


@pytest.fixture(scope="module")
def architectures() -> al.Results:
    kinds = ["single", "centralized", "independent", "decentralized", "hybrid"]
    return al.run_episodes(al.grid(BASE, architecture=kinds, seeds=range(8)), progress=False)


def test_multi_agent_architectures_spend_more_tokens_than_the_single_agent(
    architectures: al.Results,
) -> None:
    e = architectures.episodes
    tokens = (e.tokens_in + e.tokens_out).groupby(e.architecture).mean()
    ratio = tokens / tokens["single"]
    assert ratio["centralized"] > 1.1
    for parallel in ("independent", "decentralized", "hybrid"):
        assert ratio[parallel] > 2, f"{parallel}: {ratio[parallel]:.2f}x the single agent"


def test_only_teams_coordinate(architectures: al.Results) -> None:
    e = architectures.episodes
    coordination = e.groupby("architecture").coordination_tokens.mean()
    assert coordination["single"] == 0
    assert (coordination.drop("single") > 0).all()


@pytest.fixture(scope="module")
def team_sizes() -> al.Results:
    configs = al.grid(
        BASE, architecture=["independent", "decentralized"], team_size=[2, 4, 8], seeds=range(3)
    )
    return al.run_episodes(configs, progress=False)


def test_coordination_overhead_grows_with_team_size(team_sizes: al.Results) -> None:
    e = team_sizes.episodes
    means = e.groupby(["architecture", "team_size"]).coordination_tokens.mean()
    for arch in ("independent", "decentralized"):
        assert means[arch][2] < means[arch][4] < means[arch][8], means[arch]


def test_parallel_members_cost_their_critical_path_not_their_sum(team_sizes: al.Results) -> None:
    e = team_sizes.episodes.set_index("episode")
    serial = team_sizes.steps.groupby("episode").latency_s.sum()
    assert (e.latency_s < serial.reindex(e.index)).all()
    by_size = e.groupby("team_size")[["latency_s", "tokens_in"]].mean()
    assert by_size.tokens_in[8] > 3 * by_size.tokens_in[2]  # four times the members ...
    assert by_size.latency_s[8] < 1.5 * by_size.latency_s[2]  # ... not four times the wait


def test_per_agent_tokens_per_decision_fall_as_responsibility_is_split() -> None:
    splits = [  # 1, 2, 3 and 4 agents doing the research work
        BASE.with_(architecture="single"),
        BASE.with_(placement="fact_check=analyst"),
        BASE,
        BASE.with_(placement="rank_filter=own"),
    ]
    configs = [c.with_(seed=s) for c in splits for s in range(4)]
    runs = al.run_episodes(configs, progress=False)
    steps = runs.steps[(runs.steps.kind == "llm") & runs.steps.node.isin(DECISION_NODES)]
    split = (runs.episodes.episode // 4).rename("split")
    per_decision = steps.groupby(steps.episode.map(split)).tokens_in.mean()
    workers = steps.groupby(steps.episode.map(split)).agent.nunique()
    assert workers.tolist() == [1, 2, 3, 4]
    assert per_decision.is_monotonic_decreasing and per_decision.is_unique, per_decision


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("architecture", "mesh", "single, pipeline, centralized, hierarchical, swarm"),
        ("team_size", 0, "an integer from 1 to 12"),
        ("placement", "magic=own", "capabilities: retrieve, rank_filter, synthesize, fact_check"),
        ("handoff_tokens", 0, "an integer >= 10"),
        ("debate_rounds", -1, "an integer >= 0"),
        ("request", "trip-001", "a question id such as 'Q-001'"),
    ],
)
def test_a_bad_config_names_the_field_and_allowed_values(
    field: str, value: object, allowed: str
) -> None:
    with pytest.raises(al.ConfigError) as err:
        BASE.with_(**{field: value})
    assert err.value.field == field
    assert allowed in err.value.allowed
    assert str(err.value).startswith(f"{field}: got {value!r}; allowed: ")


def test_team_for_follows_the_config() -> None:
    assert [a.name for a in team_for(BASE.with_(architecture="independent", team_size=5)).agents][
        -1
    ] == "researcher_5"
    hybrid = team_for(BASE.with_(architecture="hybrid", team_size=2))
    assert [a.name for a in hybrid.agents] == ["researcher_1", "researcher_2", "checker"]
    spec = team_for(BASE.with_(handoff_tokens=120, debate_rounds=2))
    assert (spec.handoff_tokens, spec.rounds) == (120, 2)


def test_the_row_carries_the_team_columns() -> None:
    row = run_team_episode(BASE.with_(seed=1)).row()
    assert row["architecture"] == "centralized" and row["request_id"] == "Q-002"
    assert row["agents"] >= 2 and row["coordination_tokens"] > 0
    assert {"answer", "contested", "question_kind", "errors_escaped"} <= set(row)


def _tables(architecture: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = al.run_episodes(al.grid(BASE, architecture=architecture, seeds=range(3)), progress=False)
    return runs.episodes.drop(columns="wall_s"), runs.steps.drop(columns="wall_s")


@pytest.mark.parametrize(
    "architecture", ["single", "pipeline", "centralized", "hierarchical", "swarm"]
)
def test_same_seed_same_tables(architecture: str) -> None:
    first, again = _tables(architecture), _tables(architecture)
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])


# --- known disagreements and open bugs, kept visible ---------------------------------------


@pytest.mark.xfail(
    strict=False,
    reason="parallel members record their steps in thread order, which varies between runs; "
    "provenance (root errors, taint) follows record order, so it varies too",
)
@pytest.mark.parametrize("architecture", ["independent", "decentralized", "hybrid"])
def test_same_seed_same_tables_for_parallel_teams(architecture: str) -> None:
    first, again = _tables(architecture), _tables(architecture)
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])


@pytest.mark.xfail(
    strict=True,
    reason="Kim et al. measure independent agents amplifying errors (17.2x); the lab's "
    "independent team votes over independently sampled answers, so errors cancel instead",
)
def test_independent_agents_amplify_errors_more_than_a_verifying_coordinator(
    architectures: al.Results,
) -> None:
    escaped = architectures.episodes.groupby("architecture").errors_escaped.mean()
    assert escaped["independent"] > escaped["centralized"]
