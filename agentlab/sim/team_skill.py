"""The simulated model's part in a team: reading handoffs, routing, splitting a question,
and aggregating or debating answers.

Handoffs reach the model as ``[kind] ...`` lines; it reads them back as the tool results
they summarise. Each routing, vote and combination is a decision drawn with the physics'
probability for its prompt, like any other.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from itertools import product
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage

from agentlab.sim.physics import Decision, Dice, p_correct
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import ASK_PREFIX, Prompt, text_of
from agentlab.sim.questions import UNKNOWN, Ask, answer_from, parse_question
from agentlab.sim.reply import Reply
from agentlab.sim.travel_team import route_choice
from agentlab.world.research_vocab import COMBINE_BY, TOOL_NAMES

_ITEM = re.compile(r"^\[(query|search|kept|answer|claims|part)\] (.*)$", re.M)
_AGENT_LINE = re.compile(r"^- (\w+): (.*)$", re.M)
CAPABILITY_OF = {
    "query": "refine_query",  # a refiner's queries, handed to the retriever
    "search": "retrieve",
    "kept": "rank_filter",
    "answer": "synthesize",
    "claims": "fact_check",
    "part": "synthesize",  # a member's answer to its part of a split question
}


ASK = ASK_PREFIX


def message_items(message: BaseMessage) -> list[tuple[str, str]]:
    """The ``[kind] ...`` items in one message."""
    return list(_items_in(text_of(message)))


@lru_cache(maxsize=4096)
def _items_in(text: str) -> tuple[tuple[str, str], ...]:
    """The ``[kind] ...`` items in a text, read once per text: a report or a tool result
    comes back in every later call of an episode."""
    return tuple((k, v) for k, v in _ITEM.findall(text))


def handoff_items(prompt: Prompt, own: bool = True) -> list[tuple[str, str]]:
    """The ``[kind] ...`` items the team passed along, from every message in context
    (``own=False``: not from its sub-agents' reports, its own tool results)."""
    return list(prompt.kept(("handoff items", own), lambda: _handoff_items(prompt, own)))


def _handoff_items(prompt: Prompt, own: bool) -> list[tuple[str, str]]:
    return [
        item
        for m in prompt.messages
        if own or not (isinstance(m, ToolMessage) and str(m.name).startswith(ASK))
        for item in _items_in(text_of(m))
    ]


def items_as_results(items: list[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Handoff items read back as the tool results they summarise."""
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TOOL_NAMES}
    search: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    for kind, body in items:
        parts = [p.strip() for p in body.split(" | ")]
        try:
            if kind == "search":
                doc_id, title, source, rel, snippet = parts[:5]
                search.append(
                    {
                        "doc_id": doc_id,
                        "title": title,
                        "source": source,
                        "reliability": float(rel.split()[-1]),
                        "snippet": snippet,
                    }
                )
            elif kind == "kept":
                doc_id, source, rel, text = parts[:4]
                kept.append(
                    {
                        "doc_id": doc_id,
                        "source": source,
                        "reliability": float(rel.split()[-1]),
                        "text": text,
                    }
                )
            elif kind == "answer":
                out["submit_answer"].append(
                    {"answer": parts[0], "evidence": parts[1].split()[1:] if len(parts) > 1 else []}
                )
            elif kind == "claims":
                head, _, rest = body.partition(": ")
                entity, attribute = head.rsplit(" ", 1)
                claims = []
                for c in filter(None, (x.strip() for x in rest.split(";"))):
                    doc_id, rel, value = c.split(" ", 2)
                    claims.append(
                        {"doc_id": doc_id, "reliability": float(rel.strip("()")), "value": value}
                    )
                out["cross_check"].append(
                    {"entity": entity, "attribute": attribute, "claims": claims}
                )
        except ValueError:
            continue  # a line cut by a bounded handoff
    if search:
        out["search_corpus"].append({"results": search})
    if kept:
        out["filter_documents"].append({"kept": kept})
    return out


def route_reply(ask: Ask, prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply:
    """The coordinator's routing decision: the agent owning the next capability, or finish."""
    from agentlab.world.capabilities import ORDER

    owners = {a: caps.split(", ") for a, caps in _AGENT_LINE.findall(prompt.system_text())}
    done = {CAPABILITY_OF[k] for k, _ in handoff_items(prompt)}
    if "retrieve" in done:  # the searches are made: whoever made them wrote their queries
        done.add("refine_query")
    present = [c for c in ORDER if any(c in caps for caps in owners.values())]
    todo = [c for c in present if c not in done]
    intended = next((a for a, caps in owners.items() if todo and todo[0] in caps), "finish")
    return route_choice(prompt, [*owners], intended, dice, profile, "research:route")


def split_reply(ask: Ask) -> Reply:
    """Split a question into one lookup per fact it needs (a lookup stays whole)."""
    return Reply(
        tool_calls=[{"name": "Split", "args": {"parts": ask.parts()}}], skill="research:split"
    )


def part_answers(prompt: Prompt) -> list[tuple[str, str]]:
    """The ``(part, answer)`` pairs members of a split team reported."""
    out = []
    for kind, body in handoff_items(prompt):
        part, sep, answer = body.split(" | ")[0].rpartition(" = ")
        if kind == "part" and sep:
            out.append((part.strip(), answer.strip()))
    return out


def combine_reply(ask: Ask, prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply:
    """Combine the answers to a split question's parts, as reported and unchecked.

    Each fact takes the value its part's members reported (the most reported one when
    several members had the same part); nothing is checked against a source. Members that
    answered the whole question (a team smaller than the question's parts) give the
    answer itself, the most reported one. Told to merge every member's finding instead
    (``COMBINE_BY["synthesis"]`` in the prompt), it counts nothing (``_merge_reply``).
    """
    p = p_correct(profile, options=2, context_tokens=prompt.input_tokens)
    read = [(parse_question(part), answer) for part, answer in part_answers(prompt)]
    whole = [answer for a, answer in read if a == ask]
    if COMBINE_BY["synthesis"] in prompt.request():  # the aggregator's note
        return _merge_reply(ask, prompt, dice, p, read, whole)
    if whole and ask.kind != "lookup":
        decisions = [_most_reported(dice, "combine:whole", whole, p)]
        answer = decisions[0].chosen
    else:  # each fact: what the members of its part reported
        of_part = {
            e: [v for a, v in read if a and a.entities == (e,) and a.attribute == ask.attribute]
            for e in ask.entities
        }
        decisions = [
            _most_reported(dice, f"combine:{fact}", of_part[e], p)
            for e, fact in zip(ask.entities, ask.fact_ids, strict=True)
        ]
        answer = answer_from(ask, [d.chosen for d in decisions])
    return Reply(
        tool_calls=[{"name": prompt.forced_tool or "Combine", "args": {"answer": answer}}],
        decisions=decisions,
        skill="research:combine",
    )


def _merge_reply(
    ask: Ask,
    prompt: Prompt,
    dice: Dice,
    p: float,
    read: list[tuple[Ask | None, str]],
    whole: list[str],
) -> Reply:
    """Synthesis-only: every finding kept, none compared or outvoted.

    The answers the members' findings lead to, in the order they were reported: one when
    they agree (or disagree only where it does not change the answer), else all of them,
    joined ("1823 / 1797"), which commits to none. A member that found nothing ("unknown")
    adds no finding. Keeping them all is the decision, drawn with the physics'
    probability; a slip writes one of them alone.
    """

    def findings(said: list[str]) -> list[str]:
        return [v for v in dict.fromkeys(said) if v != UNKNOWN] or [UNKNOWN]

    if whole and ask.kind != "lookup":
        found = findings(whole)
    else:  # each fact: every value its part's members reported; the answers they lead to
        values = [
            findings(
                [v for a, v in read if a and a.entities == (e,) and a.attribute == ask.attribute]
            )
            for e in ask.entities
        ]
        found = list(dict.fromkeys(answer_from(ask, list(c)) for c in product(*values)))
    merged = " / ".join(found)
    options = list(dict.fromkeys([merged, *found]))
    pick = dice.choose("combine:merge", intended=merged, options=options, p=p)
    return Reply(
        tool_calls=[{"name": prompt.forced_tool or "Combine", "args": {"answer": pick.chosen}}],
        decisions=[pick],
        skill="research:merge",
    )


def _most_reported(dice: Dice, label: str, said: list[str], p: float) -> Decision:
    """The value most members reported (unknown when none did), drawn as a decision."""
    ranked = [v for v, _ in Counter(said).most_common()] or [UNKNOWN]
    return dice.choose(label, intended=ranked[0], options=ranked, p=p, kind="value")


def vote_reply(ask: Ask, prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply:
    """Aggregate or revise: take the majority of the answers in context (or keep one's own)."""
    answers = [a["answer"] for a in items_as_results(handoff_items(prompt))["submit_answer"]]
    counts = Counter(answers)
    ranked = [a for a, _ in counts.most_common()] or [UNKNOWN]
    p = p_correct(profile, options=len(ranked), context_tokens=prompt.input_tokens)
    pick = dice.choose("vote", intended=ranked[0], options=ranked, p=p, kind="vote")
    name = prompt.forced_tool or "Aggregate"
    return Reply(
        tool_calls=[{"name": name, "args": {"answer": pick.chosen}}],
        decisions=[pick],
        skill="research:vote",
    )
