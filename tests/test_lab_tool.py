"""Tests for agentlab.world.lab_tool: the worlds' tools, read once by LangChain, are the tools
LangChain's stock ``@tool`` and ``StructuredTool`` would make, and behave as they do."""

from __future__ import annotations

import functools
import inspect
import textwrap
import types
from typing import Any, get_type_hints

import pytest
from langchain_core.callbacks import BaseCallbackHandler, Callbacks
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import StructuredTool, tool
from langchain_core.utils.function_calling import convert_to_openai_tool

import agentlab as al
from agentlab.graphs.sub_agents import delegation_tool
from agentlab.graphs.team import AgentSpec, TeamSpec, build_team
from agentlab.sim.model import SimChatModel
from agentlab.world import catalogue, research, travel_booking
from agentlab.world.lab_tool import LabTool, lab_tool, read_once

_TEXT = {"type": "object", "properties": {"text": {"type": "string"}}}
WORLD_TOOLS = [
    *(getattr(travel_booking, name) for name in travel_booking.CORE_TOOLS),
    *research.RESEARCH_TOOLS.values(),
]


def _fresh(func: Any) -> Any:
    """A copy of ``func`` as Python made it: nothing read once, its hints as written."""
    copy = types.FunctionType(
        func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__
    )
    copy.__kwdefaults__ = func.__kwdefaults__
    copy.__annotations__ = dict(func.__annotations__)
    copy.__doc__ = func.__doc__
    return copy


def _as_written(func: Any) -> Any:
    """``func`` defined again from its source in its module's names, its hints text as the
    module wrote them (``from __future__ import annotations``) and not yet resolved."""
    source = textwrap.dedent(inspect.getsource(func))
    body = "\n".join(line for line in source.splitlines() if not line.startswith("@"))
    names = dict(func.__globals__)
    code = compile(f"from __future__ import annotations\n{body}", "<as written>", "exec")
    exec(code, names)
    return names[func.__name__]


@pytest.mark.parametrize("made", WORLD_TOOLS, ids=lambda t: t.name)
def test_a_world_tool_is_what_the_stock_tool_decorator_makes(made: Any) -> None:
    written = _as_written(made.func)
    assert all(isinstance(v, str) for v in written.__annotations__.values())
    stock = tool(parse_docstring=True)(written)
    assert type(made) is LabTool
    assert convert_to_openai_tool(made) == convert_to_openai_tool(stock)
    assert (made.name, made.description, made.args) == (stock.name, stock.description, stock.args)
    mine, theirs = (inspect.signature(f).parameters.values() for f in (made.func, written))
    assert [(p.name, p.kind, p.default) for p in mine] == [
        (p.name, p.kind, p.default) for p in theirs
    ]
    assert made.func.__annotations__ == get_type_hints(written, include_extras=True)


def test_a_catalogue_tool_is_a_lab_tool_with_the_stock_tools_schema() -> None:
    spec = catalogue.load_catalogue()[0]
    made = catalogue.spec_to_tool(spec)
    assert type(made) is LabTool
    stock = StructuredTool(
        name=made.name,
        description=made.description,
        args_schema=made.args_schema,
        func=made.func,
    )
    assert convert_to_openai_tool(made) == convert_to_openai_tool(stock)
    args = catalogue.example_args(spec)
    assert made.invoke(args) == stock.invoke(args) == catalogue.tool_result(spec, args)


def test_a_sub_agents_ask_tool_is_a_lab_tool_that_hides_the_injected_state() -> None:
    graph = build_team(
        TeamSpec("single", (AgentSpec("r", ("fact_check",)),)), model=al.make_model()
    )
    made = delegation_tool(
        "r", ("fact_check",), "- check", graph, items_of=lambda m: [], coupling=0.1, budget=300
    )
    assert type(made) is LabTool
    assert set(convert_to_openai_tool(made)["function"]["parameters"]["properties"]) == {"task"}
    assert get_type_hints(made.func, include_extras=True) == made.func.__annotations__


