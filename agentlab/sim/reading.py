"""The simulated model reading the passages in its prompt for a research answer: which
statements it finds (each a needle, found with the physics' ``p_found`` for its place in
the prompt), how it weighs them (by the reliability shown beside each source), and which
value it settles on, a misreading falling on another value in context for the same
attribute (a distractor: another island's, or the other fact of the question).

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from agentlab.sim.hops import Sees
from agentlab.sim.passages import read
from agentlab.sim.physics import Decision, Dice, p_found
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt
from agentlab.sim.questions import UNKNOWN, Ask


def reader(prompt: Prompt, dice: Dice, profile: ModelProfile, n: int) -> Sees:
    """Whether the model finds and uses a statement of the ``i``-th of ``n`` passages in
    context: drawn with ``p_found`` for the passage's place in the prompt and its length
    (a needle, as in notebook 02)."""
    last = max(n - 1, 1)

    def sees(i: int, doc_id: str, what: str) -> tuple[bool, Decision]:
        p = p_found(profile, position=i / last, context_tokens=prompt.input_tokens)
        ok = dice.chance(f"read:{doc_id}:{what}", p)
        return ok, Decision("read", 1, p, ok, what if ok else "missed")

    return sees


def _votes(
    ask: Ask, docs: list[dict[str, Any]], sees: Sees, decisions: list[Decision]
) -> dict[str, Counter[str]]:
    """Votes for each needed fact's value, from the claims the documents' text in context
    states and the model finds (``sees``), each weighted by the reliability shown beside
    that document."""
    votes: dict[str, Counter[str]] = {f: Counter() for f in ask.fact_ids}
    for i, d in enumerate(docs):
        for s in read(str(d.get("text", ""))):
            if not s.instruction and s.fact_id in votes:
                ok, seen = sees(i, str(d.get("doc_id", i)), s.fact_id)
                decisions.append(seen)
                if ok:
                    votes[s.fact_id][s.value] += round(100 * float(d.get("reliability", 0)))
    return votes


def _confusable(ask: Ask, docs: list[dict[str, Any]]) -> list[str]:
    """Values the documents' text states for the asked attribute of islands the answer is
    not about: a misread sentence gives one of them (a distractor)."""
    return [
        s.value
        for d in docs
        for s in read(str(d.get("text", "")))
        if not s.instruction and s.attribute == ask.attribute and s.fact_id not in ask.fact_ids
    ]


def choose_values(
    ask: Ask,
    docs: list[dict[str, Any]],
    dice: Dice,
    p_of: Callable[[int], float],
    sees: Sees,
) -> tuple[list[str], list[Decision]]:
    """Each needed fact's value: the best-supported one, drawn with the probability for as
    many options as there are values in context that it could be confused with (those
    stated for it, and the same attribute's values for other islands, another fact of the
    same question included)."""
    values: list[str] = []
    decisions: list[Decision] = []
    votes, others = _votes(ask, docs, sees, decisions), _confusable(ask, docs)
    for f in ask.fact_ids:
        ranked = [v for v, _ in votes[f].most_common()] or [UNKNOWN]
        near = [v for g in ask.fact_ids if g != f for v in votes[g]] + others
        options = list(dict.fromkeys([*ranked, *near]))
        d = dice.choose(
            f"value:{f}", intended=ranked[0], options=options, p=p_of(len(options)), kind="value"
        )
        values.append(d.chosen)
        decisions.append(d)
    return values, decisions
