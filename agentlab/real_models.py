"""Real models: ``ChatOpenAI`` as the lab uses it, keys, and episodes run against an endpoint.

``make_model("openai:...")`` and ``make_model("openai-compatible:...")`` return a
``LabChatOpenAI``: a ``ChatOpenAI`` that asks for structured output (plans, reviews)
through a forced tool call, as the simulated model does in process. The plan is then a
tool call that the metrics count and the judge reads the same way for every model
(``ChatOpenAI``'s own default, a JSON ``response_format``, would leave the plan in the
message text). For an OpenAI-compatible endpoint it keeps the response headers, where
``agentlab serve`` puts its modeled latency.

Keys come from the environment only: ``OPENAI_API_KEY`` for OpenAI, ``AGENTLAB_API_KEY``
for an OpenAI-compatible endpoint (never your OpenAI key: it must not reach another
server). ``ask_key`` prompts for one in a notebook without echoing or returning it.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
from langchain_core.language_models import LanguageModelInput
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from tqdm.auto import tqdm

from agentlab.config import EpisodeConfig
from agentlab.runner import Episode, Results, run_episode
from agentlab.wire import SIM_HEADER

BASE_URL_ENV = "AGENTLAB_BASE_URL"  # default endpoint of "openai-compatible" models
KEY_ENV = "AGENTLAB_API_KEY"  # key of an OpenAI-compatible endpoint (if it needs one)


class LabChatOpenAI(ChatOpenAI):
    """``ChatOpenAI`` with structured output through tool calling (see the module)."""

    def with_structured_output(
        self, schema: Any = None, *, method: Any = "function_calling", **kwargs: Any
    ) -> Runnable[LanguageModelInput, Any]:
        """Like ``ChatOpenAI.with_structured_output``, defaulting to a forced tool call."""
        return super().with_structured_output(schema, method=method, **kwargs)

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        result = super()._generate(*args, **kwargs)
        for gen in result.generations:
            _lift(gen)
        return result

    async def _agenerate(self, *args: Any, **kwargs: Any) -> ChatResult:
        result = await super()._agenerate(*args, **kwargs)
        for gen in result.generations:
            _lift(gen)
        return result

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        lifted = False  # on one chunk only: chunks' metadata add up when merged
        for chunk in super()._stream(*args, **kwargs):
            lifted = _lift(chunk, keep=not lifted) or lifted
            yield chunk

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        lifted = False
        async for chunk in super()._astream(*args, **kwargs):
            lifted = _lift(chunk, keep=not lifted) or lifted
            yield chunk


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


def run_remote(
    configs: Iterable[EpisodeConfig],
    *,
    base_url: str | None = None,
    timeout: float = 60.0,
    max_retries: int = 3,
    workers: int = 1,
    progress: bool = False,
    **model_options: Any,
) -> Results:
    """Run episodes against a real or served endpoint: one model per episode, seeded.

    Each episode gets ``make_model(config.model, seed=config.seed, base_url=...)``, so
    a sweep over seeds sends each episode's seed (``run_episodes(model=...)`` would send
    one seed for all). A call that still fails after the retries ends its episode with
    outcome ``"error: <reason>"``: every config gives a row.

    Args:
        configs: The episodes (their ``model`` is e.g. ``"openai-compatible:gpt-4o-mini"``).
        base_url: The endpoint (default: ``AGENTLAB_BASE_URL`` for openai-compatible).
        timeout: Seconds before a call times out (then it is retried).
        max_retries: Retries of a failed call (429s wait their ``Retry-After``).
        workers: Episodes run at once (threads; a real endpoint is I/O bound).
        progress: Show a progress bar.
        **model_options: Passed to the model (e.g. ``streaming=True``).

    Returns:
        ``Results``, rows in the order of ``configs``.

    Example:
        >>> import agentlab as al
        >>> from agentlab.server import serve_in_thread
        >>> with serve_in_thread() as url:
        ...     res = run_remote(al.grid(al.EpisodeConfig(model="openai-compatible:gpt-4o-mini"),
        ...                              seeds=range(2)), base_url=url)
        >>> len(res.episodes)
        2
    """
    from agentlab.models import make_model

    configs = list(configs)

    def one(cfg: EpisodeConfig) -> Episode:
        model = make_model(
            cfg.model,
            seed=cfg.seed,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            **model_options,
        )
        return run_episode(cfg, model=model)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        episodes = list(tqdm(pool.map(one, configs), total=len(configs), disable=not progress))
    rows = [{"episode": i, **ep.row()} for i, ep in enumerate(episodes)]
    steps = [{"episode": i, **s} for i, ep in enumerate(episodes) for s in ep.step_rows()]
    return Results(pd.DataFrame(rows), pd.DataFrame(steps))
