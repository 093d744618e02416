"""Faults that ``agentlab serve`` injects at seeded rates, so a class can watch retries work.

A real endpoint sometimes answers 429 (rate limited, with ``Retry-After``), 500, too late
for the client's timeout, or with a stream cut short; a real model sometimes writes a tool
call whose arguments are not valid JSON, or names a tool it was never given. ``Faults``
sets how often each happens. Which request gets which fault is a pure function of the
fault seed, the request body and the attempt number (the ``x-stainless-retry-count`` header
the OpenAI client sends), so the same run meets the same faults every time, and a retry
draws again, as it would against a busy real server.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

HttpFault = Literal["rate_limit", "server_error", "slow", "truncate"]
ContentFault = Literal["malformed", "unknown_tool"]
HTTP_FAULTS: tuple[HttpFault, ...] = ("rate_limit", "server_error", "slow", "truncate")
CONTENT_FAULTS: tuple[ContentFault, ...] = ("malformed", "unknown_tool")
MAX_WAIT_S = 3600.0  # the longest Retry-After or slow answer, in seconds (an hour)


@dataclass(frozen=True)
class Faults:
    """How often ``agentlab serve`` misbehaves: each rate is a probability per request.

    Example:
        >>> f = Faults(rate_limit=0.1, server_error=0.05, malformed=0.02, seed=1)
        >>> f.draw({"model": "gpt-4o-mini", "messages": []}) == f.draw(
        ...     {"model": "gpt-4o-mini", "messages": []})
        True
    """

    rate_limit: float = 0.0  # answer 429 with Retry-After
    server_error: float = 0.0  # answer 500 (with Retry-After, so clients wait that long)
    slow: float = 0.0  # answer after slow_s seconds: past a client's timeout
    truncate: float = 0.0  # cut a streamed answer off mid-stream (streaming requests only)
    malformed: float = 0.0  # break the JSON of a tool call's arguments (answers with calls)
    unknown_tool: float = 0.0  # rename a tool call to a tool that was not offered
    retry_after_s: float = 1.0  # the Retry-After of 429 and 500 answers (0: no wait asked)
    slow_s: float = 30.0  # how late a slow answer comes
    seed: int = 0  # seeds which request meets which fault

    def __post_init__(self) -> None:
        for name in (*HTTP_FAULTS, *CONTENT_FAULTS):
            if not _number_in(getattr(self, name), 0, 1):  # NaN and inf are refused too
                raise ValueError(
                    f"{name}: got {getattr(self, name)!r}; allowed: a probability from 0 to 1"
                )
        for group in (HTTP_FAULTS, CONTENT_FAULTS):
            total = sum(getattr(self, n) for n in group)
            if total > 1:
                raise ValueError(
                    f"{' + '.join(group)}: got {total:g}; allowed: rates adding up to at most 1"
                )
        for wait in ("retry_after_s", "slow_s"):
            if not _number_in(getattr(self, wait), 0, MAX_WAIT_S):
                raise ValueError(
                    f"{wait}: got {getattr(self, wait)!r}; "
                    f"allowed: a finite number of seconds from 0 to {MAX_WAIT_S:g}"
                )
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"seed: got {self.seed!r}; allowed: an integer >= 0")

    @property
    def any(self) -> bool:
        """Whether any fault can happen."""
        return any(getattr(self, n) for n in (*HTTP_FAULTS, *CONTENT_FAULTS))

    def draw(
        self, body: dict[str, Any], attempt: int = 0
    ) -> tuple[HttpFault | None, ContentFault | None]:
        """The faults of one request: (HTTP fault, content fault), either None.

        Args:
            body: The request's JSON body.
            attempt: 0 for a first try, n for the n-th retry.

        Returns:
            What goes wrong: the HTTP fault decides the answer's status; the content fault
            applies when the answer has tool calls.
        """
        digest = hashlib.blake2b(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), digest_size=16
        ).hexdigest()
        return (
            _pick(HTTP_FAULTS, self, _uniform(self.seed, "http", digest, attempt)),
            _pick(CONTENT_FAULTS, self, _uniform(self.seed, "content", digest, attempt)),
        )


def _number_in(value: object, lo: float, hi: float) -> bool:
    """Whether ``value`` is a real number (not a bool, not NaN) from ``lo`` to ``hi``."""
    return isinstance(value, int | float) and not isinstance(value, bool) and lo <= value <= hi


def _uniform(*parts: object) -> float:
    """A number in [0, 1) that is a pure function of ``parts``."""
    h = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def _pick(kinds: tuple[Any, ...], faults: Faults, u: float) -> Any:
    """The fault whose slice of [0, 1) holds ``u``, or None."""
    edge = 0.0
    for kind in kinds:
        edge += getattr(faults, kind)
        if u < edge:
            return kind
    return None


def break_tool_calls(calls: list[dict[str, Any]], fault: ContentFault) -> list[dict[str, Any]]:
    """Apply a content fault to the first of an answer's tool calls (OpenAI wire form).

    ``malformed`` cuts the arguments' JSON short (its closing brace is lost), as a model
    stopped mid-call writes it; ``unknown_tool`` appends ``_v2`` to the name, a tool the
    caller never offered.
    """
    if not calls:
        return calls
    first = json.loads(json.dumps(calls[0]))
    fn = first["function"]
    if fault == "malformed":
        fn["arguments"] = fn["arguments"].rstrip()[:-1] or "{"
    else:
        fn["name"] = f"{fn['name']}_v2"
    return [first, *calls[1:]]
