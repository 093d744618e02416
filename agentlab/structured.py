"""Structured output (a plan, a review) through a forced tool call, parsed in sequence.

Introduced in notebook 01 (`01_agent_loop.ipynb`), with the agent that uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import BaseOutputParser
from langchain_core.outputs import ChatGeneration
from langchain_core.runnables import Runnable, RunnableBinding, RunnableConfig, RunnableSequence
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class Structured(Generic[M]):
    """Structured output through the model's own forced tool call, parsed in sequence.

    It is the model's ``with_structured_output(schema)``, taken apart: the bound model
    (same tool, same ``tool_choice``, so the same request on the wire) and then its parser,
    keeping the raw message. ``include_raw=True`` gives the same pair but runs the model
    inside a ``RunnableParallel``, which starts a thread pool on every call. The parser's
    ``parse_result`` is called as a function, what its ``invoke`` wraps in a run of its own
    (callbacks, config, context) for a few microseconds of work.
    """

    def __init__(
        self, model: BaseChatModel, schema: type[M], *, metadata: dict[str, Any] | None = None
    ):
        self.schema = schema
        chain = model.with_structured_output(schema)
        steps = chain.steps if isinstance(chain, RunnableSequence) else []
        first = steps[0] if steps else None
        bound = first.bound if isinstance(first, RunnableBinding) else first
        self.llm: Runnable[Any, Any] | None = None
        self.parse: Runnable[Any, Any] = chain
        if len(steps) >= 2 and isinstance(bound, BaseChatModel):
            self.llm = steps[0].with_config(metadata=metadata or {})
            self.parse = steps[1] if len(steps) == 2 else RunnableSequence(*steps[1:])
        else:  # not a model-then-parser chain: LangChain's own way, which any model supports
            self.parse = model.with_structured_output(schema, include_raw=True).with_config(
                metadata=metadata or {}
            )

    def invoke(
        self, messages: Sequence[BaseMessage], *, metadata: dict[str, Any] | None = None
    ) -> tuple[Any, M | None]:
        """The model's message and the parsed output (None when it did not parse).

        ``metadata`` is added to the call's own (e.g. the stage and branch of a member).
        """
        config: RunnableConfig = {"metadata": metadata} if metadata else {}
        if self.llm is None:
            out = self.parse.invoke(messages, config)
            raw, parsed = (
                (out.get("raw"), out.get("parsed")) if isinstance(out, dict) else (out, None)
            )
        else:
            raw = self.llm.invoke(messages, config)
            try:
                parsed = (
                    self.parse.parse_result([ChatGeneration(message=raw)])
                    if isinstance(self.parse, BaseOutputParser) and isinstance(raw, BaseMessage)
                    else self.parse.invoke(raw)
                )
            except Exception:  # an answer that does not parse is a failed decision
                parsed = None
        return raw, parsed if isinstance(parsed, self.schema) else None
