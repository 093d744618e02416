"""`agentlab notebooks` and `agentlab lab`: the course copied out, a learner's edits kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentlab.commands.cli import main
from agentlab.commands.course import MANIFEST, copy_course, course_files


def test_every_notebook_and_the_example_sweep_file_are_shipped() -> None:
    names = set(course_files())
    assert len([n for n in names if n.endswith(".ipynb")]) == 11
    assert "scope.toml" in names


def test_a_fresh_folder_gets_the_whole_course(tmp_path: Path) -> None:
    report = copy_course(tmp_path / "course")
    assert sorted(report.copied) == sorted(course_files())
    assert (tmp_path / "course" / MANIFEST).exists()
    again = copy_course(tmp_path / "course")
    assert sorted(again.current) == sorted(course_files()) and not again.copied


def test_edited_notebooks_are_kept_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "course"
    copy_course(folder)
    edited = folder / "03_failure_propagation.ipynb"
    edited.write_text('{"my": "work"}')
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["notebooks", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "kept 03_failure_propagation.ipynb" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing changed


def test_force_replaces_an_edited_notebook_and_keeps_the_learners_copy(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    copy_course(folder)
    edited = folder / "00_quickstart.ipynb"
    edited.write_text('{"my": "work"}')
    report = copy_course(folder, force=True)
    assert report.replaced == {"00_quickstart.ipynb": "00_quickstart.mine-1.ipynb"}
    assert (folder / "00_quickstart.mine-1.ipynb").read_text() == '{"my": "work"}'
    assert edited.read_bytes() == course_files()["00_quickstart.ipynb"].read_bytes()


def test_an_untouched_old_copy_is_brought_up_to_date(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    copy_course(folder)
    old = folder / "01_agent_loop.ipynb"
    old.write_text('{"an": "older release"}')  # as copied by an older agentlab ...
    manifest = (folder / MANIFEST).read_text()
    import hashlib
    import json

    files = json.loads(manifest)["files"]
    files[old.name] = hashlib.sha256(old.read_bytes()).hexdigest()  # ... and never touched
    (folder / MANIFEST).write_text(json.dumps({"files": files}))
    report = copy_course(folder)
    assert report.updated == [old.name] and not report.kept
    assert old.read_bytes() == course_files()[old.name].read_bytes()


def test_a_file_in_the_way_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "course"
    blocker.write_text("not a folder")
    assert main(["notebooks", str(blocker)]) == 2
    assert "DIR" in capsys.readouterr().err


def test_lab_passes_unknown_options_to_jupyterlab_which_refuses_them(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agentlab", "lab", str(tmp_path / "course"), "--no-such-option"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert out.returncode != 0
    assert "jupyter-lab: error: unrecognized arguments: --no-such-option" in out.stderr
    assert (tmp_path / "course" / "00_quickstart.ipynb").exists()  # copied before JupyterLab ran


def test_lab_help_is_the_labs_own(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["lab", "--help"])
    assert "usage: agentlab lab [DIR]" in capsys.readouterr().out
