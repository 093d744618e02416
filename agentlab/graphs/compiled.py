"""Compiled graphs kept by structure, so that each structure is compiled once per process.

A graph's structure is everything but its model and its checkpointer. The model reaches
the nodes through each run's config, under a key of the structure's own (a string starting
with ``__``: LangGraph copies no such key into checkpoint or tracing metadata), and the
checkpointer joins a copy of the compiled graph. Used by ``agentlab.graphs.agent`` (one
agent) and ``agentlab.graphs.team`` (a team, its members' graphs inside it).
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class CompiledCache(Generic[V]):
    """The latest ``size`` structures' compiled graphs, each with its configurable key.

    Example:
        >>> cache = CompiledCache[str]("__example_", size=2)
        >>> cache.get(("a",), lambda key: f"graph read under {key}")
        ('graph read under __example_0', '__example_0')
        >>> cache.get(("a",), lambda key: "compiled again")[0]
        'graph read under __example_0'
    """

    def __init__(self, prefix: str, size: int = 64) -> None:
        self.prefix, self.size = prefix, size
        self._kept: OrderedDict[Hashable, tuple[V, str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._keys = itertools.count()

    def get(
        self, lookup: Hashable, compile: Callable[[str], V], *, pinned: Any = None
    ) -> tuple[V, str]:
        """The graph compiled for ``lookup`` (``compile(key)`` the first time) and its key.

        ``pinned`` is kept with it: the objects whose ids ``lookup`` holds, so that no other
        object takes one of those ids while it is kept.
        """
        with self._lock:
            hit = self._kept.get(lookup)
            if hit is not None:
                self._kept.move_to_end(lookup)
                return hit[0], hit[1]
        key = f"{self.prefix}{next(self._keys)}"
        graph = compile(key)  # outside the lock: two threads may compile it; one is kept
        with self._lock:
            self._kept[lookup] = (graph, key, pinned)
            if len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return graph, key
