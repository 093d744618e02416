"""The components a prompt's input tokens are counted by, in the tables' order.

Its own module, without LangChain, so that the store's schema (``agentlab.run.store_schema``)
names the ``tokens_in_<component>`` columns without loading the messages' library; the
counting itself is ``agentlab.sim.prompt``.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

COMPONENTS = ("system", "tools", "memory", "history", "handoff")
