import pytest

import agentlab as al
from agentlab.measure.provenance import trace


def _washington(**kw):  # type: ignore[no-untyped-def]
    return al.run_episode(al.EpisodeConfig(request="trip-001", seed=0, **kw))


def test_washington_root_error_taints_plan_bookings_and_memory() -> None:
    ep = _washington()
    prov = ep.provenance
    assert prov is not None
    roots = [a for a in prov.artifacts.values() if a.root]
    assert [a.kind for a in roots] == ["plan"]  # the assumption "Washington, D.C."
    assert "Washington, D.C." in roots[0].text
    tainted_kinds = {a.kind for a in prov.artifacts.values() if a.tainted and not a.root}
    assert {"tool_call", "tool_result", "memory_note", "answer", "review"} <= tainted_kinds
    booked = [
        a for a in prov.artifacts.values() if a.kind == "tool_result" and '"confirmed"' in a.text
    ]
    assert booked and all(a.tainted for a in booked)  # flight, hotel and car all poisoned
    row = ep.row()
    assert not row["success"]
    assert row["tainted_cost_usd"] == row["cost_usd"]  # all the money went to the wrong trip
    # pinned: the counts of this seeded episode
    assert (row["root_errors"], row["errors_escaped"], row["errors_contained"]) == (1, 1, 0)
    assert (row["tainted_artifacts"], row["blast_radius"]) == (32, 12)


def test_step_columns_name_what_each_step_came_from() -> None:
    steps = _washington().step_rows()
    first_call = next(s for s in steps if s["node"] == "act")
    assert first_call["derived_from"].startswith("plan#") and first_call["tainted"]
    assert steps[0]["root_error"] and steps[0]["node"] == "plan"
    booking = next(s for s in steps if s["decision"] == "book_offer" and s["kind"] == "llm")
    assert "result:" in booking["derived_from"] or "note:" in booking["derived_from"]


def test_clarification_prevents_the_root_error_at_a_measured_cost() -> None:
    plain, asked = _washington().row(), _washington(clarify="ambiguous").row()
    assert plain["root_errors"] == 1 and not plain["success"]
    assert asked["root_errors"] == 0 and asked["errors_prevented"] == 1
    assert asked["cost_usd"] != plain["cost_usd"]  # the question's own calls are measured
    assert asked["tainted_artifacts"] == 0 and asked["success"]
    assert asked["questions"] == 1 and asked["human_s"] > 0
    assert asked["latency_s"] > asked["human_s"]


def test_an_unambiguous_slip_is_its_own_root_and_can_be_contained() -> None:
    eps = al.run_episodes(al.grid(tools=[32], seeds=range(30)), progress=False).episodes
    ended = eps.errors_escaped + eps.errors_contained + eps.errors_absorbed
    assert (eps.root_errors == ended).all()  # every root error ends one way, and one only
    assert (
        eps.errors_contained.sum() > 0
    )  # wrong tool picks and caught slips do not reach the outcome
    assert (eps.tainted_cost_usd <= eps.cost_usd + 1e-12).all()


def test_trace_on_an_empty_episode() -> None:
    prov = trace([], [], [])
    assert prov.artifacts == {} and prov.escaped_roots() == set()


@pytest.mark.slow
def test_across_a_sweep_blast_radius_and_waste_grow_with_dependent_steps() -> None:
    e = al.run_episodes(al.grid(seeds=range(144)), progress=False).episodes
    hit = e[e.root_errors > 0]
    short = hit[hit.decisions_after_root <= 5]
    long = hit[hit.decisions_after_root >= 8]
    assert len(short) > 10 and len(long) > 10
    assert long.blast_radius.mean() > 2 * short.blast_radius.mean()
    assert long.tainted_cost_usd.mean() > 2 * short.tainted_cost_usd.mean()


@pytest.mark.slow
def test_reflection_catches_fewer_execution_errors_in_longer_contexts() -> None:
    e = al.run_episodes(al.grid(memory_items=[0, 1000], seeds=range(144)), progress=False).episodes
    g = e.groupby("memory_items")[["execution_errors_caught", "execution_errors_reviewed"]].sum()
    rate = g.execution_errors_caught / g.execution_errors_reviewed
    assert g.execution_errors_reviewed.min() >= 30
    assert rate[1000] < 0.75 * rate[0]


@pytest.mark.slow
def test_a_caught_error_triggers_a_repair_that_is_recorded() -> None:
    eps = [al.run_episode(al.EpisodeConfig(seed=s, tools=16)) for s in range(60)]
    caught = [e for e in eps if e.row()["execution_errors_caught"] > 0]
    assert caught
    ep = caught[0]
    rows = ep.step_rows()
    first = next(i for i, s in enumerate(rows) if s["repair"])
    assert rows[first - 1]["node"] == "reflect"  # the review that flagged the problem
    assert {s["node"] for s in rows[first:]} >= {"act", "tools"}
    assert 0 < ep.row()["repair_cost_usd"] < ep.row()["cost_usd"]


def test_a_handoff_is_an_artifact_between_what_one_member_found_and_what_another_did() -> None:
    ep = al.run_episode(al.EpisodeConfig(architecture="pipeline", seed=1))
    arts = ep.provenance.artifacts
    handed = [a for a in arts.values() if a.kind == "handoff"]
    assert handed and all(len(h.derived_from) == 1 for h in handed)
    bookings = [
        a for a in arts.values() if a.kind == "tool_call" and "offer_id" in a.text and a.step
    ]
    via = [a for a in bookings if any(arts[p].kind == "handoff" for p in a.derived_from)]
    assert via  # the booker booked what it was handed
    for call in via:
        item = next(arts[p] for p in call.derived_from if arts[p].kind == "handoff")
        origin = arts[item.derived_from[0]]
        assert origin.branch == "" and origin.step is not None and origin.step < item.step  # type: ignore[operator]
        assert item.text.split("] ", 1)[1] in call.text  # the id it was handed
