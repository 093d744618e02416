"""Schema-valid values read from a request: how the simulated model fills tool arguments.

A real model writes a tool call's arguments from what the user said; the simulated model
does the same with a few reading rules: numbers in the order they are written
(``"What is 3 + 4"`` gives ``a=3, b=4``), values written next to a field's name
(``"3 travelers"``, ``"age: 36"``, ``"named 'Ada'"``), quoted names, places after "in",
"to" or "from", dates, e-mail addresses and URLs, enum values that are mentioned. Every
value satisfies its JSON schema (types, bounds, lengths, enums, nested objects, arrays,
``$ref``, ``anyOf``; not regular-expression ``pattern``s). Required fields are always
filled; an optional field only when the request asks for it by name ("include the
punchline"), not when it declines it ("no punchline").

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

_NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()  # noqa: SIM905
_NUM = re.compile(
    r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.I
)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s'\"<>)]+")
_QUOTED = re.compile(r"\"([^\"]+)\"|(?<!\w)'([^']+)'(?!\w)|“([^”]+)”|「([^」]+)」")
WORDS = re.compile(r"[^\W\d_][\w'-]*")
_CAPS = r"[A-Z][\w.'-]*(?:(?:,\s*|\s+)[A-Z][\w.'-]*)*"
_PLACE = re.compile(rf"\b(in|at|to|from|near|for|of)\s+({_CAPS})")
_ENTITY = re.compile(rf"(?<=[a-z,;:(] )({_CAPS})")


_NAMED = re.compile(rf"\b(?:named|called)\s+(?:{_QUOTED.pattern}|({_CAPS}|[^\W\d_]+))")
_NEGATION = r"\b(?:no|not|without|don't|do not|skip|omit|exclude)\s+(?:\w+\s+){0,2}"
PLACE_FIELDS = {  # place fields, and the words that introduce their value, best first
    "origin": ("from",),
    "destination": ("to", "in"),
    "location": ("in", "at", "near"),
    "city": ("in", "at", "to"),
    "place": ("in", "at", "near"),
    "address": ("at", "in"),
    "country": ("in", "to", "from"),
    "region": ("in", "to"),
    "town": ("in", "at", "to"),
}
MAX_DEPTH = 6  # a recursive schema (a tree) is filled this deep
NAME_FIELDS = frozenset("name title company customer person user".split())  # noqa: SIM905


def _field_words(name: str) -> list[str]:
    """The words of a field name: ``customerName`` and ``customer_name`` give both words."""
    return [w for w in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name.lower()) if w]


def stem(word: str) -> str:
    """A word lower-cased without a plural ``s`` (``"flights"`` -> ``"flight"``)."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


