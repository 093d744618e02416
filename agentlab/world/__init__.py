"""The worlds agents act in: travel (requests, bookings, the judge, the simulated
traveller), research (the corpus, questions, tools, the research team's capabilities), and
the tool catalogue that grows an agent's scope."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, get_type_hints

from agentlab.lazy import submodule

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool


def resolve_hints(tools: Iterable[BaseTool]) -> None:
    """Resolve the type hints of the tools' functions once, in place.

    A module with ``from __future__ import annotations`` leaves them as text, which
    LangChain evaluates again on every call of a tool (looking for a ``RunnableConfig``
    parameter). The tools' schemas were built from the same hints, so nothing else changes.
    """
    for t in tools:
        func = getattr(t, "func", None)
        if func is not None:
            with contextlib.suppress(Exception):  # unresolvable: evaluated per call, as before
                func.__annotations__ = get_type_hints(func, include_extras=True)


def __getattr__(name: str) -> ModuleType:
    """This layer's modules, imported on first use (``al.world.<module>``)."""
    return submodule(__name__, name)
