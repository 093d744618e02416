"""Structured output (a plan, a review, a route) with the model's own message kept.

Introduced in notebook 01 (`01_agent_loop.ipynb`), with the agent that uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager, Callbacks
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables import Runnable, RunnableConfig, ensure_config
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class _Reply(BaseCallbackHandler):
    """What one structured call's runs did: the chat model's message, and the errors of
    the runs that started after it answered (its parser: the chain is the model, then its
    parser). Only those errors are a reply that did not parse."""

    def __init__(self) -> None:
        self.message: BaseMessage | None = None
        self._after: set[UUID] = set()  # runs started once the model had answered
        self.parse_errors: list[BaseException] = []

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        first = response.generations[0][0] if response.generations else None
        if isinstance(first, ChatGeneration):
            self.message = first.message

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if self.message is not None:
            self._after.add(run_id)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        if run_id in self._after:
            self.parse_errors.append(error)


def _joined(inherited: Callbacks, handler: BaseCallbackHandler) -> Callbacks:
    """The callbacks a call inherits, with ``handler`` beside them (inherited by its runs)."""
    if inherited is None:
        return [handler]
    if isinstance(inherited, BaseCallbackManager):
        manager = inherited.copy()
        manager.add_handler(handler, inherit=True)
        return manager
    return [*inherited, handler]


class Structured(Generic[M]):
    """Structured output through the model's own ``with_structured_output``, keeping the
    model's message.

    ``with_structured_output(schema, include_raw=True)`` does the same, but runs its two
    branches in a ``RunnableParallel``, which starts a thread pool on every call (about
    3.6 ms of a 4.6 ms call on the simulated model). Here the model's message is taken
    from the call's ``on_llm_end`` callback (a handler added to the callbacks the call
    inherits), and a reply its parser raised on gives ``None``, as ``include_raw`` does;
    any other failure raises.

    Example:
        >>> from agentlab.serve.models import make_model
        >>> from pydantic import BaseModel
        >>> class Plan(BaseModel):
        ...     steps: list[str]
        >>> Structured(make_model("sim"), Plan).schema.__name__
        'Plan'
    """

    def __init__(
        self, model: BaseChatModel, schema: type[M], *, metadata: dict[str, Any] | None = None
    ):
        self.schema = schema
        self.chain: Runnable[Any, Any] = model.with_structured_output(schema).with_config(
            metadata=metadata or {}
        )

    def invoke(
        self, messages: Sequence[BaseMessage], *, metadata: dict[str, Any] | None = None
    ) -> tuple[Any, M | None]:
        """The model's message and the parsed output (None when it did not parse).

        ``metadata`` is added to the call's own (e.g. the stage and branch of a member).
        A failing model call raises, as the model raised it, and so does a callback that
        refuses its reply (the metrics' ``ReplyFailure("truncated")``, a budget's stop).
        """
        seen = _Reply()
        config: RunnableConfig = {"callbacks": _joined(ensure_config().get("callbacks"), seen)}
        if metadata:
            config["metadata"] = metadata
        try:
            parsed = self.chain.invoke(messages, config)
        except Exception as exc:
            if not any(exc is e for e in seen.parse_errors):  # not the parser's: the call
                raise  # failed, or a callback refused its reply
            parsed = None  # a reply that does not parse (include_raw's "parsing_error")
        return seen.message, parsed if isinstance(parsed, self.schema) else None


class RunModel:
    """A compiled graph's model, given per run: its nodes' structured calls find the run's
    model in the run's config (``configurable``, under ``key``), so the graph is compiled
    once for any model.

    Example:
        >>> from agentlab.serve.models import make_model
        >>> from pydantic import BaseModel
        >>> class Route(BaseModel):
        ...     next: str
        >>> from langchain_core.messages import HumanMessage
        >>> from langchain_core.runnables import RunnableLambda
        >>> slot = RunModel("__example_model")
        >>> route = slot.structured(Route)  # at build time: no model yet
        >>> node = RunnableLambda(lambda q: type(route.invoke([HumanMessage(q)])[0]).__name__)
        >>> node.invoke("Who is next?", {"configurable": slot.given(make_model("sim"))})
        'AIMessage'
    """

    def __init__(self, key: str) -> None:
        self.key = key

    def given(self, model: BaseChatModel) -> dict[str, Any]:
        """The ``configurable`` entry that gives a run this model."""
        return {self.key: _RunCalls(model)}

    def structured(
        self, schema: type[M], *, metadata: dict[str, Any] | None = None
    ) -> LateStructured[M]:
        """A ``Structured`` call on the run's model, made the first time a run makes it."""
        return LateStructured(self.key, schema, metadata)


class _RunCalls:
    """The structured calls on the model one built graph was given, each made on first use
    (and kept for that graph's later runs)."""

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model
        self._made: dict[tuple[Any, ...], Structured[Any]] = {}

    def structured(self, schema: type[M], metadata: dict[str, Any] | None) -> Structured[M]:
        key = (schema, tuple(sorted((metadata or {}).items())))
        made = self._made.get(key)
        if made is None:  # two threads may both make one: the same call, either is kept
            made = self._made[key] = Structured(self.model, schema, metadata=metadata)
        return made

    def __repr__(self) -> str:  # a logged config shows no model settings
        return "<a run's model>"


class LateStructured(Generic[M]):
    """A ``Structured`` call whose model is the run's (``RunModel.structured``)."""

    def __init__(self, key: str, schema: type[M], metadata: dict[str, Any] | None) -> None:
        self.key, self.schema, self.metadata = key, schema, metadata

    def invoke(
        self, messages: Sequence[BaseMessage], *, metadata: dict[str, Any] | None = None
    ) -> tuple[Any, M | None]:
        """As ``Structured.invoke``, on the model the running graph was given.

        Raises:
            RuntimeError: Called outside a run of a graph given a model for it.
        """
        calls = ensure_config().get("configurable", {}).get(self.key)
        if not isinstance(calls, _RunCalls):
            raise RuntimeError("this graph has no model: build it with its build_* function")
        return calls.structured(self.schema, self.metadata).invoke(messages, metadata=metadata)
