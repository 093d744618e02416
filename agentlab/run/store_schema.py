"""The declared column types of a sweep store's tables: one schema for every part.

Left to infer, a column's type comes from the values of one chunk: ``cost_usd`` is whole
numbers in a chunk whose episodes all failed before spending anything (``0``) and fractions
elsewhere; a ``budget_usd`` of ``1`` is an integer, ``0.5`` a float; a field that is None in
every row has no type at all. Parts then disagree, and a later version that writes a column
differently cannot be loaded with an earlier one. So every column the lab writes has a
declared type here (``EPISODES`` and ``STEPS``; the configuration's from its dataclass's
annotations), each part is cast to it when written, and every part is cast to it again when
loaded, whatever wrote it. A value the declared type cannot hold without change (``1.5``,
or a NaN for tokens a reply did not report, in an integer column) widens its column, to
``Float64`` for numbers, else to text: never lost, and as pandas would type the same rows.
A column declared nowhere (an episode function's own) keeps the type it was written with,
and is unified the same way across parts.

The types are pandas' nullable ones, which keep a missing value apart from a value:
``INT`` (``Int64``: counts), ``FLOAT`` (``Float64``: dollars and seconds, where NaN is a
value, "unknown", and not a missing one), ``BOOL`` (``boolean``) and ``TEXT`` (pandas'
``str``). A column with no value in any row has no type (an ``object`` column of None).

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import math
import numbers
import re
import types
import typing
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from agentlab.config import EpisodeConfig
from agentlab.sim.components import COMPONENTS

INT = pd.Int64Dtype()  # whole numbers
FLOAT = pd.Float64Dtype()  # numbers; NaN is a value (unknown), apart from missing
BOOL = pd.BooleanDtype()
TEXT = pd.StringDtype(na_value=np.nan)  # pandas' ``str``
Kind = Literal["int", "float", "bool", "text", "other"]  # a column's kind of values
DTYPES: dict[Kind, Any] = {"int": INT, "float": FLOAT, "bool": BOOL, "text": TEXT}
NUMERIC = {"int", "float", "bool"}  # kinds that widen to FLOAT together (else to text)
_PYTHON = {str: TEXT, int: INT, float: FLOAT, bool: BOOL}
_INT64 = 2**63  # Int64 holds -2**63 <= n < 2**63
_EXACT = 2**53  # a float holds every whole number up to this one


def _dtype(hint: Any) -> Any:
    """The dtype of a field annotation (``int | None``, ``Literal["a", "b"]``, ...)."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        kinds = {type(a) for a in typing.get_args(hint)}
        return _PYTHON.get(kinds.pop()) if len(kinds) == 1 else None
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _dtype(inner[0]) if len(inner) == 1 else None
    return _PYTHON.get(hint)


def config_types(config_class: type) -> dict[str, Any]:
    """The declared column types of a configuration dataclass's fields.

    Example:
        >>> config_types(EpisodeConfig)["budget_usd"]
        Float64Dtype()
    """
    out = {}
    for name, hint in typing.get_type_hints(config_class).items():
        dtype = _dtype(hint)
        if dtype is not None:
            out[name] = dtype
    return out


def _named(dtype: Any, names: str) -> dict[str, Any]:
    return dict.fromkeys(names.split(), dtype)


# the columns of the ``episodes`` and ``steps`` tables that mean the same in both
TYPES: dict[str, Any] = {
    "config_key": TEXT,
    **config_types(EpisodeConfig),
    **_named(
        TEXT,
        "request_id outcome answer question_kind price_source "  # episodes
        "kind agent node name decision status artifacts derived_from",  # steps
    ),
    **_named(
        BOOL,
        "success ambiguous contested correct tool_correct repair tainted root_error tainted_input",
    ),
    **_named(
        FLOAT,  # dollars and seconds
        "cost_usd latency_s wall_s human_s booked_usd trip_budget_usd repair_cost_usd "
        "repair_latency_s tainted_cost_usd tainted_latency_s start_s",
    ),
    **_named(
        INT,  # counts
        "tokens_in tokens_out llm_calls tool_calls tool_errors decisions wrong_decisions "
        "coordination_tokens agents questions root_errors decisions_after_root "
        "tainted_artifacts blast_radius tainted_tokens errors_contained errors_absorbed "
        "errors_escaped errors_prevented execution_errors_reviewed execution_errors_caught "
        "tools_in_scope step options facts_found " + " ".join(f"tokens_in_{c}" for c in COMPONENTS),
    ),
}
# every column of each table
EPISODES: dict[str, Any] = TYPES | {"usage_missing": INT}  # replies
STEPS: dict[str, Any] = TYPES | {"usage_missing": BOOL}  # this reply


