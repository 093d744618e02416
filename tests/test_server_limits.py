"""agentlab serve's limits: keep-alive connections stay in step after early errors, idle
connections close, big bodies get 413, a public host needs a key, and every flag is checked.

Nothing here binds beyond loopback: the refusal is checked with the socket server replaced
by a stand-in that records what it would bind.
"""

from __future__ import annotations

import http.client
import json
import math
import socket
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest

from agentlab.commands.cli import main as cli_main
from agentlab.config import ConfigError
from agentlab.serve.faults import Faults
from agentlab.serve.server import SimServer, is_loopback, serve_in_thread

KEY = "sk-agentlab-limits-5d2e8a"
CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]})


def _connect(server: SimServer) -> http.client.HTTPConnection:
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)


def _json(response: http.client.HTTPResponse) -> Any:
    return json.loads(response.read())


@pytest.fixture(scope="module")
def keyed() -> Iterator[SimServer]:
    with SimServer(api_key=KEY) as server:
        yield server


# --- keep-alive connections stay in step -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "key", "status", "code"),
    [
        ("POST", "/v1/chat/completions", None, 401, "invalid_api_key"),  # body never read
        ("POST", "/v1/embeddings", KEY, 404, "unknown_url"),  # body never read
        ("GET", "/v1/models/gpt-5", KEY, 404, "model_not_found"),  # a GET with a body
        ("POST", "/v1/chat/completions?x=1", KEY, 200, None),  # read: the normal path
    ],
)
def test_an_early_error_leaves_the_keep_alive_connection_in_step(
    keyed: SimServer, method: str, path: str, key: str | None, status: int, code: str | None
) -> None:
    conn = _connect(keyed)
    try:
        auth = {"Authorization": f"Bearer {key}"} if key else {}
        conn.request(method, path, CHAT, {"Content-Type": "application/json", **auth})
        first = conn.getresponse()
        assert first.status == status
        answer = _json(first)
        if code is not None:
            assert answer["error"]["code"] == code
        assert first.getheader("Connection") != "close"  # drained: the connection is kept
        sock = conn.sock
        conn.request("POST", "/v1/chat/completions", CHAT, {"Authorization": f"Bearer {KEY}"})
        second = conn.getresponse()
        assert second.status == 200, second.read()
        assert _json(second)["object"] == "chat.completion"
        assert conn.sock is sock  # both answers came on the one connection
    finally:
        conn.close()


def test_an_unsupported_method_is_a_json_error_and_the_next_request_is_answered(
    keyed: SimServer,
) -> None:
    conn = _connect(keyed)
    try:
        conn.request("PUT", "/v1/models", CHAT, {"Authorization": f"Bearer {KEY}"})
        first = conn.getresponse()
        assert first.status == 501 and first.getheader("Connection") == "close"
        assert set(_json(first)["error"]) == {"message", "type", "param", "code"}
        conn.request("GET", "/v1/models", headers={"Authorization": f"Bearer {KEY}"})
        assert conn.getresponse().status == 200  # on a new connection
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"Content-Length": str(10**9)}, 413, "request_too_large"),
        ({"Transfer-Encoding": "chunked"}, 411, "content_length_required"),
        ({"Content-Length": "12abc"}, 400, "content_length_required"),
    ],
)
def test_a_body_too_big_or_of_unknown_length_is_refused_unread(
    headers: dict[str, str], status: int, code: str
) -> None:
    """Only the headers are sent: a server that tried to read the body would never answer."""
    with SimServer(max_body_bytes=4096) as server:
        conn = _connect(server)
        try:
            conn.putrequest("POST", "/v1/chat/completions")
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            response = conn.getresponse()
            assert response.status == status
            error = _json(response)["error"]
            assert error["code"] == code and error["type"] == "invalid_request_error"
            assert response.getheader("Connection") == "close"
            conn.request("POST", "/v1/chat/completions", CHAT)  # a new connection: answered
            assert conn.getresponse().status == 200
        finally:
            conn.close()
        assert server.counts["too_large" if status == 413 else "bad_request"] == 1


