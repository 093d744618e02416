"""Prose bound to numbers: which sentences of a notebook's Markdown state a number, an
ordering or a direction, and the checks that bind each one to the values the notebook
computed (issue 16, item 4).

A Markdown cell declares, in its metadata under ``"agentlab"``:

* ``"claims"``: ``[{"says": "<fragment of a sentence>", "check": "<Python expression>"}]``.
  ``with_claim_checks`` inserts, right after the cell, a code cell that evaluates each
  ``check`` in the notebook's kernel with the variables the learner has at that point, and
  fails with the sentence and the values when one is false (tests/test_notebooks.py
  executes every notebook this way: no second execution).
* ``"unchecked"``: ``[{"says": "<fragment>", "kind": "<kind>", "why": "<reason>"}]``, a
  sentence that states a number or a direction but measures nothing in this notebook.
  ``kind`` is one of ``KINDS``.

A sentence is *covered* when it contains the ``says`` fragment of one of its cell's claims
or unchecked entries (whitespace is collapsed before comparing). ``uncovered`` lists the
sentences that need cover and have none; ``declaration_problems`` what is wrong with the
declarations themselves (a fragment not in any sentence of the cell, a check that is not
an expression, an unknown kind). Sentences built by a code cell (``IPython.display.Markdown``
from the values) are output, not Markdown cells: they need no declaration.
"""

from __future__ import annotations

import ast
import copy
import inspect
import re
from dataclasses import dataclass
from typing import Any

import nbformat
from nbformat import NotebookNode

# Why a sentence may state a number or a direction without a check.
KINDS = {
    "definition": "defines a term or a measure (the glossary's, or the task's rule)",
    "arithmetic": "an arithmetic fact, true whatever the lab measures (0.95^10 = 0.60)",
    "published": "a published figure or finding; `why` names its source",
    "code": "describes the code, its settings or a mechanism of the simulation, not an outcome",
    "task": "an exercise's or a learner's instructions, not a finding",
}

# --- sentences ----------------------------------------------------------------------------

_FENCE = re.compile(r"^```.*?^```[^\n]*$", re.S | re.M)
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_UNIT_START = re.compile(r"^\s*(?:[*+-]|\d+\.|#{1,6})\s+")
# A sentence ends at . ! ? (before closing quotes or brackets) followed by a space and a
# capital, a quote, a bracket, a backtick or emphasis: not after these abbreviations.
_END = re.compile(r"(?<=[.!?])([\"')\]*_]*)\s+(?=[A-Z\"'(\[`*_])")
_ABBREVIATIONS = {"al.", "e.g.", "i.e.", "vs.", "cf.", "D.C.", "U.S.", "Fig.", "No."}


def _units(markdown: str) -> list[str]:
    """Paragraphs, list items and headings of ``markdown``, each on one line."""
    text = _MATH.sub(" ", _COMMENT.sub(" ", _FENCE.sub("\n\n", markdown)))
    text = _TAG.sub("\n\n", text)  # <details>, <summary>: their text stays, as its own unit
    units: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        current: list[str] = []
        for line in block.splitlines():
            if _UNIT_START.match(line) and current:
                units.append(" ".join(current))
                current = []
            current.append(line.strip())
        units.append(" ".join(current))
    return [" ".join(u.split()) for u in units if u.strip()]


def sentences(markdown: str) -> list[str]:
    """The sentences of a Markdown text, whitespace collapsed, markup kept.

    Code blocks, HTML comments and tags are left out; a heading or a list item is a
    sentence of its own even without a full stop.

    >>> sentences("## Costs\\n\\nWashington, D.C. is likelier. It wins\\n* two\\n* three")
    ['## Costs', 'Washington, D.C. is likelier.', 'It wins', '* two', '* three']
    """
    out: list[str] = []
    for unit in _units(markdown):
        start = 0
        for match in _END.finditer(unit):
            if unit[start : match.start()].split()[-1] in _ABBREVIATIONS:
                continue
            out.append(unit[start : match.end(1)].strip())  # closing quotes stay
            start = match.end()
        out.append(unit[start:].strip())
    return [s for s in out if s]


