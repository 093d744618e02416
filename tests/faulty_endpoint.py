"""A fault-injecting OpenAI-compatible endpoint that belongs to the test suite.

``agentlab serve`` injects the faults a course wants to show; this one injects the ones a
hostile or broken provider sends, so the tests can check that every one of them ends as a
recorded outcome with its reason, never as an answer, a crash or a silent $0:

* ``no_usage``: a good answer without ``usage`` (streamed: no usage chunk);
* ``length``: a good answer that says it was cut (``finish_reason: "length"``);
* ``unterminated``: a stream that ends cleanly but never says why (no ``finish_reason``);
* ``cut``: a stream whose connection drops midway (an incomplete chunked body);
* ``garbage``: a body (or a stream event) that is not JSON;
* ``server_error``: a 500, with a short ``Retry-After``;
* ``hang``: nothing at all until the endpoint stops (past any client deadline);
* ``echo_key``: a 401 whose message echoes the key the client sent, as some providers do.

Good answers come from the simulated model through ``agentlab.serve.wire`` (what ``agentlab
serve`` answers), without its ``x-agentlab-sim`` header: to the lab this looks like any
provider. Which request meets which fault is a pure function of the seed, the request body
and how many times the endpoint has seen that body (so a retry draws again, whatever
headers the client sends). It listens on 127.0.0.1 only, in a background thread.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentlab.serve.wire import answer, completion, read_request, response_body, stream_chunks

FAULTS = (
    "no_usage",
    "length",
    "unterminated",
    "cut",
    "garbage",
    "server_error",
    "hang",
    "echo_key",
)
STREAM_ONLY = ("unterminated", "cut")  # a plain answer with these drawn is a good one


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    endpoint: FaultyEndpoint


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ``FaultyEndpoint.counts``."""

    def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str, **headers: str) -> None:
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        self._send(status, json.dumps(body).encode(), headers)

    def do_POST(self) -> None:
        endpoint = self.server.endpoint
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # always drained
        body = json.loads(raw)
        req = read_request(body)
        fault = endpoint.draw(raw)
        if fault in STREAM_ONLY and not req.stream:
            fault = None
        endpoint.count(fault or "ok")
        if endpoint.delay_s:
            time.sleep(endpoint.delay_s)
        if fault == "hang":
            endpoint.released.wait(endpoint.hang_s)
            self.close_connection = True
            return
        if fault == "server_error":
            self._error(500, "The server had an error (faulty endpoint).", "server_error",
                        **{"retry-after-ms": "5"})  # fmt: skip
            return
        if fault == "echo_key":
            sent = self.headers.get("Authorization", "").removeprefix("Bearer ")
            self._error(401, f"Incorrect API key provided: {sent}.", "invalid_request_error")
            return
        done = completion(req, answer(req), key=raw.decode())
        if fault == "length":
            done.finish_reason = "length"
        if not req.stream:
            if fault == "garbage":
                self._send(200, b'{"id": "chatcmpl-x", "choices": [{"index": 0, "mess')
                return
            out = response_body(done, created=int(time.time()))
            if fault == "no_usage":
                out.pop("usage")
            self._send(200, json.dumps(out).encode())
            return
        chunks = stream_chunks(done, created=0, include_usage=req.include_usage)
        if fault == "no_usage":
            chunks = [c for c in chunks if "usage" not in c]
        if fault == "unterminated":
            for c in chunks:
                for choice in c["choices"]:
                    choice["finish_reason"] = None
        events = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
        if fault == "garbage":
            events.insert(len(events) // 2, "data: {not json at all\n\n")
        self._stream(events, cut=fault == "cut")

    def _stream(self, events: list[str], *, cut: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if cut:
            events = events[: max(1, len(events) // 2)]
        for e in events:
            data = e.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        if cut:  # no terminating chunk: the client sees the connection drop mid-body
            self.wfile.write(b'40\r\ndata: {"id": "cut')
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up
            self.close_connection = True


class FaultyEndpoint:
    """An OpenAI-compatible endpoint on 127.0.0.1 that misbehaves at seeded rates.

    Args:
        rates: Probability of each fault (``FAULTS``) per request; they add up to at most 1.
        seed: Seeds which request meets which fault.
        attempts: Only these attempts at a body meet faults (0: the first sending); the
            others are answered well. None: every attempt draws.
        script: The faults of the first requests, in the order they arrive (None: a good
            answer), instead of drawing them; later requests draw from ``rates``.
        delay_s: Every request is answered this much later.
        hang_s: How long a hanging request waits at most (it ends when the endpoint stops).
    """

    def __init__(
        self,
        rates: dict[str, float] | None = None,
        *,
        seed: int = 0,
        attempts: tuple[int, ...] | None = None,
        script: list[str | None] | None = None,
        delay_s: float = 0.0,
        hang_s: float = 30.0,
    ) -> None:
        self.rates = dict(rates or {})
        self.script = list(script or [])
        unknown = (set(self.rates) | set(self.script)) - {*FAULTS, None}
        if unknown or sum(self.rates.values()) > 1:
            raise ValueError(f"rates: faults from {FAULTS}, adding up to at most 1")
        self.seed, self.attempts, self.delay_s, self.hang_s = seed, attempts, delay_s, hang_s
        self.counts: Counter[str] = Counter()  # requests by what they met: ok, hang, ...
        self.released = threading.Event()  # set when stopping: hanging requests end
        self._seen: Counter[bytes] = Counter()
        self._lock = threading.Lock()
        self._http = _Server(("127.0.0.1", 0), _Handler)
        self._http.endpoint = self
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL to give ``make_model`` / ``run_remote``."""
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def count(self, what: str) -> None:
        """Count a request by what it met."""
        with self._lock:
            self.counts[what] += 1

    def draw(self, raw: bytes) -> str | None:
        """The fault this sending of this body meets (None: a good answer)."""
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        with self._lock:
            if self.script:
                return self.script.pop(0)
            attempt = self._seen[raw.strip()]
            self._seen[raw.strip()] += 1
        if self.attempts is not None and attempt not in self.attempts:
            return None
        h = hashlib.blake2b(f"{self.seed}|{digest}|{attempt}".encode(), digest_size=8).digest()
        u, edge = int.from_bytes(h, "big") / 2**64, 0.0
        for fault in FAULTS:
            edge += self.rates.get(fault, 0.0)
            if u < edge:
                return fault
        return None

    def __enter__(self) -> FaultyEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)


@contextmanager
def faulty_endpoint(rates: dict[str, float] | None = None, **options: Any) -> Iterator[str]:
    """A ``FaultyEndpoint`` running for the block; yields its URL."""
    with FaultyEndpoint(rates, **options) as endpoint:
        yield endpoint.url
