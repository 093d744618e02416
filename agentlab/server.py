"""``agentlab serve``: the simulated model behind an OpenAI-compatible HTTP endpoint.

The whole lab can then run through ``ChatOpenAI`` over real HTTP with no network and no
key: ``POST /v1/chat/completions`` (tools, ``tool_choice``, ``seed``, ``stop``,
``max_tokens``, streaming with usage) and ``GET /v1/models`` (the simulated profiles);
errors come in OpenAI's JSON format. The ``model`` field picks the profile and the
``seed`` field seeds it, so an episode run through the server with seed s makes the same
decisions, spends the same tokens and costs the same as one run in process with seed s.
Each answer also carries the modeled latency, tokens by component and decisions in an
``x-agentlab-sim`` header; the lab's ``ChatOpenAI`` (``make_model``) puts them where the
in-process model does, so the tables match, latency included (the wall time of an HTTP
call is not the modeled latency of the model it stands for).

It listens on 127.0.0.1 by default, and refuses to listen beyond loopback without a key
(unless told ``allow_public_without_key``). Started with a key, it refuses requests without
``Authorization: Bearer <key>``; the key is never logged. A connection idle for
``idle_timeout_s`` is closed; a body over ``max_body_bytes`` is answered 413. Every answer
leaves the connection ready for the next request: an error sent before the body was read
drains it (or closes the connection when it is too big to drain), so a keep-alive client
never reads one answer's leftovers as the next. ``Faults`` makes it misbehave at seeded
rates. From a terminal: ``agentlab serve`` (``agentlab/serve_cli.py``).

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentlab.config import ConfigError
from agentlab.faults import Faults
from agentlab.profiles import get_profile, profiles
from agentlab.redact import RedactingFilter
from agentlab.wire import (
    SIM_HEADER,
    ChatRequest,
    WireError,
    answer,
    completion,
    error_body,
    read_request,
    response_body,
    sim_header,
    stream_chunks,
)

log = logging.getLogger("agentlab.server")
log.addFilter(RedactingFilter())  # a request line or a traceback never logs a key

IDLE_TIMEOUT_S = 60.0  # default: a connection silent this long (in or between requests) closes
MAX_BODY_BYTES = 8 * 2**20  # default: the largest request body read (8 MiB); larger: 413
MAX_SECONDS = 3600.0  # the longest idle timeout allowed (an hour)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``127.x.x.x``, ``::1`` or ``localhost``).

    Any other name counts as public: it is not resolved (a name may point anywhere).

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a slow answer never holds up shutdown
    block_on_close = False
    app: SimServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart
    server: _HTTPServer

    _body_read = True  # whether this request's body is read (nothing is pending yet)

    def log_message(self, format: str, *args: Any) -> None:
        """The request line and status only: headers (and so keys) are never logged."""
        log.info("%s %s", self.address_string(), format % args)

    # --- the connection: idle timeout, bodies read or drained ------------------------------

    def setup(self) -> None:
        super().setup()
        # a read or write that waits this long raises TimeoutError: the connection closes
        self.connection.settimeout(self.server.app.idle_timeout_s)

    def parse_request(self) -> bool:
        ok = super().parse_request()
        self._body_read = not ok  # a request with headers may have a body to read
        return ok

    def _content_length(self) -> int | None:
        """The declared body length, or None when it cannot be read (chunked, malformed)."""
        if self.headers.get("Transfer-Encoding", "identity").lower() != "identity":
            return None
        text = (self.headers.get("Content-Length") or "0").strip()
        return int(text) if text.isascii() and text.isdigit() else None

    def _settle_body(self) -> None:
        """Before an answer: drain a body nobody read, or close the connection after it.

        Otherwise a keep-alive client's next request would start inside this one's body.
        """
        if self._body_read:
            return
        self._body_read = True
        length = self._content_length()
        if length is None or length > self.server.app.max_body_bytes:
            self.close_connection = True  # too big (or unknowable) to drain: close instead
            return
        try:
            while length > 0:
                length -= len(chunk := self.rfile.read(min(length, 65536)))
                if not chunk:
                    break
        except OSError:  # the client stopped sending (idle timeout) or went away
            length = 1
        if length > 0:
            self.close_connection = True

    def _read_body(self) -> bytes | None:
        """The request body; None after answering the error when it cannot be read."""
        length = self._content_length()
        limit = self.server.app.max_body_bytes
        if length is None or length > limit:
            self._body_read = True
            self.close_connection = True  # the unread body goes with the connection
            if length is None:
                message = "Send the request body with a Content-Length header (no chunked bodies)."
                self._error(400 if "Content-Length" in self.headers else 411, message,
                            count="bad_request", code="content_length_required")  # fmt: skip
            else:
                message = f"The request body is {length:,} bytes; the limit is {limit:,} bytes."
                self._error(413, message, count="too_large", code="request_too_large")
            return None
        try:
            data = self.rfile.read(length)
        finally:
            self._body_read = True
        if len(data) < length:  # the client closed the connection mid-body
            self.close_connection = True
            return None
        return data

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The errors ``http.server`` finds itself (a bad request line, an unsupported
        method): in OpenAI's JSON format, and the connection closed after them."""
        self._settle_body()  # a small body is drained all the same: the close is then clean
        self.close_connection = True
        self.server.app.count("bad_request")
        text = message or self.responses.get(code, ("Error",))[0]
        self.log_error("code %d, message %s", code, text)
        self._send(code, error_body(text, kind="invalid_request_error"))

    # --- answers -----------------------------------------------------------------------

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self._settle_body()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(
        self,
        status: int,
        message: str,
        *,
        count: str,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """An error in OpenAI's format; ``count`` names it in ``SimServer.counts``."""
        self.server.app.count(count)
        self._send(status, error_body(message, kind=kind, param=param, code=code), headers)

    def _authorized(self) -> bool:
        key = self.server.app.api_key
        if not key:
            return True
        given = self.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(
            given[len("Bearer ") :].encode(), key.encode()
        ):
            return True
        message = (
            "Incorrect API key provided."
            if given
            else "You didn't provide an API key: send it as 'Authorization: Bearer <key>'."
        )
        self._error(401, message, count="unauthorized", code="invalid_api_key")
        return False

    def _path(self) -> str:
        path = self.path.split("?", 1)[0].rstrip("/")
        return path if path.startswith("/v1/") else "/v1" + path

    def do_GET(self) -> None:
        if not self._authorized():
            return
        path = self._path()
        models = [
            {"id": name, "object": "model", "created": 0, "owned_by": "agentlab-sim"}
            for name in [*profiles(), *self.server.app.aliases]
        ]
        if path == "/v1/models":
            self._send(200, {"object": "list", "data": models})
            return
        found = [m for m in models if path == f"/v1/models/{m['id']}"]
        if found:
            self._send(200, found[0])
        elif path.startswith("/v1/models/"):
            message = f"The model `{path[len('/v1/models/') :]}` does not exist"
            self._error(404, message, count="not_found", param="model", code="model_not_found")
        else:
            message = f"Unknown request URL: GET {self.path}"
            self._error(404, message, count="not_found", code="unknown_url")

    def do_POST(self) -> None:
        if not self._authorized():
            return
        if self._path() != "/v1/chat/completions":
            message = f"Unknown request URL: POST {self.path}"
            self._error(404, message, count="not_found", code="unknown_url")
            return
        data = self._read_body()
        if data is None:
            return
        try:
            body = json.loads(data)
            req = read_request(body, self.server.app.aliases)
        except WireError as exc:
            self._error(exc.status, str(exc), count="bad_request", param=exc.param, code=exc.code)
            return
        except ValueError as exc:
            self._error(400, f"Could not read the request: {exc}", count="bad_request")
            return
        self._complete(body, req)

    def _complete(self, body: dict[str, Any], req: ChatRequest) -> None:
        app = self.server.app
        retries = self.headers.get("x-stainless-retry-count", "0")
        attempt = int(retries) if retries.isdigit() else 0
        http_fault, content_fault = app.faults.draw(body, attempt)
        log.debug(
            "chat model=%s seed=%s messages=%d tools=%d stream=%s attempt=%d fault=%s/%s",
            req.profile, req.seed, len(req.messages), len(req.tools), req.stream, attempt,
            http_fault, content_fault,
        )  # fmt: skip
        wait = {  # whole seconds as HTTP has them; OpenAI's clients read the milliseconds first
            "Retry-After": str(math.ceil(app.faults.retry_after_s)),
            "retry-after-ms": f"{app.faults.retry_after_s * 1000:g}",
        }
        if http_fault == "rate_limit":
            text = "Rate limit reached for requests (simulated by agentlab serve)."
            self._error(429, text, count="rate_limit", kind="requests",
                        code="rate_limit_exceeded", headers=wait)  # fmt: skip
            return
        if http_fault == "server_error":
            message = (
                "The server had an error processing your request (simulated by agentlab serve)."
            )
            self._error(500, message, count="server_error", kind="server_error", headers=wait)
            return
        try:
            reply = answer(req, realtime=app.realtime)
        except ValueError as exc:
            self._error(400, str(exc), count="bad_request")
            return
        except Exception as exc:  # a bug in the simulated model: say so, keep serving
            log.exception("agentlab serve: the simulated model failed")
            self._error(500, f"agentlab serve: internal error: {type(exc).__name__}: {exc}",
                        count="internal_error", kind="server_error")  # fmt: skip
            return
        if http_fault == "slow":  # counted now: the client has probably gone when it is sent
            app.count("slow")
            time.sleep(app.faults.slow_s)
        key = f"{json.dumps(body, sort_keys=True)}|{attempt}"
        done = completion(req, reply, key=key, fault=content_fault)
        if "fault" in done.sim:
            app.count(str(done.sim["fault"]))
        headers = {SIM_HEADER: sim_header(done), "x-request-id": done.id}
        created = int(time.time())
        if not req.stream:
            self._send(200, response_body(done, created=created), headers)
        else:
            chunks = stream_chunks(done, created=created, include_usage=req.include_usage)
            self._stream(chunks, headers, cut=http_fault == "truncate")
        if http_fault not in ("slow", "truncate"):
            app.count("ok")

    def _stream(self, chunks: list[dict[str, Any]], headers: dict[str, str], *, cut: bool) -> None:
        """Server-sent events in chunked encoding; a cut stream stops halfway, unterminated."""
        self._settle_body()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        events = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
        if cut:
            events = events[: max(1, len(events) // 2)]
        for e in events:
            data = e.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        if cut:
            self.server.app.count("truncate")
            self.wfile.flush()
            self.close_connection = True  # the client sees the connection drop mid-body
            return
        self.wfile.write(b"0\r\n\r\n")

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.close_connection = True
        finally:
            self._body_read = True  # the next request starts with nothing pending


class SimServer:
    """The simulated model served over HTTP, in a background thread or in the foreground.

    Example:
        >>> with SimServer(faults=Faults(rate_limit=0.1)) as server:
        ...     server.url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        api_key: str | None = None,
        realtime: float = 0.0,
        aliases: dict[str, str] | None = None,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        max_body_bytes: int = MAX_BODY_BYTES,
        allow_public_without_key: bool = False,
    ) -> None:
        """Check the settings, then bind the socket (port 0: any free port).

        Args:
            host: Interface to listen on (loopback by default).
            port: TCP port; 0 picks a free one.
            faults: Fault rates (default: none).
            api_key: Require ``Authorization: Bearer <api_key>`` (default: no key).
            realtime: Sleep this fraction of each answer's modeled latency (live demos).
            aliases: More model names, each served by a profile and reported as asked, e.g.
                ``{"llama3.1": "gpt-4o-mini"}`` (a name with no price: its cost is NaN).
            idle_timeout_s: Close a connection that sends nothing for this many seconds
                (between requests or within one).
            max_body_bytes: Answer 413 to a larger request body, and close the connection.
            allow_public_without_key: Listen on a host that is not loopback with no key;
                without it such a host is refused before anything is bound.

        Raises:
            ConfigError: naming the setting that is wrong and the values allowed.
        """
        _check_settings(host, port, api_key, realtime, idle_timeout_s, max_body_bytes)
        if not api_key and not allow_public_without_key and not is_loopback(host):
            raise ConfigError(
                "api_key",
                api_key,
                f"a key when host {host!r} is not loopback (anyone who reaches it could use "
                "it), or allow_public_without_key=True",
            )
        self.faults = faults or Faults()
        self.api_key = api_key or None
        self.realtime = realtime
        self.idle_timeout_s = float(idle_timeout_s)
        self.max_body_bytes = max_body_bytes
        self.aliases = {k: get_profile(v).name for k, v in (aliases or {}).items()}
        self.counts: Counter[str] = Counter()  # answers by outcome: ok, rate_limit, ...
        self._lock = threading.Lock()
        self._http = _HTTPServer((host, port), _Handler)
        self._http.app = self
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        key = "set" if self.api_key else "none"
        return f"SimServer(url={self.url!r}, faults={self.faults!r}, key={key})"

    @property
    def url(self) -> str:
        """The base URL to give ``ChatOpenAI`` (``.../v1``)."""
        host, port = self._http.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}/v1"

    def count(self, outcome: str) -> None:
        """Count one answer's outcome."""
        with self._lock:
            self.counts[outcome] += 1

    def start(self) -> SimServer:
        """Serve in a background (daemon) thread."""
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="agentlab-serve", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._http.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
            self._thread = None
        self._http.server_close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _check_settings(
    host: str,
    port: int,
    api_key: str | None,
    realtime: float,
    idle_timeout_s: float,
    max_body_bytes: int,
) -> None:
    """Raise ``ConfigError`` naming the first setting of ``SimServer`` out of range."""

    def real(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    if not isinstance(host, str) or not host:
        raise ConfigError("host", host, "an interface such as '127.0.0.1'")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ConfigError("port", port, "an integer from 0 to 65535 (0: any free port)")
    if api_key is not None and not (
        isinstance(api_key, str) and api_key.isascii() and api_key.isprintable()
        and api_key and " " not in api_key
    ):  # fmt: skip
        raise ConfigError("api_key", "<hidden>", "None or a non-empty key of printable ASCII")
    if not real(realtime) or not 0 <= realtime <= 100:
        raise ConfigError("realtime", realtime, "a finite number from 0 to 100")
    if not real(idle_timeout_s) or not 0 < idle_timeout_s <= MAX_SECONDS:
        raise ConfigError(
            "idle_timeout_s", idle_timeout_s, f"a finite number of seconds > 0, <= {MAX_SECONDS:g}"
        )
    if (
        not isinstance(max_body_bytes, int)
        or isinstance(max_body_bytes, bool)
        or max_body_bytes < 1
    ):
        raise ConfigError("max_body_bytes", max_body_bytes, "an integer >= 1")


@contextmanager
def serve_in_thread(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: Faults | None = None,
    api_key: str | None = None,
    realtime: float = 0.0,
    aliases: dict[str, str] | None = None,
    idle_timeout_s: float = IDLE_TIMEOUT_S,
    max_body_bytes: int = MAX_BODY_BYTES,
    allow_public_without_key: bool = False,
) -> Iterator[str]:
    """Serve the simulated model in a background thread for the ``with`` block.

    Args:
        host: Interface (loopback by default).
        port: TCP port; 0 (default) picks a free one.
        faults: Fault rates (default: none).
        api_key: Require this bearer key.
        realtime: Sleep this fraction of the modeled latency.
        aliases: More model names served by a profile (see ``SimServer``).
        idle_timeout_s: Close a connection silent this many seconds.
        max_body_bytes: Answer 413 to a larger request body.
        allow_public_without_key: Listen beyond loopback with no key (refused otherwise).

    Yields:
        The base URL, e.g. ``http://127.0.0.1:54321/v1``.

    Example:
        >>> import agentlab as al
        >>> from agentlab.server import serve_in_thread
        >>> with serve_in_thread() as url:
        ...     model = al.make_model("openai-compatible:gpt-4o-mini", base_url=url, seed=0)
        ...     model.invoke("Hello").usage_metadata["input_tokens"] > 0
        True
    """
    with SimServer(
        host=host,
        port=port,
        faults=faults,
        api_key=api_key,
        realtime=realtime,
        aliases=aliases,
        idle_timeout_s=idle_timeout_s,
        max_body_bytes=max_body_bytes,
        allow_public_without_key=allow_public_without_key,
    ) as s:
        yield s.url
