"""Tests for agentlab.ui.widgets: the checkpoint widget driven from code, as a notebook would."""

from __future__ import annotations

from pathlib import Path

import pytest

import agentlab as al
from agentlab.run.durable import sqlite_checkpointer
from agentlab.ui.widgets import CheckpointWidget, waiting_question

WASHINGTON = al.EpisodeConfig(request="trip-001", seed=0, clarify="ambiguous")
MEANT = "No. By Washington I mean Washington State."


def test_answer_runs_the_episode_to_its_end() -> None:
    w = CheckpointWidget(WASHINGTON)
    assert w.path is not None and w.path.exists()  # a durable run by default
    assert not w.finished and w.pending is not None and w.pending["checkpoint"] == "clarify"
    assert "Washington, D.C." in w.question.value
    ep = w.answer(MEANT)
    assert ep is w.episode and w.finished and ep.success
    row = ep.row()
    assert (row["questions"], row["human_s"], row["errors_prevented"]) == (1, 30.0, 1)
    assert "errors_prevented" in w.summary.value and "finished" in w.question.value
    assert w.figure is not None and len(w.figure.data) >= 2  # the taint timeline
    assert w.history == [(w.history[0][0], MEANT)]
    assert w.answer_button.disabled and w.traveller_button.disabled
    with pytest.raises(ValueError, match="finished"):
        w.answer("yes")


def test_the_traveller_button_answers() -> None:
    w = CheckpointWidget(WASHINGTON)
    w.traveller_button.click()  # what a click does, without a browser
    assert w.finished and w.history[0][1] == MEANT and w.episode is not None
    assert w.episode.success


def test_the_answer_button_sends_the_typed_text() -> None:
    w = CheckpointWidget(WASHINGTON)
    w.answer_button.click()  # nothing typed: a hint, no exception
    assert not w.finished and "Type an answer" in w.summary.value
    w.text.value = "Yes, that's right."
    w.answer_button.click()
    assert w.finished and w.episode is not None and not w.episode.success  # D.C. confirmed
    assert w.text.value == ""


def test_a_run_without_questions_finishes_at_once() -> None:
    w = CheckpointWidget(al.EpisodeConfig(request="trip-002", seed=0))
    assert w.finished and w.episode is not None and w.episode.outcome == "answered"


def test_an_open_question_is_picked_up_from_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    first = CheckpointWidget(WASHINGTON, checkpointer=sqlite_checkpointer(path), thread_id="t")
    assert waiting_question(sqlite_checkpointer(path), "t") == first.pending
    again = CheckpointWidget(WASHINGTON, checkpointer=sqlite_checkpointer(path), thread_id="t")
    assert again.episode is None and again.pending == first.pending  # nothing re-run
    assert again.answer(MEANT).success
    assert waiting_question(sqlite_checkpointer(path), "t") is None


def test_several_questions_in_a_row() -> None:
    w = CheckpointWidget(WASHINGTON.with_(verify="every_k"))
    replies = []
    while not w.finished:
        replies.append(w.let_traveller_answer())
    assert len(replies) >= 2 and replies[0] == MEANT  # clarify first, then verifications
    assert w.episode is not None and w.episode.row()["questions"] == len(replies)
    assert len(w.history) == len(replies)


def test_an_unpriced_cost_reads_unpriced() -> None:
    from agentlab.ui.widgets import _fmt

    assert _fmt(float("nan"), "cost_usd") == "unpriced" and _fmt(0.01234, "cost_usd") == "0.0123"


# --- the cell after the widget: never types for a learner in a live lab ---------------------


def test_live_the_cell_waits_for_the_learner(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AGENTLAB_HEADLESS", raising=False)
    w = CheckpointWidget(WASHINGTON)
    assert w.answer_if_headless() is None
    said = capsys.readouterr().out
    assert "waiting for your answer" in said and "Washington, D.C." in said
    assert not w.finished and w.history == [] and not w.answer_button.disabled  # untouched
    w.text.value = MEANT  # the learner answers in the widget, then runs the cell again
    w.answer_button.click()
    ep = w.answer_if_headless()
    assert ep is w.episode and ep is not None and ep.success
    assert f"answered in the widget: {MEANT!r}" in capsys.readouterr().out


def test_headless_the_traveller_answers_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AGENTLAB_HEADLESS", "1")
    w = CheckpointWidget(WASHINGTON)
    ep = w.answer_if_headless()
    assert ep is w.episode and ep is not None and ep.success and w.finished
    said = capsys.readouterr().out
    assert said == f"headless run: the simulated traveller answered: {MEANT!r}\n"


def test_headless_never_overrides_what_the_learner_typed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AGENTLAB_HEADLESS", "yes")
    w = CheckpointWidget(WASHINGTON)
    w.answer("Yes, that's right.")
    ep = w.answer_if_headless()
    assert ep is not None and not ep.success  # D.C. confirmed, and kept
    said = capsys.readouterr().out
    assert 'answered in the widget: "Yes, that\'s right."' in said and "traveller" not in said


def test_headless_answers_every_question(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AGENTLAB_HEADLESS", "1")
    w = CheckpointWidget(WASHINGTON.with_(verify="every_k"))
    assert w.answer_if_headless() is not None and w.finished
    said = capsys.readouterr().out.splitlines()
    assert len(said) == len(w.history) >= 2 and all("simulated traveller" in s for s in said)


FLAGS = [("", False), ("0", False), ("No", False), ("1", True), ("TRUE", True), (" yes ", True)]


@pytest.mark.parametrize(("value", "expected"), FLAGS)
def test_headless_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    from agentlab.ui.widgets import headless

    monkeypatch.setenv("AGENTLAB_HEADLESS", value)
    assert headless() is expected


def test_a_misspelt_headless_flag_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentlab.errors import ConfigError
    from agentlab.ui.widgets import headless

    monkeypatch.setenv("AGENTLAB_HEADLESS", "on-ci")
    with pytest.raises(ConfigError, match="AGENTLAB_HEADLESS: got 'on-ci'; allowed: 1, true"):
        headless()
