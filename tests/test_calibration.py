"""The calibration table (issue 14, item 3): the lab's physics beside published curves."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

import agentlab as al
from agentlab.commands.cli import main
from agentlab.measure.calibration import needle_found, needle_hits, needle_rows, tool_rows
from agentlab.run import calibration as rc
from agentlab.run.calibration import calibration_table
from agentlab.sim.needle_skill import needle_skill
from agentlab.sim.physics import Decision, Dice, p_found, position_factor
from agentlab.sim.profiles import get_profile
from agentlab.sim.prompt import Prompt
from agentlab.sim.tokens import count_text
from agentlab.world.catalogue import catalogue_size
from agentlab.world.needle import NEEDLE, NOT_FOUND, QUESTION
from agentlab.world.needle_truth import needle_episode
from agentlab.world.travel import CORE_TOOLS


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


_ASKED = re.compile(r"access code of vault (\w+)\?")
_STATED = re.compile(r"access code of vault (\w+) is (\d+)")


def _read_line_by_line(prompt: Prompt, dice: Dice) -> tuple[str, list[Decision]]:
    """The needle skill as first written: every line of the prompt read in turn (the skill
    now scans the whole text once; both must decide alike)."""
    text = "\n".join(prompt.human_texts())
    name = _ASKED.findall(text)[-1]
    passages = [line for line in text.split("\n") if line and not _ASKED.search(line)]
    last = max(len(passages) - 1, 1)
    decisions = []
    for i, passage in enumerate(passages):
        for vault, code in _STATED.findall(passage):
            if vault != name:
                continue
            p = p_found(
                get_profile("gpt-4o"), position=i / last, context_tokens=prompt.input_tokens
            )
            found = dice.chance(f"needle:{i}", p)
            decisions.append(Decision("needle", 1, p, found, code if found else NOT_FOUND))
            if found:
                return code, decisions
    return NOT_FOUND, decisions


def test_the_needle_skill_places_each_fact_as_a_line_by_line_reading_does() -> None:
    ep = needle_episode(5, context_tokens=8000, position=0.5, count=count_text)
    lines = ep.user.split("\n")
    name = _ASKED.findall(ep.user)[-1]
    fact = NEEDLE.format(name=name, code="{}")
    variants = {
        "as built": ep.user,
        # blank lines before the fact shift no passage; a question mid-prompt is no passage
        "blank lines": "\n".join(["", *lines[:9], "", "", *lines[9:]]),
        "question early": "\n".join([lines[0], QUESTION.format(name=name), *lines[1:]]),
        # the fact stated several times (the first ones may be missed), another vault's too
        "stated thrice": "\n".join(
            [fact.format(11), *lines[:30], fact.format(22) + " " + fact.format(33), *lines[30:]]
        ),
        "another vault": ep.user.replace(f"vault {name} is", "vault Nowhere is"),
        "on the question's line": f"{fact.format(44)} {QUESTION.format(name=name)}\n{ep.user}",
    }
    for label, user in variants.items():
        for seed in range(12):
            prompt = Prompt([SystemMessage(ep.system), HumanMessage(user)], [], None)
            reply = needle_skill(prompt, Dice(seed, prompt.fingerprint), get_profile("gpt-4o"))
            assert reply is not None
            expected = _read_line_by_line(prompt, Dice(seed, prompt.fingerprint))
            assert (reply.content, reply.decisions) == expected, (label, seed)


def test_the_needle_skill_decides_as_the_line_by_line_reading_on_random_prompts() -> None:
    """Prompts put together at random from the asked vault's facts and another's, questions,
    filler and blank lines, with a newline at either end or none, and mentions run together
    with nothing between them (the skill looks for each mention where the last one ended)."""
    name, rng = "Orion", random.Random(7)
    fact, question = NEEDLE.format(name=name, code="{}"), QUESTION.format(name=name)
    pieces = [
        fact.format(11),
        fact.format(22),
        NEEDLE.format(name="Lyra", code=33),
        question,
        "Nothing here but filler.",
        "",
        fact.format(44) + fact.format(55),  # run together: the second starts where one ends
        f"access code of vault {name} is 66access code of vault {name}?",
    ]
    system = needle_episode(0, context_tokens=1000, position=0.0, count=count_text).system
    for seed in range(300):
        parts = [rng.choice(pieces) for _ in range(rng.randrange(0, 10))]
        parts.insert(rng.randrange(len(parts) + 1), question)
        sep = rng.choice(["\n", "\n", "\n\n", " "])
        user = rng.choice(["", "\n"]) + sep.join(parts) + rng.choice(["", "\n"])
        prompt = Prompt([SystemMessage(system), HumanMessage(user)], [], None)
        reply = needle_skill(prompt, Dice(seed, prompt.fingerprint), get_profile("gpt-4o"))
        assert reply is not None
        expected = _read_line_by_line(prompt, Dice(seed, prompt.fingerprint))
        assert (reply.content, reply.decisions) == expected, (seed, user)


def test_needle_hits_are_the_episodes_answered_right() -> None:
    profile = get_profile("gpt-4o")
    trials = [(s, 4000, x) for x in (0.0, 1.0) for s in range(20)]
    hits = needle_hits(profile, trials)
    right = []
    for seed, tokens, x in trials:
        ep = needle_episode(seed, context_tokens=tokens, position=x, count=count_text)
        right.append(_answer(ep.system, ep.user, seed=seed) == ep.answer)
    assert hits == right
    assert 0 < sum(hits) < len(hits)  # some missed: the test tells a miss from a hit
    assert (
        needle_found(profile, context_tokens=4000, position=0.0, episodes=20) == sum(hits[:20]) / 20
    )


@pytest.mark.slow
def test_needle_rows_on_a_kernels_workers_are_the_rows_of_one_process(
    chunks_to_a_worker: list[int],
) -> None:
    profile = get_profile("gpt-4o-mini")
    here = needle_rows(profile, 44, 100, 3)  # 264 decay and 300 position episodes
    there = needle_rows(profile, 44, 100, 3, hits=rc._on_the_cores)
    sent = chunks_to_a_worker
    assert there == here
    assert 0 < sum(sent) < 564  # the worker ran some, this process the rest
    assert max(sent) <= rc.NEEDLE_CHUNK


def test_the_tool_rows_count_every_tool_decision_the_episodes_made() -> None:
    # tool_rows reads the steps table, which keeps one tool decision per model call: it
    # must count what the episodes' records hold, every decision of kind "tool"
    scopes = [len(CORE_TOOLS), len(CORE_TOOLS) + catalogue_size()]
    configs = al.grid(al.EpisodeConfig(scenario="travel"), tools=scopes, seeds=range(3))
    runs = al.run_episodes(configs, progress=False)
    rows = tool_rows(runs.episodes, runs.steps)
    for row, n in zip(rows, scopes, strict=True):
        decided = [
            bool(d.get("correct"))
            for c in configs
            if c.tools == n
            for record in al.run_episode(c).records
            for d in record.decisions
            if d.get("kind") == "tool"
        ]
        assert row["lab"] == 100 * sum(decided) / len(decided)
    assert rows[0]["lab"] != rows[1]["lab"]
