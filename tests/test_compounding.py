"""The flat-accuracy knob and the chain task: n dependent decisions succeed as p^n."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from agentlab.errors import ConfigError
from agentlab.measure.compounding import chain_run, chain_success
from agentlab.sim.chain_skill import chain_skill
from agentlab.sim.model import SimChatModel
from agentlab.sim.physics import Dice, p_correct
from agentlab.sim.profiles import get_profile, profiles
from agentlab.sim.prompt import Prompt
from agentlab.world.chain import START, system_text
from agentlab.world.chain_truth import chain_table

EPISODES = 2500  # binomial standard error at p^n = 0.5: 0.5 / sqrt(2500) = 0.01, a third of 0.03


@pytest.mark.slow
@pytest.mark.parametrize("p", [0.95, 0.8])
def test_n_dependent_decisions_succeed_as_p_to_the_n(p: float) -> None:
    table = chain_success(
        get_profile("gpt-4o-mini", flat_accuracy=p), range(1, 21), episodes=EPISODES
    )
    assert table.n.tolist() == list(range(1, 21))
    gaps = (table.success - p**table.n).abs()
    assert gaps.max() <= 0.03, table.assign(gap=gaps).round(3).to_string()


def test_the_flat_knob_sets_every_decision_whatever_the_prompt() -> None:
    flat = get_profile("gpt-4o", flat_accuracy=0.7)
    for options, ctx, errors in [(1, 0, 0), (120, 40_000, 3), (8, 500, 0)]:
        assert p_correct(flat, options=options, context_tokens=ctx, errors_in_context=errors) == 0.7
    plain = get_profile("gpt-4o")
    assert plain.flat_accuracy is None
    assert p_correct(plain, options=120, context_tokens=40_000) < 0.7  # the physics, untouched


@pytest.mark.parametrize("bad", [0, 0.0, -0.1, 1.01, 2, True, "0.9", math.nan])
def test_a_flat_accuracy_outside_0_1_is_refused_naming_the_field(bad: object) -> None:
    with pytest.raises(ConfigError) as err:
        get_profile("gpt-4o-mini", flat_accuracy=bad)
    assert err.value.field == "flat_accuracy"
    assert "(0, 1]" in err.value.allowed


def test_flat_accuracy_in_a_profiles_file_is_read_and_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = (
        "[defaults]\nttft_s = 0.3\nprefill_s_per_token = 0.0\noptions_slope = 1.0\n"
        "self_conditioning = 0.0\nreflection_catch = 0.9\nself_review_discount = 0.5\n"
        '[models."flat"]\nprice = "gpt-4o-mini"\ndecode_tokens_per_s = 50.0\n'
        "base_accuracy = 0.99\ncontext_scale_tokens = 50000\noptions_half = 120\n"
    )
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(base + "flat_accuracy = 0.9\n")
    bad.write_text(base + "flat_accuracy = 1.5\n")
    assert profiles(good)["flat"].flat_accuracy == 0.9
    with pytest.raises(ConfigError, match="flat_accuracy"):
        profiles(bad)


def test_an_unknown_profile_field_is_refused() -> None:
    with pytest.raises(ConfigError, match="flat_acuracy"):
        get_profile("gpt-4o-mini", flat_acuracy=0.9)


def test_the_chain_is_answered_by_the_model_from_its_prompt() -> None:
    """The shortcut calls the same skill as the chat model; the answer follows the table's
    text, and a wrong answer is never repaired (the episode ends at it)."""
    start, table = chain_table(7)
    messages = [SystemMessage(system_text(table)), HumanMessage(START + start)]
    model = SimChatModel(skills=("chain",), seed=7)
    prompt = Prompt(messages, [], None)
    direct = chain_skill(prompt, Dice(7, prompt.fingerprint), get_profile("gpt-4o-mini"))
    assert direct is not None
    assert model.invoke(messages).content == direct.content == table[start]
    moved = {**table, start: next(k for k in table if k not in (start, table[start]))}
    edited = [SystemMessage(system_text(moved)), HumanMessage(START + start)]
    assert model.invoke(edited).content == moved[start]  # read from the text, not looked up
    always_wrong = get_profile("gpt-4o-mini", flat_accuracy=1e-9)
    assert chain_run(always_wrong, 20, seed=7) == 0
    assert chain_run(get_profile("gpt-4o-mini", flat_accuracy=1.0), 20, seed=7) == 20


def test_bad_chain_lengths_are_refused() -> None:
    with pytest.raises(ConfigError, match="ns"):
        chain_success(get_profile("gpt-4o-mini"), [0, 3])
    with pytest.raises(ConfigError, match="episodes"):
        chain_success(get_profile("gpt-4o-mini"), [3], episodes=0)


@pytest.mark.slow
def test_chains_on_a_kernels_workers_give_the_table_of_one_process(
    chunks_to_a_worker: list[int],
) -> None:
    """Notebook 03 runs its 2 x 2,000 chains on the kernel's cores
    (``agentlab.run.compounding``): a worker runs some chunks, this process the rest, and
    the table is the one process's."""
    from agentlab.run import compounding as rc

    profile = get_profile("gpt-4o-mini", flat_accuracy=0.9)
    here = chain_success(profile, [1, 4, 12], episodes=600, seed=7)
    there = rc.chain_success(profile, [12, 1, 4, 4], episodes=600, seed=7)
    pd.testing.assert_frame_equal(there, here)
    assert 0 < sum(chunks_to_a_worker) < 600  # the worker ran some, this process the rest
    assert max(chunks_to_a_worker) <= rc.CHAIN_CHUNK
    with pytest.raises(ConfigError, match="episodes"):
        rc.chain_success(profile, [3], episodes=0)
