"""Sweep files and the ``agentlab sweep`` command: a whole experiment in one small file.

A sweep file (TOML, JSON or YAML) names the grid, the seeds and where results go::

    # scope.toml
    store = "runs/scope"        # relative to this file; rerun the file to resume
    workers = 2                 # worker processes (default: the cores it may use)
    seeds = 20                  # 0..19; or a list [0, 5, 9]; or {start = 100, count = 20}
    budget_usd = 0.50           # optional: stop scheduling once the sweep spent this
    [base]                      # fields every episode shares (EpisodeConfig)
    memory = "window"
    [grid]                      # fields swept: every combination, times the seeds
    tools = [4, 16, 64, 120]
    memory_items = [0, 100]

then ``agentlab sweep scope.toml`` runs what is missing and prints a summary.

Introduced in the README.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentlab.commands.cli_args import integer, say_error
from agentlab.config import ConfigError, EpisodeConfig, check_budgets

PROG = "agentlab sweep"  # how its messages begin

KEYS = ("store", "workers", "seeds", "budget_usd", "budget_tokens", "backend", "ray_address",
        "base", "grid")  # fmt: skip
SUFFIXES = (".toml", ".json", ".yaml", ".yml")
MAX_SWEEP_EPISODES = 100_000  # the most episodes one sweep may plan (checked before building it)
MAX_WORKERS = 256  # the most worker processes a sweep may ask for


@dataclass
class SweepFile:
    """A sweep as written in a file: what ``run_sweep`` needs."""

    store: Path  # where results go (resolved against the file's folder)
    seeds: list[int]
    base: dict[str, Any] = field(default_factory=dict)  # fields shared by every episode
    grid: dict[str, list[Any]] = field(default_factory=dict)  # fields swept
    workers: int | None = None
    budget_usd: float | None = None
    budget_tokens: int | None = None
    backend: str = "local"
    ray_address: str | None = None
    _configs: list[EpisodeConfig] | None = field(default=None, repr=False, compare=False)

    def configs(self) -> list[EpisodeConfig]:
        """The sweep's configurations (validated; built once, when the file is read)."""
        from agentlab.run.runner import grid

        if self._configs is None:
            self._configs = grid(EpisodeConfig().with_(**self.base), seeds=self.seeds, **self.grid)
        return self._configs


def _integer(value: Any, lo: int, hi: float = math.inf) -> bool:
    """Whether ``value`` is an integer (not a bool) from ``lo`` to ``hi``."""
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def _seeds(value: Any) -> list[int]:
    """The seeds a sweep file asks for, at most ``MAX_SWEEP_EPISODES`` (never built first)."""
    n = MAX_SWEEP_EPISODES
    if _integer(value, 1, n):
        return list(range(value))
    if isinstance(value, list) and 0 < len(value) <= n and all(_integer(s, 0) for s in value):
        return list(value)
    if isinstance(value, dict) and set(value) == {"start", "count"}:
        start, count = value["start"], value["count"]
        if _integer(start, 0) and _integer(count, 1, n):
            return list(range(start, start + count))
    raise ConfigError(
        "seeds",
        value,
        f"an integer N from 1 to {n:,} (seeds 0..N-1), a list of up to {n:,} integers >= 0, "
        f"or {{start = S >= 0, count = N from 1 to {n:,}}}",
    )


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``base`` or ``grid``: a table of field names (empty when missing)."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(key, value, "a table of EpisodeConfig fields, e.g. [" + key + "]")
    return dict(value)