def has_value(values: pd.Series | Any) -> bool:
    """Whether any row of a column (a Series or a pandas array) has a value: NaN in a
    ``Float64`` column is one (unknown), a missing value (NA, None) is not."""
    array = values.array if isinstance(values, pd.Series) else values
    return len(array) > 0 and not bool(np.asarray(array.isna()).all())


def kind_of(column: pd.Series | Any) -> Kind | None:
    """A column's kind of values; None when no row has one (no type, as a column of None).

    Example:
        >>> kind_of(pd.Series([1, None], dtype=INT)), kind_of(pd.Series([None, None]))
        ('int', None)
    """
    if not has_value(column):
        return None
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        return "text"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    return "other"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA


def infer(values: Sequence[Any]) -> Kind | None:
    """The kind of a column of Python values (None: missing), as the store has always typed
    them (pyarrow's inference, before fastparquet): booleans, whole numbers, numbers, text;
    anything else (mixed kinds, lists, dicts) is kept as text."""
    present = [v for v in values if not _missing(v)]
    if not present:
        return None
    # an episode's columns are plain ints, floats or strings: told by their exact types,
    # without the abstract number classes' isinstance checks (most of a part's typing time)
    kinds = set(map(type, present))
    if kinds == {str}:
        return "text"
    if kinds <= {int, float}:  # no bool: type(True) is bool
        ints = float not in kinds and all(-_INT64 <= v < _INT64 for v in present)
        return "int" if ints else "float"
    if all(isinstance(v, bool | np.bool_) for v in present):
        return "bool"
    if any(isinstance(v, bool | np.bool_) for v in present):
        return "text"
    if all(isinstance(v, numbers.Integral) and -_INT64 <= int(v) < _INT64 for v in present):
        return "int"
    if all(isinstance(v, numbers.Real) for v in present):
        return "float"
    return "text"


_ARRAYS: dict[str, tuple[Any, Any, Any]] = {  # a kind's numpy type, pandas array, filler
    "int": (np.int64, pd.arrays.IntegerArray, 0),
    "float": (np.float64, pd.arrays.FloatingArray, 0.0),
    "bool": (np.bool_, pd.arrays.BooleanArray, False),
}


def column(values: Sequence[Any], kind: Kind | None, index: Any = None) -> pd.Series:
    """Python values (None: missing) as a column of ``kind``'s dtype (no kind: None)."""
    n = len(values)
    missing = np.fromiter((_missing(v) for v in values), dtype=bool, count=n)
    if kind is None or kind == "other":
        return pd.Series([None if m else v for v, m in zip(values, missing, strict=True)],
                         dtype=object, index=index)  # fmt: skip
    if kind == "text":
        return pd.Series([None if m else str(v) for v, m in zip(values, missing, strict=True)],
                         dtype=TEXT, index=index)  # fmt: skip
    numpy_type, array_type, fill = _ARRAYS[kind]
    data = np.array([fill if m else v for v, m in zip(values, missing, strict=True)], numpy_type)
    return pd.Series(array_type(data, missing), index=index)


def _float_text(value: float) -> str:
    """A float as text, as the store wrote it before fastparquet: ``1`` for 1.0, ``1e-7``."""
    text = repr(value)
    if text.endswith(".0"):
        text = text[:-2]
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", text)


_INT_TEXT = re.compile(r"[+-]?\d+")
_FLOAT_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf|infinity)", re.I)
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}


