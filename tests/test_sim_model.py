from __future__ import annotations

import inspect
import types
from typing import Any

import pytest

from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from agentlab.sim.model import SimChatModel


class _Std:
    @property
    def chat_model_class(self) -> type[SimChatModel]:
        return SimChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"seed": 0}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return False


class TestSimChatModelUnit(_Std, ChatModelUnitTests):
    pass


class TestSimChatModelIntegration(_Std, ChatModelIntegrationTests):
    pass


def _mark_async_tests(cls: type) -> type:
    for name in dir(cls):
        fn = getattr(cls, name)
        if name.startswith("test_") and inspect.iscoroutinefunction(fn):
            copy = types.FunctionType(
                fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
            )
            copy.__dict__.update(fn.__dict__)
            copy.__qualname__ = fn.__qualname__
            copy.__kwdefaults__ = fn.__kwdefaults__
            copy.__annotations__ = fn.__annotations__
            setattr(cls, name, pytest.mark.asyncio(copy))
    return cls


_mark_async_tests(TestSimChatModelIntegration)
_mark_async_tests(TestSimChatModelUnit)