class Source:
    """The text values are read from; each number, date and quote is handed out once.

    Example:
        >>> s = Source("What is 3 + 4")
        >>> s.number("a"), s.number("b"), s.number("c")
        ('3', '4', '4')
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._lowered = text.lower()
        clean = _DATE.sub(lambda m: " " * len(m.group()), text)
        self._numbers = [(m.start(), m.group()) for m in _NUM.finditer(clean)]
        self._dates = [(m.start(), m.group()) for m in _DATE.finditer(text)]
        self._places = [(m.start(2), m.group(1), m.group(2)) for m in _PLACE.finditer(text)]
        self._entities = [(m.start(1), "", m.group(1)) for m in _ENTITY.finditer(text)]
        self._quotes = [
            (m.start(), next(g for g in m.groups() if g)) for m in _QUOTED.finditer(text)
        ]
        self._taken: set[tuple[str, int]] = set()
        self.depth = 0  # nesting of the object being filled

    def _next(self, kind: str, pool: list[tuple[int, str]]) -> str | None:
        free = [(pos, v) for pos, v in pool if (kind, pos) not in self._taken]
        if not free:
            return pool[-1][1] if pool else None
        self._taken.add((kind, free[0][0]))
        return free[0][1]

    def mentions(self, name: str) -> bool:
        """Whether the text asks for a field by name (and does not decline it)."""
        words = _field_words(name)
        if not words or not all(re.search(rf"\b{re.escape(w)}", self._lowered) for w in words):
            return False
        return not re.search(_NEGATION + re.escape(words[-1]), self._lowered)

    def keyed_number(self, name: str) -> str | None:
        """A number written next to the field's name: ``"age: 30"``, ``"3 travelers"``."""
        for word in _field_words(name)[-1:]:
            w = re.escape(stem(word))
            for pattern in (rf"\b{w}\w*\s*(?:is|=|:|of)?\s*(-?[\d.]+)", rf"(-?[\d.]+)\s+{w}"):
                for m in re.finditer(pattern, self._lowered):
                    pos = m.start(1)
                    value = dict(self._numbers).get(pos)
                    if value is not None and ("n", pos) not in self._taken:
                        self._taken.add(("n", pos))
                        return value
        return None

    def number(self, name: str) -> str | None:
        """The number for a field: keyed to its name, else the next one written."""
        return self.keyed_number(name) or self._next("n", self._numbers)

    def numbers(self) -> list[str]:
        """Every number not handed out yet."""
        return [v for pos, v in self._numbers if ("n", pos) not in self._taken]

    def date(self) -> str | None:
        """The next date (ISO) written, or the last one."""
        return self._next("d", self._dates)

    def place(self, name: str) -> str | None:
        """A place for a field: after the words that introduce it ("from" for an origin)."""
        words = [w for w in _field_words(name) if w in PLACE_FIELDS]
        if not words:
            return None
        free = [(p, intro, v) for p, intro, v in self._places if ("p", p) not in self._taken]
        ranked = [t for intro in PLACE_FIELDS[words[-1]] for t in free if t[1] == intro]
        found = ranked or free or self._entities
        if not found:
            return None
        self._taken.add(("p", found[0][0]))
        return found[0][2]

    def quote(self) -> str | None:
        """The next quoted text not handed out yet (never repeats)."""
        free = [(p, v) for p, v in self._quotes if ("q", p) not in self._taken]
        if free:
            self._taken.add(("q", free[0][0]))
        return free[0][1] if free else None

    def keyed_text(self, name: str) -> str | None:
        """Text written after the field's name: ``"name: Ada"``, ``"named 'Ada'"``."""
        words = _field_words(name)
        if words and words[-1] in ("name", "title") and (m := _NAMED.search(self.text)):
            quoted = [i for i, g in enumerate(m.groups()[:-1], 1) if g]
            if quoted:  # the quote is handed out
                self._taken.add(("q", m.start(quoted[0]) - 1))
            return next(g for g in m.groups() if g).rstrip(".,")
        key = r"[\s_]+".join(map(re.escape, words))
        m = re.search(rf"\b{key}\s*(?:is|=|:)\s*(\"[^\"]+\"|'[^']+'|[^,.;\n]+)", self.text, re.I)
        return m.group(1).strip("'\" ") if key and m else None

    def gist(self) -> str:
        """The request's first sentence, for a free-text field with nothing more specific."""
        first = re.split(r"(?<=[.!?])\s+", " ".join(self.text.split()))[0]
        return " ".join(first.rstrip(".!?").split()[:20])


def _clip(value: float, schema: dict[str, Any], step: float) -> float:
    """A number moved inside the schema's bounds (``step`` past an exclusive one)."""
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "exclusiveMinimum" in schema:
        value = max(value, schema["exclusiveMinimum"] + step)
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    if "exclusiveMaximum" in schema:
        value = min(value, schema["exclusiveMaximum"] - step)
    return value


def _to_float(token: str | None) -> float | None:
    """A number written in digits or in words ("three"), or None."""
    if token is None:
        return None
    if token.lower() in _NUMBER_WORDS:
        return float(_NUMBER_WORDS.index(token.lower()))
    try:
        return float(token)
    except ValueError:
        return None


def _string(name: str, schema: dict[str, Any], src: Source) -> str:
    """A string for a field, by its format, its name, then what the text offers."""
    fmt = schema.get("format", "")
    words = set(_field_words(name))
    about = f"{name} {schema.get('description', '')}".replace("_", " ")
    if fmt in ("date", "date-time") or re.search(r"\bdate\b|YYYY-MM-DD", about, re.I):
        day = src.date() or "2027-01-01"
        return f"{day}T09:00:00Z" if fmt == "date-time" else day
    if fmt == "email" or "email" in words:
        return (_EMAIL.findall(src.text) or ["user@example.com"])[0]
    if fmt in ("uri", "url") or words & {"url", "uri", "link"}:
        return (_URL.findall(src.text) or ["https://example.com"])[0]
    if fmt == "uuid":
        return str(uuid.UUID(bytes=hashlib.blake2b(src.text.encode(), digest_size=16).digest()))
    value = src.keyed_text(name) or src.place(name)
    if value is None and words & NAME_FIELDS:
        value = src.quote() or next(iter(_ENTITY.findall(src.text)), None)
    value = value or src.quote() or src.gist() or name.replace("_", " ")
    value = value[: schema.get("maxLength", len(value))]
    return value.ljust(schema.get("minLength", 0), ".")


