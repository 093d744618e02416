"""The declared column types of a sweep store's tables: one schema for every part.

Left to infer, Arrow types a column from the values of one chunk: ``cost_usd`` is ``int64``
in a chunk whose episodes all failed before spending anything (``0``) and ``double``
elsewhere; a ``budget_usd`` of ``1`` is an integer, ``0.5`` a float; a field that is None
in every row has no type at all. Parts then disagree, and a later version that writes a
column differently cannot be loaded with an earlier one. So every column the lab writes
has a declared type here (``EPISODES`` and ``STEPS``; the configuration's from its
dataclass's annotations), each part is cast to it when written, and every part is cast to
it again when loaded, whatever wrote it. A value the declared type cannot hold without
change (``1.5``, or a NaN for tokens a reply did not report, in an integer column) widens
its column, to ``double`` for numbers, else to text: never lost, and as pandas would type
the same rows. A column declared nowhere (an episode function's own) keeps the type it was
written with, and is unified the same way across parts.

Introduced in notebook 10 (`10_your_own_experiment.ipynb`).
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from agentlab.config import EpisodeConfig
from agentlab.sim.prompt import COMPONENTS

_ARROW = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def _arrow_type(hint: Any) -> pa.DataType | None:
    """The Arrow type of a field annotation (``int | None``, ``Literal["a", "b"]``, ...)."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        kinds = {type(a) for a in typing.get_args(hint)}
        return _ARROW.get(kinds.pop()) if len(kinds) == 1 else None
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _arrow_type(inner[0]) if len(inner) == 1 else None
    return _ARROW.get(hint)


def config_types(config_class: type) -> dict[str, pa.DataType]:
    """The declared column types of a configuration dataclass's fields.

    Example:
        >>> config_types(EpisodeConfig)["budget_usd"]
        DataType(double)
    """
    hints = typing.get_type_hints(config_class)
    out = {}
    for name, hint in hints.items():
        arrow = _arrow_type(hint)
        if arrow is not None:
            out[name] = arrow
    return out


def _named(kind: pa.DataType, names: str) -> dict[str, pa.DataType]:
    return dict.fromkeys(names.split(), kind)


# the columns of the ``episodes`` and ``steps`` tables that mean the same in both
TYPES: dict[str, pa.DataType] = {
    "config_key": pa.string(),
    **config_types(EpisodeConfig),
    **_named(
        pa.string(),
        "request_id outcome answer question_kind price_source "  # episodes
        "kind agent node name decision status artifacts derived_from",  # steps
    ),
    **_named(
        pa.bool_(),
        "success ambiguous contested correct tool_correct repair tainted root_error tainted_input",
    ),
    **_named(
        pa.float64(),  # dollars and seconds
        "cost_usd latency_s wall_s human_s booked_usd trip_budget_usd repair_cost_usd "
        "repair_latency_s tainted_cost_usd tainted_latency_s start_s",
    ),
    **_named(
        pa.int64(),  # counts
        "tokens_in tokens_out llm_calls tool_calls tool_errors decisions wrong_decisions "
        "coordination_tokens agents questions root_errors decisions_after_root "
        "tainted_artifacts blast_radius tainted_tokens errors_contained errors_absorbed "
        "errors_escaped errors_prevented execution_errors_reviewed execution_errors_caught "
        "tools_in_scope step options " + " ".join(f"tokens_in_{c}" for c in COMPONENTS),
    ),
}
# every column of each table
EPISODES: dict[str, pa.DataType] = TYPES | {"usage_missing": pa.int64()}  # replies
STEPS: dict[str, pa.DataType] = TYPES | {"usage_missing": pa.bool_()}  # this reply


def _numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    )


def _widen(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    """The column as ``double`` (numbers) or text: a type that holds its values unchanged."""
    if _numeric(column.type) and _numeric(kind):
        return column.cast(pa.float64())
    return column if pa.types.is_string(column.type) else pc.cast(column, pa.string())


def conform(table: pa.Table, declared: dict[str, pa.DataType]) -> pa.Table:
    """The table with each declared column cast to its declared type.

    A column whose values its declared type cannot hold unchanged is widened instead
    (``double`` for numbers, else text); undeclared columns are left as they are.

    Args:
        table: A part, as written by any version.
        declared: ``EPISODES`` or ``STEPS``.

    Example:
        >>> conform(pa.table({"cost_usd": [0, 1]}), EPISODES).schema.field("cost_usd").type
        DataType(double)
    """
    for i, field in enumerate(table.schema):
        kind = declared.get(field.name)
        if kind is None or field.type == kind:
            continue
        column = table.column(i)
        try:
            cast = column.cast(kind)  # safe: refuses to truncate or overflow
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            cast = _widen(column, kind)
        table = table.set_column(i, field.name, cast)
    return table


def unify(tables: list[pa.Table], declared: dict[str, pa.DataType]) -> list[pa.Table]:
    """Tables conformed, then any column still typed differently across them widened
    alike, so they concatenate into one."""
    tables = [conform(t, declared) for t in tables]
    kinds: dict[str, set[pa.DataType]] = {}
    for t in tables:
        for field in t.schema:
            if not pa.types.is_null(field.type):
                kinds.setdefault(field.name, set()).add(field.type)
    for name, found in kinds.items():
        if len(found) < 2:
            continue
        target = pa.float64() if all(_numeric(k) for k in found) else pa.string()
        for j, t in enumerate(tables):
            if name in t.column_names and t.schema.field(name).type != target:
                i = t.column_names.index(name)
                column = t.column(i)
                cast = column.cast(target) if target == pa.float64() else _widen(column, target)
                tables[j] = t.set_column(i, name, cast)
    return tables