# --- which sentences state a number, an ordering or a direction ---------------------------

_CODE_SPAN = re.compile(r"`[^`]*`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# Numbers that are names, not measurements: notebooks, exercises, years of a citation; and
# "above" and "below" that say where on the page, not which is larger.
_NAMES = re.compile(
    r"(?i:\b(?:cells?|checks?|tables?|plots?|figures?|outputs?|printed|shown|computed|code"
    r"|section|see|in|from|timeline|line|list|curves?|runs?)\s+(?:above|below)\b)"
    r"|(?i:^(?:above|below)\b)|"
    r"(?i:\bnotebooks?\s+\d\d(?:\s*(?:-|\u2013|to|and|,)\s*\d\d)*)"
    r"|(?i:\bexercises?\s+\d\d\.\d)"
    r"|^#+\s*\d\d\s*·"
    r"|\bet al\.,?\s*\(?(?:19|20)\d\d\)?"
    r"|\b(?:19|20)\d\d(?=\))"
    r"|\b[A-Z][a-z]+\.?,?\s+\(?(?:19|20)\d\d\b\)?"
)
_NUMBER_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|hundreds|thousand|thousands|million|dozen|dozens|half|twice"
    r"|double|triple|quarter"
)
_DIRECTION_WORDS = (
    r"ris(?:e|es|ing|en)|rose|fall(?:s|ing|en)?|fell|grow(?:s|ing|n)?|grew|climb\w*"
    r"|drop\w*|declin\w*|increas\w*|decreas\w*|shrink\w*|collaps\w*|outgrow\w*|exceed\w*"
    r"|doubl\w*|halv\w*|degrad\w*|improv\w*|worsen\w*|sav(?:e|es|ing)|likelier"
    r"|more|most|less|least|fewer|fewest|higher|highest|lower|lowest|larger|largest"
    r"|smaller|smallest|bigger|biggest|cheaper|cheapest|dearer|dearest|costlier|pricier"
    r"|faster|fastest|slower|slowest|better|best|worse|worst|longer|longest|shorter"
    r"|shortest|greater|greatest|further|steep\w*|than|above|below"
)
_NUMBER = r"(?<![A-Za-z])(?<![A-Za-z]-)(?<![\d.,])\d+(?:[.,]\d+)*"  # not GPT-4o's 4
_TRIGGER = re.compile(
    rf"{_NUMBER}|%|[<>≤≥]|\b(?:{_NUMBER_WORDS})\b|\b(?:{_DIRECTION_WORDS})\b", re.I
)


def triggers(sentence: str) -> list[str]:
    """What makes ``sentence`` state a number, an ordering or a direction ([] if nothing).

    Inline code, link targets and names that hold digits (notebook 03, exercise 02.1, a
    citation's year) do not count; a question states nothing.

    >>> triggers("Success falls from 70% to 15% as the tools grow (notebook 02).")
    ['falls', '70', '%', '15', '%', 'grow']
    >>> triggers("Which scope is cheaper?")
    []
    """
    if sentence.rstrip("*_ ").endswith("?"):
        return []
    text = _LINK.sub(r"\1", _CODE_SPAN.sub(" ", sentence))
    text = _NAMES.sub(" ", text)
    return [m.group(0) for m in _TRIGGER.finditer(text)]


# --- declarations -------------------------------------------------------------------------


def _collapse(text: str) -> str:
    return " ".join(str(text).split())


def declarations(cell: NotebookNode) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A Markdown cell's claims and unchecked entries (both [] when it declares none)."""
    meta = cell.get("metadata", {}).get("agentlab", {})
    return list(meta.get("claims", [])), list(meta.get("unchecked", []))


