"""The worlds' tools as LangChain tools that LangChain reads once, not on every call.

On every call of a tool, LangChain's ``BaseTool.run`` looks among the type hints of the
tool's ``_run`` and of its function for a ``RunnableConfig`` parameter, and reads their
signatures for ``run_manager`` and ``callbacks`` parameters. Hints written as text (any
module with ``from __future__ import annotations``, LangChain's own included) are evaluated
anew each time, and a signature is built from the code anew each time: about 0.1 ms a
call. With the model's ``_generate`` signature (below), 5% of a narrow travel episode and
7% of a research team's (``benchmarks/README.md``, item 39).

``LabTool`` is a ``StructuredTool`` whose ``_run`` carries its hints as objects and its
signature made once (Python's ``__signature__``, which ``inspect.signature`` returns as it
is); ``read_once`` does the same for a tool's function. What LangChain finds is unchanged:
the same parameters, the same hints, so the same schema and the same calls. The bare
LangGraph floor of the benchmark keeps LangChain's stock ``@tool``. Every tool of the
worlds (travel, research, the catalogue) and every sub-agent's ``ask_`` tool is one.
"""

# No ``from __future__ import annotations`` here: ``LabTool._run``'s hints are objects.

import contextlib
import inspect
import types
from collections.abc import Callable
from typing import Any, get_type_hints

from langchain_core.callbacks import CallbackManagerForToolRun
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool


class LabTool(StructuredTool):
    """A ``StructuredTool`` whose per-call reading by LangChain is made once: its ``_run``'s
    here, its function's when it is made.

    Example:
        >>> def echo(text: str) -> str:
        ...     '''Say it back.
        ...
        ...     Args:
        ...         text: What to say.
        ...     '''
        ...     return text
        >>> lab_tool(echo).invoke({"text": "hi"})
        'hi'
    """

    def _run(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: CallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> Any:
        """``StructuredTool._run`` itself (calls the function)."""
        return super()._run(*args, config=config, run_manager=run_manager, **kwargs)

    _run.__signature__ = inspect.signature(_run)  # type: ignore[attr-defined]

    def model_post_init(self, context: Any, /) -> None:
        """Its function read once as soon as the tool is made (``read_once``)."""
        super().model_post_init(context)
        read_once(self)


def read_once(tool: BaseTool) -> None:
    """Resolve the type hints of the tool's function and make its signature, once, in
    place: what LangChain would otherwise do on every call. The schemas were built from the
    same hints, so nothing else changes. A function whose hints cannot be resolved keeps
    them as text (LangChain then evaluates them per call, as before). Only a plain function
    is given a signature: a wrapper's (``functools.wraps``) would be its wrapped function's,
    hints and all, which LangChain reads instead of the wrapper's own."""
    func = getattr(tool, "func", None)
    if func is None:
        return
    with contextlib.suppress(Exception):
        func.__annotations__ = get_type_hints(func, include_extras=True)
    if isinstance(func, types.FunctionType) and not hasattr(func, "__wrapped__"):
        # built from the hints just resolved
        func.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]


def lab_tool(func: Callable[..., Any]) -> StructuredTool:
    """``@tool(parse_docstring=True)`` as a ``LabTool``: the same name, description and
    schema (the arguments described by the docstring's Args)."""
    return LabTool.from_function(
        func, name=func.__name__, parse_docstring=True, error_on_invalid_docstring=True
    )
