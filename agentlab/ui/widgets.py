"""A widget that lets the learner answer the agent's checkpoint questions.

``CheckpointWidget`` starts an episode that stops at its first question (a LangGraph
``interrupt``), shows the question, and resumes the run with whatever the learner types,
or with what the simulated traveller would say. When the episode ends it shows the key
numbers and the taint timeline. Every run is kept in a SQLite checkpointer, so a question
left open survives a kernel restart:

    from agentlab.run.durable import sqlite_checkpointer
    saver = sqlite_checkpointer("washington.sqlite")   # a path you will find again
    w = CheckpointWidget(config, checkpointer=saver, thread_id="washington")
    # ... restart the kernel, then either reopen the widget on the same path and thread:
    w = CheckpointWidget(config, checkpointer=sqlite_checkpointer("washington.sqlite"),
                         thread_id="washington")   # shows the question still open
    # ... or answer it directly:
    run_episode(config, checkpointer=sqlite_checkpointer("washington.sqlite"),
                thread_id="washington", resume="No. By Washington I mean Washington State.")

A notebook that shows the widget must not type for the learner when they choose "Run All".
It calls ``widget.answer_if_headless()`` instead of ``widget.answer(text)``: in a live lab
that reports the learner's answer, or says that the widget waits for one; only in a
headless run (``AGENTLAB_HEADLESS=1`` in the kernel's environment, as the course's tests
set it to execute notebooks) does the simulated traveller answer, and the output says so.

Introduced in notebook 04 (`04_checkpoints.ipynb`).
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import plotly.io as pio
from IPython import get_ipython
from IPython.display import display

from agentlab.config import EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.measure.pricing import UNPRICED
from agentlab.run.durable import sqlite_checkpointer
from agentlab.run.episode import Episode
from agentlab.run.runner import run_episode
from agentlab.run.travel_runner import pick_request
from agentlab.ui.error_plots import taint_timeline
from agentlab.world.travel_user import TravelUser

KEY_NUMBERS = ("success", "cost_usd", "questions", "human_s", "root_errors",
               "errors_prevented", "errors_contained", "errors_escaped")  # fmt: skip
HEADLESS_ENV = "AGENTLAB_HEADLESS"  # set to 1 where notebooks run with nobody at the keyboard
_ON, _OFF = {"1", "true", "yes"}, {"", "0", "false", "no"}


def headless() -> bool:
    """Whether notebooks run with nobody at the keyboard: ``AGENTLAB_HEADLESS`` is 1.

    The course's tests set it in the kernel's environment when they execute notebooks (so
    does any unattended run you make: ``AGENTLAB_HEADLESS=1 jupyter nbconvert --execute``).
    Unset in a live lab. Accepts 1/true/yes and 0/false/no (any case) or empty.

    Raises:
        ConfigError: Any other value (a typo must not silently mean "live").

    Example:
        >>> headless() == (os.environ.get("AGENTLAB_HEADLESS", "").lower() in {"1", "true", "yes"})
        True
    """
    value = os.environ.get(HEADLESS_ENV, "")
    if value.strip().lower() in _ON | _OFF:
        return value.strip().lower() in _ON
    raise ConfigError(HEADLESS_ENV, value, "1, true or yes (headless); 0, false, no or unset")


def waiting_question(checkpointer: Any, thread_id: str) -> dict[str, Any] | None:
    """The question a stored thread is waiting on, or None (no such thread, or finished).

    Example:
        >>> waiting_question(sqlite_checkpointer(":memory:"), "nobody") is None
        True
    """
    saved = checkpointer.get_tuple({"configurable": {"thread_id": thread_id}})
    for _, channel, value in (saved.pending_writes or []) if saved else []:
        if channel == "__interrupt__" and value:
            return dict(value[0].value)
    return None


class CheckpointWidget:
    """Run one episode and let a person answer its checkpoint questions.

    Click "Answer" (with your text) or "Let the traveller answer"; or drive it from code
    with ``.answer(text)`` and ``.let_traveller_answer()``. ``.episode`` is the latest
    ``Episode`` (stopped at a question, or finished). A notebook cell after the widget
    calls ``.answer_if_headless()``, which never answers for a person in a live lab.

    Args:
        config: The episode to run (set ``clarify`` and/or ``verify`` so it asks).
        checkpointer: A LangGraph checkpointer (default: SQLite in a new temporary file,
            see ``.path``). Give a ``sqlite_checkpointer(path)`` of your own to resume
            after a kernel restart.
        thread_id: The run's thread (default: a new one). A thread already waiting on a
            question in ``checkpointer`` is picked up where it stopped.

    Example:
        >>> import agentlab as al
        >>> w = CheckpointWidget(al.EpisodeConfig(request="trip-001", clarify="ambiguous"))
        >>> w.pending["checkpoint"]
        'clarify'
        >>> _ = w.answer("No. By Washington I mean Washington State.")
        >>> w.finished, w.episode.success
        (True, True)
    """

    def __init__(
        self, config: EpisodeConfig, *, checkpointer: Any = None, thread_id: str | None = None
    ) -> None:
        self.config = config
        self.path: Path | None = None
        if checkpointer is None:
            self.path = Path(tempfile.mkdtemp(prefix="agentlab-")) / "checkpoints.sqlite"
            checkpointer = sqlite_checkpointer(self.path)
        self.checkpointer = checkpointer
        self.thread_id = thread_id or f"{config.request or 'seed'}-{uuid.uuid4().hex[:8]}"
        self.user = TravelUser(pick_request(config), seed=config.seed)
        self.history: list[tuple[str, str]] = []  # (question, answer) pairs so far
        self.figure: Any = None  # the taint timeline, once the episode is finished
        self.question = widgets.HTML()
        self.text = widgets.Text(placeholder="Type your answer", layout={"width": "60%"})
        self.answer_button = widgets.Button(description="Answer", button_style="primary")
        self.traveller_button = widgets.Button(description="Let the traveller answer")
        self.summary = widgets.HTML()
        self.output = widgets.Output()
        self.answer_button.on_click(lambda _: self._typed())
        self.traveller_button.on_click(lambda _: self.let_traveller_answer())
        self.box = widgets.VBox(
            [self.question,
             widgets.HBox([self.text, self.answer_button, self.traveller_button]),
             self.summary, self.output]
        )  # fmt: skip
        self.box.add_class("agentlab-checkpoint")  # how a browser test finds it
        self.episode: Episode | None = None
        self._waiting = waiting_question(checkpointer, self.thread_id)
        if self._waiting is None:  # a new run: go until the first question (or the end)
            self.episode = run_episode(
                config, checkpointer=checkpointer, thread_id=self.thread_id,
                stop_at_interrupt=True,
            )  # fmt: skip
        self._refresh()

    @property
    def pending(self) -> dict[str, Any] | None:
        """The question the episode waits on (the ``interrupt`` payload), or None."""
        return self.episode.pending if self.episode is not None else self._waiting

    @property
    def finished(self) -> bool:
        """Whether the episode has ended."""
        return self.pending is None

    def answer(self, text: str) -> Episode:
        """Answer the pending question and run on to the next question or the end."""
        if self.pending is None:
            raise ValueError("answer: the episode has finished; there is no question to answer")
        if not text.strip():
            raise ValueError("answer: got an empty answer")
        self.history.append((str(self.pending.get("question", "")), text))
        self.episode = run_episode(
            self.config, checkpointer=self.checkpointer, thread_id=self.thread_id,
            resume=text, stop_at_interrupt=True,
        )  # fmt: skip
        self._waiting, self.text.value = None, ""
        self._refresh()
        return self.episode

    def let_traveller_answer(self) -> str:
        """Answer as the simulated traveller would (``TravelUser.answer``); returns the reply."""
        if self.pending is None:
            raise ValueError("let_traveller_answer: the episode has finished")
        reply = self.user.answer(self.pending)
        self.answer(reply)
        return reply

    def answer_if_headless(self) -> Episode | None:
        """What a notebook cell after the widget calls: never types for a person at the lab.

        Finished (the learner answered in the widget, or nothing was asked): prints the
        answers given and returns the episode. Still waiting, in a headless run
        (``headless()``): the simulated traveller answers every question, the output says
        so ("headless run: the simulated traveller answered: ..."), and the finished
        episode is returned. Still waiting in a live lab: prints that the widget waits for
        the learner's answer and returns None; answer in the widget, then run the cell
        again.
        """
        if self.finished:
            for question, reply in self.history:
                print(f"answered in the widget: {reply!r} (to: {question})")
            return self.episode
        if headless():
            while not self.finished:
                reply = self.let_traveller_answer()
                print(f"headless run: the simulated traveller answered: {reply!r}")
            return self.episode
        print(waiting_message(self))
        return None

    def _typed(self) -> None:
        if self.text.value.strip():
            self.answer(self.text.value)
        else:
            self.summary.value = "<i>Type an answer first.</i>"

    def _refresh(self) -> None:
        asked = "".join(
            f"<p><b>Agent:</b> {_html(q)}<br><b>You:</b> {_html(a)}</p>" for q, a in self.history
        )
        pending = self.pending
        for w in (self.text, self.answer_button, self.traveller_button):
            w.disabled = pending is None
        if pending is not None:
            ask = f"<b>Agent asks ({pending.get('checkpoint')}):</b> {_html(pending['question'])}"
            self.question.value = f"{asked}<p>{ask}</p>"
            self.summary.value = ""
            return
        self.question.value = asked + "<p><b>The episode has finished.</b></p>"
        if self.episode is None:
            return
        row = self.episode.row()
        cells = "".join(f"<tr><td>{k}</td><td>{_fmt(row.get(k), k)}</td></tr>" for k in KEY_NUMBERS)
        self.summary.value = f"<table>{cells}</table>"
        self.figure = taint_timeline(self.episode.step_rows()).update_layout(height=360)
        if get_ipython() is not None:  # outside a kernel there is nowhere to draw
            # set the output's content directly, as the plotly mime bundle a cell's own
            # figure output holds (a live JupyterLab draws it), rather than capture a
            # display into it (`with self.output:`): a capture, run by nbclient in the
            # course's tests, sometimes left the cell waiting until the cell's timeout
            self.output.outputs = (plotly_output(self.figure),)

    def _ipython_display_(self) -> None:
        display(self.box)


def plotly_output(fig: Any) -> dict[str, Any]:
    """A figure as an Output widget's display output: the plotly mime bundle JupyterLab's
    plotly renderer draws (what a cell's own figure output holds), with a text fallback.

    Example:
        >>> import plotly.graph_objects as go
        >>> sorted(plotly_output(go.Figure())["data"])
        ['application/vnd.plotly.v1+json', 'text/plain']
    """
    bundle = json.loads(pio.to_json(fig, validate=False))
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"application/vnd.plotly.v1+json": bundle, "text/plain": "<plotly figure>"},
    }


def waiting_message(widget: CheckpointWidget) -> str:
    """What a cell prints while the widget waits for the learner's answer.

    Example:
        >>> import agentlab as al
        >>> w = CheckpointWidget(al.EpisodeConfig(request="trip-001", clarify="ambiguous"))
        >>> waiting_message(w).startswith("The widget above is waiting for your answer")
        True
    """
    question = (widget.pending or {}).get("question", "")
    return (
        f"The widget above is waiting for your answer to: {question}\n"
        'Answer it there (or click "Let the traveller answer"), then run this cell again.'
    )


def _html(text: Any) -> str:
    return html.escape(str(text)).replace("\n", "<br>")


def _fmt(value: Any, key: str = "") -> str:
    if key == "cost_usd" and isinstance(value, float) and math.isnan(value):
        return UNPRICED  # never shown as a number: no source prices the model
    return f"{value:.4f}" if isinstance(value, float) and not value.is_integer() else str(value)
