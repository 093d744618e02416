"""The packaging files agree: pyproject.toml, environment.yml, constraints.txt, Makefile,
.ci/run and the README's two commands."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import make_env
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version


@pytest.fixture(scope="module")
def pyproject(repo_root: Path) -> dict[str, Any]:
    with (repo_root / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def _normalise(requirements: list[str]) -> dict[str, str]:
    """{canonical name: sorted specifier} for requirement strings."""
    out: dict[str, str] = {}
    for line in requirements:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name not in out, f"{name} listed twice"
        out[name] = ",".join(sorted(str(s) for s in req.specifier))
    return out


def _declared(pyproject: dict[str, Any]) -> dict[str, str]:
    project = pyproject["project"]
    return _normalise(project["dependencies"] + project["optional-dependencies"]["dev"])


def _pins(repo_root: Path) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for raw in (repo_root / "constraints.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"not an exact pin: {raw!r}"
        pins[canonicalize_name(req.name)] = Version(specs[0].version)
    return pins


def test_distribution_name_is_not_pypis_agentlab(pyproject: dict[str, Any]) -> None:
    # PyPI's `agentlab` is an unrelated project.
    assert canonicalize_name(pyproject["project"]["name"]) != "agentlab"
    assert pyproject["project"]["name"] == "agentlab-scaling"


def test_console_script(pyproject: dict[str, Any]) -> None:
    assert pyproject["project"]["scripts"]["agentlab"] == "agentlab.commands.cli:main"


def test_langchain_core_stays_below_1_8(pyproject: dict[str, Any]) -> None:
    spec = Requirement(_find(pyproject["project"]["dependencies"], "langchain-core")).specifier
    assert not spec.contains("1.8.0")
    assert spec.contains("1.7.7")


def _find(requirements: list[str], name: str) -> str:
    return next(r for r in requirements if canonicalize_name(Requirement(r).name) == name)


def test_environment_yml_mirrors_pyproject(repo_root: Path, pyproject: dict[str, Any]) -> None:
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    assert env["name"] == "agentlab"
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    requirements = [line for line in pip_section if not line.startswith("-")]
    assert _normalise(requirements) == _declared(pyproject)
    assert "-e ." in pip_section
    assert "-c constraints.txt" in pip_section


def test_every_dependency_is_pinned_within_its_range(
    repo_root: Path, pyproject: dict[str, Any]
) -> None:
    pins = _pins(repo_root)
    project = pyproject["project"]
    for line in project["dependencies"] + project["optional-dependencies"]["dev"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{name} has no exact pin in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {req.specifier}"
        )


def test_makefile_installs_with_the_pins(repo_root: Path) -> None:
    makefile = (repo_root / "Makefile").read_text()
    assert "pip install --no-compile -c constraints.txt" in makefile  # pip, the fallback
    assert "$(UV) pip install --quiet --python $(BIN)/python -c constraints.txt" in makefile
    assert '$(INSTALL) -e ".[dev]"' in makefile  # make test: the dev extra
    assert "$(INSTALL) -e . " in makefile  # make lab: the runtime only
    assert "-m venv" in makefile


def test_ci_runs_make_test(repo_root: Path) -> None:
    run = repo_root / ".ci" / "run"
    text = run.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert "make test" in text
    assert os.access(run, os.X_OK), ".ci/run is not executable (git update-index --chmod=+x)"


def test_readme_quick_start_gives_the_two_commands(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in quick_start.splitlines() if line.startswith("make ")]
    assert commands == ["make lab", "make test"]


@pytest.mark.slow
def test_every_exported_name_resolves_and_the_heavy_ones_load_on_first_use() -> None:
    code = (
        "import sys, agentlab as al\n"
        "lazy = [m for m in "
        "('agentlab.run.sweep', 'agentlab.ui.explorer', 'agentlab.serve.server', "
        "'langchain_core', 'langgraph', 'pandas', 'plotly') "
        "if m in sys.modules]\n"
        "assert not lazy, lazy\n"
        "missing = [n for n in al.__all__ if getattr(al, n, None) is None]\n"
        "assert not missing, missing\n"
        "assert sorted(al.__all__) == al.__all__ and set(al.__all__) <= set(dir(al))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_every_data_file_ships_in_the_wheel(repo_root: Path, pyproject: dict[str, Any]) -> None:
    """Each file under agentlab/data/ is named by a package-data pattern (a file left out
    works in a clone and fails from the wheel)."""
    data = repo_root / "agentlab" / "data"
    patterns = pyproject["tool"]["setuptools"]["package-data"]["agentlab.data"]
    shipped = {p for pattern in patterns for p in data.glob(pattern)}  # as setuptools globs
    missing = [
        str(p.relative_to(data))
        for p in data.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.name != "__init__.py"
        and p not in shipped
    ]
    assert missing == [], f"not in the wheel's package data: {missing}"


# Modules the package imports by name only when asked for, saying how to install them when
# they are missing: the extra (or the dev set) that provides each.
OPTIONAL_IMPORTS = {
    "ray": "ray",  # backends.import_ray: the `ray` extra
    "yaml": "dev",  # sweep_cli: YAML sweep files (TOML and JSON need nothing)
}
# Folders whose scripts import their neighbours by name (the data build scripts, the
# instructors' scripts that tests load): a module beside the importing file is theirs.
SCRIPT_FOLDERS = ("agentlab/data", "instructors", "tests", "benchmarks")


def _imported(repo_root: Path, folder: str) -> dict[str, set[str]]:
    """{top-level module: files importing it} over ``folder``'s Python files: every absolute
    import (typing-only and function-level ones included) and every
    ``importlib.import_module("name")`` with a literal name; less the standard library,
    agentlab itself and, in ``SCRIPT_FOLDERS``, the repository's own scripts."""
    ours = {p.stem for f in SCRIPT_FOLDERS for p in (repo_root / f).rglob("*.py") if f != folder}
    found: dict[str, set[str]] = {}
    for path in (repo_root / folder).rglob("*.py"):
        where = path.relative_to(repo_root)
        local = any(where.is_relative_to(f) for f in SCRIPT_FOLDERS)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = [node.args[0].value]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("agentlab", "__future__"):
                    continue
                if local and ((path.parent / f"{top}.py").exists() or top in ours):
                    continue
                found.setdefault(top, set()).add(str(where))
    return found


