from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from agentlab.sim.model import SimChatModel

ASYNC = [
    pytest.mark.asyncio,
    pytest.mark.filterwarnings("ignore:.*marked with '@pytest.mark.asyncio':pytest.PytestWarning"),
]


class _Std:
    pytestmark = ASYNC

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

    @property
    def model_override_value(self) -> str:
        return "gpt-4o"


class TestSimChatModelUnit(_Std, ChatModelUnitTests):
    pass


class TestSimChatModelIntegration(_Std, ChatModelIntegrationTests):
    pass
