"""OpenAI's chat-completions wire format, read into LangChain messages and written back.

``agentlab serve`` answers ``POST /v1/chat/completions`` with the simulated model. For an
episode run through ``ChatOpenAI`` to make the same decisions as one run in process, the
simulated model must see the same prompt: same texts, names, tool-call ids and arguments,
same tool schemas and the same ``tool_choice``. Two things do not travel on the wire and
are rebuilt here:

* a tool message's ``name`` (OpenAI sends only the call id): taken from the assistant
  call with that id;
* a tool message's ``status``: the wire has no field for it, so it is read from the
  content by the lab's convention: its tools answer in JSON and fail in plain text
  (ToolNode's ``"Error: ..."``, a ``ToolException``'s message).

``ChatOpenAI`` forces a structured output's schema by name; LangChain's default (what the
simulated model gets in process) asks for "any" tool. With one tool bound both mean the
same; the name form is read as "any" so the seeded draws match.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.tool import ToolCall

from agentlab.serve.faults import ContentFault, break_tool_calls
from agentlab.sim.profiles import profiles

SIM_HEADER = "x-agentlab-sim"  # the modeled latency, tokens by component and decisions


class WireError(ValueError):
    """A request the server cannot answer; sent back in OpenAI's error format."""

    def __init__(
        self, message: str, *, param: str | None = None, code: str | None = None, status: int = 400
    ) -> None:
        super().__init__(message)
        self.param, self.code, self.status = param, code, status


