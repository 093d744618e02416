"""Error provenance: what every artifact of an episode was derived from, and what got tainted.

Each step of an episode produces artifacts: a plan, tool calls with their arguments, tool
results, memory notes, reviews and answers. An artifact is *derived from* the earlier
artifacts whose content it uses, found in what the graph really passed along. An argument
value comes from what the call's prompt held (``agentlab.measure.seen``: the messages the
step read, as recorded): the latest plan or input there that states it, else the latest
artifact there that states it (an offer id from the search result that listed it, a
destination from the plan that committed to it), word for word or, failing that, as the
same place ("DC" for the plan's "Washington, D.C.": ``agentlab.measure.stating``). A value
the prompt holds that none of its artifacts states (it came on a handoff's line beside an
id) comes from where it was found; a value the prompt does not hold at all was invented: it
links to nothing (and, if wrong, is a root error), even if an artifact the step never read
happens to contain it. A record with no prompt (restored from storage) lets every earlier
artifact be a candidate. The other links follow the graph's state: a tool
result from its call, a memory note from its result, an answer or a review from the
bookings standing at that moment, a travel team's reading of the request from the
readings it agrees with (and what follows a vote, from the work of the members it
followed). A handoff is traced id by id: each id a member (or a sub-agent) was handed in a
``[kind] ...`` line is an artifact of the step that read it, derived from the artifact the
id came from, and what the member uses of it derives from the handoff.
The tracing reads only messages and state, so it works
the same on a real model; only the judging uses the scenario's ground truth.

A decision the ground truth disagrees with, whose inputs are clean, is a **root error**;
everything derived from a root error, directly or not, is **tainted**. A root error whose
taint reaches a wrong part of the outcome (a wrong booking, a wrong answer) has
**escaped**; one that reaches the outcome only through parts that came out right anyway was
**absorbed**; otherwise it was **contained** (caught, repaired, or outvoted before the
outcome). A wrong plan that
a person corrects at a clarification checkpoint, before anything is done with it, was never
committed: it is counted as **prevented**, not as a root error.

This module traces the artifacts (``trace``); what they are and what they count is
``agentlab.measure.artifacts`` (``Artifact``, ``Provenance``, ``episode_counts``).

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agentlab.answers import is_yes
from agentlab.measure.artifacts import Artifact, Provenance
from agentlab.measure.metrics import StepRecord
from agentlab.measure.seen import Seen
from agentlab.measure.stating import destination, matchers, values_of
from agentlab.sim.prompt import text_of

ORIGINS = ("plan", "request", "memory")  # artifacts a value originates in when they state it
READINGS = ("Reread", "Vote")  # a travel team's readings of the request (graphs.team_reading)
_TOKEN = re.compile(r"[^\s;,|()]+")


def _ids(line: str) -> list[str]:
    """The ids a handoff line names: hyphenated tokens with letters and digits (D-007,
    FL-MIA-DEN-4@2027-05-20/2027-05-26), not dates or prices."""
    return list(_ids_in(line))


@lru_cache(maxsize=4096)
def _ids_in(line: str) -> tuple[str, ...]:
    """``_ids``, read once per line: a team hands the same lines to several members."""
    tokens = (t.strip(".:$") for t in _TOKEN.findall(line))
    found = [
        t
        for t in tokens
        if "-" in t and any(c.isdigit() for c in t) and any(c.isalpha() for c in t)
    ]
    return tuple(dict.fromkeys(found))


class _Tracer:
    def __init__(self, inputs: Sequence[tuple[str, str, str]]) -> None:
        self.artifacts: dict[str, Artifact] = {}
        self.order: list[str] = []
        self.bookings: dict[str, str] = {}  # kind -> result artifact standing for it
        self.by_branch: dict[str, dict[str, str]] = {}  # the same, per parallel branch
        self.branch = ""  # the branch of the step being traced
        self.stage: int | None = None  # the parallel stage of the step being traced
        self.stage_of: dict[str, int | None] = {}  # artifact -> the stage that produced it
        self.vote: str | None = None  # a team's vote on how to read the request
        self.adopted: set[str] = set()  # branches whose work that vote took up
        self.seen: Seen | None = None  # what the step being traced read (None: not known)
        for aid, kind, text in inputs:
            self.add(Artifact(aid, kind, text, None))

    def add(self, art: Artifact) -> Artifact:
        art.branch = art.branch or self.branch
        self.stage_of[art.id] = self.stage
        parents = [self.artifacts[p] for p in art.derived_from]
        art.tainted = any(p.tainted for p in parents)
        art.root = art.wrong and not art.tainted
        art.tainted = art.tainted or art.root
        self.artifacts[art.id] = art
        self.order.append(art.id)
        return art

    def source(self, value: str, branch: str | None = None, seen: Seen | None = None) -> str | None:
        """Where a value came from, among what the step ``seen`` held (every artifact, if not
        known): the latest plan or input stating it (values a plan commits to originate
        there), else the latest artifact stating it (ids, prices); word for word first,
        else as the same place; with ``branch``, the latest of that branch's artifacts.
        A value the prompt holds that none of its artifacts states (it came on a handoff's
        line beside an id) comes from the latest artifact anywhere stating it."""
        found = self._latest(value, branch, seen)
        if found is None and seen and any(m(t) for m in matchers(value) for t in seen.texts):
            found = self._latest(value, branch, None)
        return found

    def _latest(self, value: str, branch: str | None, seen: Seen | None) -> str | None:
        for match in matchers(value):
            latest = None
            for aid in reversed(self.order):
                art = self.artifacts[aid]
                if branch is not None and art.branch != branch:
                    continue
                if branch is None and art.branch and art.branch != self.branch:
                    continue  # a parallel branch cannot see another branch's work
                if match(art.text) and (seen is None or seen.holds(art)):
                    if art.kind in ORIGINS:
                        return aid
                    latest = latest or aid
            if latest is not None:
                return latest
        return None

    def standing(self) -> list[str]:
        """The results standing (latest booking of each kind, latest answer), as seen here."""
        seen = self.by_branch.get(self.branch, {}) if self.branch else self.bookings
        return sorted(seen.values())

    def stand(self, kind: str, result: str) -> None:
        """A result now stands for its kind (a booking replaces the last of its kind)."""
        self.bookings[kind] = result
        self.by_branch.setdefault(self.branch, {})[kind] = result

    def reading(self, step: int, args: dict[str, Any], wrong: bool) -> Artifact:
        """A reading of the request (a debating peer's, the team's vote): derived from the
        plans and readings of earlier stages that state the same destination. A vote (in
        no branch) takes up the work of the branches whose plans it follows: what the
        steps after it use of that work derives from each of them (``sources``)."""
        said = str(args.get("destination", "")).strip()
        agree = [
            a
            for a in self.order
            if self.artifacts[a].kind in ("plan", "reading")
            and said
            and destination(self.artifacts[a].text) == said
            and (self.stage is None or self.stage_of[a] != self.stage)
        ]
        art = self.add(Artifact(f"reading#{step}", "reading", json.dumps(args), step, agree, wrong))
        if not self.branch:
            plans = [self.artifacts[a] for a in agree if self.artifacts[a].kind == "plan"]
            self.vote, self.adopted = art.id, {p.branch for p in plans if p.branch}
        return art

    def handoff(self, step: int, text: str) -> list[Artifact]:
        """A handoff's items as artifacts of the step that read it: each id an item names
        (an offer, a document, a booking) handed on, derived from the latest earlier
        artifact holding it, so that what a member uses of it derives from the handoff and,
        through it, from where the id came from (and from nothing else on the same line)."""
        out = []
        lines = [ln for ln in text.splitlines() if ln.startswith("[")]
        for k, line in enumerate(lines):
            kind = line.split("]", 1)[0] + "]"
            for j, i in enumerate(_ids(line)):
                parents = [a] if (a := self.source(i)) is not None else []
                item = Artifact(f"handoff#{step}:{k}.{j}", "handoff", f"{kind} {i}", step, parents)
                out.append(self.add(item))
        return out

    def sources(self, args: Any) -> list[str]:
        found = {self.source(v, seen=self.seen) for v in values_of(args)}
        if not self.branch:  # each branch a vote took up that has the value (through it)
            found |= {self.source(v, b) for v in values_of(args) for b in self.adopted}
        return sorted(a for a in found if a is not None)


def trace(
    records: Sequence[StepRecord],
    correct: Sequence[bool | None],
    messages: Sequence[BaseMessage],
    *,
    long_term_memory: Sequence[str] = (),
    notes: Sequence[str] = (),
    results: Sequence[dict[str, Any]] = (),
) -> Provenance:
    """Trace an episode's artifacts from its step records (with their output messages).

    Args:
        records: The episode's steps, in order, still holding their output messages.
        correct: Per step, whether its decision agrees with the ground truth (None: no decision).
        messages: The episode's final messages (human inputs are read from them).
        long_term_memory: Memory notes the episode started with (clean inputs).
        notes: Memory notes written during the episode, one per tool result, in order.
        results: The agent's log of tool results (``state["results"]``): which plan step
            each call served.

    Returns:
        The ``Provenance`` of the episode.
    """
    first = next((m for m in messages if isinstance(m, HumanMessage)), None)
    inputs = [("request", "request", text_of(first))] if first is not None else []
    inputs += [(f"memory#{i}", "memory", note) for i, note in enumerate(long_term_memory)]
    t = _Tracer(inputs)
    humans = ["request"] if first is not None else []  # grows with each answer, in time
    by_step: dict[int, list[str]] = {}
    answer: str | None = None
    written = iter(notes)
    team_answer: str | None = None
    parts: set[str] = set()  # members' answers a team combined (each a part of its answer)
    handed: set[tuple[str, str]] = set()  # (agent, handoff) already traced
    for rec, ok in zip(records, correct, strict=True):
        produced: list[Artifact] = []
        m = rec.message
        t.branch = rec.branch if rec.stage is not None else ""
        t.stage = rec.stage
        t.seen = Seen(rec.prompt) if rec.prompt is not None else None
        wrong = ok is False
        if rec.kind == "human" and isinstance(m, HumanMessage):  # a person's answer: an input
            humans.append(
                t.add(Artifact(f"human#{rec.index}", "request", text_of(m), rec.index)).id
            )
        if rec.kind == "human" and rec.node == "clarify" and not is_yes(rec.decision):
            plans = [a for a in t.order if t.artifacts[a].kind == "plan"]
            if plans:  # corrected before anything was done with it: never committed
                withdrawn = t.artifacts[plans[-1]]
                withdrawn.withdrawn, withdrawn.root, withdrawn.tainted = True, False, False
        elif rec.kind == "tool" and isinstance(m, ToolMessage):
            result = t.add(
                Artifact(
                    f"result:{m.tool_call_id}",
                    "tool_result",
                    text_of(m),
                    rec.index,
                    [f"call:{m.tool_call_id}"] if f"call:{m.tool_call_id}" in t.artifacts else [],
                )
            )
            text = next(written, text_of(m))
            note = t.add(
                Artifact(f"note:{m.tool_call_id}", "memory_note", text, rec.index, [result.id])
            )
            produced += [result, note]
            kind = _booking_kind(m)
            if kind:
                t.stand(kind, result.id)
        elif rec.kind == "llm" and isinstance(m, AIMessage):
            if rec.handoff and (rec.agent, rec.handoff) not in handed:  # read once per agent
                handed.add((rec.agent, rec.handoff))
                t.handoff(rec.index, rec.handoff)  # what the step read, not what it made
            if rec.node == "plan":
                args = m.tool_calls[0]["args"] if m.tool_calls else {}
                produced.append(
                    t.add(
                        Artifact(
                            f"plan#{rec.index}",
                            "plan",
                            json.dumps(args),
                            rec.index,
                            # a plan after a team's vote read the vote's reading too
                            [*humans, *([t.vote] if t.vote and not t.branch else [])],
                            wrong,
                        )
                    )
                )
            elif rec.node == "reflect":
                args = m.tool_calls[0]["args"] if m.tool_calls else {}
                produced.append(
                    t.add(
                        Artifact(
                            f"review#{rec.index}",
                            "review",
                            json.dumps(args),
                            rec.index,
                            t.standing(),
                            wrong,
                        )
                    )
                )
            elif rec.node == "act" and m.tool_calls:
                for c in m.tool_calls:
                    produced.append(
                        t.add(
                            Artifact(
                                f"call:{c['id']}",
                                "tool_call",
                                json.dumps(c["args"]),
                                rec.index,
                                t.sources(c["args"]),
                                wrong,
                            )
                        )
                    )
            elif rec.node == "act":
                answer = f"answer#{rec.index}"
                produced.append(
                    t.add(
                        Artifact(
                            answer,
                            "answer",
                            text_of(m),
                            rec.index,
                            t.standing(),
                            wrong,
                        )
                    )
                )
            elif m.tool_calls and m.tool_calls[0]["name"] in READINGS:
                produced.append(t.reading(rec.index, m.tool_calls[0]["args"], wrong))
            elif m.tool_calls and m.tool_calls[0]["name"] in ("Aggregate", "Revise", "Combine"):
                # a team's answer: a vote derives from the branches' answers it agrees with
                # (the answers it outvoted did not reach it: the vote contained their errors);
                # a combination of parts derives from every part's answer
                chosen = str(m.tool_calls[0]["args"].get("answer", ""))
                every = m.tool_calls[0]["name"] == "Combine"
                answers = sorted(
                    {
                        b["answer"]
                        for b in t.by_branch.values()
                        if "answer" in b
                        and (every or (chosen and chosen in t.artifacts[b["answer"]].text))
                    }
                )
                if every:
                    parts |= set(answers)
                    # a member that gave no answer left its part unknown: the combination
                    # derives from what that member did last (no stop there: it is no answer)
                    answered = {t.artifacts[a].branch for a in answers}
                    last: dict[str, str] = {}
                    for a in t.order:
                        branch = t.artifacts[a].branch
                        if branch and branch not in answered:
                            last[branch] = a
                    answers = sorted({*answers, *last.values()})
                team_answer = f"team#{rec.index}"
                produced.append(
                    t.add(
                        Artifact(
                            team_answer,
                            "answer",
                            json.dumps(m.tool_calls[0]["args"]),
                            rec.index,
                            answers,
                            wrong,
                        )
                    )
                )
                if m.tool_calls[0]["name"] == "Revise":  # a peer's revised answer stands for it
                    t.by_branch.setdefault(t.branch, {})["answer"] = team_answer
            elif m.tool_calls and m.tool_calls[0]["name"] == "Route":
                routed = [a for a in t.order if t.artifacts[a].kind == "tool_result"]
                produced.append(
                    t.add(Artifact(f"route#{rec.index}", "route", text_of(m), rec.index, routed))
                )
            else:  # a summary: derived from the results it condenses
                condensed = [a for a in t.order if t.artifacts[a].kind == "tool_result"]
                produced.append(
                    t.add(
                        Artifact(
                            f"summary#{rec.index}", "summary", text_of(m), rec.index, condensed
                        )
                    )
                )
        by_step[rec.index] = [a.id for a in produced]
    submitted = t.bookings.get("answer")
    if team_answer is not None and (
        submitted is None or t.order.index(team_answer) > t.order.index(submitted)
    ):
        outcome = [team_answer]  # the team's vote is its answer
    else:
        outcome = sorted(t.bookings.values()) + ([answer] if answer else [])
    served = {
        f"call:{r['call_id']}": int(r["step"])
        for r in results
        if r.get("step") and r.get("call_id")
    }
    return Provenance(t.artifacts, outcome, by_step, served, parts)


def _booking_kind(m: ToolMessage) -> str | None:
    """The kind of outcome a tool result stands for: a booking's kind, or "answer"."""
    if m.name == "submit_answer" and m.status != "error":
        return "answer"
    if m.name != "book_offer" or m.status == "error":
        return None
    try:
        c = json.loads(text_of(m))
    except json.JSONDecodeError:
        return None
    return str(c["kind"]) if isinstance(c, dict) and c.get("status") == "confirmed" else None
