"""Record an experiment's model calls once, replay them offline: same tables, no key.

Recording works at the HTTP level with vcrpy: every request ``ChatOpenAI`` sends and every
answer it gets (429s and retries included) go into a YAML "cassette"; replaying serves
those answers to the very same client code, with no socket opened. So a class can study
a real run without keys, and the replayed tables equal the recorded ones exactly (token
usage, cost, decisions and, from ``agentlab serve``, the modeled latency all come from
the recorded answers). LangChain's cache would also skip the calls, but it stores only
successful answers behind the client, falls through to the network on a miss and keys on
the prompt alone; the HTTP level records what the provider really said and fails clearly.

Requests match on method, path and JSON body (not host or port: the recording replays
whatever the base URL). A request that is not in the recording gets a 400 answer naming
the recording (the client does not retry a 400), and ``replay`` raises ``NotRecorded``
when its block ends.

Recordings never hold a key: request headers are dropped except an allow-list
(``content-type``, ``accept``), response headers likewise (content type, retry and
rate-limit headers, ``x-agentlab-sim``), and every key (the value of a key-like
environment variable, anything shaped like a bearer token or ``sk-...``: see
``agentlab.redact``) is replaced in bodies, URLs, kept headers and the tables before writing.

    with record("my_run.yaml"):
        results = run_remote(configs, base_url=url)
    with replay("my_run.yaml"):
        again = run_remote(configs, base_url=url)   # offline, same tables

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import vcr  # type: ignore[import-untyped]
import vcr.cassette  # type: ignore[import-untyped]

from agentlab.config import EpisodeConfig
from agentlab.redact import redact, redact_value
from agentlab.run.runner import Results
from agentlab.sim.profiles import DATA_DIR

RECORDINGS_DIR = DATA_DIR / "recordings"
CASSETTE = "cassette.yaml"
EXPERIMENT = "experiment.json"
WALL_COLUMNS = ("wall_s",)  # real seconds: differ between runs, left out of stored tables
REQUEST_HEADERS = ("content-type", "accept")
RESPONSE_HEADERS = re.compile(
    r"content-type|retry-after|retry-after-ms|x-agentlab-sim|x-request-id|x-ratelimit-.*", re.I
)


class NotRecorded(RuntimeError):
    """A replay met requests that are not in its recording."""


def _scrub(text: Any) -> Any:
    """``text`` (str or bytes; None stays None) with every key replaced."""
    return redact_value(text)


def _clean_request(request: Any) -> Any:
    request.headers = {k: v for k, v in request.headers.items() if k.lower() in REQUEST_HEADERS}
    request.body = _scrub(request.body)
    request.uri = _scrub(request.uri)
    return request


def _clean_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {
        k: [_scrub(v) for v in vs]
        for k, vs in response["headers"].items()
        if RESPONSE_HEADERS.fullmatch(k)
    }
    response["body"]["string"] = _scrub(response["body"]["string"])
    return response


def _vcr(mode: str) -> vcr.VCR:
    return vcr.VCR(
        record_mode=mode,
        match_on=("method", "path", "body"),
        before_record_request=_clean_request,
        before_record_response=_clean_response,
        decode_compressed_response=True,
    )


@contextmanager
def record(path: str | Path, *, overwrite: bool = False) -> Iterator[None]:
    """Record every HTTP model call made in the block to a YAML cassette.

    Args:
        path: The cassette to write.
        overwrite: Replace an existing cassette (else it is an error).

    Raises:
        FileExistsError: The cassette exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.exists():
        if not overwrite:
            raise FileExistsError(f"{path} exists: pass overwrite=True to record it again")
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _vcr("all").use_cassette(str(path)):
        yield


