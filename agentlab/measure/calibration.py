"""The simulated model's physics beside published curves: one table, each row with its
tolerance, measured by running the lab.

* **Context decay** (NoLiMa, GPT-4o): the needle task (``agentlab.world.needle``) at each of
  the paper's prompt lengths, the fact placed evenly from the start to the end (NoLiMa
  averages over the needle's depth); the lab's share found within +-10 points of the paper's.
* **Position** (Lost in the Middle): the same fact at the start, in the middle and at the
  end of a long prompt; the lab passes when both ends beat the middle (a U) by more than
  twice the standard error. The paper's ratios are shown beside the lab's.
* **Tool choice against tools in scope** (RAG-MCP): the travel agent's tool decisions with
  a handful of tools in scope (as after retrieval) and with the whole catalogue; the lab
  passes when the handful is chosen from more accurately. The paper's ratio is shown: its
  catalogue is far larger than the lab's, so the ratio is not a target.
* **Token multipliers** (Anthropic): a team's tokens per research question over the single
  agent's, beside the paper's 15x / 4x (both against a chat); the lab passes when teams use
  more. The paper's multi-agent system runs parallel researchers with long searches of
  their own; the lab's teams are leaner, so their multiplier is smaller, and the table
  shows by how much.

The references are in ``data/reference/`` with their sources; tolerances are in
``TOLERANCES``. ``agentlab.run.calibration.calibration_table`` puts the rows together (it
runs the episodes); ``agentlab calibrate`` prints the table; a test runs it.

Introduced in notebook 02 (`02_scaling_scope.ipynb`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import mean
from typing import Any

import pandas as pd
from langchain_core.messages import HumanMessage, SystemMessage

from agentlab.measure.reference import reference
from agentlab.sim.needle_skill import needle_skill
from agentlab.sim.physics import Dice
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt
from agentlab.sim.tokens import count_text
from agentlab.world.needle import NOT_FOUND
from agentlab.world.needle_truth import needle_episode

TOLERANCES = {
    "context decay": "within 10 points of the paper",
    "position": "start and end above the middle by > 2 standard errors",
    "tool choice": "a handful of tools chosen from more accurately than the catalogue",
    "token multiplier": "a team uses more tokens than the single agent",
}
DEPTHS = tuple(i / 10 for i in range(11))  # where the needle goes, start to end (NoLiMa-like)
POSITION_TOKENS = 32000  # the position row's prompt length (the effect grows with length)


Trial = tuple[int, int, float]  # one needle episode: seed, prompt tokens, the fact's place
Hits = Callable[[ModelProfile, list[Trial]], Sequence[bool]]


def needle_hits(profile: ModelProfile, trials: list[Trial]) -> list[bool]:
    """Whether each needle episode's answer is the right code (the judge reads the truth)."""
    out = []
    for seed, tokens, position in trials:
        ep = needle_episode(seed, context_tokens=tokens, position=position, count=count_text)
        prompt = Prompt([SystemMessage(ep.system), HumanMessage(ep.user)], [], None)
        reply = needle_skill(prompt, Dice(seed, prompt.fingerprint), profile)
        out.append(reply is not None and reply.content == ep.answer != NOT_FOUND)
    return out


def needle_found(
    profile: ModelProfile, *, context_tokens: int, position: float, episodes: int, seed: int = 0
) -> float:
    """Share of needle episodes whose answer is the right code (the judge reads the truth)."""
    trials = [(s, context_tokens, position) for s in range(seed, seed + episodes)]
    return sum(needle_hits(profile, trials)) / episodes


def _shares(
    profile: ModelProfile, groups: list[tuple[int, float, int]], seed: int, hits: Hits
) -> list[float]:
    """Each group's (prompt tokens, place, episodes) share found, all run in one ``hits``."""
    trials = [(s, n, x) for n, x, k in groups for s in range(seed, seed + k)]
    found, i, out = hits(profile, trials), 0, []
    for _, _, k in groups:
        out.append(sum(found[i : i + k]) / k)
        i += k
    return out


def _row(
    measure: str, condition: str, lab: float, ref: float, passed: bool, **extra: Any
) -> dict[str, Any]:
    return {
        "measure": measure,
        "condition": condition,
        "lab": lab,
        "reference": ref,
        "tolerance": TOLERANCES[measure],
        "within": bool(passed),
        **extra,
    }


