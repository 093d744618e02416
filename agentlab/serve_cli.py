"""The ``agentlab serve`` command: the simulated model over OpenAI's HTTP API, on loopback.

    agentlab serve                                  # http://127.0.0.1:8000/v1, no key
    AGENTLAB_SERVE_KEY=... agentlab serve           # requests need Authorization: Bearer ...
    agentlab serve --rate-limit 0.1 --server-error 0.05 --malformed 0.02 --retry-after 0.5
    agentlab serve --alias llama3.1=gpt-4o-mini     # another model name, served by a profile

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

from agentlab.faults import Faults
from agentlab.profiles import profiles
from agentlab.server import SimServer

KEY_ENV = "AGENTLAB_SERVE_KEY"  # the key the server requires, when set


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``agentlab serve`` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "serve", help="serve the simulated model over an OpenAI-compatible HTTP API"
    )
    p.add_argument("--host", default="127.0.0.1", help="interface (default: loopback only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (0: any free port)")
    p.add_argument(
        "--api-key",
        default=None,
        help=f"require this bearer key (better: set {KEY_ENV}, kept out of shell history)",
    )
    p.add_argument("--realtime", type=float, default=0.0, help="sleep this share of latency")
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
        faults.add_argument(f"--{name}", type=float, default=0.0, help=text)
    faults.add_argument("--retry-after", type=float, default=1.0, help="Retry-After seconds")
    faults.add_argument("--slow-s", type=float, default=30.0, help="delay of a slow answer")
    faults.add_argument("--fault-seed", type=int, default=0, help="seed of the fault draws")
    return p


def _alias(text: str) -> tuple[str, str]:
    name, sep, profile = text.partition("=")
    if not sep or not name or not profile:
        raise ValueError(f"--alias: got {text!r}; allowed: NAME=PROFILE, e.g. llama3.1=gpt-4o-mini")
    return name, profile


def main(ns: argparse.Namespace) -> int:
    """Run ``agentlab serve`` in the foreground until Ctrl-C."""
    try:
        faults = Faults(
            rate_limit=ns.rate_limit,
            server_error=ns.server_error,
            slow=ns.slow,
            truncate=ns.truncate,
            malformed=ns.malformed,
            unknown_tool=ns.unknown_tool,
            retry_after_s=ns.retry_after,
            slow_s=ns.slow_s,
            seed=ns.fault_seed,
        )
        server = SimServer(
            host=ns.host,
            port=ns.port,
            faults=faults,
            api_key=ns.api_key or os.environ.get(KEY_ENV),
            realtime=ns.realtime,
            aliases=dict(_alias(a) for a in ns.alias),
        )
    except (ValueError, OSError) as exc:
        print(f"agentlab serve: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    loopback = ns.host in ("127.0.0.1", "localhost", "::1")
    print(
        f"agentlab serve: simulated models ({', '.join(profiles())}) at {server.url}\n"
        f"  key: {'required (Authorization: Bearer ...)' if server.api_key else 'none'}; "
        f"faults: {faults if faults.any else 'none'}\n"
        f"  use: make_model('openai-compatible:gpt-4o-mini', base_url='{server.url}')",
        file=sys.stderr,
    )
    if not loopback and not server.api_key:
        print("agentlab serve: warning: listening beyond loopback with no key", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