@contextmanager
def replay(path: str | Path) -> Iterator[None]:
    """Answer every HTTP model call in the block from a recording, offline.

    Args:
        path: A cassette written by ``record``.

    Raises:
        FileNotFoundError: No cassette at ``path``.
        NotRecorded: At the end of the block, when some requests were not in it.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no recording at {path}: record one with record({str(path)!r})")
    missed: list[Any] = []
    with _vcr("none").use_cassette(str(path)) as cassette:
        _answer_misses(cassette, path, missed)
        yield
    if missed:
        first = missed[0]
        raise NotRecorded(
            f"{len(missed)} request(s) are not in the recording {path} (the first: "
            f"{first.method} {first.path}; {_nearest_difference(first, cassette)}); "
            "replay the same configs, or record again"
        )


def _messages(body: Any) -> list[Any] | None:
    """The chat messages of a request body, or None when it is not a chat request."""
    try:
        data = json.loads(body.decode() if isinstance(body, bytes) else body or "")
    except (ValueError, UnicodeDecodeError):
        return None
    return data.get("messages") if isinstance(data, dict) else None


def _nearest_difference(request: Any, cassette: vcr.cassette.Cassette) -> str:
    """Where a missed chat request first parts from the recorded request nearest to it: the
    one sharing the longest run of leading messages (what a reader needs to see what the
    lab now sends differently)."""
    sent = _messages(request.body)
    if sent is None:
        return "not a chat request"
    best: tuple[int, list[Any]] | None = None
    for recorded, _ in cassette.data:
        messages = _messages(recorded.body)
        if messages is None:
            continue
        shared = next(
            (i for i, (a, b) in enumerate(zip(sent, messages, strict=False)) if a != b),
            min(len(sent), len(messages)),
        )
        if best is None or shared > best[0]:
            best = (shared, messages)
    if best is None:
        return "the recording holds no chat request"
    shared, messages = best
    if shared == len(sent) == len(messages):
        return (
            "its messages equal a recorded request's: another field of the body differs, or "
            "the lab sent it more times than were recorded (a retry)"
        )
    mine = sent[shared] if shared < len(sent) else "(none)"
    theirs = messages[shared] if shared < len(messages) else "(none)"
    return (
        f"nearest recorded request parts from it at message {shared}: "
        f"sent {str(mine)[:300]!r}, recorded {str(theirs)[:300]!r}"
    )


def _answer_misses(cassette: vcr.cassette.Cassette, path: Path, missed: list[Any]) -> None:
    """Make a replay answer a request it does not hold with a 400, and note it."""
    can_play, play = cassette.can_play_response_for, cassette.play_response

    def can_play_or_refuse(request: Any) -> bool:
        if not can_play(request):
            missed.append(request)
        return True

    def play_or_refuse(request: Any) -> dict[str, Any]:
        if any(request is m for m in missed):
            message = f"agentlab replay: this request is not in the recording {path}"
            body = {"error": {"message": message, "type": "invalid_request_error",
                              "param": None, "code": "not_recorded"}}  # fmt: skip
            return {
                "status": {"code": 400, "message": "Bad Request"},
                "headers": {"content-type": ["application/json"]},
                "body": {"string": json.dumps(body).encode()},
            }
        return play(request)

    cassette.can_play_response_for = can_play_or_refuse
    cassette.play_response = play_or_refuse


# --- recorded experiments ---------------------------------------------------------------


def _csv(table: pd.DataFrame) -> str:
    """A table as stored: CSV without the wall-clock columns."""
    text = table.drop(columns=[c for c in WALL_COLUMNS if c in table]).to_csv(
        index=False, lineterminator="\n"
    )
    return redact(text)


@dataclass
class Recording:
    """An experiment recorded once: its configs, its cassette and the tables it gave."""

    path: Path  # the folder
    description: str  # what was recorded, against what
    base_url: str  # where it was recorded (any URL replays it)
    configs: list[EpisodeConfig]
    options: dict[str, Any]  # run_remote options of the recorded run

    @property
    def cassette(self) -> Path:
        """The HTTP recording."""
        return self.path / CASSETTE

    @property
    def episodes(self) -> pd.DataFrame:
        """The recorded ``episodes`` table (without wall-clock columns)."""
        return pd.read_csv(self.path / "episodes.csv")

    @property
    def steps(self) -> pd.DataFrame:
        """The recorded ``steps`` table (without wall-clock columns)."""
        return pd.read_csv(self.path / "steps.csv")

    def replay(self, *, progress: bool = False) -> Results:
        """Run the recorded configs again, answered from the cassette (offline)."""
        from agentlab.run.remote import run_remote

        options = {"http_socket_options": (), **self.options}  # no socket: no socket options
        with _placeholder_key(), replay(self.cassette):
            return run_remote(self.configs, base_url=self.base_url, progress=progress, **options)

    def matches(self, results: Results) -> bool:
        """Whether ``results`` gives exactly the recorded tables: every recorded column, value
        for value, as written (columns added to the lab's tables since are left aside).

        The answers replay unchanged for as long as the lab sends the same requests; a change
        to how the lab judges or traces them can change the tables legitimately (same
        answers, new analysis): then record again, or keep the old tables as a snapshot."""
        return all(
            _same(table, (self.path / name).read_text())
            for table, name in ((results.episodes, "episodes.csv"), (results.steps, "steps.csv"))
        )


def _same(table: pd.DataFrame, stored: str) -> bool:
    columns = stored.split("\n", 1)[0].split(",")
    return set(columns) <= set(table.columns) and _csv(table[columns]) == stored


@contextmanager
def _placeholder_key() -> Iterator[None]:
    """A stand-in ``OPENAI_API_KEY`` while replaying (no request leaves the process)."""
    if os.environ.get("OPENAI_API_KEY"):
        yield
        return
    os.environ["OPENAI_API_KEY"] = "replay-needs-no-key"
    try:
        yield
    finally:
        os.environ.pop("OPENAI_API_KEY", None)


def record_experiment(
    path: str | Path,
    configs: list[EpisodeConfig],
    *,
    base_url: str | None,
    description: str,
    overwrite: bool = False,
    **options: Any,
) -> Recording:
    """Run configs against an endpoint once, recording its calls and the tables.

    Args:
        path: A folder to write ``cassette.yaml``, ``experiment.json``, ``episodes.csv`` and
            ``steps.csv`` into.
        configs: The episodes (models ``"openai:..."`` or ``"openai-compatible:..."``).
        base_url: The endpoint (None: OpenAI's).
        description: What was recorded, against what: say if it was not a real provider.
        overwrite: Replace an existing recording.
        **options: ``run_remote`` options (``timeout``, ``max_retries``, ``streaming``, ...).

    Returns:
        The ``Recording``.
    """
    from agentlab.run.remote import run_remote

    folder = Path(path)
    with record(folder / CASSETTE, overwrite=overwrite):
        results = run_remote(configs, base_url=base_url, **options)
    meta = {
        "description": description,
        "base_url": base_url,
        "options": options,
        "configs": [asdict(c) for c in configs],
    }
    (folder / EXPERIMENT).write_text(redact(json.dumps(meta, indent=1)) + "\n")
    (folder / "episodes.csv").write_text(_csv(results.episodes))
    (folder / "steps.csv").write_text(_csv(results.steps))
    return load_recording(folder)


def load_recording(path: str | Path) -> Recording:
    """A recorded experiment: a folder, or the name of one in ``data/recordings/``.

    Example:
        >>> load_recording("travel_served").configs[0].model
        'openai-compatible:gpt-4o-mini'
    """
    folder = Path(path)
    if not folder.is_dir():
        folder = RECORDINGS_DIR / str(path)
    meta = json.loads((folder / EXPERIMENT).read_text())
    return Recording(
        path=folder,
        description=meta["description"],
        base_url=meta["base_url"],
        configs=[EpisodeConfig(**c) for c in meta["configs"]],
        options=meta.get("options", {}),
    )