def test_lab_tool_run_takes_the_parameters_of_structured_tool_run() -> None:
    """LangChain reads ``_run``'s parameters (``config``, ``run_manager``) by name: the
    override must offer the same ones, with their hints as objects."""
    mine = inspect.signature(LabTool._run)
    stock = inspect.signature(StructuredTool._run)
    assert [(p.name, p.kind) for p in mine.parameters.values()] == [
        (p.name, p.kind) for p in stock.parameters.values()
    ]
    hints = get_type_hints(LabTool._run)
    assert hints["config"] is RunnableConfig
    assert not any(isinstance(v, str) for v in LabTool._run.__annotations__.values())
    assert LabTool._run.__dict__["__signature__"] == inspect.signature(_fresh(LabTool._run))


def test_a_lab_tools_function_still_gets_the_runs_callbacks() -> None:
    """LangChain hands a function that takes ``callbacks`` the run's child callbacks, through
    the ``run_manager`` it gives ``_run``: ``LabTool._run`` must pass it on."""

    def noted(text: str, callbacks: Callbacks = None) -> str:
        """Name the callbacks it was given.

        Args:
            text: Anything.
        """
        return type(callbacks).__name__

    made = lab_tool(noted)
    assert "callbacks" not in convert_to_openai_tool(made)["function"]["parameters"]["properties"]
    assert made.invoke({"text": "x"}, config={"callbacks": [BaseCallbackHandler()]}) == (
        "CallbackManager"
    )


def test_read_once_keeps_what_langchain_finds_in_the_function() -> None:
    """A function's ``RunnableConfig`` parameter (its hint written as text in this module)
    still receives the run's config, and the signature made once is the function's own."""

    def tagged(text: str, config: RunnableConfig) -> str:
        """Say it back with the run's tag.

        Args:
            text: What to say.
        """
        return f"{text} {config['metadata']['tag']}"

    assert isinstance(tagged.__annotations__["config"], str)
    made = lab_tool(tagged)
    assert made.func.__annotations__["config"] is RunnableConfig
    assert made.func.__dict__["__signature__"] == inspect.signature(_fresh(tagged))
    assert made.invoke({"text": "hi"}, config={"metadata": {"tag": "#1"}}) == "hi #1"
    assert "config" not in convert_to_openai_tool(made)["function"]["parameters"]["properties"]


def test_read_once_leaves_unresolvable_hints_as_text() -> None:
    """A tool made from an explicit schema (the catalogue's way) may carry a function whose
    hints name what cannot be found: they stay text, and the tool works as before."""

    def odd(text: str) -> Missing:  # type: ignore[name-defined]  # noqa: F821
        return text

    made = LabTool(
        name="odd",
        description="Odd.",
        args_schema=_TEXT,
        func=odd,
    )
    read_once(made)
    assert made.func.__annotations__["return"] == "Missing"
    assert "__signature__" in made.func.__dict__
    assert made.invoke({"text": "x"}) == "x"


def test_read_once_gives_a_wrapper_no_signature_of_its_own() -> None:
    """A ``functools.wraps`` wrapper's signature would be its wrapped function's, whose hints
    LangChain would then read in place of the wrapper's: it is left to LangChain."""

    def inner(text: str) -> str:
        return text

    @functools.wraps(inner)
    def outer(*args: Any, **kwargs: Any) -> str:
        return inner(*args, **kwargs)

    made = LabTool(name="outer", description="Outer.", args_schema=_TEXT, func=outer)
    read_once(made)
    assert "__signature__" not in outer.__dict__
    assert made.invoke({"text": "x"}) == "x"


def test_the_simulated_models_generate_signature_is_its_own() -> None:
    """LangChain asks ``_generate``'s signature whether it takes a ``run_manager`` on every
    call; the one made once must be the one Python would build."""
    made = SimChatModel._generate.__dict__["__signature__"]
    assert made == inspect.signature(_fresh(SimChatModel._generate))
    assert "run_manager" in inspect.signature(al.make_model("sim")._generate).parameters
