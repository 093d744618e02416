"""What a sweep's fork server loads before it forks its workers.

The lab (``agentlab.run.sweep`` and the scenarios' runners, with LangGraph and LangChain,
which the sweep process itself does not load) and the tokenizer's vocabulary
(``sim.tokens.encoding``: some 60 MB that every worker would otherwise build for itself),
then ``gc.freeze()``: every
object loaded so far moves to the collector's permanent generation, so a worker's garbage
collections never walk (and so never write to) the pages it shares with the fork server.
Without it, each worker's first collections copy most of those pages into private memory
(Python docs, ``gc.freeze``: "to avoid copy-on-write with fork()").

Used by ``agentlab.run.backends.LocalBackend`` (notebook 10, `10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import gc

import agentlab.run.scenarios  # the runners and their graphs, which the sweep process skips
import agentlab.run.sweep  # noqa: F401  (the lab, loaded once for every worker)
from agentlab.sim.tokens import encoding

encoding()  # built once here, its pages shared with every worker
gc.freeze()
