"""What makes two episodes the same run: a configuration's key, its endpoint, its credentials.

A sweep store and a checkpointer file recognise work they already hold by a *key*: a
stable hash of every field of the configuration (seed included) and of what, outside the
fields, changes a result: the endpoint a real model is called at (``AGENTLAB_BASE_URL``
for ``openai-compatible:`` models, ``OPENAI_API_BASE`` / ``OPENAI_BASE_URL`` or OpenAI's
own for ``openai:`` ones) and any other setting the caller names (a sweep's episode
function). Keys and secrets never enter it: an endpoint is keyed without its user, password
and secret-looking query values. The simulated model runs in process and has no endpoint,
so its keys are the hash of the fields alone.

Worker processes get the endpoint and the credentials with each task
(``endpoint_environment`` taken when the task is submitted, ``call_with_environment`` in the
worker), never from an environment they inherited when they started.

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# the variables that choose a model's endpoint and credentials: agentlab's
# (AGENTLAB_BASE_URL, AGENTLAB_API_KEY, see agentlab.serve.real_models) and the OpenAI client's
ENDPOINT_PREFIXES = ("AGENTLAB_", "OPENAI_")
OPENAI_URL = "https://api.openai.com/v1"  # where "openai:" models go unless told otherwise
_SECRET_PARAMS = ("key", "token", "secret", "password", "sig", "auth", "credential")


def config_row(config: Any) -> dict[str, Any]:
    """The configuration's fields as a row (``as_row()`` when it has one)."""
    if hasattr(config, "as_row"):
        return dict(config.as_row())
    return dataclasses.asdict(config)


def public_url(url: str) -> str:
    """An endpoint URL without credentials: no user or password, secret-looking query values
    replaced, no fragment, no trailing slash.

    Example:
        >>> public_url("https://me:pw@Example.com:8443/v1/?api-key=abc&v=2")
        'https://example.com:8443/v1?api-key=redacted&v=2'
    """
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    query = [
        (k, "redacted" if any(s in k.lower() for s in _SECRET_PARAMS) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), urlencode(query), ""))


def endpoint(config: Any, environ: Mapping[str, str] | None = None) -> str | None:
    """Where a configuration's model is called (``public_url``), or None for the simulated
    model (in process) or a configuration without a ``model``.

    Args:
        config: A configuration with a ``model`` field such as ``"openai-compatible:llama3"``.
        environ: The environment that will run it (default: this process's).

    Example:
        >>> from agentlab.config import EpisodeConfig
        >>> model = "openai-compatible:llama3"
        >>> endpoint(EpisodeConfig(model=model), {"AGENTLAB_BASE_URL": "http://127.0.0.1:9/v1/"})
        'http://127.0.0.1:9/v1'
        >>> endpoint(EpisodeConfig()) is None
        True
    """
    model = getattr(config, "model", None)
    if not isinstance(model, str):
        return None
    env = os.environ if environ is None else environ
    kind = model.partition(":")[0]
    if kind == "openai-compatible":  # make_model's default base_url
        url = env.get("AGENTLAB_BASE_URL") or ""
    elif kind == "openai":  # the order ChatOpenAI and the openai client read them in
        url = env.get("OPENAI_API_BASE") or env.get("OPENAI_BASE_URL") or OPENAI_URL
    else:
        return None
    return public_url(url) if url else "unset"


def identity(
    config: Any,
    *,
    environ: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What, besides its fields, decides a configuration's results: its ``endpoint`` (real
    models only) and the ``settings`` given (only those not None). Never a key.

    Example:
        >>> from agentlab.config import EpisodeConfig
        >>> identity(EpisodeConfig(model="openai:gpt-4o"), environ={})
        {'endpoint': 'https://api.openai.com/v1'}
    """
    out: dict[str, Any] = {}
    url = endpoint(config, environ)
    if url is not None:
        out["endpoint"] = url
    out.update({k: v for k, v in (settings or {}).items() if v is not None})
    return out


# Fields added after stores were written, with their defaults: hashed only when set away
# from the default, so a store written before a field existed keeps its keys (and resumes).
KEYED_WHEN_SET = {"aggregation": "vote"}


def config_key(
    config: Any,
    *,
    environ: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> str:
    """A stable 16-hex-digit hash of a configuration's fields (seed included) and its
    ``identity``: same configuration, endpoint and settings, same key, in any process. A
    field in ``KEYED_WHEN_SET`` counts only when set away from its default.

    Args:
        config: The configuration (a dataclass, or anything with ``as_row()``).
        environ: The environment that runs it (default: this process's), for the endpoint.
        settings: Other settings that change a result (e.g. a sweep's episode function).

    Example:
        >>> from agentlab.config import EpisodeConfig
        >>> config_key(EpisodeConfig(seed=1)) == config_key(EpisodeConfig(seed=1))
        True
        >>> config_key(EpisodeConfig(seed=1)) == config_key(EpisodeConfig(seed=2))
        False
    """
    row = {
        k: v
        for k, v in config_row(config).items()
        if not (k in KEYED_WHEN_SET and v == KEYED_WHEN_SET[k])
    }
    text = json.dumps(
        {
            "type": type(config).__name__,
            **row,
            **identity(config, environ=environ, settings=settings),
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def endpoint_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables that choose a model's endpoint and credentials (``AGENTLAB_*``,
    ``OPENAI_*``), as they are now: what a task takes to its worker."""
    env = os.environ if environ is None else environ
    return {k: v for k, v in env.items() if k.startswith(ENDPOINT_PREFIXES)}


@contextlib.contextmanager
def using_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Within the block, the endpoint variables of this process are exactly ``variables``
    (others of those prefixes are unset); afterwards they are as they were."""
    saved = endpoint_environment()
    try:
        for name in saved.keys() - variables.keys():
            del os.environ[name]
        os.environ.update(variables)
        yield
    finally:
        for name in endpoint_environment().keys() - saved.keys():
            del os.environ[name]
        os.environ.update(saved)


def call_with_environment(variables: Mapping[str, str], fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` with the submitting process's endpoint variables (in a worker)."""
    with using_environment(variables):
        return fn(*args)
