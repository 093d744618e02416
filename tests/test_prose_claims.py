"""Prose bound to numbers, and a course that opens and closes the same way (issue 16).

The static half, without executing anything: every Markdown sentence of every notebook
that states a number, an ordering or a direction is covered by a claim (checked against
the executed notebook by tests/test_notebooks.py, through ``prose_claims.with_claim_checks``)
or exempt with a reason; every notebook opens with what the learner will be able to do,
closes with key points, links the glossary, and its short path (the Markdown outside
``<details>``) reads in about twenty minutes. Then the tests of ``prose_claims`` itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from prose_claims import (
    INSERTED,
    _agentlab_check_claims,
    declaration_problems,
    sentences,
    short_path_words,
    triggers,
    uncovered,
    with_claim_checks,
)

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "agentlab" / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))

# Notebooks whose prose is not bound to its numbers yet. Their test is an expected failure
# (strict: once a notebook passes, its test fails until its name is removed from here).
PENDING: set[str] = set()
# Notebooks that do not open with objectives and close with key points yet (likewise).
PENDING_OUTLINE: set[str] = set()
SHORT_PATH_WORDS = 3_000  # about twenty minutes of reading, beside running the cells
OBJECTIVES = "What you will be able to do"
KEY_POINTS = "Key points"


def _params(pending: set[str], which: str) -> list[object]:
    return [
        pytest.param(
            p,
            id=p.name,
            marks=[pytest.mark.xfail(reason=f"pending: {p.name} in {which}", strict=True)]
            if p.name in pending
            else [],
        )
        for p in NOTEBOOKS
    ]


def _read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def test_pending_lists_name_notebooks_of_the_course() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert len(names) == 11
    assert names >= PENDING | PENDING_OUTLINE


@pytest.mark.parametrize("path", _params(PENDING, "PENDING"))
def test_every_number_sentence_is_checked_or_exempt(path: Path) -> None:
    nb = _read(path)
    problems = declaration_problems(nb)
    assert not problems, f"{path.name}: declarations to fix:\n" + "\n".join(problems)
    missing = uncovered(nb)
    assert not missing, (
        f"{path.name}: {len(missing)} sentences state a number, an ordering or a direction "
        "with neither a claim nor an exemption in their cell's metadata (tests/prose_claims.py; "
        "or build the sentence from the values with IPython.display.Markdown):\n"
        + "\n".join(f"  {m}" for m in missing)
    )


def _bullets(source: str) -> list[str]:
    return [line for line in source.splitlines() if re.match(r"\s{0,1}[*-] ", line)]


@pytest.mark.parametrize("path", _params(PENDING_OUTLINE, "PENDING_OUTLINE"))
def test_notebook_opens_with_objectives_and_closes_with_key_points(path: Path) -> None:
    markdown = [c.source for c in _read(path).cells if c.cell_type == "markdown"]
    opening = [s for s in markdown[:3] if OBJECTIVES in s]
    assert opening, f"{path.name}: none of the first Markdown cells says {OBJECTIVES!r}"
    assert 3 <= len(_bullets(opening[0])) <= 5, f"{path.name}: 3-5 objectives, as bullets"
    assert f"## {KEY_POINTS}" in markdown[-1], f"{path.name}: the last Markdown cell: key points"
    points = _bullets(markdown[-1].split(f"## {KEY_POINTS}")[1])
    assert 3 <= len(points) <= 5, f"{path.name}: 3-5 key points, as bullets"
    assert "glossary.md" in "\n".join(markdown), f"{path.name} does not link the glossary"
    for source in markdown:  # every collapsible section opens and closes, with a summary
        assert source.count("<details>") == source.count("</details>")
        assert source.count("<details>") == source.count("<summary>Go deeper: ")
    words = short_path_words(_read(path))
    assert words <= SHORT_PATH_WORDS, f"{path.name}: {words} words outside <details>"


# --- prose_claims itself ------------------------------------------------------------------


def _notebook(*cells: NotebookNode) -> NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def _md(source: str, **agentlab: object) -> NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    if agentlab:
        cell.metadata["agentlab"] = agentlab
    return cell


def test_sentences_keep_abbreviations_headings_and_list_items_apart() -> None:
    text = (
        "## Washington\n\nThe plan reads Washington, D.C. as the capital. Kim et al. (2025)\n"
        "agree, e.g. on teams.\n\n* First item\n* Second. Third\n\n```bash\nrun 4 32\n```\n"
        "<details><summary>Go deeper: why</summary>\n\nIt falls.\n</details>"
    )
    assert sentences(text) == [
        "## Washington",
        "The plan reads Washington, D.C. as the capital.",
        "Kim et al. (2025) agree, e.g. on teams.",
        "* First item",
        "* Second.",
        "Third",
        "Go deeper: why",
        "It falls.",
    ]


@pytest.mark.parametrize(
    ("sentence", "states"),
    [
        ("Success falls as the tools grow.", ["falls", "grow"]),
        ("The team is cheaper than the single agent.", ["cheaper", "than"]),
        ("It caught 6 of 17, or 35%.", ["6", "17", "35", "%"]),
        ("Twice the tokens, 1,000 notes, 0.95 per step.", ["Twice", "1,000", "0.95"]),
        ("Notebook 03 and exercise 02.1 use GPT-4o and gpt-4o-mini.", []),
        ("NoLiMa (Modarressi et al. 2025) and tau-bench (Yao et al., 2024).", []),
        ("Run the check below, then the cell above.", []),
        ("Is the team cheaper than the single agent?", []),
        ("The `tools=32` run is in [notebook 02](02_scaling_scope.ipynb).", []),
    ],
)
def test_triggers_find_numbers_orderings_and_directions_not_names(
    sentence: str, states: list[str]
) -> None:
    assert triggers(sentence) == states


def test_an_uncovered_direction_sentence_is_reported() -> None:
    nb = _notebook(
        nbformat.v4.new_code_cell("share = {0: 0.35, 1000: 0.16}"),
        _md("The reviewer's share of slips caught falls as the prompt fills. Read the plot."),
    )
    [found] = uncovered(nb)
    assert found.cell == 1 and found.triggers == ("falls",)
    assert "falls as the prompt fills" in str(found)


def test_a_claim_or_an_exemption_covers_its_sentence() -> None:
    claim = {"says": "falls as the  prompt\nfills", "check": "share[1000] < share[0]"}
    exempt = {"says": "0.95^10 = 0.60", "kind": "arithmetic", "why": "powers of 0.95"}
    nb = _notebook(
        _md("The share falls as the prompt fills.", claims=[claim]),
        _md("Textbook compounding: 0.95^10 = 0.60.", unchecked=[exempt]),
    )
    assert uncovered(nb) == [] and declaration_problems(nb) == []


def test_the_static_test_fails_on_an_uncovered_sentence(tmp_path: Path) -> None:
    path = tmp_path / "99_synthetic.ipynb"
    nbformat.write(_notebook(_md("Cost per success is cheaper with a window.")), path)
    with pytest.raises(AssertionError, match="cheaper with a window"):
        test_every_number_sentence_is_checked_or_exempt(path)


def test_bad_declarations_are_named() -> None:
    nb = _notebook(
        _md(
            "The team costs more.",
            claims=[
                {"says": "costs less", "check": "True"},
                {"says": "costs more", "check": "cost >"},
            ],
            unchecked=[{"says": "The team", "kind": "opinion", "why": ""}],
        )
    )
    problems = "\n".join(declaration_problems(nb))
    assert "'costs less' is in none of the cell's sentences" in problems
    assert "check of 'costs more'" in problems
    assert "kind 'opinion' is not one of" in problems and "gives no `why`" in problems


def test_a_false_claim_fails_with_its_sentence_and_values() -> None:
    namespace: dict[str, object] = {"share": {0: 0.35, 300: 0.37, 1000: 0.16}}
    claims = [
        {"says": "falls below the none-notes share", "check": "share[1000] < share[0]"},
        {"says": "falls as the prompt fills", "check": "share[0] > share[300] > share[1000]"},
        {"says": "a check that cannot run", "check": "missing > 0"},
    ]
    with pytest.raises(AssertionError) as failure:
        _agentlab_check_claims(7, claims, namespace)
    message = str(failure.value)
    assert "Markdown cell 7" in message
    assert "falls below" not in message  # the true claim is not reported
    assert 'says "falls as the prompt fills"' in message
    assert "share[300] = 0.37" in message and "share[0] = 0.35" in message
    assert "NameError" in message
    _agentlab_check_claims(7, claims[:1], namespace)  # a true claim passes silently


def test_checks_may_use_the_direction_helpers() -> None:
    share = {0: 0.35, 300: 0.37, 1000: 0.16}
    true = [
        "increasing([1, 2, 3]) and increasing([1, 1], strict=False) and not increasing([1, 1])",
        "decreasing({'a': 3, 'b': 1}) and rises([1, 0, 2]) and falls(share) and not falls([1, 2])",
    ]
    _agentlab_check_claims(0, [{"says": c, "check": c} for c in true], {"share": share})
    with pytest.raises(AssertionError, match=r"decreasing\(share\) is False|share = "):
        _agentlab_check_claims(
            0, [{"says": "falls", "check": "decreasing(share)"}], {"share": share}
        )
    # a notebook variable of the same name wins over a helper
    _agentlab_check_claims(0, [{"says": "own", "check": "rises == 1"}], {"rises": 1})


def test_checks_are_inserted_after_their_cell_and_the_notebook_is_unchanged() -> None:
    claim = {"says": "is 2", "check": "x == 2"}
    nb = _notebook(nbformat.v4.new_code_cell("x = 2"), _md("Here x is 2.", claims=[claim]))
    checked = with_claim_checks(nb)
    assert len(nb.cells) == 2 and len(checked.cells) == 4
    helper, inserted = checked.cells[0], checked.cells[3]
    for cell in (helper, inserted):
        assert cell.cell_type == "code" and cell.metadata["agentlab"]["inserted"] == INSERTED
    assert "x == 2" in inserted.source and "Markdown cell 1" in inserted.source
    namespace: dict[str, object] = {}
    for cell in checked.cells:  # the copy runs as a notebook would, and passes
        if cell.cell_type == "code":
            exec(cell.source, namespace)
    plain = _notebook(_md("No claims."))
    assert with_claim_checks(plain) == plain


@pytest.mark.notebook
def test_the_executed_notebook_fails_on_a_claim_its_output_contradicts(
    execute_notebook: Callable[..., NotebookNode], tmp_path: Path
) -> None:
    nb = _notebook(
        nbformat.v4.new_code_cell("caught = {0: (6, 17), 300: (19, 51), 1000: (14, 85)}"),
        _md(
            "With 300 notes the reviewer catches more slips than with none.",
            claims=[{"says": "catches more slips", "check": "caught[300][0] > caught[0][0]"}],
        ),
        nbformat.v4.new_code_cell("share = {k: c / n for k, (c, n) in caught.items()}"),
        _md(
            "The share it catches falls as the prompt fills with notes.",
            claims=[
                {
                    "says": "falls as the prompt fills",
                    "check": "share[0] > share[300] > share[1000]",
                }
            ],
        ),
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        execute_notebook(with_claim_checks(nb), cwd=tmp_path)
    message = str(failure.value)
    assert "Markdown cell 3" in message and "Markdown cell 1 " not in message
    assert 'says "falls as the prompt fills"' in message
    assert "share[300] = 0.372" in message and "share[0] = 0.352" in message
