"""Replies classified: which replies of a model count as decisions, and which do not.

A provider's reply can look like an answer and not be one. The lab reads every reply of an
episode the same way, whatever the model:

* **no usage**: the reply says nothing of the tokens it took. Its tokens and its cost are
  unknown (NaN, with a ``usage_missing`` flag on its step and a count on its episode),
  never 0: an episode of such replies is not a success at $0;
* **truncated**: ``finish_reason == "length"``, the reply was cut at its token limit; a
  cut answer or a cut tool call is not a decision;
* **unterminated stream**: a stream that ended without ever saying why it finished
  (``LabChatOpenAI`` marks it, see ``UNTERMINATED``); it may have lost its end;
* **broken stream**: a stream cut midway, after the client's retries;
* **unreadable reply**: a body, or a stream event, that is not JSON;
* **unparseable plan, review or reading**: structured output that does not fit its schema
  (a reading: a travel team's reread or vote of the destination); an unreadable review is
  not an approval.

Each of these but the first ends the episode with its own outcome, ``"error: <reason>"``
(``ReplyFailure``): the step is recorded with the tokens it spent, ``status="error"``.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:  # read, never built, here: the tables' modules import this one
    from langchain_core.messages import AIMessage

Reason = Literal[
    "truncated",
    "unterminated_stream",
    "broken_stream",
    "unreadable_reply",
    "unparseable_plan",
    "unparseable_review",
    "unparseable_reading",
    "call_deadline",
]
REASONS: tuple[Reason, ...] = get_args(Reason)
UNTERMINATED = "agentlab_unterminated"  # response_metadata flag: a stream with no finish_reason


class ReplyFailure(RuntimeError):
    """A call whose reply cannot be taken as a decision; its episode ends with ``outcome``.

    Example:
        >>> ReplyFailure("truncated").outcome
        'error: truncated'
    """

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason

    @property
    def outcome(self) -> str:
        """The episode's outcome: ``"error: <reason>"``."""
        return f"error: {self.reason}"


BILLED_UNREAD: frozenset[str] = frozenset(
    {"unterminated_stream", "broken_stream", "unreadable_reply", "call_deadline"}
)  # the request reached the endpoint, whose reply was cut, garbled or not awaited


def cost_unknown(error: BaseException) -> bool:
    """Whether a failed call may still have been billed, so its cost is unknown, not $0.

    A reply that was cut, garbled or abandoned (a deadline, a read timeout) may have been
    billed in full; a refusal (401, 429, 500) or a connection that never opened was not.

    Example:
        >>> cost_unknown(ReplyFailure("broken_stream")), cost_unknown(PermissionError("401"))
        (True, False)
    """
    if isinstance(error, ReplyFailure):
        return error.reason in BILLED_UNREAD
    names = {c.__name__ for c in type(error).__mro__}
    return isinstance(error, TimeoutError) or "APITimeoutError" in names  # openai's read timeout


def usage_missing(message: AIMessage) -> bool:
    """Whether a reply reported no token usage (its tokens are then unknown, not 0).

    Example:
        >>> from langchain_core.messages import AIMessage
        >>> usage_missing(AIMessage("hi"))
        True
    """
    usage: dict[str, Any] = dict(message.usage_metadata or {})
    return "input_tokens" not in usage or "output_tokens" not in usage


def failure(message: AIMessage) -> Reason | None:
    """Why a reply is not a decision (``"truncated"``, ``"unterminated_stream"``), or None.

    Example:
        >>> from langchain_core.messages import AIMessage
        >>> failure(AIMessage("Paris is", response_metadata={"finish_reason": "length"}))
        'truncated'
    """
    meta = message.response_metadata or {}
    if meta.get(UNTERMINATED):
        return "unterminated_stream"
    if meta.get("finish_reason") == "length":
        return "truncated"
    return None