@dataclass(frozen=True)
class Uncovered:
    """A sentence that states a number or a direction and is neither checked nor exempt."""

    cell: int  # the Markdown cell's index in the notebook (from 0, code cells counted)
    sentence: str  # the sentence, whitespace collapsed
    triggers: tuple[str, ...]  # what makes it a claim

    def __str__(self) -> str:
        words = ", ".join(dict.fromkeys(self.triggers))
        return f"cell {self.cell}: {self.sentence!r} (states: {words})"


def uncovered(nb: NotebookNode) -> list[Uncovered]:
    """The sentences of ``nb``'s Markdown cells that need a claim or an exemption and lack one."""
    found: list[Uncovered] = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        claims, unchecked = declarations(cell)
        fragments = [_collapse(d.get("says", "")) for d in claims + unchecked]
        for sentence in sentences(cell.source):
            words = triggers(sentence)
            if words and not any(f and f in sentence for f in fragments):
                found.append(Uncovered(index, sentence, tuple(words)))
    return found


def declaration_problems(nb: NotebookNode) -> list[str]:
    """What is wrong with the claims and unchecked entries of ``nb``'s cells ([] if nothing)."""
    problems: list[str] = []
    for index, cell in enumerate(nb.cells):
        claims, unchecked = declarations(cell)
        if not claims and not unchecked:
            continue
        if cell.cell_type != "markdown":
            problems.append(f"cell {index}: only a Markdown cell declares claims")
            continue
        said = sentences(cell.source)
        for entry in claims + unchecked:
            says = _collapse(entry.get("says", ""))
            if not says:
                problems.append(f"cell {index}: an entry without `says`: {entry}")
            elif not any(says in s for s in said):
                problems.append(f"cell {index}: {says!r} is in none of the cell's sentences")
        for claim in claims:
            try:
                ast.parse(claim.get("check", ""), mode="eval")
            except SyntaxError as exc:
                problems.append(f"cell {index}: check of {claim.get('says')!r}: {exc}")
            if not str(claim.get("check", "")).strip():
                problems.append(f"cell {index}: claim {claim.get('says')!r} has no `check`")
        for entry in unchecked:
            if entry.get("kind") not in KINDS:
                problems.append(
                    f"cell {index}: {entry.get('says')!r}: kind {entry.get('kind')!r} is "
                    f"not one of {sorted(KINDS)}"
                )
            if not str(entry.get("why", "")).strip():
                problems.append(f"cell {index}: {entry.get('says')!r} gives no `why`")
    return problems


# --- checking claims in the kernel --------------------------------------------------------


