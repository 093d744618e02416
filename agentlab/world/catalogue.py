"""The tool catalogue: extra tool domains that grow an agent's scope past the core travel tools.

Introduced in notebook 02 (scope growth), after LangChain's "Benchmarking Single Agent
Performance" (Feb 2025), which added whole unrelated tool domains to one agent. The order of
``data/tools/catalogue.json`` is the *scope order*: ``catalogue_tools(n)`` takes its first ``n``
tools, domain by domain, near neighbours of the core tools (trains, rentals, taxis, cruises)
first. Each tool is a real ``StructuredTool`` whose schema is what a chat model is sent;
calling one is offline and deterministic (a short JSON payload hashed from its arguments).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from agentlab.data import data_path

if TYPE_CHECKING:  # the tools' libraries load when a tool is built, not with the catalogue's size
    from langchain_core.tools import BaseTool
    from pydantic import BaseModel

DEFAULT_CATALOGUE_PATH = data_path("tools", "catalogue.json")
CORE_TOOL_NAMES = frozenset(
    {"search_flights", "search_hotels", "search_ground_transport", "book_offer"}
)

_SCALAR_TYPES: dict[str, type] = {"string": str, "integer": int, "number": float, "boolean": bool}
_LIST_VERBS = frozenset({"search", "find", "list", "compare"})
_CANCEL_VERBS = frozenset({"cancel", "delete"})
_LOOKUP_VERBS = frozenset(  # any other verb (book, send, pay, ...) writes and confirms
    {"get", "check", "estimate", "convert", "geocode", "reverse", "translate", "detect", "read"}
    | {"transliterate", "transcribe", "split", "extract", "scan", "track"}
)


@dataclass(frozen=True)
class ToolSpec:
    """One catalogue tool as described in the JSON file."""

    name: str  # snake_case tool name, unique in the catalogue
    domain: str  # the domain it belongs to, e.g. "weather"
    description: str  # what the model reads when it chooses among tools
    parameters: dict[str, Any] = field(hash=False)  # JSON schema of the arguments
    latency_s: float  # the tool's own modeled latency per call, seconds (assumed)
    returns: str  # short description of what a call returns


def load_catalogue(path: Path | None = None) -> list[ToolSpec]:
    """Load the tool catalogue in scope order (cached per path).

    Args:
        path: JSON file to read; defaults to ``data/tools/catalogue.json`` in the repository.

    Returns:
        Every tool of every domain, flattened in file order.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If a tool is malformed, duplicated or reuses a core tool's name.

    Example:
        >>> specs = load_catalogue()
        >>> specs[0].domain
        'trains_and_buses'
    """
    return list(_load(Path(path or DEFAULT_CATALOGUE_PATH).resolve()))


def catalogue_size() -> int:
    """Number of tools in the default catalogue.

    Returns:
        The largest ``n`` that ``catalogue_tools`` accepts.

    Example:
        >>> catalogue_size() >= 130
        True
    """
    return len(_load(DEFAULT_CATALOGUE_PATH))


def catalogue_tools(n: int) -> list[BaseTool]:
    """The first ``n`` catalogue tools in scope order, as LangChain tools.

    Tools are built once and cached, so growing a scope in a sweep is cheap.

    Args:
        n: How many catalogue tools to put in scope, from 0 to ``catalogue_size()``.

    Returns:
        A new list of ``n`` tools (the tool objects themselves are shared).

    Raises:
        ValueError: If ``n`` is outside 0..catalogue_size().

    Example:
        >>> [t.name for t in catalogue_tools(2)]
        ['search_train_tickets', 'search_bus_tickets']
    """
    size = catalogue_size()
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= size:
        msg = f"n must be an integer in the range 0..{size} (catalogue_size()), got n={n!r}"
        raise ValueError(msg)
    return [spec_to_tool(spec) for spec in _load(DEFAULT_CATALOGUE_PATH)[:n]]


@cache
def spec_to_tool(spec: ToolSpec) -> BaseTool:
    """Turn a catalogue entry into a LangChain ``StructuredTool`` (built once per spec, cached).

    Args:
        spec: The catalogue entry.

    Returns:
        A tool whose ``args_schema`` mirrors ``spec.parameters`` and whose metadata holds
        ``latency_s``, ``domain`` and ``core=False``; calling it returns ``tool_result``.

    Example:
        >>> tool = spec_to_tool(load_catalogue()[0])
        >>> tool.metadata["core"]
        False
    """

    from agentlab.world.lab_tool import LabTool

    def run(**kwargs: Any) -> str:
        return tool_result(spec, kwargs)

    return LabTool(
        name=spec.name,
        description=spec.description,
        args_schema=_args_model(spec),
        func=run,
        metadata={"latency_s": spec.latency_s, "domain": spec.domain, "core": False},
    )


def example_args(spec: ToolSpec, *, include_optional: bool = False) -> dict[str, Any]:
    """Schema-valid example arguments for a tool (for tests and simulated calls).

    Args:
        spec: The catalogue entry.
        include_optional: Also fill the optional parameters.

    Returns:
        Arguments that validate against ``spec.parameters``.

    Example:
        >>> example_args(load_catalogue()[0])["departure_date"]
        '2025-06-01'
    """
    required = set(spec.parameters.get("required", []))
    props = _props(spec).items()
    return {k: _example_value(p) for k, p in props if include_optional or k in required}


def tool_result(spec: ToolSpec, args: dict[str, Any]) -> str:
    """The JSON string a catalogue tool returns for ``args`` (deterministic, never random).

    Args:
        spec: The catalogue entry.
        args: The call's arguments; ``None`` values count as omitted.

    Returns:
        Compact JSON ``{"tool": ..., "status": "ok", "result": {...}}``.

    Example:
        >>> tool_result(load_catalogue()[0], {"origin": "Porto"}).startswith('{"tool"')
        True
    """
    query = {k: _short(v) for k, v in sorted(args.items()) if v is not None}
    canonical = json.dumps(query, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{spec.name}|{canonical}".encode()).hexdigest()
    prefix = "".join(w[0] for w in spec.domain.split("_") if w != "and").upper()
    verb = spec.name.split("_", 1)[0]
    result: dict[str, Any] = {"kind": spec.returns, "query": query}
    if verb in _LIST_VERBS:
        hexes = [digest[6 * i + 1 : 6 * i + 7] for i in range(1 + int(digest[0], 16) % 3)]
        result["items"] = [{"id": f"{prefix}-{h}", "score": _score(h)} for h in hexes]
    elif verb in _LOOKUP_VERBS:
        result["id"] = f"{prefix}-{digest[:6]}"
        result["value"] = round(int(digest[6:14], 16) % 100_000 / 100, 2)
    else:
        result["reference"] = f"{prefix}-{digest[:8].upper()}"
        result["state"] = "cancelled" if verb in _CANCEL_VERBS else "confirmed"
    payload = {"tool": spec.name, "status": "ok", "result": result}
    return json.dumps(payload, separators=(",", ":"), default=str)


@lru_cache(maxsize=8)
def _load(path: Path) -> tuple[ToolSpec, ...]:
    """Read, validate and flatten one catalogue file."""
    if not path.is_file():
        msg = f"tool catalogue not found at {path} (expected data/tools/catalogue.json)"
        raise FileNotFoundError(msg)
    raw = json.loads(path.read_text(encoding="utf-8"))
    specs: list[ToolSpec] = []
    seen: set[str] = set()
    for domain in raw["domains"]:
        for tool in domain["tools"]:
            name = tool["name"]
            if name in seen or name in CORE_TOOL_NAMES:
                msg = f"{path}: tool name {name!r} is duplicated or reuses a core tool's name"
                raise ValueError(msg)
            seen.add(name)
            for pname, prop in tool["parameters"].get("properties", {}).items():
                if prop.get("type") not in {*_SCALAR_TYPES, "array"} or "description" not in prop:
                    msg = f"{path}: {name}.{pname} needs a supported type and a description"
                    raise ValueError(msg)
            fields = (tool["description"], tool["parameters"], float(tool["latency_s"]))
            specs.append(ToolSpec(name, domain["name"], *fields, tool["returns"]))
    return tuple(specs)


def _args_model(spec: ToolSpec) -> type[BaseModel]:
    """Pydantic model mirroring the spec's JSON schema (each property's schema kept as written)."""
    from pydantic import Field, WithJsonSchema, create_model

    required = set(spec.parameters.get("required", []))
    fields: dict[str, Any] = {}
    for name, prop in _props(spec).items():
        bounds = {k: prop[j] for k, j in (("ge", "minimum"), ("le", "maximum")) if j in prop}
        schema = {k: v for k, v in prop.items() if k != "description"}
        annotation = _annotation(prop) if name in required else _annotation(prop) | None
        # WithJsonSchema travels with the type into tool_call_schema; keeps "format", drops anyOf
        annotated = cast(Any, Annotated)[annotation, WithJsonSchema(schema)]
        default = ... if name in required else None
        fields[name] = (annotated, Field(default, description=prop["description"], **bounds))
    model_name = "".join(part.title() for part in spec.name.split("_"))
    return create_model(model_name, __doc__=spec.description, **fields)


def _props(spec: ToolSpec) -> dict[str, dict[str, Any]]:
    """The spec's parameter properties by name."""
    props: dict[str, dict[str, Any]] = spec.parameters.get("properties", {})
    return props


def _annotation(prop: dict[str, Any]) -> Any:
    """Python type for one JSON-schema property."""
    if prop["type"] == "array":
        return list[str]
    if "enum" in prop:
        return cast(Any, Literal)[tuple(prop["enum"])]
    return _SCALAR_TYPES[prop["type"]]


def _example_value(prop: dict[str, Any]) -> Any:
    """One schema-valid value for a property."""
    kind = prop["type"]
    if kind == "array":
        return ["example"]
    if "enum" in prop:
        return prop["enum"][0]
    if kind == "integer":
        return max(prop.get("minimum", 1), min(prop.get("maximum", 2), 2))
    if kind == "number":
        return 42.5
    if kind == "boolean":
        return True
    return "2025-06-01" if prop.get("format") == "date" else "example"


def _short(value: Any) -> Any:
    """Argument value trimmed for echoing in a result."""
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:37] + "..."
    if isinstance(value, list):
        return [_short(v) for v in value[:5]]
    return value


def _score(hex_id: str) -> float:
    """A stable relevance score in [0.5, 1.0) from a hex id."""
    return round(0.5 + int(hex_id[:2], 16) / 512, 2)