def _convert(values: list[Any], kind: Kind, to: Kind, *, widen: bool) -> list[Any] | None:
    """The present values as ``to`` (missing ones stay None); None when a value would
    change. ``widen``: to ``float`` or ``text``, whatever it takes."""
    present = [v for v in values if v is not None]
    out: list[Any] | None = None
    if to == "text":
        if kind == "bool":
            out = ["true" if v else "false" for v in present]
        elif kind == "float":
            out = [_float_text(float(v)) for v in present]
        else:
            out = [str(v) for v in present]
    elif to == "float" and kind in NUMERIC:
        if widen or all(isinstance(v, bool) or abs(v) <= _EXACT for v in present):
            out = [float(v) for v in present]
    elif to == "float" and kind == "text":
        if all(_FLOAT_TEXT.fullmatch(v) for v in present):
            out = [float(v) for v in present]
    elif to == "int" and kind in NUMERIC:
        if all(isinstance(v, bool) or (math.isfinite(v) and float(v).is_integer()
                                       and -_INT64 <= v < _INT64) for v in present):  # fmt: skip
            out = [int(v) for v in present]
    elif to == "int" and kind == "text":
        if all(_INT_TEXT.fullmatch(v) and -_INT64 <= int(v) < _INT64 for v in present):
            out = [int(v) for v in present]
    elif to == "bool" and kind in NUMERIC:  # 0 and 1 only: a 2 is no boolean
        if all(v in (0, 1) for v in present):
            out = [bool(v) for v in present]
    elif to == "bool" and kind == "text" and all(v.lower() in _BOOL_TEXT for v in present):
        out = [_BOOL_TEXT[v.lower()] for v in present]
    if out is None:
        return None
    converted = iter(out)
    return [None if v is None else next(converted) for v in values]


def cast(series: pd.Series, dtype: Any, *, widen: bool = False) -> pd.Series:
    """The column as ``dtype`` (one of ``DTYPES``), every value unchanged; when one would
    change, widened instead: to ``FLOAT`` for numbers, else to ``TEXT``.

    Example:
        >>> cast(pd.Series([1, 2]), FLOAT).tolist(), cast(pd.Series([1.5]), INT).tolist()
        ([1.0, 2.0], [1.5])
    """
    to: Kind = next(k for k, d in DTYPES.items() if d == dtype)
    kind = kind_of(series)
    if kind is None:  # no value: any type holds it
        return column([None] * len(series), to, series.index)
    missing = series.isna().to_numpy()
    values = [None if m else v for v, m in zip(series.tolist(), missing, strict=True)]
    out = _convert(values, kind, to, widen=widen)
    if out is None:
        to = "float" if kind in NUMERIC and to in NUMERIC else "text"
        out = _convert(values, kind, to, widen=True)
    assert out is not None  # to float from numbers, to text from anything: always
    return column(out, to, series.index)


def conform(frame: pd.DataFrame, declared: dict[str, Any]) -> pd.DataFrame:
    """The part with each declared column cast to its declared type.

    A column whose values its declared type cannot hold unchanged is widened instead
    (``Float64`` for numbers, else text); undeclared columns are left as they are.

    Args:
        frame: A part, as written by any version (not changed: a copy is returned).
        declared: ``EPISODES`` or ``STEPS``.

    Example:
        >>> conform(pd.DataFrame({"cost_usd": [0, 1]}), EPISODES)["cost_usd"].dtype
        Float64Dtype()
    """
    changed = {
        name: cast(frame[name], declared[name])
        for name, dtype in frame.dtypes.items()
        if name in declared and dtype != declared[name]
    }
    return frame.assign(**changed) if changed else frame


def unified(
    frames: list[pd.DataFrame], declared: dict[str, Any]
) -> tuple[list[pd.DataFrame], dict[str, Kind | None]]:
    """Parts conformed, then any column still of different kinds across them widened
    alike (``Float64`` when all are numbers, else text), so they concatenate into one;
    and each column's kind in all of them (None: no value in any)."""
    frames = [conform(f, declared) for f in frames]
    each = [{str(name): kind_of(values) for name, values in f.items()} for f in frames]
    found: dict[str, set[Kind]] = {}
    for kinds in each:
        for name, one in kinds.items():
            found.setdefault(name, set())
            if one is not None:
                found[name].add(one)
    out: dict[str, Kind | None] = {}
    for name, present in found.items():
        if len(present) < 2:
            out[name] = present.pop() if present else None
            continue
        kind: Kind = "float" if present <= NUMERIC else "text"
        out[name], target = kind, DTYPES[kind]
        for j, f in enumerate(frames):
            if each[j].get(name) is not None and f[name].dtype != target:
                frames[j] = f.assign(**{name: cast(f[name], target, widen=True)})
    return frames, out


def unify(frames: list[pd.DataFrame], declared: dict[str, Any]) -> list[pd.DataFrame]:
    """Parts conformed and widened alike, so they concatenate into one (see ``unified``)."""
    return unified(frames, declared)[0]
