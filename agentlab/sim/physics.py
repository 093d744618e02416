"""The physics of the simulated model: how good a decision is, and how long a call takes.

Every number the lab plots comes out of these few formulas applied to the actual prompt
of each call (its token count, the options it offers, the errors already visible in it),
with the parameters of a ``ModelProfile``. Nothing here knows about scenarios.

Randomness is a pure function of the model's seed and the prompt: the same prompt with
the same seed always gives the same decisions (so replays and resumed checkpoints agree
with uninterrupted runs), and the simulated model keeps no hidden state between calls.

Introduced in notebook 00 (`00_quickstart.ipynb`); scope effects in notebook 02.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from agentlab.sim.profiles import ModelProfile

T = TypeVar("T")


def options_factor(profile: ModelProfile, options: int) -> float:
    """Share of accuracy kept when choosing among ``options`` alternatives (1 for one option)."""
    extra = max(options - 1, 0) / profile.options_half
    return 1.0 / (1.0 + extra**profile.options_slope)


def context_factor(profile: ModelProfile, context_tokens: int) -> float:
    """Share of accuracy kept with ``context_tokens`` of prompt (NoLiMa-shaped decay)."""
    return math.exp(-max(context_tokens, 0) / profile.context_scale_tokens)


# lost_in_the_middle.csv (GPT-3.5-Turbo, 20 documents): accuracy with the answer in the middle
# is 0.71 of that at the start, at the end 0.83; g is 0 at the start and 1 in the middle
_MIDDLE_LOSS = 1 - 53.8 / 75.8
_END_LOSS = 1 - 63.2 / 75.8
_BOW = _MIDDLE_LOSS - _END_LOSS / 2  # the dip's weight, once the slope to the end is taken out
G_MEAN = (_BOW * 2 / 3 + _END_LOSS / 2) / _MIDDLE_LOSS  # g's mean over the prompt


def position_shape(position: float) -> float:
    """How far into the dip a fact at ``position`` (0: the prompt's start, 1: its end) sits:
    0 at the start, 1 in the middle, 0.57 at the end (lost in the middle's U)."""
    x = min(max(position, 0.0), 1.0)
    return (_BOW * 4 * x * (1 - x) + _END_LOSS * x) / _MIDDLE_LOSS


def position_factor(profile: ModelProfile, *, position: float, context_tokens: int) -> float:
    """How much more (or less) than average a fact at ``position`` in the prompt is used.

    The context factor is the average over a fact's possible places (NoLiMa averages over
    the needle's depth); this moves it up at the start and end of a long prompt and down in
    the middle (a U, after "Lost in the Middle"), by ``position_depth`` at most, growing with
    the prompt's length (half of it at ``position_half_tokens``). Its mean over positions is 1.

    Example:
        >>> from agentlab.sim.profiles import get_profile
        >>> p = get_profile("gpt-4o")
        >>> start, middle, end = (position_factor(p, position=x, context_tokens=32000)
        ...                       for x in (0.0, 0.5, 1.0))
        >>> start > end > middle
        True
    """
    strength = max(context_tokens, 0) / (max(context_tokens, 0) + profile.position_half_tokens)
    return 1.0 + profile.position_depth * strength * (G_MEAN - position_shape(position))


def p_found(profile: ModelProfile, *, position: float, context_tokens: int) -> float:
    """Probability that a fact stated once in the prompt is found and used (a needle).

    ``p_correct`` of a one-option decision at this context, moved by the fact's place
    (``position_factor``), at most 1; the profile's ``flat_accuracy`` when it is set.
    """
    if profile.flat_accuracy is not None:
        return profile.flat_accuracy
    p = p_correct(profile, options=1, context_tokens=context_tokens)
    return min(1.0, p * position_factor(profile, position=position, context_tokens=context_tokens))


def p_correct(
    profile: ModelProfile, *, options: int, context_tokens: int, errors_in_context: int = 0
) -> float:
    """Probability that one decision is right.

    Args:
        profile: The model's profile.
        options: Alternatives the decision chooses among (tools in scope, offers, ...).
        context_tokens: Input tokens of the prompt the decision is made on.
        errors_in_context: Earlier errors visible in the prompt (self-conditioning).

    Returns:
        A probability in (0, 1]: the profile's ``flat_accuracy`` when it is set (every
        decision alike, whatever the prompt), else the product of the four factors.

    Example:
        >>> from agentlab.sim.profiles import get_profile
        >>> p = get_profile("gpt-4o")
        >>> narrow = p_correct(p, options=4, context_tokens=1000)
        >>> narrow > p_correct(p, options=120, context_tokens=1000)
        True
        >>> p_correct(get_profile("gpt-4o", flat_accuracy=0.8), options=120, context_tokens=9000)
        0.8
    """
    if profile.flat_accuracy is not None:
        return profile.flat_accuracy
    return (
        profile.base_accuracy
        * options_factor(profile, options)
        * context_factor(profile, context_tokens)
        * (1.0 - profile.self_conditioning) ** errors_in_context
    )


def p_catch(profile: ModelProfile, *, context_tokens: int, own_work: bool = False) -> float:
    """Probability that a review (reflection, verification) catches one visible error.

    A model reviewing work it produced itself, in the same context, catches less
    (``self_review_discount``) than an independent reviewer.
    """
    own = 1.0 - profile.self_review_discount if own_work else 1.0
    return profile.reflection_catch * own * context_factor(profile, context_tokens)


HIJACK = 0.35  # assumed: p(an injection about the asked fact takes over gpt-4o-mini), no context
HIJACK_SKILL = 0.99  # gpt-4o-mini's base accuracy, at which an injection takes hold w.p. HIJACK


def p_hijack(profile: ModelProfile, *, context_tokens: int) -> float:
    """Probability that an instruction injected in a passage in the prompt takes hold.

    ``HIJACK`` for gpt-4o-mini, scaled by the model's error rate (a model erring half as
    often is hijacked half as often), and falling with the prompt's length as attention to
    any one sentence does (``context_factor``): an assumption, not a calibrated curve.
    """
    skill = (1 - profile.base_accuracy) / (1 - HIJACK_SKILL)
    return min(HIJACK * skill, 1.0) * context_factor(profile, context_tokens)


def call_latency(profile: ModelProfile, *, input_tokens: int, output_tokens: int) -> float:
    """Modeled seconds of one call: ttft + prefill per input token + decoding the output."""
    return (
        profile.ttft_s
        + profile.prefill_s_per_token * input_tokens
        + output_tokens / profile.decode_tokens_per_s
    )


@dataclass(frozen=True)
class Decision:
    """The outcome of one simulated decision, recorded in the response metadata."""

    kind: str  # what was decided: "tool", "offer", "interpretation", ...
    options: int  # alternatives in scope
    p_correct: float  # probability of the intended choice
    correct: bool  # whether the model made its intended choice
    chosen: str  # what it chose


class Dice:
    """Seeded draws for one model call: a pure function of (seed, prompt fingerprint, label)."""

    def __init__(self, seed: int, fingerprint: str) -> None:
        self._seed = seed
        self._fingerprint = fingerprint

    def rng(self, label: str) -> random.Random:
        """An independent random stream for one named decision of this call."""
        digest = hashlib.blake2b(
            f"{self._seed}|{self._fingerprint}|{label}".encode(), digest_size=8
        ).digest()
        return random.Random(int.from_bytes(digest, "big"))

    def chance(self, label: str, p: float) -> bool:
        """True with probability ``p``."""
        return self.rng(label).random() < p

    def weighted(self, label: str, items: Sequence[T], weights: Sequence[float]) -> T:
        """One item drawn with the given weights."""
        return self.rng(label).choices(list(items), weights=list(weights), k=1)[0]

    def choose_tool(self, intended: str, options: Sequence[str], p: float) -> Decision:
        """Choose the tool for a step: a wrong pick falls on tools named like the right one."""
        sims = [similarity(intended, o) for o in options]
        return self.choose(
            "tool", intended=intended, options=options, kind="tool", p=p, similarity=sims
        )

    def choose(
        self,
        label: str,
        *,
        intended: str,
        options: Sequence[str],
        p: float,
        similarity: Sequence[float] | None = None,
        kind: str = "choice",
    ) -> Decision:
        """Choose among ``options``: the intended one with probability ``p``, else another.

        A wrong choice falls more often on options similar to the intended one
        (``similarity`` weights, one per option); with no similarity, uniformly.
        """
        others = [o for o in options if o != intended]
        if not others or self.chance(label, p):
            return Decision(kind, len(options), p, True, intended)
        weights = (
            [0.05 + s for o, s in zip(options, similarity, strict=True) if o != intended]
            if similarity is not None
            else [1.0] * len(others)
        )
        return Decision(
            kind, len(options), p, False, self.weighted(label + ":alt", others, weights)
        )


@lru_cache(maxsize=16384)
def similarity(a: str, b: str) -> float:
    """Jaccard overlap of the words of two texts (names and descriptions of tools); cached,
    as every act call compares the step's tool with every tool in scope."""
    wa = set(a.lower().replace("_", " ").split())
    wb = set(b.lower().replace("_", " ").split())
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0
