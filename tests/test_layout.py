"""The package's rooms are of a readable size: no module of agentlab over about 400 lines.

Every module counts, the course data's build scripts (agentlab/data/*/) included.
"""

from __future__ import annotations

from pathlib import Path

MAX_LINES = 400  # past this, split a module along a concept (STYLE.md)


def module_lines(package: Path) -> dict[str, int]:
    """Lines of every module under ``package``."""
    return {
        path.relative_to(package.parent).as_posix(): len(path.read_text().splitlines())
        for path in sorted(package.rglob("*.py"))
    }


def test_no_module_is_over_400_lines(repo_root: Path) -> None:
    lines = module_lines(repo_root / "agentlab")
    found = ("agentlab/run/runner.py", "agentlab/world/travel.py", "agentlab/data/travel/build.py")
    assert all(name in lines for name in found)
    over = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines (split each along a concept): " + ", ".join(
        f"{name} ({n})" for name, n in sorted(over.items())
    )


def test_module_lines_counts_every_module_the_data_scripts_too(tmp_path: Path) -> None:
    package = tmp_path / "agentlab"
    (package / "data" / "travel").mkdir(parents=True)
    (package / "data" / "travel" / "build.py").write_text("x = 1\n" * 900)
    (package / "long.py").write_text("x = 1\n" * 401)
    (package / "short.py").write_text("x = 1\n" * 400)
    assert module_lines(package) == {
        "agentlab/data/travel/build.py": 900,
        "agentlab/long.py": 401,
        "agentlab/short.py": 400,
    }