def error_body(
    message: str, *, kind: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """An error in OpenAI's JSON format."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


@dataclass
class ChatRequest:
    """One ``/v1/chat/completions`` request, read."""

    profile: str  # the simulated model's profile, e.g. "gpt-4o-mini"
    served_as: str  # the model name the answer reports, e.g. "sim:gpt-4o-mini"
    seed: int  # the simulated model's seed
    messages: list[BaseMessage]
    tools: list[dict[str, Any]] = field(default_factory=list)  # OpenAI tool schemas
    tool_choice: str | None = None  # as the simulated model takes it
    stop: list[str] | None = None
    max_tokens: int | None = None
    stream: bool = False
    include_usage: bool = False  # stream_options.include_usage
    json_schema: str | None = None  # response_format's schema name: answer JSON, not a call


def _text(content: Any, where: str) -> str:
    """A message's text: a string, null, or a list of text parts."""
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        parts = [p.get("text") if isinstance(p, dict) else None for p in content]
        if all(isinstance(p, str) for p in parts):
            return "".join(p for p in parts if p)
    raise WireError(f"{where}: only text content is supported", param=where)


def _failed(text: str) -> bool:
    """Whether a tool result reads as a failure (see the module's docstring)."""
    try:
        return not isinstance(json.loads(text), dict | list)
    except ValueError:
        return True


def _calls(raw: Any, where: str) -> tuple[list[ToolCall], list[dict[str, Any]]]:
    """An assistant message's tool calls: (parsed, unparseable)."""
    good: list[ToolCall] = []
    bad: list[dict[str, Any]] = []
    for i, c in enumerate(raw or []):
        fn = c.get("function") if isinstance(c, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise WireError(f"{where}.tool_calls[{i}]: needs function.name", param=where)
        try:
            args = json.loads(fn.get("arguments") or "{}")
        except ValueError:
            args = None
        if isinstance(args, dict):
            good.append(ToolCall(name=fn["name"], args=args, id=c.get("id"), type="tool_call"))
        else:
            bad.append(
                {"name": fn["name"], "args": fn.get("arguments"), "id": c.get("id"), "error": None}
            )
    return good, bad


def to_messages(raw: Any) -> list[BaseMessage]:
    """LangChain messages from OpenAI ``messages`` (names and statuses rebuilt)."""
    if not isinstance(raw, list) or not raw:
        raise WireError("messages: a non-empty list is required", param="messages")
    out: list[BaseMessage] = []
    tool_names: dict[str, str] = {}
    for i, m in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise WireError(f"{where}: must be an object", param=where)
        role, name = m.get("role"), m.get("name")
        text = _text(m.get("content"), where)
        if role in ("system", "developer"):
            out.append(SystemMessage(text, name=name))
        elif role == "user":
            out.append(HumanMessage(text, name=name))
        elif role == "assistant":
            good, bad = _calls(m.get("tool_calls"), where)
            tool_names |= {str(c["id"]): c["name"] for c in good} | {
                str(b["id"]): b["name"] for b in bad
            }
            out.append(AIMessage(text, name=name, tool_calls=good, invalid_tool_calls=bad))
        elif role == "tool":
            call_id = m.get("tool_call_id")
            if not isinstance(call_id, str):
                raise WireError(f"{where}: a tool message needs tool_call_id", param=where)
            out.append(
                ToolMessage(
                    text,
                    tool_call_id=call_id,
                    name=tool_names.get(call_id),
                    status="error" if _failed(text) else "success",
                )
            )
        else:
            raise WireError(f"{where}.role: got {role!r}", param=f"{where}.role")
    return out


def _tools(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise WireError("tools: must be a list", param="tools")
    for i, t in enumerate(raw):
        fn = t.get("function") if isinstance(t, dict) else None
        if not isinstance(fn, dict) or t.get("type") != "function" or "name" not in fn:
            raise WireError(f"tools[{i}]: only function tools are supported", param="tools")
    return list(raw)


def _tool_choice(raw: Any, names: list[str]) -> str | None:
    """OpenAI's ``tool_choice`` as the simulated model takes it (see the module's docstring)."""
    if raw is None or raw == "auto":
        return None
    if raw == "none":
        return "none"
    if raw == "required":
        return "any"
    if isinstance(raw, dict) and isinstance(raw.get("function"), dict):
        name = raw["function"].get("name")
        if name not in names:
            raise WireError(f"tool_choice: {name!r} is not one of the tools", param="tool_choice")
        return "any" if names == [name] else str(name)
    raise WireError(f"tool_choice: got {raw!r}", param="tool_choice")


def _profile(model: Any, aliases: dict[str, str]) -> tuple[str, str]:
    """(profile, name the answer reports): ``sim:<profile>``, or an alias as asked."""
    if model in aliases:
        return aliases[model], str(model)
    name = str(model or "").removeprefix("sim:")
    if name not in profiles():
        known = [*sorted(profiles()), *sorted(aliases)]
        raise WireError(
            f"The model `{model}` does not exist; agentlab serve has " + ", ".join(known),
            param="model",
            code="model_not_found",
            status=404,
        )
    return name, f"sim:{name}"


def read_request(body: Any, aliases: dict[str, str] | None = None) -> ChatRequest:
    """Read a ``/v1/chat/completions`` body.

    Args:
        body: The parsed JSON body.
        aliases: Other model names served by a profile (e.g. ``{"llama3.1": "gpt-4o-mini"}``).

    Raises:
        WireError: naming the field that cannot be served.
    """
    if not isinstance(body, dict):
        raise WireError("the body must be a JSON object")
    if body.get("n", 1) != 1:
        raise WireError("n: only 1 is supported", param="n")
    tools = _tools(body.get("tools"))
    choice = _tool_choice(body.get("tool_choice"), [t["function"]["name"] for t in tools])
    schema_name = None
    fmt = body.get("response_format") or {}
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        if tools:
            raise WireError("response_format json_schema with tools is not supported")
        spec = fmt.get("json_schema") or {}
        schema_name = str(spec.get("name", "output"))
        fn = {"name": schema_name, "description": spec.get("description", "")}
        tools = [{"type": "function", "function": {**fn, "parameters": spec.get("schema", {})}}]
        choice = "any"
    stop = body.get("stop")
    if not (stop is None or isinstance(stop, str) or all(isinstance(s, str) for s in stop)):
        raise WireError("stop: a string or a list of strings", param="stop")
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    seed = body.get("seed")
    profile, served_as = _profile(body.get("model"), aliases or {})
    return ChatRequest(
        profile=profile,
        served_as=served_as,
        seed=int(seed) if isinstance(seed, int) else 0,
        messages=to_messages(body.get("messages")),
        tools=tools,
        tool_choice=choice,
        stop=[stop] if isinstance(stop, str) else stop,
        max_tokens=int(limit) if limit else None,
        stream=bool(body.get("stream")),
        include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
        json_schema=schema_name,
    )


def answer(req: ChatRequest, *, realtime: float = 0.0) -> AIMessage:
    """The simulated model's answer to a request (what it would answer in process)."""
    from agentlab.sim.model import SimChatModel

    sim = SimChatModel(model=req.profile, seed=req.seed, max_tokens=req.max_tokens)
    if realtime:
        sim = sim.model_copy(update={"realtime": realtime})
    out = sim.bind_tools(req.tools, tool_choice=req.tool_choice).invoke(req.messages, stop=req.stop)
    assert isinstance(out, AIMessage)
    return out


@dataclass
class Completion:
    """An answer in wire form, before it is sent whole or streamed."""

    id: str
    model: str
    content: str | None
    tool_calls: list[dict[str, Any]]
    finish_reason: str
    usage: dict[str, int]
    sim: dict[str, Any]  # sent in the x-agentlab-sim header


def completion(
    req: ChatRequest, message: AIMessage, *, key: str, fault: ContentFault | None = None
) -> Completion:
    """The wire form of an answer, with a content fault applied when one was drawn."""
    calls: list[dict[str, Any]] = [
        {
            "id": c["id"],
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c["args"], ensure_ascii=False)},
        }
        for c in message.tool_calls
    ]
    if fault and calls:
        calls = break_tool_calls(calls, fault)
    content: str | None = str(message.content)
    finish = str(message.response_metadata.get("finish_reason", "stop"))
    if req.json_schema is not None:  # structured output asked as JSON: the call's arguments
        content = calls[0]["function"]["arguments"] if calls else content
        calls, finish = [], "stop"
    usage = message.usage_metadata or {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    sim = dict(message.response_metadata.get("agentlab", {}))
    if fault and message.tool_calls:
        sim["fault"] = fault
    return Completion(
        id="chatcmpl-" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest(),
        model=req.served_as,
        content=content if content or not calls else None,
        tool_calls=calls,
        finish_reason=finish,
        usage={
            "prompt_tokens": usage["input_tokens"],
            "completion_tokens": usage["output_tokens"],
            "total_tokens": usage["total_tokens"],
        },
        sim=sim,
    )


def sim_header(c: Completion) -> str:
    """The ``x-agentlab-sim`` header value: compact ASCII JSON."""
    return json.dumps(c.sim, separators=(",", ":"), ensure_ascii=True)


def response_body(c: Completion, *, created: int) -> dict[str, Any]:
    """A ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": c.content, "refusal": None}
    if c.tool_calls:
        message["tool_calls"] = c.tool_calls
    return {
        "id": c.id,
        "object": "chat.completion",
        "created": created,
        "model": c.model,
        "system_fingerprint": "agentlab-sim",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": c.finish_reason}
        ],
        "usage": c.usage,
    }


_WORDS = re.compile(r"\s*\S+\s*|\s+")


def stream_chunks(c: Completion, *, created: int, include_usage: bool) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed answer: role, words, tool calls
    (name first, then the arguments in two pieces), the finish reason, then the usage."""
    head = {"id": c.id, "object": "chat.completion.chunk", "created": created, "model": c.model}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**head, "system_fingerprint": "agentlab-sim", "choices": [choice]}

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": w}) for w in _WORDS.findall(c.content or "")]
    for i, call in enumerate(c.tool_calls):
        fn = call["function"]
        first = {"index": i, "id": call["id"], "type": "function"}
        out.append(chunk({"tool_calls": [{**first, "function": {"name": fn["name"]}}]}))
        half = len(fn["arguments"]) // 2
        for piece in (fn["arguments"][:half], fn["arguments"][half:]):
            out.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    out.append(chunk({}, c.finish_reason))
    if include_usage:
        out.append({**head, "choices": [], "usage": c.usage})
    return out
