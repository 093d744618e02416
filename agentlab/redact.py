"""Redaction: keys never reach a file or an output the lab writes.

Some providers echo the key they were sent in an error message; a recorded answer, a log
line or a traceback can carry one too. Every writer of the lab (episode outcomes, stored
tables, recordings, SQLite checkpoints, the server's log, the command line's output) passes
its text through ``redact`` first, which replaces

* the value of every key-like environment variable, read when ``redact`` runs:
  ``OPENAI_API_KEY``, ``AGENTLAB_API_KEY``, ``AGENTLAB_SERVE_KEY`` and any variable whose
  name contains ``KEY``, ``TOKEN``, ``SECRET`` or ``PASSWORD`` (values of 8 characters or
  more: shorter ones are flags, not keys);
* anything shaped like a bearer token (``Bearer abc...``) or an OpenAI-style key
  (``sk-...``), configured or not,

with ``<redacted>``. It imports nothing from ``agentlab``, so any layer may use it.

Introduced in notebook 09 (`09_real_models.ipynb`), where keys first appear; the lab's
writers call it, so a notebook never has to.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import pandas as pd

REDACTED = "<redacted>"
KEY_NAMES = ("OPENAI_API_KEY", "AGENTLAB_API_KEY", "AGENTLAB_SERVE_KEY")  # always secrets
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.I)  # ... and names like these
MIN_LENGTH = 8  # shorter values are not taken for keys
# shapes of a key whatever its variable: a bearer token, an OpenAI-style key
BEARER = r"\b(?P<bearer>[Bb]earer\s+)(?!<redacted>)[A-Za-z0-9._~+/=-]{8,}"
SK = r"\bsk-[A-Za-z0-9_-]{12,}"


def secrets(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The values to redact from ``environ`` (default: this process's), longest first.

    Example:
        >>> secrets({"MY_API_KEY": "abcdefgh1234", "HOME": "/home/me", "GH_TOKEN": "x"})
        ('abcdefgh1234',)
    """
    env = os.environ if environ is None else environ
    found = {
        value.strip()
        for name, value in env.items()
        if (name in KEY_NAMES or SECRET_NAME.search(name)) and len(value.strip()) >= MIN_LENGTH
    }
    return tuple(sorted(found, key=lambda s: (-len(s), s)))


