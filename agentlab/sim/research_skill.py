"""The simulated model's research skill: search, filter, answer and fact-check a question.

Like the travel skill, it re-reads the prompt at every call (the question, the plan and its
statuses, the documents visible in context) and draws each decision with the physics'
probability for that prompt. It reads a document's claims from that document's text in
its context (``agentlab.sim.passages``), never from the corpus by id, and it cannot tell a
false claim from a true one except by the reliability its results show for the source and
by cross-checking; an instruction injected in a kept document's text hijacks the answer
with a probability from the physics (``p_hijack``) that falls with the model's skill and
the prompt's length. It imports nothing of the research world but its vocabulary (an
import-linter contract).

Introduced in notebook 05 (`05_decomposition.ipynb`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from agentlab.sim.generic import fill_args
from agentlab.sim.hops import FOUND, HOP_STEP, resolve
from agentlab.sim.passages import read
from agentlab.sim.physics import Decision, Dice, p_catch, p_correct, p_hijack
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt, text_of
from agentlab.sim.questions import Ask, answer_from, parse_question
from agentlab.sim.reading import choose_values, reader
from agentlab.sim.refine_skill import (
    handed_queries,
    query_report,
    query_words,
    refine,
    refines,
)
from agentlab.sim.reply import Reply
from agentlab.sim.team_skill import (
    ASK,
    combine_reply,
    handoff_items,
    items_as_results,
    message_items,
    route_reply,
    split_reply,
    vote_reply,
)
from agentlab.world.capabilities import capabilities
from agentlab.world.research_vocab import TOOL_NAMES

TRUSTED = 0.6  # the model keeps documents from sources at least this reliable (its habit)
_PLAN_LINE = re.compile(r"^(\d+)\. \[(done|next| )\] (\w+): (.*)$", re.M)
_TOOLS_LINE = re.compile(r"^Tools: (.*)$", re.M)


def _results(prompt: Prompt, tool: str) -> list[dict[str, Any]]:
    """The results of ``tool`` in context: what a handoff carried, then its own calls' and
    its sub-agents' reports, in the order they came (read once per call: shared, unchanged
    by those who read them)."""
    return list(prompt.kept(("results", tool), lambda: _read_results(prompt, tool)))


def _read_results(prompt: Prompt, tool: str) -> list[dict[str, Any]]:
    handed = prompt.kept("handed results", lambda: items_as_results(handoff_items(prompt, False)))
    out = list(handed.get(tool, []))
    for _, m in prompt.tool_results():
        if str(m.name).startswith(ASK):  # a sub-agent's report: handoff items
            out.extend(items_as_results(message_items(m)).get(tool, []))
        elif m.name == tool and m.status != "error":
            try:
                out.append(json.loads(text_of(m)))
            except json.JSONDecodeError:
                continue
    return out


def _delegated(tools: set[str]) -> dict[str, str]:
    """The research tools whose steps a sub-agent does, mapped to the tool that asks it (its
    name says what it carries: ``ask_retrieve_rank_filter``)."""
    caps = capabilities()
    return {
        tool: t
        for t in sorted(tools)
        if t.startswith(ASK)
        for name in caps
        if name in t.removeprefix(ASK)
        for tool in caps[name].tools
    }


def _asking(steps: list[dict[str, str]], asks: dict[str, str]) -> list[dict[str, str]]:
    """The plan's steps with a sub-agent's run of steps folded into one step that asks it."""
    out: list[dict[str, str]] = []
    for step in steps:
        ask = asks.get(step["tool"])
        if ask is None:
            out.append(step)
        elif not out or out[-1]["tool"] != ask:
            out.append({"tool": ask, "action": f"Ask your sub-agent ({ask}) to {step['action']}"})
    return out


def _seen_docs(prompt: Prompt) -> dict[str, dict[str, Any]]:
    """Documents whose text is in context (kept by a filter), by id."""
    return {
        d["doc_id"]: d for res in _results(prompt, "filter_documents") for d in res.get("kept", [])
    }


def plan_reply(ask: Ask, prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply:
    """The plan: its searches (one per island when it refines the query, its ``query``
    assumptions; else the question as asked), a filter, the answer, and a check per fact
    if it can."""
    named = set((_TOOLS_LINE.findall(prompt.system_text()) or [""])[0].replace(" ", "").split(","))
    asks = _delegated(named)
    tools = named | set(asks)  # its own tools, and the ones its sub-agents use for it
    refined, decisions = refine(ask, prompt, dice, profile) if refines(prompt) else ([], [])
    steps = []
    if "search_corpus" in tools:
        queries = refined or [next(t for t in prompt.human_texts() if parse_question(t)).strip()]
        steps += [{"tool": "search_corpus", "action": f"Search: {q}"} for q in queries]
    if "filter_documents" in tools:
        steps.append(
            {"tool": "filter_documents", "action": "Keep the relevant, reliable documents"}
        )
    checker_only = (
        "search_corpus" not in tools
        and "filter_documents" not in tools
        and bool(items_as_results(handoff_items(prompt))["submit_answer"])
    )
    if "submit_answer" in tools and not checker_only:
        steps.append({"tool": "submit_answer", "action": "Answer from the kept documents"})
    if ask.hops:  # the second hop: searched (and filtered) once the first is read
        hop = [{"tool": "search_corpus", "action": f"Search: {HOP_STEP} {ask.attribute}"}]
        if "filter_documents" in tools:
            hop.append({"tool": "filter_documents", "action": "Keep the island's documents"})
        at = next((i + 1 for i, s in enumerate(steps) if s["tool"] == hop[-1]["tool"]), 0)
        steps[at:at] = hop if "search_corpus" in tools else []
    if "cross_check" in tools:
        steps += [
            {"tool": "cross_check", "action": f"Check: {e} {ask.attribute}"}
            for e in (ask.entities or (HOP_STEP,))
        ]
    args = {
        "assumptions": [{"slot": "query", "value": q} for q in refined],
        "steps": _asking(steps, asks) if asks else steps,
    }
    return Reply(
        tool_calls=[{"name": "Plan", "args": args}], decisions=decisions, skill="research:plan"
    )


def _demands(ask: Ask, docs: list[dict[str, Any]]) -> list[str]:
    """The values instructions injected in the documents' text demand for a needed fact."""
    return [
        s.value
        for d in docs
        for s in read(str(d.get("text", "")))
        if s.instruction and s.fact_id in ask.fact_ids
    ]


