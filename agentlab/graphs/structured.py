"""Structured output (a plan, a review) through a forced tool call, with the raw message.

Introduced in notebook 01 (`01_agent_loop.ipynb`), with the agent that uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class Structured(Generic[M]):
    """Structured output through the model's own ``with_structured_output``, keeping the
    model's message: ``with_structured_output(schema, include_raw=True)``, as documented.

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
        self.chain: Runnable[Any, Any] = model.with_structured_output(
            schema, include_raw=True
        ).with_config(metadata=metadata or {})

    def invoke(
        self, messages: Sequence[BaseMessage], *, metadata: dict[str, Any] | None = None
    ) -> tuple[Any, M | None]:
        """The model's message and the parsed output (None when it did not parse).

        ``metadata`` is added to the call's own (e.g. the stage and branch of a member).
        """
        config: RunnableConfig = {"metadata": metadata} if metadata else {}
        out = self.chain.invoke(messages, config)
        raw, parsed = (out.get("raw"), out.get("parsed")) if isinstance(out, dict) else (out, None)
        return raw, parsed if isinstance(parsed, self.schema) else None
