"""The ``agentlab serve`` command: the simulated model over OpenAI's HTTP API, on loopback.

    agentlab serve                                  # http://127.0.0.1:8000/v1, no key
    AGENTLAB_SERVE_KEY=... agentlab serve           # requests need Authorization: Bearer ...
    agentlab serve --rate-limit 0.1 --server-error 0.05 --malformed 0.02 --retry-after 0.5
    agentlab serve --alias llama3.1=gpt-4o-mini     # another model name, served by a profile
    AGENTLAB_SERVE_KEY=... agentlab serve --host 0.0.0.0   # beyond loopback: a key is required

Every flag is checked before anything is bound: a bad value is a one-line error naming the
flag and the values it allows (exit status 2). A host that is not loopback needs a key, or
``--allow-public-without-key``.

Point any OpenAI client at it (``base_url="http://127.0.0.1:8000/v1"``), or the lab itself:
``make_model("openai-compatible:gpt-4o-mini", base_url=...)`` or ``AGENTLAB_BASE_URL``.

Introduced in notebook 09 (`09_real_models.ipynb`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from agentlab.commands.cli_args import integer, number, say_error
from agentlab.config import ConfigError
from agentlab.serve.faults import CONTENT_FAULTS, HTTP_FAULTS, MAX_WAIT_S, Faults
from agentlab.serve.server import (
    IDLE_TIMEOUT_S,
    MAX_BODY_BYTES,
    MAX_SECONDS,
    SimServer,
    is_loopback,
)
from agentlab.sim.profiles import profiles

KEY_ENV = "AGENTLAB_SERVE_KEY"  # the key the server requires, when set
MAX_BODY_MB = 1024.0  # the largest --max-body-mb allowed


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``agentlab serve`` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "serve", help="serve the simulated model over an OpenAI-compatible HTTP API"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface (default: loopback only; any other needs a key)",
    )
    p.add_argument(
        "--port", type=integer(0, 65535), default=8000, help="TCP port, 0-65535 (0: any free port)"
    )
    p.add_argument(
        "--api-key",
        default=None,
        help=f"require this bearer key (better: set {KEY_ENV}, kept out of shell history)",
    )
    p.add_argument(
        "--allow-public-without-key",
        action="store_true",
        help="listen on a host that is not loopback with no key (anyone who reaches it may use it)",
    )
    p.add_argument(
        "--realtime", type=number(0, 100), default=0.0, help="sleep this share of latency (0-100)"
    )
    p.add_argument(
        "--idle-timeout",
        type=number(0, MAX_SECONDS, above=True),
        default=IDLE_TIMEOUT_S,
        help=f"close a connection silent this many seconds (default {IDLE_TIMEOUT_S:g})",
    )
    p.add_argument(
        "--max-body-mb",
        type=number(0, MAX_BODY_MB, above=True),
        default=MAX_BODY_BYTES / 2**20,
        help=f"answer 413 to a larger request body (default {MAX_BODY_BYTES / 2**20:g} MiB)",
    )
    p.add_argument(
        "--alias",
        action="append",
        default=[],
        metavar="NAME=PROFILE",
        help="serve another model name with a profile, e.g. llama3.1=gpt-4o-mini (repeatable)",
    )
    faults = p.add_argument_group("faults (probabilities per request, seeded)")
    for name, text in (
        ("rate-limit", "429 with Retry-After"),
        ("server-error", "500"),
        ("slow", "answers after --slow-s seconds"),
        ("truncate", "streams cut off mid-answer"),
        ("malformed", "tool calls with broken JSON arguments"),
        ("unknown-tool", "tool calls naming a tool that was not offered"),
    ):
        faults.add_argument(f"--{name}", type=number(0, 1), default=0.0, help=f"{text} (0-1)")
    wait = number(0, MAX_WAIT_S)
    faults.add_argument(
        "--retry-after",
        type=wait,
        default=None,
        help=f"Retry-After seconds of 429 and 500 answers (default {Faults.retry_after_s:g})",
    )
    faults.add_argument(
        "--slow-s",
        type=wait,
        default=None,
        help=f"delay of a slow answer, seconds (default {Faults.slow_s:g})",
    )
    faults.add_argument(
        "--fault-seed", type=integer(0), default=None, help="seed of the fault draws (default 0)"
    )
    return p


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _alias(text: str, taken: dict[str, str]) -> tuple[str, str]:
    """One ``--alias NAME=PROFILE``, checked."""
    name, sep, profile = text.partition("=")
    known = profiles()
    if not sep or not name or profile not in known:
        allowed = f"NAME=PROFILE with PROFILE one of {', '.join(known)}, e.g. llama3.1=gpt-4o-mini"
        raise ConfigError("--alias", text, allowed)
    if name in known or name in taken:
        raise ConfigError("--alias", text, "a NAME that is not a profile nor given twice")
    return name, profile


def _check(ns: argparse.Namespace, key: str | None) -> None:
    """The checks that involve several flags, before anything is bound."""
    for group in (HTTP_FAULTS, CONTENT_FAULTS):
        total = sum(getattr(ns, n) for n in group)
        if total > 1:
            flags = " + ".join(_flag(n) for n in group)
            raise ConfigError(flags, round(total, 6), "rates adding up to at most 1")
    unused = {  # a setting that changes nothing is refused, never ignored
        "--retry-after": ns.retry_after is not None and not (ns.rate_limit or ns.server_error),
        "--slow-s": ns.slow_s is not None and not ns.slow,
        "--fault-seed": ns.fault_seed is not None
        and not any(getattr(ns, n) for n in (*HTTP_FAULTS, *CONTENT_FAULTS)),
    }
    needs = {"--retry-after": "--rate-limit or --server-error > 0", "--slow-s": "--slow > 0"}
    for flag, idle in unused.items():
        if idle:
            value = getattr(ns, flag[2:].replace("-", "_"))
            raise ConfigError(flag, value, f"only with {needs.get(flag, 'a fault rate > 0')}")
    if key is not None and not (key and key.isascii() and key.isprintable() and " " not in key):
        flag = "--api-key" if ns.api_key is not None else KEY_ENV
        raise ConfigError(flag, "<hidden>", "a non-empty key of printable ASCII, no spaces")
    public = not is_loopback(ns.host)
    if public and not key and not ns.allow_public_without_key:
        raise ConfigError(
            "--host",
            ns.host,
            f"loopback (127.0.0.1, ::1, localhost), or a key ({KEY_ENV} or --api-key), "
            "or --allow-public-without-key",
        )
    if ns.allow_public_without_key and (key or not public):
        why = "a key is set" if key else f"--host {ns.host} is loopback"
        raise ConfigError("--allow-public-without-key", True, f"only without a key on a host "
                          f"that is not loopback ({why}): drop it")  # fmt: skip


def main(ns: argparse.Namespace) -> int:
    """Run ``agentlab serve`` in the foreground until Ctrl-C.

    Returns:
        0 after Ctrl-C; 2 on a bad flag (a one-line message naming it) or a port in use.
    """
    key = ns.api_key if ns.api_key is not None else os.environ.get(KEY_ENV) or None
    try:
        _check(ns, key)
        aliases: dict[str, str] = {}
        for text in ns.alias:
            name, profile = _alias(text, aliases)
            aliases[name] = profile
        defaults = Faults()
        faults = Faults(
            rate_limit=ns.rate_limit,
            server_error=ns.server_error,
            slow=ns.slow,
            truncate=ns.truncate,
            malformed=ns.malformed,
            unknown_tool=ns.unknown_tool,
            retry_after_s=defaults.retry_after_s if ns.retry_after is None else ns.retry_after,
            slow_s=defaults.slow_s if ns.slow_s is None else ns.slow_s,
            seed=ns.fault_seed or 0,
        )
        server = SimServer(
            host=ns.host,
            port=ns.port,
            faults=faults,
            api_key=key,
            realtime=ns.realtime,
            aliases=aliases,
            idle_timeout_s=ns.idle_timeout,
            max_body_bytes=max(1, round(ns.max_body_mb * 2**20)),
            allow_public_without_key=ns.allow_public_without_key,
        )
    except ValueError as exc:
        return say_error("agentlab serve", str(exc))
    except OSError as exc:  # the port is taken, or the host is not an interface of this machine
        return say_error(
            "agentlab serve",
            f"--host {ns.host} --port {ns.port}: cannot listen ({exc.strerror or exc}); "
            "allowed: a free port on an interface of this machine",
        )
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    served = ", ".join([*profiles(), *(f"{name} = {p}" for name, p in aliases.items())])
    print(
        f"agentlab serve: simulated models ({served}) at {server.url}\n"
        f"  key: {'required (Authorization: Bearer ...)' if server.api_key else 'none'}; "
        f"faults: {faults if faults.any else 'none'}\n"
        f"  use: make_model('openai-compatible:{next(iter(aliases), 'gpt-4o-mini')}', "
        f"base_url='{server.url}')",
        file=sys.stderr,
    )
    if not is_loopback(ns.host) and not server.api_key:  # --allow-public-without-key
        print("agentlab serve: warning: listening beyond loopback with no key", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