def _agentlab_check_claims(
    cell: int, claims: list[dict[str, str]], namespace: dict[str, object]
) -> None:
    """Evaluate each claim's check in ``namespace``; raise AssertionError naming the false ones.

    Runs inside the notebook's kernel (``with_claim_checks`` copies its source into the
    inserted cell), so it imports only the standard library. The message gives the claim's
    sentence fragment, its check, and the value of each side of each comparison in it (and
    of each argument of a call). Besides the notebook's variables a check may use
    ``increasing(xs)`` and ``decreasing(xs)`` (each value above, or below, the one before;
    ``strict=False`` allows ties), ``rises(xs)`` and ``falls(xs)`` (the last value above, or
    below, the first), over a Series, a list or a dict's values; a notebook variable of the
    same name wins.
    """
    import ast as _ast
    from itertools import pairwise as _pairwise
    from typing import Any  # noqa: F401 - the kernel evaluates these annotations

    def shown(expr: str) -> list[str]:
        parts: list[_ast.expr] = []

        def walk(node: _ast.expr) -> None:
            if isinstance(node, _ast.BoolOp):
                for value in node.values:
                    walk(value)
            elif isinstance(node, _ast.UnaryOp) and isinstance(node.op, _ast.Not):
                walk(node.operand)
            elif isinstance(node, _ast.Compare):
                parts.extend([node.left, *node.comparators])
            elif isinstance(node, _ast.Call):
                parts.extend(node.args)

        walk(_ast.parse(expr, mode="eval").body)
        lines = []
        for part in parts:
            if isinstance(part, _ast.Constant):
                continue
            source = _ast.unparse(part)
            try:
                value = repr(eval(source, namespace))
            except Exception as exc:  # shown, not raised
                value = f"<{type(exc).__name__}: {exc}>"
            lines.append(f"    {source} = {value[:300]}")
        return lines

    def _values(xs: Any) -> list[Any]:
        return list(xs.values()) if isinstance(xs, dict) else list(xs)

    def increasing(xs: Any, strict: bool = True) -> bool:
        """Each value above the one before (``strict=False``: or equal)."""
        pairs = _pairwise(_values(xs))
        return all(a < b if strict else a <= b for a, b in pairs)

    def decreasing(xs: Any, strict: bool = True) -> bool:
        """Each value below the one before (``strict=False``: or equal)."""
        pairs = _pairwise(_values(xs))
        return all(a > b if strict else a >= b for a, b in pairs)

    def rises(xs: Any) -> bool:
        """The last value above the first."""
        v = _values(xs)
        return bool(v[-1] > v[0])

    def falls(xs: Any) -> bool:
        """The last value below the first."""
        v = _values(xs)
        return bool(v[-1] < v[0])

    scope = dict(namespace)
    for helper in (increasing, decreasing, rises, falls):
        scope.setdefault(helper.__name__, helper)
    namespace = scope
    failed = []
    for claim in claims:
        says, check = claim["says"], claim["check"]
        try:
            ok = bool(eval(check, namespace))
            error = ""
        except Exception as exc:  # a check that cannot run is a failed claim
            ok, error = False, f" (it raised {type(exc).__name__}: {exc})"
        if not ok:
            failed.append(
                "\n".join([f'  says "{says}"', f"  check: {check}{error}", *shown(check)])
            )
    if failed:
        raise AssertionError(
            f"the prose of Markdown cell {cell} disagrees with the notebook's values:\n"
            + "\n".join(failed)
        )


INSERTED = "claims-check"  # metadata["agentlab"]["inserted"] of a cell with_claim_checks adds


def _inserted(source: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata={"agentlab": {"inserted": INSERTED}})


def with_claim_checks(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with a code cell after each Markdown cell that declares claims.

    The inserted cell checks the claims in the kernel at that point of the notebook, so
    a claim is held to the values the learner sees above it; a first inserted cell defines
    the checking function (``_agentlab_check_claims``). ``nb`` is not changed. Cell indices
    in the messages are those of ``nb`` (the notebook as committed).
    """
    out = copy.deepcopy(nb)
    cells = []
    for index, cell in enumerate(nb.cells):
        cells.append(out.cells[index])
        claims, _ = declarations(cell)
        if cell.cell_type != "markdown" or not claims:
            continue
        pairs = [{"says": _collapse(c["says"]), "check": c["check"]} for c in claims]
        source = (
            f"# The prose claims of Markdown cell {index} (inserted by tests/prose_claims.py)\n"
            f"_agentlab_check_claims({index}, {pairs!r}, globals())"
        )
        cells.append(_inserted(source))
    if len(cells) > len(nb.cells):
        cells.insert(0, _inserted(inspect.getsource(_agentlab_check_claims)))
    out.cells = cells
    return out


def claim_count(nb: NotebookNode) -> int:
    """How many claims ``nb``'s Markdown cells declare."""
    return sum(len(declarations(c)[0]) for c in nb.cells if c.cell_type == "markdown")


# --- the short path -----------------------------------------------------------------------

_DETAILS = re.compile(r"<details>.*?</details>", re.S)


def short_path_words(nb: NotebookNode) -> int:
    """Words of ``nb``'s Markdown outside ``<details>`` sections: what a first read covers."""
    return sum(
        len(_DETAILS.sub(" ", c.source).split()) for c in nb.cells if c.cell_type == "markdown"
    )