def _check_sweep(sweep: SweepFile) -> None:
    """The keys ``run_sweep`` takes, checked before anything is built or run."""
    for name, values in sweep.grid.items():
        if not values:
            raise ConfigError(name, values, "a non-empty list of values to sweep")
    size = len(sweep.seeds) * math.prod(len(v) for v in sweep.grid.values())
    if size > MAX_SWEEP_EPISODES:
        raise ConfigError(
            "grid",
            {k: len(v) for k, v in sweep.grid.items()},
            f"at most {MAX_SWEEP_EPISODES:,} episodes in all (the grid's combinations x "
            f"{len(sweep.seeds):,} seeds: {size:,} here); split the sweep",
        )
    if sweep.workers is not None and not _integer(sweep.workers, 0, MAX_WORKERS):
        allowed = f"an integer from 0 to {MAX_WORKERS} (0: in this process)"
        raise ConfigError("workers", sweep.workers, allowed)
    check_budgets(sweep.budget_usd, sweep.budget_tokens, unset="no key")
    if sweep.ray_address is not None and not (
        isinstance(sweep.ray_address, str) and sweep.ray_address
    ):
        raise ConfigError("ray_address", sweep.ray_address, "the address of a Ray cluster")


def read_sweep_file(path: str | Path) -> SweepFile:
    """Read and check a sweep file (``.toml``, ``.json``, ``.yaml``).

    Raises:
        ConfigError: naming the key that is wrong and what is allowed.
    """
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise ConfigError("sweep file", str(path), "a file ending in " + ", ".join(SUFFIXES))
    if not path.is_file():
        raise ConfigError(
            "sweep file", str(path), "an existing file (`agentlab notebooks DIR` copies the "
            "course's example to DIR/scope.toml)",
        )  # fmt: skip
    text = path.read_text()
    if path.suffix == ".toml":
        data = tomllib.loads(text)
    elif path.suffix == ".json":
        data = json.loads(text)
    else:
        try:
            yaml = importlib.import_module("yaml")
        except ImportError as exc:  # pyyaml is a dev dependency only
            raise ConfigError(
                "sweep file", str(path), "TOML or JSON (or pip install pyyaml)"
            ) from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:  # not a ValueError: said here, with the file's name
            reason = " ".join(str(exc).split())
            raise ConfigError("sweep file", str(path), f"valid YAML ({reason})") from None
    if not isinstance(data, dict):
        raise ConfigError("sweep file", str(path), "a table of keys: " + ", ".join(KEYS))
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(unknown[0], data[unknown[0]], "a key among " + ", ".join(KEYS))
    if not isinstance(data.get("store"), str) or not data["store"]:
        raise ConfigError("store", data.get("store"), "a folder for the results, e.g. 'runs/scope'")
    grid = {k: v if isinstance(v, list) else [v] for k, v in _table(data, "grid").items()}
    if not isinstance(data.get("backend", "local"), str):
        raise ConfigError("backend", data["backend"], "local, ray")
    sweep = SweepFile(
        # absolute, as written: beside the file by the path the user gave (a link such as
        # the clone's notebooks/ is kept, so the store is said where the user looks for it;
        # ".." is left to the system, which reads it after the link, as before)
        store=(path.parent / str(data["store"])).absolute(),
        seeds=_seeds(data.get("seeds", 1)),
        base=_table(data, "base"),
        grid=grid,
        workers=data.get("workers"),
        budget_usd=data.get("budget_usd"),
        budget_tokens=data.get("budget_tokens"),
        backend=str(data.get("backend", "local")),
        ray_address=data.get("ray_address"),
    )
    if sweep.backend not in ("local", "ray"):
        raise ConfigError("backend", sweep.backend, "local, ray")
    _check_sweep(sweep)  # the grid's size first: nothing big is built before it is allowed
    sweep.configs()  # every field and value checked now, before anything runs
    return sweep


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``sweep`` to the ``agentlab`` command's subcommands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sweep",
        help="run (or resume) a sweep from a config file and print a summary",
        description="Run the episodes of a sweep file that are not stored yet; print a summary.",
    )
    parser.add_argument("file", type=Path, help="sweep file: .toml, .json or .yaml")
    parser.add_argument(
        "--workers",
        type=integer(0, MAX_WORKERS),
        default=None,
        help=f"override the file's workers (0 to {MAX_WORKERS}; 0: in this process)",
    )
    parser.add_argument("--store", type=Path, default=None, help="override the file's store")
    parser.add_argument("--backend", choices=("local", "ray"), default=None, help="where to run")
    parser.add_argument("--ray-address", default=None, help="an existing Ray cluster")
    parser.add_argument("--dry-run", action="store_true", help="say what would run, run nothing")
    parser.add_argument(
        "--retry-errors",
        action="store_true",
        help="also run again the stored episodes whose outcome is an error (their new rows "
        "replace them)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _summary(episodes: Any, axes: list[str]) -> str:
    """Outcomes, then success and cost per success for each combination of the swept axes."""
    from agentlab.measure.costs import cost_labels, show_costs, usd_totals

    lines = [
        "outcomes: " + ", ".join(f"{k} {v}" for k, v in episodes["outcome"].value_counts().items())
    ]
    if len(episodes):
        by = axes or ["scenario"]
        groups = episodes.groupby(by)
        table = groups.agg(
            episodes=("success", "size"),
            success_rate=("success", "mean"),
            successes=("success", "sum"),
        )
        table.insert(2, "cost_usd", usd_totals(groups["cost_usd"]))  # NaN: unpriced, never $0
        table["cost_per_success_usd"] = table["cost_usd"] / table["successes"].where(
            table["successes"] > 0
        )
        labels = cost_labels(episodes, by)  # a group is unpriced if one of its rows is
        table = show_costs(table.drop(columns="successes").reset_index(), labels)
        lines.append(table.to_string(index=False))
    return "\n".join(lines)


def main(ns: argparse.Namespace) -> int:
    """Run ``agentlab sweep FILE``.

    Returns:
        0 when every episode is stored, 3 when the sweep budget stopped it first, 2 on a bad
        sweep file or flag (a one-line message naming the key or flag), 1 when every episode
        of the sweep failed (said on stderr), 130 on Ctrl-C (stored episodes kept).
    """
    from agentlab.commands.run_cli import exit_status
    from agentlab.run.store import SweepStore, config_key
    from agentlab.run.sweep import run_sweep

    try:
        sweep = read_sweep_file(ns.file)
    except ConfigError as exc:
        return say_error(PROG, str(exc))
    except (OSError, ValueError) as exc:  # unreadable or malformed file
        return say_error(PROG, f"{ns.file}: {exc}")
    backend = ns.backend or sweep.backend
    if (ns.ray_address or sweep.ray_address) and backend != "ray":  # refused, never ignored
        flag = "--ray-address" if ns.ray_address else "ray_address"
        allowed = "only with the ray backend (--backend ray, or backend = 'ray' in the file)"
        return say_error(PROG, f"{flag}: {allowed}")
    if ns.store is not None and ns.store.exists() and not ns.store.is_dir():
        return say_error(PROG, f"--store: got '{ns.store}'; allowed: a folder")
    store = ns.store or sweep.store
    configs = sweep.configs()
    try:
        if ns.dry_run:
            outcomes = SweepStore(store).outcomes() if store.exists() else {}
            if ns.retry_errors:  # error rows run again
                outcomes = {k: o for k, o in outcomes.items() if not str(o).startswith("error")}
            todo = sum(config_key(c) not in outcomes for c in configs)
            print(f"{len(configs)} episodes in the sweep, {todo} to run, store {store}")
            return 0
        results = run_sweep(
            configs,
            store=store,
            workers=ns.workers if ns.workers is not None else sweep.workers,
            backend=backend,
            progress=not ns.no_progress and sys.stderr.isatty(),
            budget_usd=sweep.budget_usd,
            budget_tokens=sweep.budget_tokens,
            ray_address=ns.ray_address or sweep.ray_address,
            retry="errors" if ns.retry_errors else None,
        )
    except KeyboardInterrupt:
        return 130
    except ValueError as exc:  # e.g. a store folder that holds other files
        return say_error(PROG, str(exc))
    episodes = results.episodes
    print(f"{len(episodes)} of {results.planned} episodes stored in {store}")
    if len(episodes):
        print(_summary(episodes, list(sweep.grid)))
    return exit_status(episodes, PROG) or (3 if results.stopped else 0)  # 1: every episode failed
