"""The lab uses LangGraph and LangChain through their public APIs only: no attribute whose
name starts with an underscore is read or written on another library's object.

An object's own private names are its own business (``self._lock``); the methods LangChain
documents for implementing a chat model or a tool (``_generate``, ``_stream``, ...) are its
public extension points. Everything else that starts with ``_`` is someone's internals."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "agentlab"
# what LangChain's guides say to implement (custom chat models, custom tools)
EXTENSION_POINTS = {
    "_generate",
    "_agenerate",
    "_stream",
    "_astream",
    "_llm_type",
    "_identifying_params",
    "_run",
    "_arun",
    "_resolve_model_profile",  # BaseChatModel: "Override this in subclasses"
    "_get_ls_params",  # BaseChatModel: "standard params for tracing", set by each provider
}
LIBRARIES = ("langchain", "langgraph")
MACHINERY = {"_abc_impl", "_is_protocol", "_is_runtime_protocol"}  # set by abc and typing
ALLOWED = {
    ("os", "_exit"),  # documented: leave a forked child at once
    # the standard library's ProcessPoolExecutor offers no public way to stop running
    # workers before Python 3.14 (terminate_workers); backends.py reads it defensively
    ("pool", "_processes"),
}


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "data" not in p.relative_to(PACKAGE).parts)


def _own_names(cls: ast.ClassDef) -> set[str]:
    """Names a class defines: its methods, class attributes and ``self.x = ...`` targets."""
    names: set[str] = set()
    for node in ast.walk(cls):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"self", "cls"}
        ):
            names.add(node.attr)
    return names


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _on_self(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in {"self", "cls"}
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def private_uses(source: str) -> list[str]:
    """Where ``source`` touches a private name that is not its own: ``line: expression``.

    Example:
        >>> private_uses("class A:\\n    def f(self):\\n        return self._g")
        ['3: self._g']
        >>> private_uses("class A:\\n    def _g(self): ...\\n    def f(self): return self._g()")
        []
    """
    tree = ast.parse(source)
    found: list[str] = []

    def visit(node: ast.AST, own: set[str]) -> None:
        if isinstance(node, ast.ClassDef):
            own = _own_names(node)
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = node.value
            if _on_self(base):
                ok = node.attr in own or node.attr in EXTENSION_POINTS
            else:
                ok = isinstance(base, ast.Name) and (base.id, node.attr) in ALLOWED
            if not ok:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "setattr", "hasattr", "delattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _is_private(node.args[1].value)
            and not _on_self(node.args[0])
            and not (
                isinstance(node.args[0], ast.Name)
                and (node.args[0].id, node.args[1].value) in ALLOWED
            )
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        for child in ast.iter_child_nodes(node):
            visit(child, own)

    visit(tree, set())
    return found


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_attribute_of_another_library(path: Path) -> None:
    assert private_uses(path.read_text()) == [], f"{path}: private names of other objects"


def test_the_check_catches_what_it_is_for() -> None:
    caught = private_uses(
        "def f(graph, node):\n"
        "    graph._serde_allowlist = None\n"
        "    return getattr(node, '_func')\n"
        "class N:\n"
        "    def f(self, x):\n"
        "        return self._parse_input(x)\n"
    )
    assert caught == [
        "2: graph._serde_allowlist",
        "3: getattr(node, '_func')",
        "6: self._parse_input",
    ]


def _library_classes() -> list[tuple[str, type]]:
    """Every class the package defines on top of a LangChain or LangGraph class."""
    found = []
    for path in _sources():
        if path.name == "__main__.py":  # runs the command line when imported
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = importlib.import_module(name.removesuffix(".__init__"))
        for cls in vars(module).values():
            if (
                isinstance(cls, type)
                and cls.__module__ == module.__name__
                and any(b.__module__.startswith(LIBRARIES) for b in cls.__mro__[1:])
            ):
                found.append((f"{module.__name__}.{cls.__name__}", cls))
    return found


def test_no_private_method_of_a_library_class_is_overridden_but_its_extension_points() -> None:
    overridden = [
        f"{where}.{attr}"
        for where, cls in _library_classes()
        for attr in vars(cls)
        if _is_private(attr)
        and attr not in EXTENSION_POINTS | MACHINERY
        and any(
            attr in vars(base) for base in cls.__mro__[1:] if base.__module__.startswith(LIBRARIES)
        )
    ]
    assert overridden == []
    assert any(name.endswith("SimChatModel") for name, _ in _library_classes())  # it looks
