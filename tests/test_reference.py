"""Tests for agentlab.measure.reference: the published figures the notebooks compare against."""

from __future__ import annotations

import pytest

from agentlab.measure.reference import REFERENCE_DIR, names, reference


def test_each_table_loads_and_has_a_source_line() -> None:
    readme = (REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    assert names(), "no reference tables"
    for name in names():
        assert not reference(name).empty
        assert f"| {name}.csv |" in readme, f"{name}.csv has no source line in the README"


def test_known_tables() -> None:
    assert reference("nolima_gpt4o.csv").columns.tolist() == ["context_tokens", "accuracy_pct"]
    assert "all_tools_in_prompt" in set(reference("tool_selection_rag_mcp").method)


def test_unknown_name_lists_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"allowed: .*nolima_gpt4o"):
        reference("nolima")