class _Redactor:
    """Compiled patterns for one set of secrets: the secrets first, then the key shapes (so
    a bearer token that is a secret goes whole, not up to its first unusual character)."""

    def __init__(self, values: tuple[str, ...]) -> None:
        self.literal = re.compile("|".join(map(re.escape, values))) if values else None
        self.literal_bytes = (
            re.compile(b"|".join(re.escape(v.encode()) for v in values)) if values else None
        )
        self.shapes = re.compile(f"{BEARER}|{SK}")
        self.shapes_bytes = re.compile(f"{BEARER}|{SK}".encode())

    def text(self, text: str) -> str:
        """``text`` redacted."""
        if self.literal is not None:
            text = self.literal.sub(REDACTED, text)
        return self.shapes.sub(lambda m: (m.group("bearer") or "") + REDACTED, text)

    def finds(self, text: str) -> bool:
        """Whether ``text`` holds anything ``text()`` would redact."""
        literal = self.literal is not None and self.literal.search(text) is not None
        return literal or self.shapes.search(text) is not None

    def data(self, data: bytes, keep_length: bool = False) -> bytes:
        """``data`` redacted (each key masked with its own length when ``keep_length``)."""
        if keep_length:
            if self.literal_bytes is not None:
                data = self.literal_bytes.sub(_same_length, data)
            return self.shapes_bytes.sub(_same_length, data)
        if self.literal_bytes is not None:
            data = self.literal_bytes.sub(REDACTED.encode(), data)
        return self.shapes_bytes.sub(lambda m: (m.group("bearer") or b"") + REDACTED.encode(), data)

    def value(self, value: Any) -> Any:
        """``value`` with every string in it redacted, at any depth."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return self.data(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            items = [self.value(v) for v in value]
            return items if isinstance(value, list) else type(value)(items)
        return value


@functools.lru_cache(maxsize=8)
def _redactor(values: tuple[str, ...]) -> _Redactor:
    return _Redactor(values)


def _current() -> _Redactor:
    """The redactor for the environment as it is now."""
    return _redactor(secrets())


def _same_length(match: re.Match[bytes]) -> bytes:
    """A mask as long as the match (a length-prefixed encoding stays valid)."""
    keep = match.groupdict().get("bearer") or b""
    n = len(match.group(0)) - len(keep)
    mask = REDACTED.encode() if n >= len(REDACTED) else b""
    return keep + mask + b"*" * (n - len(mask))


def redact(text: str) -> str:
    """``text`` with every key replaced by ``<redacted>`` (see the module).

    Example:
        >>> redact("401: Incorrect API key provided: sk-proj-abc123def456ghi789")
        '401: Incorrect API key provided: <redacted>'
        >>> redact("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9")
        'Authorization: Bearer <redacted>'
    """
    return _current().text(text)


def redact_bytes(data: bytes, *, keep_length: bool = False) -> bytes:
    """``data`` with every key replaced.

    Args:
        data: Bytes holding text (UTF-8) or a binary encoding of it (msgpack, pickle).
        keep_length: Replace each key with a mask of its own length (``<redacted>***``), so
            an encoding that prefixes strings with their length stays readable.

    Example:
        >>> redact_bytes(b"key sk-abcdefghijklmnop", keep_length=True)
        b'key <redacted>*********'
    """
    return _current().data(data, keep_length)


def redact_value(value: Any) -> Any:
    """``value`` with every string in it redacted: str, bytes, and dicts, lists and tuples
    of them, at any depth (other values are returned as they are).

    Example:
        >>> redact_value({"outcome": "error: Bearer abcdefgh12345678", "n": [1, "sk-x"]})
        {'outcome': 'error: Bearer <redacted>', 'n': [1, 'sk-x']}
    """
    return _current().value(value)


def redact_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A pandas DataFrame with its text redacted: every column that is not of numbers,
    booleans or times, strings nested in lists and dicts too, each column's dtype kept
    (the same object if nothing was redacted). The sweep store writes every part through it.

    Args:
        frame: A ``pandas.DataFrame``.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"outcome": ["ok", "error: sk-abcdefghijklmnop"]})
        >>> redact_frame(frame)["outcome"].tolist()
        ['ok', 'error: <redacted>']
    """
    redactor = _current()
    changed = {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind in "biufcmM":  # numbers, booleans, times: no text
            continue
        before = column.tolist()
        values = _redacted_cells(redactor, before)
        if values != before:
            changed[name] = values
    if not changed:
        return frame
    out = frame.copy()
    for name, values in changed.items():
        column = frame[name]
        try:  # keep the column's type (object, string)
            out[name] = type(column)(values, index=column.index, dtype=column.dtype)
        except (TypeError, ValueError):  # e.g. a category the redacted text is not in
            out[name] = values
    return out


def _redacted_cells(redactor: _Redactor, cells: list[Any]) -> list[Any]:
    """A column's cells redacted, each distinct text once: a sweep's tables repeat their
    configuration's text (model, architecture, key) in every row. A column of texts (and
    missing values) is first searched as one text, its distinct cells joined by newlines:
    a match inside a cell is a match there (a newline, like a cell's ends, is no part of a
    key), so a column with none is returned as it is (the usual case), in one search."""
    texts = all(type(v) is str or v is None or (type(v) is float and v != v) for v in cells)
    if texts and not redactor.finds("\n".join({v for v in cells if type(v) is str})):
        return cells
    done: dict[str, str] = {}
    out = []
    for v in cells:
        if type(v) is str:
            r = done.get(v)
            if r is None:
                r = done[v] = redactor.text(v)
            out.append(r)
        else:
            out.append(redactor.value(v))
    return out


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message and traceback before any
    handler formats it. Add it to a logger (``logger.addFilter``) or a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; always keep it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: its handler reports it, redacted
            record.msg, record.args = redact(str(record.msg)), redact_value(record.args)
        else:
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if redact(text) != text:  # else left to the handler's own formatter
                record.exc_text = redact(text)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# loggers of the HTTP clients the lab drives: they log URLs, request ids and retried errors
CLIENT_LOGGERS = (
    "openai._base_client",
    "openai._response",
    "openai._legacy_response",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "langchain_openai.chat_models.base",
    "langchain_core.callbacks.manager",
)


def redact_logs(names: tuple[str, ...] = CLIENT_LOGGERS) -> None:
    """Add a ``RedactingFilter`` to each named logger (once), so whatever handler a user
    attaches, at any level, gets their records redacted (as ``openai`` itself hides its
    ``Authorization`` header). A filter on a logger sees the records logged on it, not on
    its children: name each logger that logs.

    Example:
        >>> redact_logs(("agentlab.example",))
        >>> [type(f).__name__ for f in logging.getLogger("agentlab.example").filters]
        ['RedactingFilter']
    """
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


class RedactingStream:
    """A text stream that redacts what is written to it, then passes it on."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream  # where the redacted text goes

    def write(self, text: str) -> int:
        """Write ``text``, redacted; returns the length of ``text`` (as ``print`` expects)."""
        self.stream.write(redact(text))
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        """Write each line, redacted."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, ...
        return getattr(self.stream, name)


@contextmanager
def redacted_output() -> Iterator[None]:
    """Redact everything written to ``sys.stdout`` and ``sys.stderr`` in the block: prints,
    progress bars, warnings and the log lines of handlers created inside it.

    Example:
        >>> with redacted_output():
        ...     print("echoed: sk-abcdefghijklmnop")
        echoed: <redacted>
    """
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(out), RedactingStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def error_text(exc: BaseException, limit: int = 200) -> str:
    """An exception as an outcome reason: its type and its message, redacted, then cut to
    ``limit`` characters (cut after redacting, so no part of a key survives).

    Example:
        >>> error_text(PermissionError("Incorrect API key provided: sk-abcdefghijklmnop"))
        'PermissionError: Incorrect API key provided: <redacted>'
    """
    return f"{type(exc).__name__}: {redact(str(exc))[:limit]}"
