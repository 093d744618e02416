"""An episode's budget: what it has spent, in tokens and dollars, and when that stops it.

``MetricsCallback`` charges every call here. A call that takes the spend past
``budget_tokens`` or ``budget_usd`` is recorded, then stops the episode
(``BudgetExceeded``, outcome ``"budget"``).

The branches of a parallel stage (a team's members, sent at once) are the exception: their
stage is charged as a whole. Stopped at the call that crossed, a stage would keep what its
other branches had done by then (each stops at the end of the call it is making), and that
depends on which thread ran faster: the same seed would record other calls, tokens and
root errors in another process. So a stage runs to its end, and the next call stops the
episode before it is made when the spend is past a budget; so does every call of a stage
that began past it. A parallel stage may so overspend by the rest of its branches' work.

Introduced in notebook 08 (`08_architectures_vs_paper.ipynb`): teams under an equal budget.
"""

from __future__ import annotations

import logging
import math


class BudgetExceeded(RuntimeError):
    """An episode spent more tokens or dollars than its budget allows."""


class UnpricedBudget(RuntimeError):
    """A dollar budget cannot apply: a call's model has no price (its cost is NaN)."""


class _QuietBudget(logging.Filter):
    """LangChain logs every exception a callback raises; a budget stop is an outcome."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        quiet = ("BudgetExceeded", "UnpricedBudget", "ReplyFailure")  # outcomes, not bugs
        return not any(name in message for name in quiet)


logging.getLogger("langchain_core.callbacks.manager").addFilter(_QuietBudget())


class Spend:
    """An episode's running spend and its budgets; the caller serialises ``add``.

    Example:
        >>> spend = Spend(budget_tokens=100)
        >>> spend.add(60, 0.01, stage=0, model="sim:gpt-4o-mini")  # a branch: no stop yet
        >>> spend.add(60, 0.01, stage=0, model="sim:gpt-4o-mini")
        >>> try:
        ...     spend.before_call(stage=None)  # the next step, after the stage
        ... except BudgetExceeded as stop:
        ...     print(stop)
        120 tokens spent; budget_tokens is 100
    """

    def __init__(
        self,
        tokens: float = 0,
        usd: float = 0.0,
        *,
        budget_tokens: int | None = None,
        budget_usd: float | None = None,
    ) -> None:
        self.tokens = tokens  # tokens spent so far (a resumed run: its earlier steps')
        self.usd = usd  # dollars spent so far (NaN: an unpriced call)
        self.budget_tokens = budget_tokens
        self.budget_usd = budget_usd
        self.unpriced = "?"  # the first model without a price, for the message
        self._at_stage: dict[int, tuple[float, float]] = {}  # stage -> spend when it began

    def add(self, tokens: float, usd: float, *, stage: int | None, model: str) -> None:
        """Charge one call; past a budget, a sequential call stops the episode.

        Raises:
            BudgetExceeded: A step outside a parallel stage took the spend past a budget.
            UnpricedBudget: A dollar budget, and a sequential call of an unpriced model.
        """
        if math.isnan(usd) and self.unpriced == "?":
            self.unpriced = model
        self.tokens += tokens
        self.usd += usd  # NaN stays NaN: an unpriced call is not free
        if stage is None:  # a branch of a stage: checked when its stage is over
            self.check(self.tokens, self.usd)

    def before_call(self, *, stage: int | None) -> None:
        """Before a model call: stop when the spend is already past a budget. A call of a
        parallel stage reads the spend when its stage began (its siblings' calls so far
        depend on thread timing); another call, the spend now (no stage is running).

        Raises:
            BudgetExceeded: The spend is past a budget.
            UnpricedBudget: A dollar budget, and an unpriced call already made.
        """
        if self.budget_tokens is None and self.budget_usd is None:
            return
        spent = (self.tokens, self.usd)
        if stage is not None:  # the first call of the stage fixes it, before any is charged
            spent = self._at_stage.setdefault(stage, spent)
        self.check(*spent)

    def check(self, tokens: float, usd: float) -> None:
        """Raise when ``tokens`` or ``usd`` are past the budgets."""
        if self.budget_tokens is not None and tokens > self.budget_tokens:
            raise BudgetExceeded(f"{tokens} tokens spent; budget_tokens is {self.budget_tokens}")
        if self.budget_usd is not None and math.isnan(usd):
            raise UnpricedBudget(
                f"budget_usd cannot apply: model {self.unpriced!r} has no price "
                "(data/prices.csv nor genai-prices); use budget_tokens"
            )
        if self.budget_usd is not None and usd > self.budget_usd:
            raise BudgetExceeded(f"${usd:.4f} spent; budget_usd is {self.budget_usd}")
