"""Redaction: no key reaches a file or an output the lab writes, even when a provider echoes
it. A keyed run against an endpoint that puts the key in its errors writes a sweep store, a
SQLite checkpoint, a recording, CLI tables, logs and a notebook's outputs; every byte of them
is searched for the key."""

from __future__ import annotations

import io
import json
import logging
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import ormsgpack
import pandas as pd
import pytest
from nbformat import NotebookNode

import agentlab as al
from agentlab.commands import cli
from agentlab.redact import (
    REDACTED,
    RedactingFilter,
    error_text,
    redact,
    redact_bytes,
    redact_frame,
    redact_value,
    redacted_output,
)
from agentlab.redact import secrets as secret_values
from agentlab.run.durable import RedactingSerializer, load_records, sqlite_checkpointer
from agentlab.run.recording import record_experiment
from agentlab.run.runner import run_episode
from agentlab.run.store_parts import rows_of, to_table
from agentlab.run.sweep import run_sweep
from agentlab.serve.server import serve_in_thread

SERVED = "openai-compatible:gpt-4o-mini"


@pytest.fixture
def canary() -> str:
    """A fresh key shaped like no known key (only the environment can give it away)."""
    return f"canary-{secrets.token_hex(12)}"


# --- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["OPENAI_API_KEY", "AGENTLAB_API_KEY", "AGENTLAB_SERVE_KEY", "ACME_API_KEY", "GH_TOKEN"]
)
def test_a_configured_key_is_redacted_whatever_its_variable(
    name: str, canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = f"Error code: 401 - Incorrect API key provided: {canary}."
    assert redact(text) == text  # not set yet: read at redaction time, not at import
    monkeypatch.setenv(name, canary)
    assert redact(text) == f"Error code: 401 - Incorrect API key provided: {REDACTED}."


def test_key_shapes_are_redacted_even_when_not_configured() -> None:
    assert redact("Authorization: Bearer abc.DEF-123_xyz") == f"Authorization: Bearer {REDACTED}"
    assert redact("bearer eyJhbGciOiJIUzI1NiJ9.e30") == f"bearer {REDACTED}"
    assert redact("key=sk-proj-AbC123dEf456GhI789 end") == f"key={REDACTED} end"
    # not keys: too short, or words that merely contain the letters
    for text in ("Bearer ...", "risk-free sk-123", "task-0123456789abcdef", "scikit-learn"):
        assert redact(text) == text


def test_short_values_and_other_variables_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    environ = {"TOKENIZERS_PARALLELISM": "false", "AGENTLAB_BASE_URL": "http://127.0.0.1:8000/v1"}
    assert secret_values(environ) == ()  # not this machine's environment: it may hold keys
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert redact("false at http://127.0.0.1:8000/v1") == "false at http://127.0.0.1:8000/v1"


def test_a_key_with_unusual_characters_goes_whole(
    canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = f"{canary}!#$%"
    monkeypatch.setenv("AGENTLAB_API_KEY", key)
    assert redact(f"sent Bearer {key} twice: {key}") == f"sent Bearer {REDACTED} twice: {REDACTED}"


def test_an_outcome_is_cut_after_redacting(canary: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTLAB_API_KEY", canary)
    exc = PermissionError("x" * 190 + canary)  # the key straddles the 200-character cut
    text = error_text(exc)
    assert canary[:8] not in text and text.startswith("PermissionError: xxx")


def test_binary_redaction_keeps_a_length_prefixed_encoding_readable(
    canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTLAB_API_KEY", canary)
    value = {"error": f"401 {canary}", "auth": f"Bearer {canary}", "n": 7, "sk": "sk-" + "a" * 20}
    data = redact_bytes(ormsgpack.packb(value), keep_length=True)
    assert canary.encode() not in data and b"sk-aaaa" not in data
    back = ormsgpack.unpackb(data)
    assert back["n"] == 7 and back["error"].startswith(f"401 {REDACTED}")
    assert len(back["error"]) == len(f"401 {canary}")


def test_values_tables_and_frames_keep_their_types(
    canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    assert redact_value({"a": [canary, 1, (canary.encode(),)]}) == {
        "a": [REDACTED, 1, (REDACTED.encode(),)]
    }
    # a store's part: typed columns (Int64, str with a missing value), nested values
    table = to_table([{"n": 1, "outcome": "ok", "notes": [canary]}, {"n": 2, "outcome": canary}])
    table["notes"] = pd.Series([[canary], None], dtype=object)
    clean = redact_frame(table)
    assert clean.dtypes.tolist() == table.dtypes.tolist()
    assert rows_of(clean) == [
        {"n": 1, "outcome": "ok", "notes": [REDACTED]},
        {"n": 2, "outcome": REDACTED, "notes": None},
    ]
    plain = to_table([{"n": 1, "outcome": "ok"}, {"n": 2, "outcome": None}])
    assert redact_frame(plain) is plain  # nothing to redact: nothing copied
    frame = pd.DataFrame({"n": [1, 2], "outcome": ["ok", f"error: {canary}"]})
    assert redact_frame(frame)["outcome"].tolist() == ["ok", f"error: {REDACTED}"]
    assert frame["outcome"].iloc[1] == f"error: {canary}"  # the caller's frame is not changed
    # each distinct text is redacted once and reused: a repeated key goes in every row
    repeated = pd.DataFrame({"outcome": [f"error: {canary}", "ok", f"error: {canary}", canary]})
    assert redact_frame(repeated)["outcome"].tolist() == [
        f"error: {REDACTED}",
        "ok",
        f"error: {REDACTED}",
        REDACTED,
    ]


@pytest.mark.parametrize("where", ["alone", "first", "last", "middle", "twice"])
def test_a_key_anywhere_in_a_long_column_of_text_is_redacted(
    canary: str, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A column of text is searched whole first (its distinct cells joined by newlines) and
    left as it is when nothing matches: a key at either end of a cell, or in a cell among
    many that hold none, is still found and redacted in its cell alone."""
    monkeypatch.setenv("ACME_API_KEY", canary)
    cell = {
        "alone": canary,
        "first": f"{canary} was refused",
        "last": f"refused: {canary}",
        "middle": f"refused: {canary} (401)",
        "twice": f"{canary}\n{canary}",
    }[where]
    texts = [f"step {i}: searched flights" for i in range(200)] + [None, float("nan")]
    frame = pd.DataFrame({"decision": [*texts[:100], cell, *texts[100:]]})
    out = redact_frame(frame)["decision"].tolist()
    assert out[100] == cell.replace(canary, REDACTED)
    assert out[:100] == texts[:100] and out[101:199] == texts[100:198]
    shaped = pd.DataFrame({"decision": [*texts[:-2], "Bearer abcdefgh12345678"]})
    assert redact_frame(shaped)["decision"].tolist()[-1] == f"Bearer {REDACTED}"


def test_log_records_and_tracebacks_are_redacted(
    canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTLAB_SERVE_KEY", canary)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("agentlab.test_redact")
    logger.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("request with %s", canary)
        try:
            raise RuntimeError(f"the provider said {canary}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert canary not in text and text.count(REDACTED) == 2 and "RuntimeError" in text
    # a malformed call (one argument short): its error report shows no key either
    bad = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", (canary,), None)
    assert RedactingFilter().filter(bad) and bad.args == (REDACTED,)


def test_printed_output_is_redacted(canary: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTLAB_API_KEY", canary)
    out = io.StringIO()
    with redirect_stdout(out), redacted_output():
        print("echoed:", canary)
    assert out.getvalue() == f"echoed: {REDACTED}\n"


def test_checkpoints_are_written_redacted_and_read_back(
    canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTLAB_API_KEY", canary)
    serde = RedactingSerializer()
    kind, data = serde.dumps_typed(RuntimeError(f"Incorrect API key provided: {canary}"))
    assert canary.encode() not in data
    assert REDACTED in str(serde.loads_typed((kind, data)))


# --- a keyed run against an endpoint that echoes the key ------------------------------------


class _Echo(BaseHTTPRequestHandler):
    """Answers every request as some providers do a bad key: 401, the key in the message."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        key = auth.removeprefix("Bearer ")
        message = f"Incorrect API key provided: {key}. You sent the header {auth!r}."
        error = {"message": message, "type": "invalid_request_error", "code": "invalid_api_key"}
        body = json.dumps({"error": error}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", key)  # a header the recordings keep
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    """An OpenAI-compatible endpoint on 127.0.0.1 that echoes the key in its errors."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)  # listening once constructed
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything the lab, the OpenAI client and httpx log, at DEBUG, in one file."""
    path = tmp_path / "run.log"
    handler = logging.FileHandler(path)
    names = ("agentlab", "openai", "httpx", "httpcore", "langchain", "langgraph")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield path
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)
    handler.close()


def _holding(folder: Path, key: str) -> list[str]:
    """The files under ``folder`` whose bytes contain ``key``."""
    return [str(p) for p in folder.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]


def test_no_file_or_output_of_a_keyed_run_holds_an_echoed_key(
    tmp_path: Path, echo_url: str, log_file: Path, canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTLAB_API_KEY", canary)
    monkeypatch.setenv("AGENTLAB_BASE_URL", echo_url)
    configs = al.grid(al.EpisodeConfig(model=SERVED, tools=4), seeds=range(2))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        # a sweep store
        sweep = run_sweep(configs, store=tmp_path / "store", workers=0, progress=False)
        # a SQLite checkpoint, with the step records beside it
        saver = sqlite_checkpointer(tmp_path / "checkpoints.sqlite")
        episode = run_episode(configs[0], checkpointer=saver, thread_id="keyed")
        assert load_records(saver, "keyed")  # stored, and readable again
        assert any(t.pending_writes for t in saver.list(None))  # the failed step is kept
        saver.conn.close()
        # a recording
        record_experiment(tmp_path / "rec", configs, base_url=echo_url, description="hostile")
        # the command line: a table printed and written, a sweep from a file
        outputs = ["--out", str(tmp_path / "cli.csv"), "--steps-out", str(tmp_path / "s.parquet")]
        cli.main(["run", "--model", SERVED, "--tools", "4", "--seeds", "1", "--columns", "all",
                  *outputs])  # fmt: skip
        (tmp_path / "sweep.toml").write_text(
            f'store = "cli_store"\nworkers = 0\nseeds = 1\n[base]\nmodel = "{SERVED}"\ntools = 4\n'
        )
        cli.main(["sweep", str(tmp_path / "sweep.toml"), "--no-progress"])
    # the endpoint did echo the key, and every outcome says so, redacted
    outcomes = [*sweep.episodes["outcome"], episode.outcome]
    assert all(o.startswith("error: ") and REDACTED in o for o in outcomes), outcomes
    assert REDACTED in out.getvalue()
    written = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert {"sweep.json", "checkpoints.sqlite", "cassette.yaml", "episodes.csv", "steps.csv",
            "experiment.json", "cli.csv", "s.parquet", "run.log"} <= written  # fmt: skip
    assert any(n.endswith(".parquet") for n in written - {"s.parquet"})  # the stores' parts
    assert log_file.stat().st_size > 0
    assert _holding(tmp_path, canary) == []
    assert canary not in out.getvalue() + err.getvalue()


def test_the_server_never_logs_a_key_sent_in_a_query_string(
    canary: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTLAB_API_KEY", canary)  # a client that puts its key in the URL
    loopback = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with (
        caplog.at_level(logging.INFO, logger="agentlab.serve.server"),
        serve_in_thread() as url,
        pytest.raises(urllib.error.HTTPError),  # not a route: 404, logged with its path
    ):
        loopback.open(f"{url}/nowhere?key={canary}", timeout=10)
    assert "/nowhere?key=" in caplog.text and canary not in caplog.text


@pytest.mark.notebook
def test_notebook_09_outputs_hold_no_echoed_key(
    repo_root: Path,
    echo_url: str,
    canary: str,
    monkeypatch: pytest.MonkeyPatch,
    execute_notebook: Callable[..., NotebookNode],
) -> None:
    """Notebook 09's setup and its optional real-model cells, with a key and an endpoint that
    echoes it, tables shown in full (as a learner may set): no output holds the key. (The
    whole notebook also runs served sweeps with faults: tests/test_notebooks.py runs it.)"""
    monkeypatch.setenv("AGENTLAB_API_KEY", canary)
    monkeypatch.setenv("AGENTLAB_BASE_URL", echo_url)  # the kernel inherits both
    folder = repo_root / "agentlab" / "notebooks"
    nb = nbformat.read(folder / "09_real_models.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    real = [c for c in code[2:] if "real_model" in c.source]
    assert len(real) >= 2, "notebook 09 has no optional real-model cells any more"
    full = nbformat.v4.new_code_cell('pd.set_option("display.max_colwidth", None)')
    nb.cells = [*code[:2], full, *real]  # imports, setup, then the real-model cells
    text = nbformat.writes(execute_notebook(nb, folder))
    assert canary not in text
    assert REDACTED in text  # the real-model cells ran, the endpoint echoed, redacted
