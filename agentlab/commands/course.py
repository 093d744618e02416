"""The course's notebooks, copied out of the installed package into a working folder.

``agentlab notebooks [DIR]`` and ``agentlab lab [DIR]`` call ``copy_course``: the notebooks
(and the example sweep file notebook 10 and the README use) travel inside the package, so a
wheel installed by a JupyterHub administrator, on a Ray node or from a USB stick carries the
whole course. A learner's work is never overwritten: a copied file that was edited since
it was copied (run and saved, or changed) is kept, with a message naming it, unless
``force=True``, which first saves the learner's version beside it. A manifest in the folder
(``.agentlab-course.json``) remembers what was copied, so a file the learner never touched
is brought up to date when the package changes.

Introduced in the README.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

MANIFEST = ".agentlab-course.json"
SUFFIXES = (".ipynb", ".toml", ".md")  # the course: notebooks, example sweep files, glossary


@dataclass
class CopyReport:
    """What ``copy_course`` did, file by file (names relative to the folder)."""

    folder: Path  # where the course now is
    copied: list[str] = field(default_factory=list)  # new in the folder
    updated: list[str] = field(default_factory=list)  # untouched copies brought up to date
    current: list[str] = field(default_factory=list)  # already identical to the shipped file
    kept: list[str] = field(default_factory=list)  # edited by the learner, left as they are
    replaced: dict[str, str] = field(default_factory=dict)  # edited, replaced (force): -> backup

    def lines(self) -> list[str]:
        """One line per file that needs saying, then a summary line."""
        out = [
            f"kept {name}: it was changed since it was copied (--force replaces it, "
            "keeping your version beside it)"
            for name in self.kept
        ]
        out += [f"replaced {name}; your version is in {bak}" for name, bak in self.replaced.items()]
        counts = [
            f"{len(v)} {k}"
            for k, v in (
                ("copied", self.copied),
                ("updated", self.updated),
                ("already current", self.current),
                ("kept", self.kept),
                ("replaced", self.replaced),
            )
            if v
        ]
        out.append(f"course in {self.folder}: {', '.join(counts) or 'nothing to copy'}")
        return out


def course_files() -> dict[str, Path]:
    """The files the course ships, by name (notebooks and example sweep files)."""
    root = files("agentlab") / "notebooks"
    if not isinstance(root, Path) or not root.is_dir():
        raise FileNotFoundError(f"agentlab's notebooks are missing from the package ({root})")
    return {p.name: p for p in sorted(root.iterdir()) if p.suffix in SUFFIXES}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backup(path: Path) -> Path:
    for n in range(1, 1000):
        candidate = path.with_name(f"{path.stem}.mine-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"too many backups of {path.name} in {path.parent}")


def copy_course(folder: str | Path, *, force: bool = False) -> CopyReport:
    """Copy the course's notebooks into ``folder``, never losing a learner's edits.

    Args:
        folder: The working folder (created if missing).
        force: Replace files the learner changed too; each changed one is first saved
            beside it as ``NAME.mine-N.ipynb``.

    Returns:
        A ``CopyReport`` of what was copied, updated, kept or replaced.

    Raises:
        NotADirectoryError: when ``folder`` exists and is not a folder.

    Example:
        >>> import tempfile
        >>> report = copy_course(tempfile.mkdtemp())
        >>> "00_quickstart.ipynb" in report.copied
        True
    """
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    try:
        copied_as: dict[str, str] = json.loads(manifest_path.read_text())["files"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        copied_as = {}
    report = CopyReport(folder.resolve())
    for name, source in course_files().items():
        target = folder / name
        shipped = _digest(source)
        if not target.exists():
            report.copied.append(name)
        else:
            mine = _digest(target)
            if mine == shipped:
                report.current.append(name)
                copied_as[name] = shipped
                continue
            if copied_as.get(name) == mine:  # never touched since we copied it
                report.updated.append(name)
            elif not force:
                report.kept.append(name)
                continue
            else:
                backup = _backup(target)
                shutil.copy2(target, backup)
                report.replaced[name] = backup.name
        shutil.copyfile(source, target)
        copied_as[name] = shipped
    manifest_path.write_text(json.dumps({"files": copied_as}, indent=1, sort_keys=True) + "\n")
    return report
