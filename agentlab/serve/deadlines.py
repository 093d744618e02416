"""Deadlines: how long one model call, and one episode, may take on the wall clock.

A client's ``timeout`` bounds each read, not a call: a server that trickles bytes, or a
call retried four times at 60 s a read, can hold an episode for minutes. So there are two
wall-clock deadlines:

* **per call** (``LabChatOpenAI.call_deadline_s``): one call with all its retries. A call
  past it fails with outcome ``"error: call_deadline"``.
* **per episode** (``run_episode(deadline_s=...)``): the whole episode. Past it the episode
  stops with outcome ``"deadline"`` and keeps what it computed (its steps, its row). It is
  checked between the graph's steps and bounds every call made within the episode.

Real endpoints get both by default (``DEFAULT_CALL_DEADLINE_S``,
``DEFAULT_EPISODE_DEADLINE_S``); the simulated model, whose time is virtual, gets none
unless asked.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from agentlab.errors import ConfigError
from agentlab.measure.replies import ReplyFailure

DEFAULT_CALL_DEADLINE_S = 180.0  # one call to a real endpoint, retries included
DEFAULT_EPISODE_DEADLINE_S = 1800.0  # one episode against a real endpoint

T = TypeVar("T")
_ENDS: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "agentlab_episode_ends", default=None
)  # time.monotonic() at which the running episode's deadline passes
_ABANDONED: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "agentlab_call_abandoned", default=None
)  # set, in a call's helper thread, once its caller has given up on it


class CallAbandoned(RuntimeError):
    """A request from a call whose caller gave up on it (past its deadline): not sent."""


class EpisodeDeadline(TimeoutError):
    """The episode ran past its wall-clock deadline; its outcome is ``"deadline"``."""

    outcome = "deadline"


def check_seconds(name: str, value: float | None) -> float | None:
    """A deadline setting: None (no deadline) or a number of seconds above 0.

    Raises:
        ConfigError: naming the setting and the values allowed.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError(name, value, "a number of seconds > 0, or None (no deadline)")
    if not math.isfinite(value):
        raise ConfigError(name, value, "a finite number of seconds, or None (no deadline)")
    return float(value)


@contextmanager
def episode_deadline(seconds: float | None) -> Iterator[None]:
    """Within the block, calls are bounded by an episode deadline ``seconds`` from now.

    Example:
        >>> with episode_deadline(60):
        ...     0 < episode_left() <= 60
        True
    """
    seconds = check_seconds("deadline_s", seconds)
    token = _ENDS.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _ENDS.reset(token)


def episode_left() -> float | None:
    """Seconds left to the running episode's deadline (None: no deadline)."""
    ends = _ENDS.get()
    return None if ends is None else ends - time.monotonic()


def check_episode() -> None:
    """Raise ``EpisodeDeadline`` if the running episode is past its deadline."""
    left = episode_left()
    if left is not None and left <= 0:
        raise EpisodeDeadline("the episode ran past its deadline")


def _limit(call_deadline_s: float | None) -> tuple[float | None, bool]:
    """(seconds the call may take, whether the episode's deadline is what bounds it)."""
    check_episode()
    left = episode_left()
    if left is not None and (call_deadline_s is None or left < call_deadline_s):
        return left, True
    return call_deadline_s, False


def _expired(call_deadline_s: float | None, episode: bool) -> BaseException:
    if episode:
        return EpisodeDeadline("the episode ran past its deadline during a call")
    return ReplyFailure("call_deadline", f"no complete reply within {call_deadline_s:g} s")


def call_within(fn: Callable[[], T], call_deadline_s: float | None) -> T:
    """``fn()``, given at most the call's deadline or what is left of the episode's.

    ``fn`` runs in a helper thread (with this context); when time is up the caller gets
    ``ReplyFailure("call_deadline")`` or ``EpisodeDeadline``. The thread is left to end at
    its client's own timeout, its result dropped, and sends nothing more: a client that
    checks ``refuse_if_abandoned`` before each request (``LabChatOpenAI`` does) makes no
    retry after the deadline, so a call given up on is never billed again.
    """
    limit, episode = _limit(call_deadline_s)
    if limit is None:
        return fn()
    done, abandoned = threading.Event(), threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        _ABANDONED.set(abandoned)  # in the helper thread's own copy of the context
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc
        finally:
            done.set()

    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(run,), daemon=True, name="agentlab-call").start()
    if not done.wait(limit):
        abandoned.set()
        raise _expired(call_deadline_s, episode)
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def refuse_if_abandoned(request: Any) -> None:
    """An httpx request hook: refuse to send a request of a call its caller has given up on.

    Raises:
        CallAbandoned: The call running in this thread is past its deadline (``call_within``).

    Example:
        >>> refuse_if_abandoned(None)  # outside an abandoned call: nothing happens
    """
    abandoned = _ABANDONED.get()
    if abandoned is not None and abandoned.is_set():
        raise CallAbandoned("the call is past its deadline: its caller has given up on it")


async def acall_within(fn: Callable[[], Awaitable[T]], call_deadline_s: float | None) -> T:
    """The async ``call_within``: the awaitable is cancelled when time is up."""
    limit, episode = _limit(call_deadline_s)
    if limit is None:
        return await fn()
    task = asyncio.ensure_future(fn())
    done, _ = await asyncio.wait({task}, timeout=limit)
    if not done:
        task.cancel()
        raise _expired(call_deadline_s, episode)
    return task.result()