def fill_value(name: str, schema: dict[str, Any], src: Source, defs: dict[str, Any]) -> Any:
    """A schema-valid value for one field, read from ``src`` where possible.

    Args:
        name: The field's name (it says where to look: ``origin``, ``email``, ``age``...).
        schema: The field's JSON schema.
        src: The text being read; it hands each number, date, place and quote out once.
        defs: Definitions that ``$ref`` entries point to.

    Returns:
        A value of the schema's type, within its bounds.
    """
    schema = fill_ref(schema, defs)
    if "allOf" in schema:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged = {**fill_ref(part, defs), **merged}
        return fill_value(name, merged, src, defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            nullable = any(s.get("type") == "null" for s in schema[key])
            options = [s for s in schema[key] if s and s.get("type") != "null"]
            if nullable and (not options or src.depth > MAX_DEPTH):
                return None  # nothing more specific, or deep in a recursive schema
            return fill_value(name, (options or schema[key])[0], src, defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        said = [v for v in schema["enum"] if re.search(rf"\b{re.escape(str(v))}\b", src.text, re.I)]
        return (said or schema["enum"])[0]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in ("integer", "number"):
        found = _to_float(src.number(name))
        value = _clip(1.0 if found is None else found, schema, 1 if kind == "integer" else 1e-6)
        return round(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return not any(
            re.search(_NEGATION + re.escape(w), src.text, re.I) for w in _field_words(name)[-1:]
        )
    if kind == "null":
        return None
    if kind == "array":
        return _array(name, schema, src, defs)
    if kind == "object":
        return fill_args(schema, src, defs)
    return _string(name, schema, src)


def fill_ref(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A schema with its top-level ``$ref`` resolved against ``defs`` (siblings kept)."""
    if "$ref" not in schema:
        return schema
    rest = {k: v for k, v in schema.items() if k != "$ref"}
    return {**defs.get(schema["$ref"].split("/")[-1], {}), **rest}


def _array(name: str, schema: dict[str, Any], src: Source, defs: dict[str, Any]) -> list[Any]:
    """A list: every number left for numbers, else one item (or none, deep in a recursion)."""
    if not schema.get("minItems") and (src.depth > MAX_DEPTH or schema.get("items") == {}):
        return []  # deep in a recursive schema, or items of no known shape
    if "prefixItems" in schema:
        return [fill_value(name, s, src, defs) for s in schema["prefixItems"]]
    item = fill_ref(schema.get("items", {"type": "string"}), defs)
    lo, hi = max(schema.get("minItems", 1), 1), schema.get("maxItems", 10)
    if item.get("type") in ("integer", "number") and src.numbers():
        values = [fill_value(name, item, src, defs) for _ in src.numbers()]
    else:
        values = [fill_value(name, item, src, defs)]
    while len(values) < lo:
        values.append(values[-1])
    return values[:hi]


def fill_args(
    schema: dict[str, Any], text: str | Source, defs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Schema-valid arguments for a JSON-schema object, read from ``text``.

    Every required field is filled; an optional one only when the text asks for it by name.

    Args:
        schema: A JSON schema of ``type: object`` (a tool's parameters).
        text: The request to read values from (or a ``Source`` already reading it).
        defs: Definitions that ``$ref`` entries point to.

    Returns:
        The arguments, as a dict.

    Example:
        >>> fill_args({"type": "object", "properties": {"input": {"type": "integer"}},
        ...            "required": ["input"]}, "What is magic_function(3)?")
        {'input': 3}
    """
    src = text if isinstance(text, Source) else Source(text)
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", list(props)))
    wanted = [k for k in props if k in required or src.mentions(k)]
    src.depth += 1
    try:
        return {k: fill_value(k, props[k], src, defs) for k in wanted}
    finally:
        src.depth -= 1