def _undeclared(
    imported: dict[str, set[str]], declared: set[str]
) -> dict[str, tuple[list[str], list[str]]]:
    """The imported modules no declared distribution provides: {module: (its
    distributions, the first files importing it)}."""
    provides = importlib.metadata.packages_distributions()
    out = {}
    for module, files in sorted(imported.items()):
        dists = {canonicalize_name(d) for d in provides.get(module, [])}
        assert dists, f"{module} (imported by {sorted(files)}) comes from no installed package"
        if not dists & declared:
            out[module] = (sorted(dists), sorted(files)[:3])
    return out


def test_every_module_the_package_imports_is_a_declared_dependency(
    repo_root: Path, pyproject: dict[str, Any]
) -> None:
    """A library agentlab imports itself is in [project.dependencies]: one that only arrives
    through another dependency would go the day that dependency drops it (the wheel would
    install and then fail to import). The optional ones are in their extra."""
    runtime = set(_normalise(pyproject["project"]["dependencies"]))
    extras = pyproject["project"]["optional-dependencies"]
    imported = _imported(repo_root, "agentlab")
    for module, extra in OPTIONAL_IMPORTS.items():
        assert module in imported, f"{module} is no longer imported: drop it from the list"
        del imported[module]
        dists = {canonicalize_name(d) for d in importlib.metadata.packages_distributions()[module]}
        assert dists & set(_normalise(extras[extra])), f"{module} is not in the {extra} extra"
    undeclared = _undeclared(imported, runtime)
    assert undeclared == {}, f"imported by agentlab, not in [project.dependencies]: {undeclared}"


@pytest.mark.parametrize("folder", ["tests", "benchmarks", "instructors"])
def test_every_module_the_tools_import_is_a_declared_dependency(
    repo_root: Path, pyproject: dict[str, Any], folder: str
) -> None:
    """The tests, the benchmark and the instructors' scripts import only what the runtime
    and the dev extra declare (``make test`` installs exactly those)."""
    undeclared = _undeclared(_imported(repo_root, folder), set(_declared(pyproject)))
    assert undeclared == {}, f"imported by {folder}/, not declared: {undeclared}"


@pytest.mark.slow
def test_a_run_ends_with_the_cpu_each_module_took(repo_root: Path) -> None:
    """``make test`` prints, after the slowest tests, the modules that took the most CPU
    (tests/conftest.py). Here without pytest-xdist's workers, which would triple this test's
    CPU; with them, each report carries its test's CPU to the controller (``make test``
    shows that table on every run)."""
    module = "tests/test_tokens.py"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
         "--durations=1", module],
        cwd=repo_root, capture_output=True, text=True, timeout=300, env=make_env(),
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:]
    passed = re.search(r"(\d+) passed", out.stdout)
    summary = re.search(
        r"CPU by module: ([\d.]+) s over the tests =+\n +([\d.]+) s  (\S+) \((\d+) tests\)",
        out.stdout,
    )
    assert passed and summary, out.stdout[-3000:]
    assert out.stdout.index("slowest 1 durations") < summary.start(), out.stdout[-3000:]
    assert summary[3] == module and summary[4] == passed[1]
    assert 0 < float(summary[2]) <= float(summary[1]) + 0.5  # one module: all of it, rounded
    if Path("/proc/stat").exists():  # and how busy the whole machine was meanwhile (Linux)
        busy = r"The machine's \d+ cores were busy for (\d+) s over the run"
        machine = re.search(busy, out.stdout)
        assert machine and summary.end() < machine.start(), out.stdout[-3000:]
        assert float(machine[1]) >= float(summary[1]) - 1  # at least what the tests took
