"""Episodes run against a real or served endpoint: ``run_remote``.

Each episode gets its own seeded ``LabChatOpenAI`` (``agentlab.serve.real_models``), a deadline
per call and per episode (``agentlab.serve.deadlines``), and gives a row whatever happens: a
failed call or a reply that is no decision is the episode's recorded outcome.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from agentlab.config import EpisodeConfig
from agentlab.run.episode import Episode
from agentlab.run.runner import Results, run_episode
from agentlab.serve.deadlines import (
    DEFAULT_CALL_DEADLINE_S,
    DEFAULT_EPISODE_DEADLINE_S,
    check_seconds,
)
from agentlab.serve.models import make_model


def run_remote(
    configs: Iterable[EpisodeConfig],
    *,
    base_url: str | None = None,
    timeout: float = 60.0,
    max_retries: int = 3,
    call_deadline_s: float | None = DEFAULT_CALL_DEADLINE_S,
    deadline_s: float | None = DEFAULT_EPISODE_DEADLINE_S,
    workers: int = 1,
    progress: bool = False,
    **model_options: Any,
) -> Results:
    """Run episodes against a real or served endpoint: one model per episode, seeded.

    Each episode gets ``make_model(config.model, seed=config.seed, base_url=...)``, so
    a sweep over seeds sends each episode's seed (``run_episodes(model=...)`` would send
    one seed for all). A call that still fails after the retries ends its episode with
    outcome ``"error: <reason>"``, so does a reply that is no decision (truncated, an
    unterminated or broken stream, an unparseable review: ``agentlab.measure.replies``); an
    episode past its deadline ends with outcome ``"deadline"``. Every config gives a row.

    Args:
        configs: The episodes (their ``model`` is e.g. ``"openai-compatible:gpt-4o-mini"``).
        base_url: The endpoint (default: ``AGENTLAB_BASE_URL`` for openai-compatible).
        timeout: Seconds a read may wait (then the call is retried).
        max_retries: Retries of a failed call (429s wait their ``Retry-After``) and of a
            stream cut midway.
        call_deadline_s: Wall-clock seconds one call may take, retries included (None:
            no limit); then outcome ``"error: call_deadline"``.
        deadline_s: Wall-clock seconds one episode may take (None: no limit); then
            outcome ``"deadline"``, its steps kept.
        workers: Episodes run at once (threads; a real endpoint is I/O bound).
        progress: Show a progress bar.
        **model_options: Passed to the model (e.g. ``streaming=True``).

    Returns:
        ``Results``, rows in the order of ``configs``.

    Raises:
        ConfigError: A model the configs name cannot be made (``make_model``: e.g. no key
            in the environment, no endpoint), before any episode runs.

    Example:
        >>> import agentlab as al
        >>> from agentlab.serve.server import serve_in_thread
        >>> with serve_in_thread() as url:
        ...     res = run_remote(al.grid(al.EpisodeConfig(model="openai-compatible:gpt-4o-mini"),
        ...                              seeds=range(2)), base_url=url)
        >>> len(res.episodes)
        2
    """
    configs = list(configs)
    check_seconds("call_deadline_s", call_deadline_s)
    check_seconds("deadline_s", deadline_s)
    # The episodes' code (LangGraph, whose SDK imports httpx) is loaded before the threads
    # start: the OpenAI client reads sys.modules["httpx"] outside the import lock
    # (openai._httpx2), so a thread building its model while another's first episode
    # imported LangGraph found httpx half-initialised and the run ended in an AttributeError.
    importlib.import_module("agentlab.run.scenarios")
    options = dict(
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        call_deadline_s=call_deadline_s,
        **model_options,
    )
    # each model the configs name is made once here first: a bad one (no key in the
    # environment, no endpoint, an option the model refuses) fails the run before any call,
    # not in a thread after other episodes have spent their calls
    for spec in dict.fromkeys(cfg.model for cfg in configs):
        make_model(spec, **options)

    def one(cfg: EpisodeConfig) -> Episode:
        model = make_model(cfg.model, seed=cfg.seed, **options)
        return run_episode(cfg, model=model, deadline_s=deadline_s)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        episodes = list(tqdm(pool.map(one, configs), total=len(configs), disable=not progress))
    rows = [{"episode": i, **ep.row()} for i, ep in enumerate(episodes)]
    steps = [{"episode": i, **s} for i, ep in enumerate(episodes) for s in ep.step_rows()]
    return Results(pd.DataFrame(rows), pd.DataFrame(steps))
