"""Real models: ``ChatOpenAI`` as the lab uses it, and keys (``agentlab.run.remote`` runs episodes).

``make_model("openai:...")`` and ``make_model("openai-compatible:...")`` return a
``LabChatOpenAI``: a ``ChatOpenAI`` that asks for structured output (plans, reviews)
through a forced tool call, as the simulated model does in process. The plan is then a
tool call that the metrics count and the judge reads the same way for every model
(``ChatOpenAI``'s own default, a JSON ``response_format``, would leave the plan in the
message text). For an OpenAI-compatible endpoint it keeps the response headers, where
``agentlab serve`` puts its modeled latency.

Each call has a wall-clock deadline, retries included (``call_deadline_s``,
``agentlab.serve.deadlines``); a call past it sends nothing more (its client's request hook
refuses an abandoned call's retries, so it is not billed again). A streamed reply is read
whole before it is handed on: a stream cut midway is sent again like any transient error
(up to ``max_retries`` times), and one that ends without a ``finish_reason`` is flagged
unterminated; a body that is not JSON is an unreadable reply (``agentlab.measure.replies``).

Keys come from the environment only: ``OPENAI_API_KEY`` for OpenAI, ``AGENTLAB_API_KEY``
for an OpenAI-compatible endpoint (never your OpenAI key: it must not reach another
server). ``ask_key`` prompts for one in a notebook without echoing or returning it.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.exceptions import ModelConnectionError, ModelTimeoutError
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import field_validator, model_validator

from agentlab.measure.replies import UNTERMINATED, ReplyFailure
from agentlab.redact import redact_logs
from agentlab.serve.deadlines import (
    DEFAULT_CALL_DEADLINE_S,
    acall_within,
    call_within,
    check_seconds,
    refuse_if_abandoned,
)
from agentlab.serve.wire import SIM_HEADER

BASE_URL_ENV = "AGENTLAB_BASE_URL"  # default endpoint of "openai-compatible" models
KEY_ENV = "AGENTLAB_API_KEY"  # key of an OpenAI-compatible endpoint (if it needs one)
RETRY_HEADER = "x-stainless-retry-count"  # which retry a request is (the OpenAI client's)
redact_logs()  # what the OpenAI client and httpx log never holds a key (agentlab.redact)


_CLIENTS: dict[tuple[Any, ...], Any] = {}  # (socket options, proxy) -> shared client
_CLIENTS_LOCK = threading.Lock()


def hooked_client(socket_options: Any = None, proxy: str | None = None) -> Any:
    """The sync HTTP client of ``LabChatOpenAI``: ``openai.DefaultHttpxClient`` with the
    request hook that refuses an abandoned call's requests (``refuse_if_abandoned``).

    One client per (socket options, proxy), shared by every model of the process, so
    connections are pooled across episodes as ChatOpenAI's own default client pools them
    (the hook holds no state: it reads the calling thread's context).

    Example:
        >>> hooked_client() is hooked_client()
        True
    """
    key = (tuple(tuple(o) for o in socket_options or ()), proxy)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            transport = (
                httpx2.HTTPTransport(
                    socket_options=[tuple(o) for o in socket_options],
                    limits=openai.DEFAULT_CONNECTION_LIMITS,
                    proxy=proxy,
                )
                if socket_options
                else None
            )
            client = openai.DefaultHttpxClient(
                event_hooks={"request": [refuse_if_abandoned]},
                transport=transport,
                proxy=None if transport is not None else proxy,
            )
            _CLIENTS[key] = client
    return client


class LabChatOpenAI(ChatOpenAI):
    """``ChatOpenAI`` with structured output through tool calling, a wall-clock deadline per
    call, and streams read whole (see the module)."""

    call_deadline_s: float | None = DEFAULT_CALL_DEADLINE_S
    """Wall-clock seconds one call may take, retries included (None: no limit); past it
    the call fails with ``ReplyFailure("call_deadline")`` (``agentlab.serve.deadlines``)."""

    @field_validator("call_deadline_s")
    @classmethod
    def _check_deadline(cls, value: float | None) -> float | None:
        return check_seconds("call_deadline_s", value)

    @model_validator(mode="before")
    @classmethod
    def _sync_client(cls, values: Any) -> Any:
        """Give the sync path an HTTP client that refuses an abandoned call's requests (a
        call past its deadline runs on in a helper thread until its read times out; its
        retries must not reach the endpoint). A client you pass is used as it is. A proxy
        (``openai_proxy`` or ``OPENAI_PROXY``) goes into that client, and into an async
        one, since ``ChatOpenAI`` takes a proxy or clients, not both."""
        if not isinstance(values, dict) or values.get("http_client") is not None:
            return values
        proxy = values.get("openai_proxy") or os.environ.get("OPENAI_PROXY") or None
        out = {**values, "http_client": hooked_client(values.get("http_socket_options"), proxy)}
        if proxy:
            out["openai_proxy"] = None
            if values.get("http_async_client") is None:
                out["http_async_client"] = openai.DefaultAsyncHttpxClient(proxy=proxy)
        return out

    def with_structured_output(
        self, schema: Any = None, *, method: Any = "function_calling", **kwargs: Any
    ) -> Runnable[LanguageModelInput, Any]:
        """Like ``ChatOpenAI.with_structured_output``, defaulting to a forced tool call."""
        return super().with_structured_output(schema, method=method, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        parent = super()._generate

        def call() -> ChatResult:
            try:
                return parent(messages, stop, None, **kwargs)
            except json.JSONDecodeError as exc:
                raise ReplyFailure("unreadable_reply", str(exc)) from exc

        result = call_within(call, self.call_deadline_s)
        for gen in result.generations:
            _lift(gen)
        return result

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        parent = super()._agenerate

        async def call() -> ChatResult:
            try:
                return await parent(messages, stop, None, **kwargs)
            except json.JSONDecodeError as exc:
                raise ReplyFailure("unreadable_reply", str(exc)) from exc

        result = await acall_within(call, self.call_deadline_s)
        for gen in result.generations:
            _lift(gen)
        return result

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        parent = super()._stream
        retries = self.max_retries or 0

        def read() -> list[ChatGenerationChunk]:
            for attempt in range(retries + 1):
                chunks: list[ChatGenerationChunk] = []
                try:
                    for c in parent(messages, stop, None, **_attempt(kwargs, attempt)):
                        chunks.append(c)
                except Exception as exc:
                    _retry_or_raise(exc, chunks, attempt, retries)
                    continue
                return _whole(chunks, self.model_name)
            raise AssertionError("unreachable")  # the last attempt returns or raises

        yield from self._replay(call_within(read, self.call_deadline_s), run_manager)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        parent = super()._astream
        retries = self.max_retries or 0

        async def read() -> list[ChatGenerationChunk]:
            for attempt in range(retries + 1):
                chunks: list[ChatGenerationChunk] = []
                try:
                    async for c in parent(messages, stop, None, **_attempt(kwargs, attempt)):
                        chunks.append(c)
                except Exception as exc:
                    _retry_or_raise(exc, chunks, attempt, retries, sleep=False)
                    await asyncio.sleep(_backoff(attempt))
                    continue
                return _whole(chunks, self.model_name)
            raise AssertionError("unreachable")

        chunks = await acall_within(read, self.call_deadline_s)
        for chunk in self._replay(chunks, None):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    @staticmethod
    def _replay(
        chunks: list[ChatGenerationChunk], run_manager: CallbackManagerForLLMRun | None
    ) -> Iterator[ChatGenerationChunk]:
        """A whole stream's chunks, handed on (and to the callbacks) in this thread."""
        lifted = False  # on one chunk only: chunks' metadata add up when merged
        for chunk in chunks:
            lifted = _lift(chunk, keep=not lifted) or lifted
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def _attempt(kwargs: dict[str, Any], attempt: int) -> dict[str, Any]:
    """A stream's request options; a resent one says which retry it is, as the OpenAI
    client does for its own retries (``agentlab serve`` draws its faults again)."""
    if not attempt:
        return kwargs
    headers = {**(kwargs.get("extra_headers") or {}), RETRY_HEADER: str(attempt)}
    return {**kwargs, "extra_headers": headers}


