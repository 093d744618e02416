"""The simulated model's chain skill: it reads the table and the previous answer in its
prompt and answers the next key, right with the probability the physics gives.

Each answer is one decision among the table's keys, drawn like every other decision of the
simulated model (``Dice`` seeded by the prompt, ``p_correct`` of the profile); with a
profile's ``flat_accuracy`` set, every answer is right with exactly that probability. The
task is in ``agentlab.world.chain``; its truth is never read here.

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

import re

from langchain_core.messages import AIMessage

from agentlab.sim.physics import Dice, p_correct
from agentlab.sim.profiles import ModelProfile
from agentlab.sim.prompt import Prompt, text_of
from agentlab.sim.reply import Reply
from agentlab.world.chain import HEADER, START

_ROW = re.compile(r"^(\S+) -> (\S+)$", re.M)


def chain_skill(prompt: Prompt, dice: Dice, profile: ModelProfile) -> Reply | None:
    """Answer one step of a chain task, or None when the prompt is not one."""
    system = prompt.system_text()
    if not system.startswith(HEADER):
        return None
    table = dict(_ROW.findall(system))
    answers = [text_of(m).strip() for m in prompt.messages if isinstance(m, AIMessage)]
    starts = [t.removeprefix(START).strip() for t in prompt.human_texts() if t.startswith(START)]
    previous = answers[-1] if answers else (starts or [""])[0]
    if previous not in table:
        return Reply(content=f"I cannot find {previous!r} in the table.", skill="chain")
    options = sorted(table)
    p = p_correct(profile, options=len(options), context_tokens=prompt.input_tokens)
    decision = dice.choose("chain", intended=table[previous], options=options, p=p, kind="chain")
    return Reply(content=decision.chosen, decisions=[decision], skill="chain")
