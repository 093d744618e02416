"""The simulated model's first hop of a two-hop research question: which island the answer
is about, read from the passages in its prompt.

A bridge ("... of the island whose capital is Brennick?") names a capital or a founding
year; the model looks for a sentence that gives some island that capital or year. A hub
("... of the ferry hub that serves Varrow?") names an island; the model looks for a
sentence naming its ferry hub. Each sentence votes for its island with the reliability
shown beside its document (a false claim from a weak source may give another island the
same capital: a decoy). Which island it settles on is a decision drawn with the physics'
probability, a wrong one falling on another island the same passages name. The second
search can only be written once this is read; the model writes the island it found in its
reply (``Island found: ...``) and later steps read it back from there.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from agentlab.sim.passages import read
from agentlab.sim.physics import Decision, Dice
from agentlab.sim.prompt import Prompt, text_of
from agentlab.sim.questions import Ask

FOUND = "Island found: "  # how the model writes the island hop 1 found into its reply
_FOUND = re.compile(r"^Island found: (.+)$", re.M)
HOP_STEP = "the island hop 1 finds"  # the plan's stand-in for that island (no question says it)


# whether the model finds a statement of the i-th passage (doc id, what it looks for): a read
Sees = Callable[[int, str, str], tuple[bool, Decision]]


def candidates(
    ask: Ask, passages: list[dict[str, Any]], sees: Sees, decisions: list[Decision]
) -> tuple[Counter[str], list[str]]:
    """Votes for the island hop 1 points to, and every island the voting passages name.

    Args:
        ask: A two-hop question as read.
        passages: Documents in context, each with ``text`` (or a search result's
            ``snippet``) and ``reliability``.
        sees: Whether the model finds a statement of the ``i``-th passage (a drawn read).
        decisions: Where the reads are recorded.
    """
    attribute, key = ask.via[0], ask.key
    votes: Counter[str] = Counter()
    named: list[str] = []
    for i, d in enumerate(passages):
        said = [s for s in read(str(d.get("text", d.get("snippet", "")))) if not s.instruction]
        hits = [
            s.entity if ask.kind == "bridge" else s.value
            for s in said
            if s.attribute == attribute
            and (s.value == key if ask.kind == "bridge" else s.entity == key)
        ]
        for island in hits:
            ok, seen = sees(i, str(d.get("doc_id", i)), f"hop:{ask.key}")
            decisions.append(seen)
            if ok:
                votes[island] += round(100 * float(d.get("reliability", 0)))
        if hits:
            named += [s.entity for s in said]
    return votes, list(dict.fromkeys(named))


def said_found(prompt: Prompt) -> str:
    """The island the model already wrote it found (``Island found: ...``), or ''."""
    for m in reversed(prompt.messages):
        if m.type == "ai" and (found := _FOUND.findall(text_of(m))):
            return str(found[-1]).strip()
    return ""


def resolve(
    ask: Ask, prompt: Prompt, passages: list[dict[str, Any]], dice: Dice, p: float, sees: Sees
) -> tuple[Ask, list[Decision]]:
    """The question about the island hop 1 finds, and the decision behind it.

    The island the model already wrote it found, if it did; else the one the passages
    vote for, drawn with probability ``p`` (a wrong draw: another island they name);
    unresolved (``ask`` as given) when no passage says.
    """
    if not ask.hops or ask.entities:
        return ask, []
    if found := said_found(prompt):
        return ask.resolved(found), []
    reads: list[Decision] = []
    votes, named = candidates(ask, passages, sees, reads)
    if not votes:
        return ask, reads
    ranked = [v for v, _ in votes.most_common()]
    options = [o for o in dict.fromkeys([*ranked, *named]) if o != ask.key]
    d = dice.choose(f"hop:{ask.key}", intended=ranked[0], options=options, p=p, kind="hop")
    return ask.resolved(d.chosen), [*reads, d]