def test_a_body_under_the_limit_is_read_and_one_over_it_is_not() -> None:
    with SimServer(max_body_bytes=len(CHAT)) as server:
        conn = _connect(server)
        try:
            conn.request("POST", "/v1/chat/completions", CHAT)
            first = conn.getresponse()
            assert first.status == 200 and first.read()  # exactly at the limit: read
            conn.request("POST", "/v1/chat/completions", CHAT + " ")
            response = conn.getresponse()
            assert response.status == 413
            assert f"the limit is {len(CHAT):,} bytes" in _json(response)["error"]["message"]
        finally:
            conn.close()


# --- idle connections close ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent", [b"", b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"]
)
def test_an_idle_connection_is_closed_by_the_server(
    sent: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    """Silent from the start, or stalled mid-body: either way the server hangs up, quietly."""
    with SimServer(idle_timeout_s=0.2) as server:
        parts = urlsplit(server.url)
        assert parts.hostname and parts.port
        with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
            sock.sendall(sent)
            assert sock.recv(1024) == b""  # end of stream: closed (a timeout here fails)
    assert capfd.readouterr().err == ""  # no traceback: socketserver prints before it closes


# --- a public host needs a key -------------------------------------------------------------


class _NoBind:
    """Stands in for the socket server: records the address it would bind, binds nothing."""

    bound: ClassVar[list[tuple[str, int]]] = []

    def __init__(self, address: tuple[str, int], handler: object) -> None:
        _NoBind.bound.append(address)
        raise OSError("not bound (test)")


@pytest.fixture
def no_bind(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    monkeypatch.setattr("agentlab.serve.server._HTTPServer", _NoBind)
    _NoBind.bound = []
    return _NoBind.bound


def test_is_loopback_knows_loopback_and_takes_any_other_host_for_public() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.0.2.7", "example.org", "lab.local"]))


def test_a_public_host_without_a_key_is_refused_before_binding(
    no_bind: list[tuple[str, int]],
) -> None:
    for host in ("0.0.0.0", "::", "192.0.2.7"):
        with pytest.raises(ConfigError, match="allow_public_without_key=True"):
            SimServer(host=host)
        with pytest.raises(ConfigError, match="api_key: got None"), serve_in_thread(host=host):
            pass
    assert no_bind == []  # refused before any socket was made
    with pytest.raises(OSError, match="not bound"):
        SimServer(host="0.0.0.0", allow_public_without_key=True)
    with pytest.raises(OSError, match="not bound"), serve_in_thread(host="192.0.2.7", api_key=KEY):
        pass
    assert no_bind == [("0.0.0.0", 0), ("192.0.2.7", 0)]  # these would have bound


def test_the_serve_command_refuses_a_public_host_without_a_key(
    no_bind: list[tuple[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--host: got '0.0.0.0'" in err
    assert err.startswith("agentlab serve: error: ") and err.endswith(
        " (see agentlab serve --help)\n"
    )
    assert "--allow-public-without-key" in err and "AGENTLAB_SERVE_KEY" in err
    assert no_bind == []
    assert cli_main(["serve", "--host", "0.0.0.0", "--allow-public-without-key"]) == 2
    assert cli_main(["serve", "--host", "192.0.2.7", "--api-key", KEY, "--port", "9"]) == 2
    assert no_bind == [("0.0.0.0", 8000), ("192.0.2.7", 9)]  # would have bound: allowed
    assert "cannot listen (not bound (test))" in capsys.readouterr().err


# --- every setting checked -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate-limit", "inf"], "--rate-limit: got 'inf'; allowed: a finite number from 0 to 1"),
        (["--rate-limit", "-0.1"], "--rate-limit: got '-0.1'; allowed: a finite number"),
        (["--server-error", "nan"], "--server-error: got 'nan'"),
        (["--malformed", "1.5"], "--malformed: got '1.5'"),
        (["--port", "70000"], "--port: got '70000'; allowed: an integer from 0 to 65535"),
        (["--port", "http"], "--port: got 'http'"),
        (["--rate-limit", ".1", "--retry-after", "-1"], "--retry-after: got '-1'; allowed: a"),
        (["--rate-limit", ".1", "--retry-after", "inf"], "--retry-after: got 'inf'"),
        (["--slow", ".1", "--slow-s", "1e9"], "--slow-s: got '1e9'; allowed: a finite number"),
        (["--idle-timeout", "0"], "--idle-timeout: got '0'; allowed: a finite number > 0"),
        (["--max-body-mb", "-1"], "--max-body-mb: got '-1'"),
        (["--realtime", "-1"], "--realtime: got '-1'"),
        (["--rate-limit", ".1", "--fault-seed", "-3"], "--fault-seed: got '-3'; allowed: an int"),
        (
            ["--rate-limit", "0.6", "--server-error", "0.6"],
            "--rate-limit + --server-error + --slow + --truncate: got 1.2; allowed: rates",
        ),
        (["--malformed", "0.5", "--unknown-tool", "0.7"], "--malformed + --unknown-tool: got"),
        (["--retry-after", "2"], "--retry-after: got 2.0; allowed: only with --rate-limit or"),
        (["--slow-s", "5"], "--slow-s: got 5.0; allowed: only with --slow > 0"),
        (["--fault-seed", "4"], "--fault-seed: got 4; allowed: only with a fault rate > 0"),
        (["--alias", "llama"], "--alias: got 'llama'; allowed: NAME=PROFILE with PROFILE one of"),
        (["--alias", "x=gpt-9"], "--alias: got 'x=gpt-9'"),
        (["--alias", "gpt-4o=gpt-4o-mini"], "allowed: a NAME that is not a profile"),
        (["--alias", "m=gpt-4o", "--alias", "m=gpt-4o-mini"], "--alias: got 'm=gpt-4o-mini'"),
        (["--api-key", ""], "--api-key: got '<hidden>'; allowed: a non-empty key"),
        (["--allow-public-without-key"], "--allow-public-without-key: got True; allowed: only"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_every_serve_flag_is_checked_with_a_one_line_error(
    argv: list[str],
    message: str,
    no_bind: list[tuple[str, int]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    try:
        status = cli_main(["serve", *argv])
    except SystemExit as exc:  # argparse refuses the value as it parses it
        status = int(exc.code or 0)
    assert status == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert no_bind == []


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"port": 65536}, "port"),
        ({"port": True}, "port"),
        ({"idle_timeout_s": 0}, "idle_timeout_s"),
        ({"idle_timeout_s": math.inf}, "idle_timeout_s"),
        ({"max_body_bytes": 0}, "max_body_bytes"),
        ({"realtime": math.nan}, "realtime"),
        ({"api_key": ""}, "api_key"),
        ({"api_key": "two words"}, "api_key"),
        ({"host": ""}, "host"),
    ],
)
def test_simserver_settings_are_checked_before_binding(
    settings: dict[str, Any], field: str, no_bind: list[tuple[str, int]]
) -> None:
    with pytest.raises(ConfigError, match=f"^{field}: got"):
        SimServer(**settings)
    assert no_bind == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"rate_limit": math.inf}, "rate_limit: got inf; allowed: a probability"),
        ({"server_error": -0.1}, "server_error: got -0.1"),
        ({"slow": math.nan}, "slow: got nan"),
        ({"truncate": True}, "truncate: got True"),
        ({"rate_limit": 0.7, "slow": 0.7}, "rate_limit + server_error + slow + truncate: got 1.4"),
        ({"retry_after_s": -1}, "retry_after_s: got -1; allowed: a finite number of seconds"),
        ({"retry_after_s": math.inf}, "retry_after_s: got inf"),
        ({"slow_s": math.nan}, "slow_s: got nan"),
        ({"seed": -1}, "seed: got -1; allowed: an integer >= 0"),
    ],
)
def test_fault_rates_and_waits_are_checked(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("+", r"\+")):
        Faults(**settings)


def test_a_retry_after_of_zero_is_allowed_and_sent() -> None:
    with SimServer(faults=Faults(rate_limit=1.0, retry_after_s=0)) as server:
        conn = _connect(server)
        try:
            conn.request("POST", "/v1/chat/completions", CHAT)
            response = conn.getresponse()
            assert response.status == 429 and response.getheader("Retry-After") == "0"
            assert _json(response)["error"]["code"] == "rate_limit_exceeded"
        finally:
            conn.close()
