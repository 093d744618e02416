"""A parallel team under a budget is reproducible: the same seed records the same steps
whichever member's thread finishes first, in this process or another one.

A member that crossed the budget used to stop the episode there, its siblings at whatever
call their threads had reached: the same seed then gave other calls, tokens and root errors
from one process to the next (``budget_tokens`` in notebook 08). A parallel stage is now
charged as a whole (``agentlab.measure.budgets``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections import Counter
from typing import Any
from uuid import UUID

import pandas as pd
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage, HumanMessage

import agentlab as al
from agentlab.measure.budgets import BudgetExceeded, Spend
from agentlab.measure.metrics import MetricsCallback, in_order
from agentlab.run.episode import Episode
from agentlab.run.team_runner import run_team_episode
from agentlab.sim.model import SimChatModel

# seed 0's three researchers spend about 21,000 tokens each in their parallel stage: this cap
# falls inside it, past one member's work and short of three
CAPPED = al.EpisodeConfig(
    scenario="research", architecture="decentralized", seed=0, budget_tokens=40_000
)
MEMBERS = ("researcher_1", "researcher_2", "researcher_3")


class _Turns(BaseCallbackHandler):
    """Makes the branches of stage 0 run one after another in ``order``: a branch's call
    waits until every branch before it has made all its calls (``calls``, counted in a run
    without a cap). A model's own callback: it sees a call after the episode's metrics."""

    def __init__(self, order: tuple[str, ...], calls: Counter[str]) -> None:
        self.order, self.calls = order, calls
        self.made: Counter[str] = Counter()
        self.branch: dict[UUID, str] = {}
        self.turn = threading.Condition()
        self.released = False  # no branch waits any longer (the episode is over)
        self.stuck = False  # a turn that never came: a branch stopped before its last call

    def _ready(self, branch: str) -> bool:
        before = self.order[: self.order.index(branch)]
        return self.released or all(self.made[b] >= self.calls[b] for b in before)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        meta = metadata or {}
        if meta.get("stage") != 0:
            return
        self.branch[run_id] = branch = str(meta["branch"])
        with self.turn:  # a safety net only: waiting this long, a branch before it stopped
            if not self.turn.wait_for(lambda: self._ready(branch), timeout=30):
                self.stuck = self.released = True  # every branch goes on: the tables tell
                self.turn.notify_all()

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        with self.turn:
            if run_id in self.branch:
                self.made[self.branch[run_id]] += 1
            self.turn.notify_all()

    def release(self) -> None:
        with self.turn:
            self.released = True
            self.turn.notify_all()


def _tables(ep: Episode) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An episode's row and steps, without the wall-clock seconds."""
    row = pd.DataFrame([ep.row()]).drop(columns=["wall_s"])
    return row, pd.DataFrame(ep.step_rows()).drop(columns=["wall_s"])


def _in_turns(order: tuple[str, ...], calls: Counter[str]) -> tuple[Episode, bool]:
    """The capped episode with stage 0's members made to finish in ``order``; whether a
    member stopped before its last call (a turn that never came)."""
    turns = _Turns(order, calls)
    try:
        ep = run_team_episode(CAPPED, model=SimChatModel(seed=CAPPED.seed, callbacks=[turns]))
    finally:
        turns.release()
    return ep, turns.stuck


def test_a_capped_debate_records_the_same_steps_whichever_member_finishes_first() -> None:
    free = run_team_episode(CAPPED.with_(budget_tokens=None))
    calls = Counter(r.branch for r in free.records if r.kind == "llm" and r.stage == 0)
    assert set(calls) == set(MEMBERS)
    natural = run_team_episode(CAPPED)  # threads in whatever order they finish
    assert natural.outcome == "budget"
    row, steps = _tables(natural)
    for order in (MEMBERS, MEMBERS[::-1], ("researcher_2", "researcher_3", "researcher_1")):
        forced, stuck = _in_turns(order, calls)
        other_row, other_steps = _tables(forced)
        pd.testing.assert_frame_equal(other_row, row)
        pd.testing.assert_frame_equal(other_steps, steps)
        assert not stuck, order
    # the stage ran to its end; the debate's next round never started
    staged = [r for r in natural.records if r.kind == "llm"]
    assert Counter(r.branch for r in staged if r.stage == 0) == calls
    assert all(r.stage == 0 for r in staged)
    assert row.tokens_in[0] + row.tokens_out[0] > CAPPED.budget_tokens  # it did cross


def _call(cb: MetricsCallback, text: str, stage: int | None, branch: str = "") -> None:
    model = SimChatModel(seed=0)
    meta = {"agent": branch or "solo", "stage": stage, "branch": branch}
    model.invoke([HumanMessage(text)], config={"callbacks": [cb], "metadata": meta})


def test_the_budget_stops_a_stage_at_its_end_whatever_order_its_calls_arrive_in() -> None:
    a1, a2, b = ("a", "first question " * 40), ("a", "again " * 40), ("b", "other " * 60)
    kept = []
    for order in ([a1, a2, b], [b, a1, a2], [a1, b, a2]):  # a's own calls come in turn
        cb = MetricsCallback(budget_tokens=150)
        for branch, text in order:  # every call past the cap: none stops its stage
            _call(cb, text, stage=0, branch=branch)
        with pytest.raises(BudgetExceeded):  # the next step does, before its call is made
            _call(cb, "aggregate", stage=None)
        with pytest.raises(BudgetExceeded):  # so does any call of a stage begun past it
            _call(cb, "revise", stage=1, branch="a")
        kept.append([(r.branch, r.input_tokens, r.index) for r in in_order(cb.records)])
    assert kept[0] == kept[1] == kept[2] and len(kept[0]) == 3


def test_a_sequential_call_still_stops_where_it_crosses() -> None:
    cb = MetricsCallback(budget_tokens=60)
    _call(cb, "short", stage=None)
    with pytest.raises(BudgetExceeded):
        _call(cb, "a longer question " * 20, stage=None)
    assert len(cb.records) == 2  # the call that crossed is recorded, then the episode stops
    spend = Spend(budget_tokens=10)
    spend.before_call(stage=2)  # the stage begins under the cap: its calls all run
    spend.add(8, 0.0, stage=2, model="m")
    spend.before_call(stage=2)
    spend.add(8, 0.0, stage=2, model="m")
    with pytest.raises(BudgetExceeded, match="16 tokens spent; budget_tokens is 10"):
        spend.before_call(stage=None)


_ROWS = """
import hashlib, agentlab as al
configs = al.grid(al.EpisodeConfig(scenario="research", budget_tokens=40_000),
                  architecture=["decentralized", "hybrid", "independent"], seeds=range(2))
runs = al.run_episodes(configs, progress=False)
tables = [runs.episodes.drop(columns=["wall_s"]), runs.steps.drop(columns=["wall_s"])]
print(hashlib.sha256("".join(t.to_csv() for t in tables).encode()).hexdigest())
"""


@pytest.mark.slow
def test_two_processes_record_the_same_capped_teams() -> None:
    def start(hash_seed: str) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        return subprocess.Popen(
            [sys.executable, "-c", _ROWS], env=env, stdout=subprocess.PIPE, text=True
        )

    runs = [start("1"), start("2")]  # side by side: their threads finish in their own order
    digests = [p.communicate(timeout=300)[0].strip() for p in runs]
    assert all(p.returncode == 0 for p in runs)
    assert digests[0] == digests[1] and len(digests[0]) == len(hashlib.sha256().hexdigest())
