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
rates. From a terminal: ``agentlab serve`` (``agentlab/commands/serve_cli.py``).

This module holds the server, its thread and its settings; the handler that answers each
request is in ``agentlab.serve.server_handler``.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import ipaddress
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from agentlab.config import ConfigError
from agentlab.serve.faults import Faults
from agentlab.serve.server_handler import AppServer, SimHandler
from agentlab.sim.profiles import get_profile

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


class _HTTPServer(AppServer):
    daemon_threads = True  # a slow answer never holds up shutdown
    block_on_close = False
    app: SimServer


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
        self._http = _HTTPServer((host, port), SimHandler)
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
        >>> from agentlab.serve.server import serve_in_thread
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