def _backoff(attempt: int) -> float:
    """Seconds before resending a broken stream: 0.2, 0.4, 0.8, ... at most 4."""
    return float(min(0.2 * 2**attempt, 4.0))


def _retry_or_raise(
    exc: Exception,
    chunks: list[ChatGenerationChunk],
    attempt: int,
    max_retries: int,
    *,
    sleep: bool = True,
) -> None:
    """After a stream failed: return to send it again (a stream cut midway, retries left,
    after a pause), or raise its outcome.

    A connection that fails before the stream began was the OpenAI client's to retry (it
    did); one that fails midway is retried here, like any transient error, and is
    ``ReplyFailure("broken_stream")`` once the retries are spent. An event that is not
    JSON is ``ReplyFailure("unreadable_reply")``.
    """
    if isinstance(exc, json.JSONDecodeError):
        raise ReplyFailure("unreadable_reply", str(exc)) from exc
    if not chunks or not isinstance(exc, ModelConnectionError | ModelTimeoutError):
        raise exc
    if attempt >= max_retries:
        raise ReplyFailure(
            "broken_stream", f"cut after {len(chunks)} chunks, {attempt + 1} tries"
        ) from exc
    if sleep:
        time.sleep(_backoff(attempt))


def _whole(chunks: list[ChatGenerationChunk], model: str) -> list[ChatGenerationChunk]:
    """A stream read to its end; one that never said why it finished is flagged
    unterminated (``agentlab.measure.replies``), not taken for a complete answer. The flag names
    the model asked for: a provider sends its own name only with the finish reason."""
    if any((c.generation_info or {}).get("finish_reason") for c in chunks):
        return chunks
    flag = AIMessageChunk(content="", response_metadata={UNTERMINATED: True, "model_name": model})
    return [*chunks, ChatGenerationChunk(message=flag)]


def _lift(gen: ChatGeneration, *, keep: bool = True) -> bool:
    """Move ``agentlab serve``'s modeled metadata (latency, tokens by component, decisions)
    from its response header into ``response_metadata["agentlab"]``, where the in-process
    simulated model puts it, and drop the headers: a provider's cookies or ids have no
    place in the messages.

    Returns:
        Whether the metadata was set.
    """
    headers = (gen.generation_info or {}).pop("headers", None) or {}
    sim = json.loads(headers.get(SIM_HEADER) or "null")
    if keep and isinstance(sim, dict):
        gen.message.response_metadata["agentlab"] = sim
        return True
    return False


def ask_key(env: str = "OPENAI_API_KEY") -> None:
    """Prompt for an API key (not echoed) and put it in this process's environment.

    Does nothing when ``env`` is already set. Returns nothing, so a notebook cannot show
    the key in an output; ``make_model`` reads it from the environment.

    Args:
        env: The variable to fill: ``OPENAI_API_KEY`` or ``AGENTLAB_API_KEY``.
    """
    if not os.environ.get(env):
        key = getpass.getpass(f"{env} (not shown, not saved): ").strip()
        if key:
            os.environ[env] = key
