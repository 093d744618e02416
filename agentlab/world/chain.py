"""The chain task: n dependent decisions, each starting from the previous one's answer.

A table maps each key to the next; the task gives a start key and asks, step after step,
for the key the table maps the previous answer to. A wrong answer sends every later step
down another path and nothing repairs it (no tools, no review, no retries), so an episode
of n steps succeeds only when all n answers are right: with every decision right with the
same probability p, it succeeds with probability p^n. The model reads the table from its
prompt; the tables and the truth (``agentlab.world.chain_truth``) are read only by the
episode's driver and its judge, never by the simulated model (an import contract).

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

HEADER = "Chain task."  # the first words of the task's system prompt
START = "Start key: "  # the task's first human message begins so
NEXT = "Next key?"  # every later human message
KEYS = 8  # keys in the table: each decision chooses among this many


def system_text(table: dict[str, str]) -> str:
    """The task's system prompt: the instruction and the table, one ``A -> B`` a line."""
    lines = "\n".join(f"{a} -> {b}" for a, b in sorted(table.items()))
    return (
        f"{HEADER} Answer each question with one key only: the key the table maps the "
        f"previous answer to (the start key, for the first question).\nTable:\n{lines}"
    )
