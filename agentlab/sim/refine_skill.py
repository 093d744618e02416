"""The simulated model's query refinement: a research question rewritten into search queries.

A model whose instructions carry the refine-the-query duty rewrites the question when it
plans: one search query per island the question names, with the attribute asked about in
the corpus's words. Each query is a decision drawn with the physics' probability for the
plan's prompt; a wrong one asks about another attribute. The queries are the plan's
``query`` assumptions: a carrier that searches searches them, one that does not reports
them (``[query] ...``) for the agent that does. A model without the duty searches with the
queries handed to it, or else with the question as asked: one query, in the question's
words, which the index's term matching answers with distractors and misses. Whether a
refinement is right is for the judge to say (``agentlab.world.research.judge_queries``).

Introduced in notebook 06 (`06_capability_placement.ipynb`).
"""

from __future__ import annotations

import re

from agentlab.sim.physics import Decision, Dice, p_correct
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt
from agentlab.sim.questions import Ask
from agentlab.sim.team_skill import handoff_items
from agentlab.world.research_vocab import ATTRIBUTES

REFINE_DUTY = re.compile(r"^- Refine the query:", re.M)  # its line among a member's duties
_ASSUMPTIONS = re.compile(r"^Assumptions: (.*)$", re.M)
# the words the model searches an attribute by (its habit; the rest: the attribute's name)
HABIT = {"founded": "founded year", "population": "population census"}


def refines(prompt: Prompt) -> bool:
    """Whether the prompt's instructions give the model the duty of refining the query."""
    return bool(REFINE_DUTY.search(prompt.system_text()))


def query_words(attribute: str) -> str:
    """The words the model searches an attribute by, e.g. ``"founded year"``."""
    return HABIT.get(attribute, attribute.replace("_", " "))


def refine(
    ask: Ask, prompt: Prompt, dice: Dice, profile: ModelProfile
) -> tuple[list[str], list[Decision]]:
    """The question rewritten as search queries, one per island, each a drawn decision.

    Args:
        ask: The question as the model read it.
        prompt: The plan's prompt (its length sets the probability).
        dice: The call's seeded draws.
        profile: The model's profile.

    Returns:
        The queries (``"Kelvara population census"``) and the decisions behind them.
    """
    p = p_correct(profile, options=1, context_tokens=prompt.input_tokens)
    attributes = list(dict.fromkeys(ATTRIBUTES.values()))
    queries, decisions = [], []
    wanted = [(e, f, ask.attribute) for e, f in zip(ask.entities, ask.fact_ids, strict=True)]
    if ask.hops:  # a two-hop question: its first hop (the second waits for its answer)
        wanted = [(ask.key, f"hop:{ask.key}", ask.via[0])]
    for subject, fact, attribute in wanted:
        d = dice.choose(
            f"refine:{fact}", intended=attribute, options=attributes, p=p, kind="refine"
        )
        queries.append(f"{subject} {query_words(d.chosen)}")
        decisions.append(d)
    return queries, decisions


def planned_queries(prompt: Prompt) -> list[str]:
    """The queries the model's plan committed to (its ``query = ...`` assumptions)."""
    line = (_ASSUMPTIONS.findall(prompt.system_text()) or [""])[0]
    said = (a.partition(" = ") for a in line.split("; "))
    return [value for slot, _, value in said if slot == "query" and value]


def handed_queries(prompt: Prompt) -> list[str]:
    """The queries another agent refined and handed on (``[query] ...`` items)."""
    said = (v.strip() for k, v in handoff_items(prompt, own=False) if k == "query")
    return list(dict.fromkeys(said))


def query_report(prompt: Prompt) -> list[str]:
    """The plan's queries as report lines, for the agent that searches."""
    return [f"[query] {q}" for q in planned_queries(prompt)]
