"""LangSmith tracing, kept from slowing the lab down when its endpoint cannot be reached.

With ``LANGSMITH_TRACING=true`` (or ``LANGCHAIN_TRACING_V2``) every model call, tool call
and graph step is sent to LangSmith. On a machine that cannot reach the endpoint (a
classroom offline, a cluster without egress), LangChain keeps trying in the background:
a sweep then runs several times slower and prints error lines by the dozen, some of them
echoing part of the API key. ``offline_tracing_guard`` checks the endpoint once per process
(a TCP connection, at most ``PROBE_TIMEOUT_S``), says so once, and runs the episode with
tracing off; with a reachable endpoint, tracing goes on as asked.

Introduced in the README.
"""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://api.smith.langchain.com"
PROBE_TIMEOUT_S = 2.0  # how long one check of the endpoint may take
_FLAGS = ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGCHAIN_TRACING")
_ENDPOINTS = ("LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT")
F = TypeVar("F", bound=Callable[..., Any])


class TracingUnreachableWarning(RuntimeWarning):
    """Tracing was asked for, its endpoint cannot be reached: the lab runs without it."""


def requested_endpoint() -> str | None:
    """The LangSmith endpoint when tracing is switched on in the environment, else None."""
    if not any(os.environ.get(k, "").strip().lower() in {"1", "true", "yes"} for k in _FLAGS):
        return None
    return next((os.environ[k] for k in _ENDPOINTS if os.environ.get(k)), DEFAULT_ENDPOINT)


@cache
def reachable(endpoint: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to the endpoint's host and port opens (checked once)."""
    url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
    port = url.port or (80 if url.scheme == "http" else 443)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except Exception:  # refused, unresolvable, timed out, or blocked by a sandbox
        return False


@cache
def _warn(endpoint: str) -> None:
    warnings.warn(
        f"LangSmith tracing is on, but {endpoint} cannot be reached: the lab runs with "
        "tracing off, at its usual speed. Unset LANGSMITH_TRACING to silence this.",
        TracingUnreachableWarning,
        stacklevel=4,
    )


def tracing_unreachable() -> bool:
    """True (and said once per process) when tracing is asked for but cannot be reached."""
    endpoint = requested_endpoint()
    if endpoint is None or reachable(endpoint):
        return False
    _warn(endpoint)
    return True


@contextmanager
def offline_tracing_guard() -> Iterator[None]:
    """Run the block with tracing off when tracing is asked for but cannot reach its endpoint.

    Example:
        >>> with offline_tracing_guard():
        ...     pass
    """
    if not tracing_unreachable():
        yield
        return
    import langsmith

    with langsmith.tracing_context(enabled=False):
        yield


def tracing_guarded(fn: F) -> F:
    """Decorate a function that runs graphs so that it runs under ``offline_tracing_guard``."""

    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with offline_tracing_guard():
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]
