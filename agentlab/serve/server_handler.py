"""The HTTP handler of ``agentlab serve``: one request in, one OpenAI-format answer out.

``SimHandler`` answers ``GET /v1/models`` and ``POST /v1/chat/completions`` with the
simulated model (``agentlab.serve.wire`` reads and writes the wire format), checks the bearer
key, draws the request's faults (``agentlab.serve.faults``), and keeps every keep-alive
connection clean: a body nobody read is drained (or the connection closed) before an
answer, a body over the limit is answered 413, a stream cut short closes the connection.
Errors come in OpenAI's JSON format and are counted by outcome. What it reads of its
server (the key, the limits, the fault rates, the counts) is ``ServedApp``; the server
itself, its thread and its settings are ``agentlab.serve.server``.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from agentlab.redact import RedactingFilter
from agentlab.serve.faults import Faults
from agentlab.serve.wire import (
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
from agentlab.sim.profiles import profiles

log = logging.getLogger("agentlab.serve.server")  # the server's log: one logger for both modules
log.addFilter(RedactingFilter())  # a request line or a traceback never logs a key


class ServedApp(Protocol):
    """What the handler reads of the server it answers for (``agentlab.serve.server.SimServer``)."""

    faults: Faults  # the fault rates drawn per request
    api_key: str | None  # the bearer key requests must carry (None: no key)
    realtime: float  # the fraction of each answer's modeled latency slept
    idle_timeout_s: float  # a connection silent this long closes
    max_body_bytes: int  # a larger request body is answered 413
    aliases: dict[str, str]  # more model names, each served by a profile

    def count(self, outcome: str) -> None:
        """Count one answer's outcome."""


class AppServer(ThreadingHTTPServer):
    """An HTTP server that knows the app its handler answers for."""

    app: ServedApp


class SimHandler(BaseHTTPRequestHandler):
    """One connection's requests, answered in OpenAI's format (see the module docstring)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart
    server: AppServer

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
