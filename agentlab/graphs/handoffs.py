"""Handoffs between agents: tool results as short items, and the bounded message that
carries them from one agent to the next.

A receiver needing ``coupling`` of its host's context sees the share
``min(1, budget / (coupling * context))`` of the host's items, the latest first.

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from langchain_core.messages import AnyMessage, ToolMessage

from agentlab.sim.prompt import ASK_PREFIX, HANDOFF_NAME, text_of
from agentlab.sim.tokens import count_text

HANDOFF = HANDOFF_NAME  # name of the HumanMessage that carries a handoff (coordination)
ASK = ASK_PREFIX  # a sub-agent's tool (agentlab.graphs.sub_agents): its result is report lines


def items_of(message: ToolMessage) -> list[str]:
    """A tool result as handoff items, one line each (``[kind] ...``)."""
    try:
        res = json.loads(text_of(message))
    except json.JSONDecodeError:
        return []
    if message.name == "search_corpus":
        return [
            f"[search] {d['doc_id']} | {d['title']} | {d['source']} "
            f"| reliability {d['reliability']} | {d['snippet']}"
            for d in res.get("results", [])
        ]
    if message.name == "filter_documents":
        return [
            f"[kept] {d['doc_id']} | {d['source']} | reliability {d['reliability']} | {d['text']}"
            for d in res.get("kept", [])
        ]
    if message.name == "submit_answer":
        return [f"[answer] {res['answer']} | evidence {' '.join(res.get('evidence', []))}"]
    if message.name == "cross_check":
        claims = "; ".join(
            f"{c['doc_id']} ({c['reliability']}) {c['value']}" for c in res.get("claims", [])
        )
        return [f"[claims] {res['entity']} {res['attribute']}: {claims}"]
    return []


def travel_items_of(message: ToolMessage) -> list[str]:
    """A travel tool result as handoff items: the offers a search found (``[offers]``, every
    offer, cheapest first) or the booking made (``[booked]``); a failed call gives none."""
    if message.status == "error":
        return []
    try:
        res = json.loads(text_of(message))
    except json.JSONDecodeError:
        return []
    if not isinstance(res, dict):
        return []
    if "offers" in res and res.get("offers"):
        offers = sorted(res["offers"], key=lambda o: o["total_usd"])
        listed = "; ".join(f"{o['offer_id']} ${o['total_usd']:.2f}" for o in offers)
        return [f"[offers] {res['kind']} at {res['place']}: {listed}"]
    if res.get("status") == "confirmed":
        kind = res.get("ground_kind", res["kind"])
        return [
            f"[booked] {kind} {res['offer_id']} {res['name']} ({res['serves']}) "
            f"{res['start']} to {res['end']} for {res['travelers']}, ${res['total_usd']:.2f}"
        ]
    return []


def report_items(
    messages: list[AnyMessage], items: Callable[[ToolMessage], list[str]] = items_of
) -> list[str]:
    """Every handoff item in a list of messages (reports and tool results), tool results
    read by ``items`` (the research world's by default)."""
    out: list[str] = []
    for m in messages:
        if isinstance(m, ToolMessage) and not str(m.name).startswith(ASK):
            out.extend(items(m))
        elif m.name != HANDOFF:
            out.extend(line for line in text_of(m).splitlines() if line.startswith("["))
    return out


def handoff(items: list[str], *, coupling: float, budget: int) -> str:
    """A bounded handoff: the share of the host's items the receiver gets to see.

    The receiver needs ``coupling`` of the host's context; the handoff carries ``budget``
    tokens; so it sees ``min(1, budget / (coupling * context))`` of the items, in order.
    """
    context = sum(count_text(i) for i in items)
    share = 1.0 if context == 0 else min(1.0, budget / max(coupling * context, 1e-9))
    kept = items[len(items) - round(share * len(items)) :] if share < 1 else items  # latest first
    return f"Handoff ({len(kept)} of {len(items)} items):\n" + "\n".join(kept)


def answer_of(messages: list[AnyMessage]) -> str | None:
    """The answer the last successful ``submit_answer`` in these messages committed (its
    own, or one a sub-agent reports having committed: an ``[answer]`` line)."""
    for m in reversed(messages):
        if isinstance(m, ToolMessage) and str(m.name).startswith(ASK):
            said = [ln for ln in text_of(m).splitlines() if ln.startswith("[answer] ")]
            if said:
                return said[-1].removeprefix("[answer] ").split(" | evidence")[0]
        if isinstance(m, ToolMessage) and m.name == "submit_answer" and m.status != "error":
            try:
                return str(json.loads(text_of(m))["answer"])
            except (json.JSONDecodeError, KeyError):
                continue
    return None
