"""Tests for agentlab.world.catalogue: the extra tool domains that grow an agent's scope."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from agentlab.world.catalogue import (
    CORE_TOOL_NAMES,
    DEFAULT_CATALOGUE_PATH,
    ToolSpec,
    catalogue_size,
    catalogue_tools,
    example_args,
    load_catalogue,
    spec_to_tool,
    tool_result,
)

SPECS = load_catalogue()
NEAR_NEIGHBOURS = {"trains_and_buses", "vacation_rentals", "car_sharing_and_taxis"}
ALLOWED_TYPES = {"string", "integer", "number", "boolean", "array"}


def _domains_in_order() -> list[str]:
    return list(dict.fromkeys(spec.domain for spec in SPECS))


def test_file_loads_with_source_and_domains() -> None:
    raw = json.loads(DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert "assumed: typical public API round-trip times" in raw["source"]
    assert [d["name"] for d in raw["domains"]] == _domains_in_order()
    assert all(d["description"] and 6 <= len(d["tools"]) <= 10 for d in raw["domains"])


def test_size_and_domain_count() -> None:
    assert len(SPECS) == catalogue_size() >= 130
    assert len(_domains_in_order()) >= 16


def test_names_unique_snake_case_and_not_core() -> None:
    names = [spec.name for spec in SPECS]
    assert len(names) == len(set(names))
    assert not set(names) & CORE_TOOL_NAMES
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name) for name in names)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_fields_are_well_formed(spec: ToolSpec) -> None:
    assert 0.15 <= spec.latency_s <= 2.5
    assert spec.description and spec.returns
    params = spec.parameters
    assert params["type"] == "object"
    assert set(params["required"]) <= set(params["properties"])
    for name, prop in params["properties"].items():
        assert name.isidentifier() and prop["description"], name
        assert prop["type"] in ALLOWED_TYPES, name
        if prop["type"] == "array":
            assert prop["items"] == {"type": "string"}, name


def test_bookings_are_dearer_than_lookups() -> None:
    def mean(prefix: str) -> float:
        lat = [s.latency_s for s in SPECS if s.name.startswith(prefix)]
        return sum(lat) / len(lat)

    assert mean("book_") > 2 * mean("get_")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_tool_converts_to_openai_schema(spec: ToolSpec) -> None:
    tool = spec_to_tool(spec)
    assert isinstance(tool, StructuredTool)
    assert tool.metadata == {"latency_s": spec.latency_s, "domain": spec.domain, "core": False}
    function = convert_to_openai_tool(tool)["function"]
    assert function["name"] == spec.name
    assert function["description"] == spec.description
    params = function["parameters"]
    assert sorted(params.get("required", [])) == sorted(spec.parameters["required"])
    assert set(params["properties"]) == set(spec.parameters["properties"])
    for name, prop in spec.parameters["properties"].items():
        sent = params["properties"][name]
        assert sent["description"] == prop["description"]
        assert sent["type"] == prop["type"]
        for key in ("enum", "minimum", "maximum", "format"):
            assert sent.get(key) == prop.get(key), (name, key)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("include_optional", [False, True])
def test_tool_call_is_ok_and_deterministic(spec: ToolSpec, include_optional: bool) -> None:
    tool = spec_to_tool(spec)
    args = example_args(spec, include_optional=include_optional)
    tool.args_schema.model_validate(args)  # type: ignore[union-attr]
    first = tool.invoke(args)
    assert first == tool.invoke(dict(args)) == tool_result(spec, args)
    payload = json.loads(first)
    assert payload["tool"] == spec.name
    assert payload["status"] == "ok"
    assert payload["result"]
    assert len(first) < 600


def test_result_depends_on_arguments() -> None:
    tool = catalogue_tools(1)[0]
    base: dict[str, Any] = {"origin": "Porto", "destination": "Lisbon"}
    base["departure_date"] = "2025-06-01"
    assert tool.invoke(base) != tool.invoke({**base, "destination": "Faro"})


def test_tool_call_through_a_tool_call_message() -> None:
    spec = next(s for s in SPECS if s.name.startswith("book_"))
    call = {"name": spec.name, "args": example_args(spec), "id": "call_1", "type": "tool_call"}
    message = spec_to_tool(spec).invoke(call)
    assert json.loads(message.content)["result"]["state"] == "confirmed"


def test_catalogue_tools_zero_and_prefix_order() -> None:
    assert catalogue_tools(0) == []
    names = [spec.name for spec in SPECS]
    for n in (1, 4, 37, catalogue_size()):
        tools = catalogue_tools(n)
        assert [t.name for t in tools] == names[:n]
    assert catalogue_tools(5)[:3] == catalogue_tools(3)


@pytest.mark.parametrize("n", [-1, 10_000, 2.5, True])
def test_catalogue_tools_rejects_bad_n(n: Any) -> None:
    with pytest.raises(ValueError, match=rf"\bn\b.*0\.\.{catalogue_size()}"):
        catalogue_tools(n)
    with pytest.raises(ValueError, match="n="):
        catalogue_tools(n)


def test_near_neighbour_domains_come_first() -> None:
    assert set(_domains_in_order()[:4]) >= NEAR_NEIGHBOURS
    first = catalogue_tools(4)
    assert {t.metadata["domain"] for t in first if t.metadata} <= NEAR_NEIGHBOURS
    assert {"search_train_tickets", "book_vacation_rental", "book_taxi", "search_cruises"} <= {
        spec.name for spec in SPECS
    }


def test_domains_are_contiguous() -> None:
    domains = [spec.domain for spec in SPECS]
    changes = sum(1 for a, b in pairwise(domains) if a != b)
    assert changes == len(set(domains)) - 1


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="tool catalogue not found"):
        load_catalogue(tmp_path / "nope.json")


def test_duplicate_or_core_name_is_rejected(tmp_path: Path) -> None:
    tool = {"name": "book_offer", "description": "d", "latency_s": 1.0, "returns": "r"}
    tool["parameters"] = {"type": "object", "properties": {}, "required": []}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"source": "s", "domains": [{"name": "x", "tools": [tool]}]}))
    with pytest.raises(ValueError, match="book_offer"):
        load_catalogue(path)