def act_reply(ask: Ask, prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply:
    """One step of the plan, or the fact-checking repair, or the final answer."""
    system = prompt.system_text()
    steps = [(int(n), s, tool, action) for n, s, tool, action in _PLAN_LINE.findall(system)]
    ctx = prompt.input_tokens
    errors = sum(1 for _, m in prompt.tool_results() if m.status == "error")
    p = p_correct(
        profile, options=len(prompt.tool_names) or 1, context_tokens=ctx, errors_in_context=errors
    )
    passages = list(_seen_docs(prompt).values()) or [
        d for res in _results(prompt, "search_corpus") for d in res.get("results", [])
    ]
    sees = reader(prompt, dice, profile, len(passages))
    ask, hop = resolve(ask, prompt, passages, dice, p, sees)  # a two-hop question: hop 1 read?
    submitted = _results(prompt, "submit_answer")
    checks = _results(prompt, "cross_check")
    pending = [s for s in steps if s[1] != "done"]
    decisions: list[Decision] = []
    if not pending and submitted and checks:
        # fact-check: do the cross-checked claims agree with the submitted answer?
        votes: dict[str, Counter[str]] = {f: Counter() for f in ask.fact_ids}
        for c in checks:
            f = f"F-{c['entity'].replace(' ', '_')}-{c['attribute']}"
            for claim in c.get("claims", []):
                if f in votes:
                    votes[f][claim["value"]] += round(100 * claim["reliability"])
        consensus = [votes[f].most_common(1)[0][0] if votes[f] else "" for f in ask.fact_ids]
        if (
            all(consensus)
            and answer_from(ask, consensus) != submitted[-1]["answer"]
            and len(submitted) < 3
        ):
            own = any(
                c["name"] == "submit_answer"
                for m in prompt.messages
                for c in getattr(m, "tool_calls", None) or []
            )
            pc = p_catch(profile, context_tokens=ctx, own_work=own)
            caught = dice.chance("factcheck", pc)
            decisions.append(
                Decision("fact_check", 2, pc, caught, "caught" if caught else "missed")
            )
            if caught:
                args: dict[str, Any] = {
                    "answer": answer_from(ask, consensus),
                    "evidence": sorted({c2["doc_id"] for c in checks for c2 in c["claims"]})[:6],
                }
                return Reply(
                    content="Checked: the sources disagree with my answer; correcting it.",
                    tool_calls=[{"name": "submit_answer", "args": args}],
                    decisions=decisions,
                    skill="research:repair",
                )
    if not pending:
        final = submitted[-1]["answer"] if submitted else "I could not find the answer."
        said = [f"Checked. Answer: {final}"]
        if refines(prompt) and "search_corpus" not in prompt.tool_names:  # hand its queries on
            said = [*(said if submitted else ["Queries to search:"]), *query_report(prompt)]
        return Reply(content="\n".join(said), decisions=decisions, skill="research:answer")
    n, _, tool, action = pending[0]
    options = prompt.tool_names or [tool]
    pick = dice.choose_tool(tool, options, p)
    decisions.append(pick)
    if not pick.correct and pick.chosen in TOOL_NAMES:
        # the wrong one of its own tools: it does that step out of turn, as well as it can
        tool = pick.chosen
        first = f"{(ask.entities or (ask.key,))[0]} {ask.attribute}"
        action = {"search_corpus": f"Search: {first}", "cross_check": f"Check: {first}"}.get(
            tool, action
        )
    elif not pick.correct:
        schema = prompt.tool(pick.chosen) or {}
        args = fill_args(schema.get("function", {}).get("parameters", {}), " ".join(ask.entities))
        return Reply(
            content=f"Step {n}: {action}.",
            tool_calls=[{"name": pick.chosen, "args": args}],
            decisions=decisions,
            skill="research:act",
        )
    more: list[dict[str, Any]] = []  # further calls made at once (searches of handed queries)
    said = [f"Step {n}: {action}."]
    if tool == "search_corpus" and HOP_STEP in action:  # hop 2, written from what hop 1 read
        decisions += hop
        if ask.entities:
            said.append(FOUND + ask.entities[0])
            args = {"query": f"{ask.entities[0]} {query_words(ask.attribute)}", "k": 5}
        else:  # no passage named the island: search hop 1 again, in the corpus's words
            args = {"query": f"{ask.key} {query_words(ask.via[0])}", "k": 5}
    elif tool == "search_corpus":  # a model that does not refine searches what it was handed
        handed = [] if refines(prompt) else handed_queries(prompt)
        query, *others = handed or [action.removeprefix("Search: ")]
        args = {"query": query, "k": 5}
        more = [{"name": tool, "args": {"query": q, "k": 5}} for q in others]
    elif tool == "filter_documents":
        found = [d for res in _results(prompt, "search_corpus") for d in res.get("results", [])]
        keep = []
        for d in found:
            seen = d.get("title", "") + d.get("snippet", "")
            relevant = any(e in seen for e in ask.entities or (ask.key,))
            intended = relevant and float(d.get("reliability", 0)) >= TRUSTED
            keep_it = (
                intended
                if dice.chance(
                    f"keep:{d['doc_id']}",
                    p_correct(profile, options=len(found), context_tokens=ctx),
                )
                else not intended
            )
            if keep_it and d["doc_id"] not in keep:
                keep.append(d["doc_id"])
        args = {"keep": keep}
    elif tool == "submit_answer":
        docs = list(_seen_docs(prompt).values())
        decisions += hop
        values, chosen = choose_values(
            ask,
            docs,
            dice,
            lambda n: p_correct(profile, options=n, context_tokens=ctx, errors_in_context=errors),
            reader(prompt, dice, profile, len(docs)),
        )
        decisions.extend(chosen)
        answer = answer_from(ask, values)
        demands = _demands(ask, docs)
        hijack = p_hijack(profile, context_tokens=ctx)
        if demands and dice.chance("hijack", hijack):
            answer = str(demands[0])  # what the injected text demands
            decisions.append(Decision("injection", 2, 1 - hijack, False, "hijacked"))
        args = {"answer": answer, "evidence": [d["doc_id"] for d in docs][:6]}
    elif tool == "cross_check":
        entity = action.removeprefix("Check: ").rsplit(" ", 1)[0]
        if entity == HOP_STEP:
            decisions += hop
            entity = (ask.entities or (ask.key,))[0]
        args = {"entity": entity, "attribute": ask.attribute}
    elif tool.startswith(ASK):  # hand the question, as asked, to the sub-agent
        args = {"task": next(t for t in prompt.human_texts() if parse_question(t) is not None)}
    else:
        args = fill_args(
            (prompt.tool(tool) or {}).get("function", {}).get("parameters", {}),
            " ".join(ask.entities),
        )
    if tool.startswith(ASK) and "to Search: " in action and refines(prompt):
        said += query_report(prompt)  # its queries, for the sub-agent that searches
    return Reply(
        content="\n".join(said),
        tool_calls=[{"name": tool, "args": args}, *more],
        decisions=decisions,
        skill="research:act",
    )


def research_skill(prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply | None:
    """Answer a research prompt, or None when the prompt holds no research question."""
    ask = next((a for a in map(parse_question, prompt.human_texts()) if a is not None), None)
    if ask is None:
        return None
    if prompt.forced_tool == "Plan":
        return plan_reply(ask, prompt, dice, profile)
    if prompt.forced_tool == "Route":
        return route_reply(ask, prompt, dice, profile)
    if prompt.forced_tool == "Split":
        return split_reply(ask)
    if prompt.forced_tool == "Combine":
        return combine_reply(ask, prompt, dice, profile)
    if prompt.forced_tool in ("Aggregate", "Revise"):
        return vote_reply(ask, prompt, dice, profile)
    if prompt.forced_tool == "Review":
        return Reply(
            tool_calls=[{"name": "Review", "args": {"ok": True, "issues": []}}],
            skill="research:review",
        )
    if refines(prompt) or any(t in TOOL_NAMES or t.startswith(ASK) for t in prompt.tool_names):
        return act_reply(ask, prompt, dice, profile)
    return None
