"""Whether an artifact states a value: word for word, or as the same place.

A model copies a value ("Washington, D.C.") or writes the same thing another way ("DC",
"District of Columbia"). Provenance links a value to an artifact that *states* it, and
this module says when one does: its text holds the value as written, or the value is a
place's name (read by ``agentlab.world.place_names``, which knows every way the travel
world's places are written) and the text names that same place. Only an unambiguous name
counts on either side: "Washington" is D.C. or the state, so it states neither; an
airport code inside an offer id ("FL-BOS-IAD-1") is not a place's name.

Introduced in notebook 03 (`03_failure_propagation.ipynb`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from agentlab.world.place_names import known_forms, mentions, normalise

MIN_VALUE_CHARS = 4  # shorter argument values ("2", "yes") are too common to trace...
# ... unless the value is a place's name ("DC", "LA"): see ``traceable``


@lru_cache(maxsize=4096)
def place_named(value: str) -> str | None:
    """The one place a value names, when the whole value is a way of writing it.

    Args:
        value: An argument value as the model wrote it.

    Returns:
        The place id, or None: not a place's name, or one of several places' ("Washington").

    Example:
        >>> place_named("DC"), place_named("Washington"), place_named("the trip")
        ('washington_dc', None, None)
    """
    meanings = known_forms().get(normalise(value)) or []
    return meanings[0][0] if len(meanings) == 1 else None


def traceable(value: str) -> bool:
    """Whether an argument value is specific enough to trace: long enough, or a place."""
    return len(value) >= MIN_VALUE_CHARS or place_named(value) is not None


def values_of(args: Any) -> list[str]:
    """The traceable string values of a tool call's arguments, nested ones too.

    Example:
        >>> values_of({"city": "DC", "guests": 2, "kind": "car", "note": ["Washington"]})
        ['DC', 'Washington']
    """
    if isinstance(args, dict):
        return [v for x in args.values() for v in values_of(x)]
    if isinstance(args, list):
        return [v for x in args for v in values_of(x)]
    return [args] if isinstance(args, str) and traceable(args) else []


@lru_cache(maxsize=4096)
def places_in(text: str) -> frozenset[str]:
    """The places a text names unambiguously (not after "not"), by their written names."""
    forms = known_forms()
    return frozenset(
        m.meanings[0][0]
        for m in mentions(text)
        if len(m.meanings) == 1 and not m.negated and m.form in forms
    )


def states(text: str, value: str) -> bool:
    """Whether a text states a value word for word.

    Example:
        >>> states('{"destination": "Washington, D.C."}', "Washington, D.C.")
        True
    """
    return value in text


def states_same_place(text: str, value: str) -> bool:
    """Whether a text names the place a value names, however either writes it.

    Example:
        >>> states_same_place('{"destination": "Washington, D.C."}', "DC")
        True
        >>> states_same_place("a trip to Washington", "DC")  # D.C. or the state: neither
        False
    """
    place = place_named(value)
    return place is not None and place in places_in(text)


def matchers(value: str) -> list[Callable[[str], bool]]:
    """The ways a text may state a value, the preferred first: word for word, then (for a
    place's name) as the same place.

    Example:
        >>> [m("Washington, D.C.") for m in matchers("DC")]
        [False, True]
    """
    out = [lambda text: value in text]
    place = place_named(value)
    if place is not None:
        out.append(lambda text: place in places_in(text))
    return out


def destination(text: str) -> str:
    """The destination a plan or a reading states (its JSON), "" if none.

    Example:
        >>> destination('{"assumptions": [{"slot": "destination", "value": "Boston"}]}')
        'Boston'
    """
    try:
        args = json.loads(text)
    except json.JSONDecodeError:
        return ""
    if not isinstance(args, dict):
        return ""
    if "destination" in args:
        return str(args["destination"]).strip()
    slots = [a for a in args.get("assumptions", []) if isinstance(a, dict)]
    return next(
        (str(a.get("value", "")).strip() for a in slots if a.get("slot") == "destination"), ""
    )