def needle_rows(
    profile: ModelProfile,
    episodes: int,
    position_episodes: int,
    seed: int,
    hits: Hits = needle_hits,
) -> list[dict[str, Any]]:
    """The context decay and position rows; ``hits`` runs their needle episodes, all at once.

    Args:
        profile: The simulated model's profile.
        episodes: Needle episodes per prompt length, spread over ``DEPTHS``.
        position_episodes: Needle episodes per place (start, middle, end).
        seed: The first seed of each group of episodes.
        hits: Runs needle episodes (``needle_hits``, or the same on several processes).
    """
    lengths = [int(n) for n in reference("nolima_gpt4o").context_tokens if n > 0]  # 0: no
    per_depth = max(1, episodes // len(DEPTHS))  # prompt, nothing to hide a needle in
    places = {"start": 0.0, "middle": 0.5, "end": 1.0}
    groups = [(n, d, per_depth) for n in lengths for d in DEPTHS]
    groups += [(POSITION_TOKENS, x, position_episodes) for x in places.values()]
    shares = _shares(profile, groups, seed, hits)
    by_length = [
        shares[i : i + len(DEPTHS)] for i in range(0, len(lengths) * len(DEPTHS), len(DEPTHS))
    ]
    return [
        *_decay_rows(dict(zip(lengths, map(mean, by_length), strict=True))),
        *_position_rows(dict(zip(places, shares[-3:], strict=True)), position_episodes),
    ]


def _decay_rows(found: dict[int, float]) -> list[dict[str, Any]]:
    """Context decay: the needle found at each of NoLiMa's lengths, averaged over depths."""
    rows = []
    for _, ref in reference("nolima_gpt4o").iterrows():
        tokens = int(ref.context_tokens)
        if tokens == 0:
            continue
        pct = 100 * found[tokens]
        rows.append(
            _row(
                "context decay",
                f"{tokens:,} tokens",
                pct,
                ref.accuracy_pct,
                abs(pct - ref.accuracy_pct) <= 10,
                unit="% found",
            )
        )
    return rows


def _position_rows(shares: dict[str, float], episodes: int) -> list[dict[str, Any]]:
    """Position: the same fact at the start, middle and end of a long prompt."""
    ref = reference("lost_in_the_middle").set_index("answer_position_of_20").accuracy_pct

    def above_middle(place: str) -> bool:  # by more than twice the difference's standard error
        a, m = shares[place], shares["middle"]
        return a - m > 2 * math.sqrt((a * (1 - a) + m * (1 - m)) / episodes)

    u_shaped = above_middle("start") and above_middle("end")
    paper = {"start": ref["1"], "middle": ref["10"], "end": ref["20"]}
    return [
        _row(
            "position",
            f"fact at the {place}, {POSITION_TOKENS:,} tokens",
            100 * shares[place],
            float(paper[place]),
            u_shaped,
            unit="% found",
        )
        for place in ("start", "middle", "end")
    ]


def tool_rows(episodes: pd.DataFrame, steps: pd.DataFrame) -> list[dict[str, Any]]:
    """Tool choice: right tool decisions with a handful of tools, and with the catalogue.

    Args:
        episodes: Travel episodes at two values of ``tools`` (run together, one table).
        steps: Their steps table: each model call's tool decision is in ``tool_correct``.
    """
    ref = reference("tool_selection_rag_mcp").set_index("method").tool_selection_accuracy_pct
    scope = steps.episode.map(episodes.set_index("episode").tools)
    shares = {}
    for n in sorted(set(episodes.tools)):
        decided = steps.tool_correct[scope == n].dropna()
        shares[int(n)] = 100 * int(decided.astype(bool).sum()) / max(len(decided), 1)
    few, many = sorted(shares)
    passed = shares[few] > shares[many]
    return [
        _row("tool choice", label, shares[n], float(ref[method]), passed, unit="% right")
        for n, label, method in (
            (few, f"{few} tools (retrieved)", "retrieved_tools"),
            (many, f"{many} tools (all in the prompt)", "all_tools_in_prompt"),
        )
    ]


def multiplier_rows(episodes: pd.DataFrame, teams: Sequence[str]) -> list[dict[str, Any]]:
    """Token multipliers: a team's tokens per research episode over the single agent's.

    Args:
        episodes: Research episodes of the single agent and of each team (one table).
        teams: The team architectures to compare with ``"single"``.
    """
    ref = reference("token_multipliers_anthropic").set_index("setting").tokens_relative_to_chat
    paper = float(ref["multi_agent"] / ref["single_agent"])
    spent = episodes.tokens_in + episodes.tokens_out
    tokens = {a: mean(spent[episodes.architecture == a].tolist()) for a in ("single", *teams)}
    ratios = {t: tokens[t] / tokens["single"] for t in teams}
    passed = all(r > 1 for r in ratios.values())
    return [
        _row(
            "token multiplier",
            f"{t} team over the single agent",
            ratios[t],
            paper,
            passed,
            unit="x",
        )
        for t in teams
    ]


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The table for reading: numbers rounded with their units, "yes"/"NO" for within."""
    out = table.copy()
    out["lab"] = [f"{v:.1f} {u}" for v, u in zip(table.lab, table.unit, strict=True)]
    out["reference"] = [f"{v:.1f} {u}" for v, u in zip(table.reference, table.unit, strict=True)]
    out["within"] = table.within.map({True: "yes", False: "NO"})
    return out.drop(columns="unit")
