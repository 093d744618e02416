"""The simulated chat model: the lab's default, free, offline and seeded model.

``SimChatModel`` is a real LangChain ``BaseChatModel``: it binds tools, returns
``AIMessage``s with tool calls and ``usage_metadata``, streams, and supports
``with_structured_output``. It is not a script of canned answers: each call reads the
prompt it is given, makes its decisions with the probabilities of ``agentlab.sim.physics``
(which fall with the options in scope, the context length and the errors already in
context), and reports tokens counted from what was really sent, the modeled latency on a
virtual clock, and the decisions it made, in ``response_metadata["agentlab"]``.

It keeps no state between calls: its randomness is a function of its seed and of the
prompt, so the same prompt gives the same answer and LangGraph checkpoints, replays and
handoffs carry its "beliefs" exactly as they carry a real model's.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import re
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.language_models import ModelProfile as LCModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, field_validator, model_validator

from agentlab.sim.generic import generic_reply
from agentlab.sim.physics import Dice, call_latency
from agentlab.sim.profiles import ModelProfile, get_profile
from agentlab.sim.prompt import Prompt
from agentlab.sim.reply import Reply
from agentlab.sim.tokens import count_json, count_text

Skill = Callable[[Prompt, Dice, ModelProfile], Reply | None]


def _skills() -> dict[str, Skill]:
    from agentlab.sim.chain_skill import chain_skill
    from agentlab.sim.needle_skill import needle_skill
    from agentlab.sim.research_skill import research_skill
    from agentlab.sim.travel_skill import travel_skill

    # "chain" (notebook 03's dependent decisions) and "needle" (notebook 02's calibration)
    # are not default skills: skills=("chain",), skills=("needle",)
    return {
        "travel": travel_skill,
        "research": research_skill,
        "chain": chain_skill,
        "needle": needle_skill,
    }


def _tool_choice(choice: Any, names: Sequence[str]) -> str | None:
    """Normalise a ``tool_choice`` (LangChain, OpenAI or Anthropic form) to a mode or a name."""
    if isinstance(choice, dict):
        choice = choice.get("function", {}).get("name") or choice.get("name") or choice.get("type")
    if choice is None or choice is False or choice == "auto":
        return None
    if choice is True or choice == "required":
        return "any"
    if choice not in ("any", "none") and choice not in names:
        raise ValueError(
            f"tool_choice: got {choice!r}; allowed: 'auto', 'any', 'required', 'none', True, "
            f"or a bound tool's name ({', '.join(names) or 'no tools bound'})"
        )
    return str(choice)


_SCHEMAS: dict[int, tuple[weakref.ref[Any], tuple[Any, Any], dict[str, Any]]] = {}


def _forget(key: int) -> Callable[[Any], None]:
    def forget(_: Any) -> None:
        _SCHEMAS.pop(key, None)

    return forget


def _openai_tool(tool: Any) -> dict[str, Any]:
    """One tool in OpenAI form, converted once per tool object while it lives.

    Tools, pydantic classes and functions are looked up by identity (an entry goes when its
    object does, so an id is never taken for another object's) and by name and description,
    so a tool renamed or redescribed in place is converted again. The same schema object is
    then bound for every seed, which also lets ``tokens.count_tool_schema`` find it by
    identity (its count is keyed by content all the same).
    """
    if isinstance(tool, dict):
        if tool.get("type") == "function" and "function" in tool:
            return tool
        return convert_to_openai_tool(tool)
    label = (getattr(tool, "name", None), getattr(tool, "description", None))
    hit = _SCHEMAS.get(id(tool))
    if hit is not None and hit[0]() is tool and hit[1] == label:
        return hit[2]
    schema = convert_to_openai_tool(tool)
    with contextlib.suppress(TypeError):  # not weakly referenceable: converted every time
        _SCHEMAS[id(tool)] = (weakref.ref(tool, _forget(id(tool))), label, schema)
    return schema


def _openai_tools(tools: Sequence[Any]) -> list[dict[str, Any]]:
    """Tools in OpenAI form (``bind_tools`` converts; a plain ``bind(tools=...)`` may not)."""
    return [_openai_tool(t) for t in tools]


def _obeys(reply: Reply, prompt: Prompt) -> bool:
    """Whether a skill's reply honours the caller's ``tool_choice`` (else generic answers)."""
    if prompt.forced_tool is not None:
        return [c["name"] for c in reply.tool_calls] == [prompt.forced_tool]
    return bool(reply.tool_calls) or not prompt.must_call_tool


def _pieces(text: str) -> list[str]:
    """Stream pieces of a text: one word each, with its following spaces; joined, the text."""
    return re.findall(r"\s*\S+\s*|\s+", text) if text else []


class SimChatModel(BaseChatModel):
    """A seeded model of decision-making behind LangChain's chat-model interface.

    Example:
        >>> from agentlab.sim.model import SimChatModel
        >>> SimChatModel(seed=1).invoke("Hello").usage_metadata["input_tokens"] > 0
        True
    """

    model: str = "gpt-4o-mini"
    """Profile of the simulated model (``data/model_profiles.toml``): price, latency, skill.

    ``"gpt-4o"`` or ``"sim:gpt-4o"``; a call may override it with ``model=...``.
    (``profile="gpt-4o"`` is accepted too; ``.profile`` itself holds LangChain's
    capability profile.)"""
    seed: int = 0
    """Seed of every decision; same seed and prompt give the same answer."""
    skills: tuple[str, ...] = ("travel", "research")
    """Scenario skills the model has; outside them it behaves as a generic chat model."""
    realtime: float = Field(default=0.0, ge=0.0)
    """Sleep this fraction of the modeled latency (0: virtual clock only; 1: live demo)."""
    stop: list[str] | None = None
    """Stop sequences applied to every call (a call's own ``stop`` replaces them)."""
    max_tokens: int | None = Field(default=None, ge=1)
    """Cap on the text tokens of a reply (cut text ends with ``finish_reason="length"``)."""

    @model_validator(mode="before")
    @classmethod
    def _profile_name_as_model(cls, data: Any) -> Any:
        """Accept ``profile="gpt-4o"`` (a profile name) as ``model``."""
        if isinstance(data, dict) and isinstance(data.get("profile"), str):
            data = dict(data)
            data.setdefault("model", data.pop("profile"))
        return data

    @field_validator("model")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        name = value.removeprefix("sim:")
        get_profile(name)  # raises ValueError naming the known profiles
        return name

    def _resolve_model_profile(self) -> LCModelProfile:
        """LangChain's capability profile: what the simulated model reads and writes."""
        return LCModelProfile(
            name=self.model_name,
            text_inputs=True,
            image_inputs=False,
            image_url_inputs=False,
            pdf_inputs=False,
            audio_inputs=False,
            video_inputs=False,
            text_outputs=True,
            tool_calling=True,
            tool_choice=True,
            tool_call_streaming=True,
            structured_output=False,  # through tool calling, not a native JSON mode
            reasoning_output=False,
            temperature=False,
        )

    @property
    def _llm_type(self) -> str:
        return "agentlab-sim"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "seed": self.seed,
            "skills": self.skills,
            "stop": self.stop,
            "max_tokens": self.max_tokens,
        }

    @property
    def model_name(self) -> str:
        """The name reported in response metadata, e.g. ``sim:gpt-4o-mini``."""
        return f"sim:{self.model}"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop or self.stop, **kwargs)
        params["ls_provider"] = "agentlab"
        params["ls_model_name"] = str(kwargs.get("model") or self.model_name)
        if self.max_tokens is not None:
            params["ls_max_tokens"] = self.max_tokens
        return params

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (any form LangChain accepts) and an optional ``tool_choice``.

        Args:
            tools: Tools, functions, pydantic models, TypedDicts or JSON/OpenAI/Anthropic
                tool schemas.
            tool_choice: ``None``/``"auto"`` (the model decides), ``"any"``/``"required"``/
                ``True`` (some tool must be called), ``"none"`` (no tool), or a tool's name
                (that tool must be called), also in OpenAI's or Anthropic's dict form.
            **kwargs: Bound as call options (e.g. ``parallel_tool_calls``; accepted, unused).

        Returns:
            The model with the tools bound.

        Raises:
            ValueError: ``tool_choice`` names no bound tool.
        """
        schemas = _openai_tools(tools)
        choice = _tool_choice(tool_choice, [t["function"]["name"] for t in schemas])
        traced = kwargs.get("ls_structured_output_format")
        if isinstance(traced, dict) and traced.get("schema") is not None:
            # LangChain converts this schema for the trace on every call; the converted
            # tool gives the same JSON schema, without pydantic's work each time
            kwargs["ls_structured_output_format"] = {
                **traced,
                "schema": _openai_tool(traced["schema"]),
            }
        return self.bind(tools=schemas, tool_choice=choice, **kwargs)

    def _profile_name(self, override: Any = None) -> str:
        """The profile of one call: a per-call ``model`` ("gpt-4o" or "sim:gpt-4o"), else own."""
        if not override:
            return self.model
        return self._known_profile(str(override))

    def _reply(self, prompt: Prompt, profile: ModelProfile) -> Reply:
        dice = Dice(self.seed, prompt.fingerprint)
        if prompt.tool_choice != "none":
            for name in self.skills:
                reply = _skills()[name](prompt, dice, profile)
                if reply is not None and _obeys(reply, prompt):
                    return reply
        if prompt.tool_choice == "none":
            prompt = Prompt(prompt.messages, [], None)
        return generic_reply(prompt, dice)

    def _text(self, content: str, stop: list[str] | None) -> tuple[str, bool]:
        """The reply text cut at the first stop sequence and at ``max_tokens``."""
        cuts = [content.index(s) for s in stop or [] if s and s in content]
        content = content[: min(cuts)] if cuts else content
        if self.max_tokens is None or count_text(content) <= self.max_tokens:
            return content, False
        pieces = _pieces(content)
        while pieces and count_text("".join(pieces)) > self.max_tokens:
            pieces.pop()
        return "".join(pieces).rstrip(), True

    def _message(self, prompt: Prompt, stop: list[str] | None, model: Any = None) -> AIMessage:
        """The whole reply to one prompt (pure: same seed and prompt, same message)."""
        name = self._profile_name(model)
        profile = get_profile(name)
        reply = self._reply(prompt, profile)
        content, cut = self._text(reply.content, self.stop if stop is None else stop)
        calls = [
            {
                "name": c["name"],
                "args": c["args"],
                "id": "call_"
                + hashlib.blake2b(f"{prompt.fingerprint}|{i}".encode(), digest_size=8).hexdigest(),
                "type": "tool_call",
            }
            for i, c in enumerate(reply.tool_calls)
        ]
        output_tokens = max(
            1,
            count_text(content) + sum(count_text(c["name"]) + count_json(c["args"]) for c in calls),
        )
        latency = call_latency(
            profile, input_tokens=prompt.input_tokens, output_tokens=output_tokens
        )
        return AIMessage(
            content=content,
            tool_calls=calls,
            usage_metadata={
                "input_tokens": prompt.input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": prompt.input_tokens + output_tokens,
            },
            response_metadata={
                "model_name": f"sim:{name}",
                "model_provider": "agentlab",
                "finish_reason": "length" if cut else "tool_calls" if calls else "stop",
                "agentlab": {
                    "profile": name,
                    "skill": reply.skill,
                    "latency_s": latency,
                    "input_tokens_by_component": dict(prompt.tokens),
                    "options": len(prompt.tools),
                    "decisions": [dict(vars(d)) for d in reply.decisions],  # asdict, no deep copy
                },
            },
        )

    def _sleep(self, seconds: float) -> None:
        if self.realtime and seconds > 0:
            time.sleep(seconds * self.realtime)

    @staticmethod
    def _prompt(messages: list[BaseMessage], kwargs: dict[str, Any]) -> Prompt:
        return Prompt(
            list(messages), _openai_tools(kwargs.get("tools") or []), kwargs.get("tool_choice")
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._message(self._prompt(messages, kwargs), stop, kwargs.get("model"))
        self._sleep(message.response_metadata["agentlab"]["latency_s"])
        return ChatResult(generations=[ChatGeneration(message=message)])

    # LangChain reads _generate's signature on every call (does it take a run_manager?):
    # made once here, as inspect.signature returns a function's __signature__ as it is
    _generate.__signature__ = inspect.signature(_generate)  # type: ignore[attr-defined]

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Stream the same message ``invoke`` returns: its words, then a last chunk with the
        tool calls, the usage and the metadata. In real time, the first word comes after
        the time to first token and the rest at the decoding rate."""
        prompt = self._prompt(messages, kwargs)
        message = self._message(prompt, stop, kwargs.get("model"))
        meta = message.response_metadata
        out = message.usage_metadata["output_tokens"] if message.usage_metadata else 0
        per_token = 1.0 / get_profile(meta["agentlab"]["profile"]).decode_tokens_per_s
        self._sleep(meta["agentlab"]["latency_s"] - out * per_token)  # time to first token
        for piece in _pieces(str(message.content)):
            self._sleep(per_token * count_text(piece))
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        self._sleep(per_token * (out - count_text(str(message.content))))  # the tool calls
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                tool_call_chunks=[
                    tool_call_chunk(
                        name=c["name"],
                        args=json.dumps(c["args"], ensure_ascii=False),
                        id=c["id"],
                        index=i,
                    )
                    for i, c in enumerate(message.tool_calls)
                ],
                usage_metadata=message.usage_metadata,
                response_metadata=meta,
                chunk_position="last",
            )
        )
