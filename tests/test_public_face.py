"""The public face: a dozen names and the layers, reached from ``import agentlab`` alone."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import agentlab as al

NOTEBOOKS = sorted((Path(__file__).parents[1] / "agentlab" / "notebooks").glob("*.ipynb"))
LAYERS = {"graphs", "measure", "run", "serve", "sim", "ui", "world"}


def test_the_face_is_a_dozen_names_and_the_layers() -> None:
    names = set(al.__all__) - LAYERS
    assert 10 <= len(names) <= 14, sorted(names)
    assert set(al.__all__) >= LAYERS
    assert dir(al) == sorted(al.__all__)  # tab completion offers the face only


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_reaches_its_modules(layer: str) -> None:
    package = getattr(al, layer)
    modules = sorted(
        p.stem for p in Path(package.__file__).parent.glob("*.py") if p.stem != "__init__"
    )
    first = modules[0]
    assert getattr(package, first).__name__ == f"agentlab.{layer}.{first}"
    with pytest.raises(AttributeError, match="no attribute 'nowhere'"):
        package.nowhere  # noqa: B018


def test_a_name_that_moved_still_works_and_says_where_it_went() -> None:
    with pytest.warns(DeprecationWarning, match=r"agentlab\.world\.travel\.travel_tools"):
        tools = al.travel_tools(4)
    assert [t.name for t in tools] == [t.name for t in al.world.travel.travel_tools(4)]
    with pytest.raises(AttributeError):
        al.no_such_name  # noqa: B018


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_import_only_agentlab(path: Path) -> None:
    """Every module a notebook uses is reached as ``al.<layer>.<module>``."""
    imports = []
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        lines = source.splitlines()
        code = "\n".join("" if line.startswith(("%", "!")) else line for line in lines)
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("agentlab"):
                imports.append(f"from {node.module} import ...")
            elif isinstance(node, ast.Import):
                imports += [a.name for a in node.names if a.name.startswith("agentlab.")]
    assert imports == [], f"{path.name} imports {imports}; use `import agentlab as al` and al.*"
