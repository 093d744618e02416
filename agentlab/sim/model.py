"""The simulated chat model: the lab's default, free, offline and seeded model.

``SimChatModel`` is a real LangChain ``BaseChatModel``: it binds tools, returns
``AIMessage``s with tool calls and ``usage_metadata``, streams, and supports
``with_structured_output``. It is not a script of canned answers: each call reads the
prompt it is given, makes its decisions with the probabilities of ``agentlab.physics``
(which fall with the options in scope, the context length and the errors already in
context), and reports tokens counted from what was really sent, the modeled latency on a
virtual clock, and the decisions it made, in ``response_metadata["agentlab"]``.

It keeps no state between calls: its randomness is a function of its seed and of the
prompt, so the same prompt gives the same answer and LangGraph checkpoints, replays and
handoffs carry its "beliefs" exactly as they carry a real model's.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from agentlab.physics import Dice, call_latency
from agentlab.profiles import ModelProfile, get_profile
from agentlab.sim.generic import generic_reply
from agentlab.sim.prompt import Prompt
from agentlab.sim.reply import Reply
from agentlab.tokens import count_json, count_text

Skill = Callable[[Prompt, Dice, ModelProfile], Reply | None]


def _skills() -> dict[str, Skill]:
    from agentlab.sim.travel_skill import travel_skill

    return {"travel": travel_skill}


def _tool_choice(choice: Any) -> str | None:
    if choice is None or choice is False:
        return None
    if choice is True:
        return "any"
    if isinstance(choice, dict):
        return str(choice.get("function", {}).get("name") or choice.get("name") or "any")
    return str(choice)


class SimChatModel(BaseChatModel):
    """A seeded model of decision-making behind LangChain's chat-model interface.

    Example:
        >>> from agentlab.sim.model import SimChatModel
        >>> SimChatModel(seed=1).invoke("Hello").usage_metadata["input_tokens"] > 0
        True
    """

    profile: str = "gpt-4o-mini"
    """Model profile (``data/model_profiles.toml``): price, latency and skill."""
    seed: int = 0
    """Seed of every decision; same seed and prompt give the same answer."""
    skills: tuple[str, ...] = ("travel",)
    """Scenario skills the model has; outside them it behaves as a generic chat model."""
    realtime: float = Field(default=0.0, ge=0.0)
    """Sleep this fraction of the modeled latency (0: virtual clock only; 1: live demo)."""

    @property
    def _llm_type(self) -> str:
        return "agentlab-sim"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"profile": self.profile, "seed": self.seed, "skills": self.skills}

    @property
    def model_name(self) -> str:
        """The name reported in response metadata, e.g. ``sim:gpt-4o-mini``."""
        return f"sim:{self.profile}"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (any form LangChain accepts) and an optional ``tool_choice``."""
        schemas = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=schemas, tool_choice=_tool_choice(tool_choice), **kwargs)

    def _reply(self, prompt: Prompt) -> Reply:
        profile = get_profile(self.profile)
        dice = Dice(self.seed, prompt.fingerprint)
        if prompt.tool_choice != "none":
            for name in self.skills:
                reply = _skills()[name](prompt, dice, profile)
                if reply is not None:
                    return reply
        if prompt.tool_choice == "none":
            prompt = Prompt(prompt.messages, [], None)
        return generic_reply(prompt, dice)

    def _message(self, prompt: Prompt, stop: list[str] | None) -> AIMessage:
        reply = self._reply(prompt)
        content = reply.content
        for s in stop or []:
            if s and s in content:
                content = content[: content.index(s)]
        calls = [
            {
                "name": c["name"],
                "args": c["args"],
                "id": "call_" + hashlib.blake2b(
                    f"{prompt.fingerprint}|{i}".encode(), digest_size=8
                ).hexdigest(),
                "type": "tool_call",
            }
            for i, c in enumerate(reply.tool_calls)
        ]
        output_tokens = max(
            1, count_text(content) + sum(count_text(c["name"]) + count_json(c["args"]) for c in calls)
        )
        profile = get_profile(self.profile)
        latency = call_latency(profile, input_tokens=prompt.input_tokens, output_tokens=output_tokens)
        if self.realtime:
            time.sleep(latency * self.realtime)
        return AIMessage(
            content=content,
            tool_calls=calls,
            usage_metadata={
                "input_tokens": prompt.input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": prompt.input_tokens + output_tokens,
            },
            response_metadata={
                "model_name": self.model_name,
                "finish_reason": "tool_calls" if calls else "stop",
                "agentlab": {
                    "profile": self.profile,
                    "skill": reply.skill,
                    "latency_s": latency,
                    "input_tokens_by_component": dict(prompt.tokens),
                    "options": len(prompt.tools),
                    "decisions": [asdict(d) for d in reply.decisions],
                },
            },
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = Prompt(list(messages), kwargs.get("tools") or [], kwargs.get("tool_choice"))
        return ChatResult(generations=[ChatGeneration(message=self._message(prompt, stop))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        prompt = Prompt(list(messages), kwargs.get("tools") or [], kwargs.get("tool_choice"))
        message = self._message(prompt, stop)
        words = [w for w in str(message.content).split(" ")]
        pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
        for piece in pieces:
            if not piece:
                continue
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                tool_call_chunks=[
                    tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
                    for i, c in enumerate(message.tool_calls)
                ],
                usage_metadata=message.usage_metadata,
                response_metadata=message.response_metadata,
                chunk_position="last",
            )
        )
