"""Sweep files and the ``agentlab sweep`` command: a whole experiment in one small file.

A sweep file (TOML, JSON or YAML) names the grid, the seeds and where results go::

    # scope.toml
    store = "runs/scope"        # relative to this file; rerun the file to resume
    workers = 2                 # worker processes (default: the CPUs of this machine)
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
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentlab.config import ConfigError, EpisodeConfig

KEYS = ("store", "workers", "seeds", "budget_usd", "budget_tokens", "backend", "ray_address",
        "base", "grid")  # fmt: skip
SUFFIXES = (".toml", ".json", ".yaml", ".yml")


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

    def configs(self) -> list[EpisodeConfig]:
        """The sweep's configurations (validated)."""
        from agentlab.runner import grid

        return grid(EpisodeConfig().with_(**self.base), seeds=self.seeds, **self.grid)


def _seeds(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return list(range(value))
    if isinstance(value, list) and value and all(isinstance(s, int) for s in value):
        return list(value)
    if isinstance(value, dict) and set(value) == {"start", "count"}:
        return list(range(int(value["start"]), int(value["start"]) + int(value["count"])))
    raise ConfigError("seeds", value, "an integer N >= 1 (0..N-1), a list, or {start, count}")


def read_sweep_file(path: str | Path) -> SweepFile:
    """Read and check a sweep file (``.toml``, ``.json``, ``.yaml``).

    Raises:
        ConfigError: naming the key that is wrong and what is allowed.
    """
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise ConfigError("sweep file", str(path), "a file ending in " + ", ".join(SUFFIXES))
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
        data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigError("sweep file", str(path), "a table of keys: " + ", ".join(KEYS))
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(unknown[0], data[unknown[0]], "a key among " + ", ".join(KEYS))
    if "store" not in data:
        raise ConfigError("store", None, "a folder for the results, e.g. 'runs/scope'")
    grid = {k: v if isinstance(v, list) else [v] for k, v in dict(data.get("grid", {})).items()}
    sweep = SweepFile(
        store=(path.parent / str(data["store"])).resolve(),
        seeds=_seeds(data.get("seeds", 1)),
        base=dict(data.get("base", {})),
        grid=grid,
        workers=data.get("workers"),
        budget_usd=data.get("budget_usd"),
        budget_tokens=data.get("budget_tokens"),
        backend=str(data.get("backend", "local")),
        ray_address=data.get("ray_address"),
    )
    if sweep.workers is not None and (not isinstance(sweep.workers, int) or sweep.workers < 0):
        raise ConfigError("workers", sweep.workers, "an integer >= 0 (0: in this process)")
    if sweep.backend not in ("local", "ray"):
        raise ConfigError("backend", sweep.backend, "local, ray")
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
    parser.add_argument("--workers", type=int, default=None, help="override the file's workers")
    parser.add_argument("--store", type=Path, default=None, help="override the file's store")
    parser.add_argument("--backend", choices=("local", "ray"), default=None, help="where to run")
    parser.add_argument("--ray-address", default=None, help="an existing Ray cluster")
    parser.add_argument("--dry-run", action="store_true", help="say what would run, run nothing")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _summary(episodes: Any, axes: list[str]) -> str:
    """Outcomes, then success and cost per success for each combination of the swept axes."""
    lines = [
        "outcomes: " + ", ".join(f"{k} {v}" for k, v in episodes["outcome"].value_counts().items())
    ]
    if len(episodes):
        groups = episodes.groupby(axes or ["scenario"])
        table = groups.agg(
            episodes=("success", "size"),
            success_rate=("success", "mean"),
            cost_usd=("cost_usd", "sum"),
            successes=("success", "sum"),
        )
        table["cost_per_success_usd"] = table["cost_usd"] / table["successes"].where(
            table["successes"] > 0
        )
        lines.append(table.drop(columns="successes").reset_index().to_string(index=False))
    return "\n".join(lines)


def main(ns: argparse.Namespace) -> int:
    """Run ``agentlab sweep FILE``.

    Returns:
        0 when every episode is stored, 3 when the sweep budget stopped it first, 2 on a bad
        sweep file (with a message naming the key), 130 on Ctrl-C (stored episodes kept).
    """
    from agentlab.store import SweepStore, config_key
    from agentlab.sweep import run_sweep

    try:
        sweep = read_sweep_file(ns.file)
    except ConfigError as exc:
        print(f"agentlab: error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:  # unreadable or malformed file
        print(f"agentlab: error: {ns.file}: {exc}", file=sys.stderr)
        return 2
    store = ns.store or sweep.store
    configs = sweep.configs()
    try:
        if ns.dry_run:
            stored = SweepStore(store).stored_keys() if store.exists() else set()
            todo = sum(config_key(c) not in stored for c in configs)
            print(f"{len(configs)} episodes in the sweep, {todo} to run, store {store}")
            return 0
        results = run_sweep(
            configs,
            store=store,
            workers=ns.workers if ns.workers is not None else sweep.workers,
            backend=ns.backend or sweep.backend,
            progress=not ns.no_progress and sys.stderr.isatty(),
            budget_usd=sweep.budget_usd,
            budget_tokens=sweep.budget_tokens,
            ray_address=ns.ray_address or sweep.ray_address,
        )
    except KeyboardInterrupt:
        return 130
    except ValueError as exc:  # e.g. a store folder that holds other files
        print(f"agentlab: error: {exc}", file=sys.stderr)
        return 2
    episodes = results.episodes
    print(f"{len(episodes)} of {results.planned} episodes stored in {store}")
    if len(episodes):
        print(_summary(episodes, list(sweep.grid)))
    return 3 if results.stopped else 0
