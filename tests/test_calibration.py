"""The calibration table (issue 14, item 3): the lab's physics beside published curves."""

from __future__ import annotations

import dataclasses

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from agentlab.commands.cli import main
from agentlab.run.calibration import calibration_table
from agentlab.sim.needle_skill import needle_skill
from agentlab.sim.physics import Dice, position_factor
from agentlab.sim.profiles import get_profile
from agentlab.sim.prompt import Prompt
from agentlab.sim.tokens import count_text
from agentlab.world.needle import NOT_FOUND
from agentlab.world.needle_truth import needle_episode


@pytest.mark.slow
def test_every_row_of_the_calibration_table_is_within_its_tolerance() -> None:
    table = calibration_table(get_profile("gpt-4o"), quick=True)
    assert set(table.measure) == {"context decay", "position", "tool choice", "token multiplier"}
    assert len(table[table.measure == "context decay"]) == 6  # NoLiMa's lengths from 1K to 32K
    outside = table[~table.within]
    assert outside.empty, outside.to_string()


def test_position_moves_use_around_the_average_in_a_u() -> None:
    profile = get_profile("gpt-4o")
    xs = [i / 1000 for i in range(1001)]
    for tokens in (1000, 8000, 32000):
        f = [position_factor(profile, position=x, context_tokens=tokens) for x in xs]
        assert sum(f) / len(f) == pytest.approx(1.0, abs=1e-3)  # the average is NoLiMa's
        start, middle, end = f[0], f[500], f[-1]
        assert start > end > middle
    short, long = (position_factor(profile, position=0.5, context_tokens=t) for t in (1000, 32000))
    assert long < short < 1  # the dip deepens as the prompt grows
    flat = dataclasses.replace(profile, position_depth=0.0)
    assert position_factor(flat, position=0.5, context_tokens=32000) == 1.0


def _answer(system: str, user: str, seed: int = 0) -> str:
    prompt = Prompt([SystemMessage(system), HumanMessage(user)], [], None)
    reply = needle_skill(prompt, Dice(seed, prompt.fingerprint), get_profile("gpt-4o"))
    assert reply is not None
    return reply.content


def test_the_needle_is_read_from_the_text() -> None:
    ep = needle_episode(3, context_tokens=2000, position=0.0, count=count_text)
    assert _answer(ep.system, ep.user) == ep.answer
    edited = ep.user.replace(f"is {ep.answer}.", "is 1234.")
    assert _answer(ep.system, edited) == "1234"  # the same episode, its passage edited
    removed = "\n".join(line for line in ep.user.split("\n") if ep.answer not in line)
    assert _answer(ep.system, removed) == NOT_FOUND


def test_episodes_reach_the_length_asked_for() -> None:
    for tokens in (1000, 8000, 32000):
        ep = needle_episode(0, context_tokens=tokens, position=0.5, count=count_text)
        prompt = Prompt([SystemMessage(ep.system), HumanMessage(ep.user)], [], None)
        assert abs(prompt.input_tokens - tokens) < 80
        assert ep.index == round(0.5 * (ep.passages - 1))


def test_the_command_refuses_too_few_episodes(capsys) -> None:
    assert main(["calibrate", "--episodes", "3", "--quick"]) == 2
    assert "episodes" in capsys.readouterr().err
