"""One call chooses the model: the simulated one (default) or a real one.

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.language_models import BaseChatModel

from agentlab.errors import ConfigError
from agentlab.model_names import check_model_string
from agentlab.serve.deadlines import DEFAULT_CALL_DEADLINE_S


def make_model(
    spec: str = "sim",
    *,
    seed: int = 0,
    base_url: str | None = None,
    model: str | None = None,
    timeout: float = 60.0,
    max_retries: int = 3,
    call_deadline_s: float | None = DEFAULT_CALL_DEADLINE_S,
    **kwargs: Any,
) -> BaseChatModel:
    """Make a chat model from one string.

    Args:
        spec: ``"sim"`` or ``"sim:<profile>"`` (offline, seeded, free; profiles in
            ``data/model_profiles.toml``), ``"openai:<model>"`` (needs ``OPENAI_API_KEY``),
            or ``"openai-compatible[:<model>]"`` with ``base_url`` (Ollama, vLLM, LM Studio,
            ``agentlab serve``; default ``AGENTLAB_BASE_URL``; key from ``AGENTLAB_API_KEY``).
        seed: Seed of the simulated model (real models get it as their ``seed`` option).
        base_url: Endpoint of an OpenAI-compatible server.
        model: Model name, for ``"openai-compatible"`` when the spec has none.
        timeout: Seconds before a real call times out.
        max_retries: Retries of a failed real call.
        call_deadline_s: Wall-clock seconds a real call may take, retries included
            (None: no limit; see ``agentlab.serve.deadlines``).
        **kwargs: Passed to the model class.

    Returns:
        A LangChain chat model.

    Example:
        >>> make_model("sim:gpt-4o", seed=3).model_name
        'sim:gpt-4o'
    """
    if spec == "openai-compatible" and model:
        spec = f"openai-compatible:{model}"
    kind, name = check_model_string(spec)
    if kind == "sim":
        from agentlab.sim.model import SimChatModel

        return SimChatModel(model=name, seed=seed, **kwargs)
    from agentlab.serve.real_models import BASE_URL_ENV, KEY_ENV, LabChatOpenAI

    if kind == "openai" and not os.environ.get("OPENAI_API_KEY"):
        raise ConfigError("OPENAI_API_KEY", None, "an API key in the environment (never in code)")
    if kind == "openai-compatible":
        base_url = base_url or os.environ.get(BASE_URL_ENV)
        if not base_url:
            raise ConfigError(
                "base_url", base_url, f"the URL of an OpenAI-compatible server (or {BASE_URL_ENV})"
            )
        kwargs.setdefault("include_response_headers", True)  # agentlab serve's modeled latency
    # an OpenAI key goes to OpenAI only; another endpoint gets its own key, if it needs one
    env = "OPENAI_API_KEY" if kind == "openai" else KEY_ENV
    return LabChatOpenAI(
        model=name,
        base_url=base_url,
        api_key=os.environ.get(env) or "not-needed",  # type: ignore[arg-type]
        timeout=timeout,
        max_retries=max_retries,
        call_deadline_s=call_deadline_s,
        seed=seed,
        stream_usage=True,
        **kwargs,
    )
