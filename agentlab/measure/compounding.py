"""Compounding on demand: n dependent decisions at a flat per-decision accuracy, beside p^n.

``chain_success`` runs the chain task (``agentlab.world.chain``) on the simulated model:
every step's prompt (the table, the start key, the answers so far) is built as the agent
would send it and answered by the model's chain skill with the model's dice, and the judge
compares each answer with the true path. No tools, no review, no retries: one wrong answer
fails the episode. With ``get_profile(name, flat_accuracy=p)`` every decision is right with
probability p, so the success of n steps should be p^n.

It calls the skill directly rather than through ``SimChatModel.invoke`` (the same prompt,
dice and decision code, without LangChain's per-call overhead), and runs each episode once
to the longest n: the prompts do not depend on n, so an episode of n steps is the first n
steps of the longest one, and it can stop at its first wrong answer.

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from agentlab.errors import ConfigError
from agentlab.sim.chain_skill import chain_skill
from agentlab.sim.physics import Dice
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt
from agentlab.world.chain import NEXT, START, system_text
from agentlab.world.chain_truth import chain_table, truth_path


def chain_run(profile: ModelProfile, steps: int, *, seed: int) -> int:
    """One chain episode: how many of its first answers are right before the first wrong one.

    Args:
        profile: The simulated model's profile.
        steps: The longest chain of interest (the episode stops there, or at a wrong answer).
        seed: The episode's seed (its table and the model's dice).

    Returns:
        The number of right answers before the first wrong one (``steps`` if none is wrong):
        an episode of n steps succeeds when this is at least n.
    """
    start, table = chain_table(seed)
    truth = truth_path(start, table, steps)
    messages: list[BaseMessage] = [SystemMessage(system_text(table)), HumanMessage(START + start)]
    prompt = Prompt(messages, [], None)
    for i in range(steps):
        reply = chain_skill(prompt, Dice(seed, prompt.fingerprint), profile)
        if reply is None or reply.content != truth[i]:  # the judge: the true path, step by step
            return i
        prompt = prompt.extended([AIMessage(reply.content), HumanMessage(NEXT)])
    return steps


def chain_success(
    profile: ModelProfile, ns: Iterable[int], *, episodes: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Success of n dependent decisions, for each n, over seeded episodes, in this process
    (``agentlab.run.compounding.chain_success`` runs them on a notebook's cores).

    Args:
        profile: The simulated model's profile (``get_profile(name, flat_accuracy=p)`` for a
            flat per-decision accuracy p).
        ns: The chain lengths (each >= 1).
        episodes: Episodes per n (seeds ``seed`` to ``seed + episodes - 1``), >= 1.
        seed: The first seed.

    Returns:
        One row per n: ``n``, ``episodes``, ``success`` (share of episodes whose n answers are
        all right), ``se`` (its binomial standard error) and ``p_n`` (flat_accuracy ** n;
        NaN when the profile has none).

    Raises:
        ConfigError: An n below 1, or episodes below 1.

    Example:
        >>> from agentlab.sim.profiles import get_profile
        >>> t = chain_success(get_profile("gpt-4o-mini", flat_accuracy=0.9), [1, 5], episodes=200)
        >>> t.n.tolist(), t.p_n.round(3).tolist()
        ([1, 5], [0.9, 0.59])
    """
    lengths = chain_lengths(ns, episodes)
    runs = chain_runs(profile, lengths[-1], range(seed, seed + episodes))
    return success_table(runs, lengths, profile)


def chain_lengths(ns: Iterable[int], episodes: int) -> list[int]:
    """``chain_success``'s chain lengths, sorted, once each, checked with its ``episodes``.

    Raises:
        ConfigError: An n below 1, or episodes below 1.
    """
    lengths = sorted(set(ns))
    if not lengths or lengths[0] < 1:
        raise ConfigError("ns", lengths, "chain lengths, each an integer >= 1")
    if episodes < 1:
        raise ConfigError("episodes", episodes, "an integer >= 1")
    return lengths


def chain_runs(profile: ModelProfile, steps: int, seeds: Iterable[int]) -> list[int]:
    """``chain_run`` for each seed, in order (a chunk of them, in a worker process too)."""
    return [chain_run(profile, steps, seed=s) for s in seeds]


def success_table(
    runs: Sequence[int], lengths: Sequence[int], profile: ModelProfile
) -> pd.DataFrame:
    """``chain_success``'s table from its episodes' ``chain_run`` results."""
    flat = profile.flat_accuracy
    rows = []
    for n in lengths:
        share = sum(r >= n for r in runs) / len(runs)
        rows.append(
            {
                "n": n,
                "episodes": len(runs),
                "success": share,
                "se": math.sqrt(share * (1 - share) / len(runs)),
                "p_n": flat**n if flat is not None else math.nan,
            }
        )
    return pd.DataFrame(rows)
