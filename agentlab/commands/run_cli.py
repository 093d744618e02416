"""The checks of ``agentlab run``: every flag before any episode runs, and its exit status.

``check_run`` turns the parsed flags into the episodes to run, or raises a ``ConfigError``
naming the flag (``--tools: got 999; allowed: an integer from 4 to 124``) before anything
starts: the grid's size first (at most ``MAX_RUN_EPISODES`` episodes, so ``--seeds
1000000000`` is refused at once; larger grids belong in ``agentlab sweep``, which stores and
resumes them), then every value, the model, the output files and the columns to print.
``exit_status`` is 0 unless every episode failed (outcome ``error: ...``): then it says so
on stderr and returns 1. An episode that ran and got a wrong answer is a result, not a
failure.

Introduced in the README (the ``agentlab`` command).
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from typing import Any

from agentlab.applies import APPLIES
from agentlab.config import ConfigError, EpisodeConfig

MAX_RUN_EPISODES = 10_000  # the most episodes one `agentlab run` may plan (more: agentlab sweep)
DEFAULT_COLUMNS = (
    "request_id,architecture,tools,memory,seed,success,outcome,cost_usd,tokens_in,llm_calls,"
    "decisions,latency_s"
)
FLAGS = {  # EpisodeConfig field -> the flag of `agentlab run` that sets it
    "scenario": "--scenario",
    "request": "--request",
    "tools": "--tools",
    "memory": "--memory",
    "memory_items": "--memory-items",
    "window": "--window",
    "reflect": "--no-reflect",
    "architecture": "--architecture",
    "placement": "--placement",
    "sub_team": "--sub-team",
    "max_steps": "--max-steps",
    "model": "--model",
    "seed": "--seed-start",
}
# the flags that take several values (a grid)
AXES = ("tools", "memory", "memory_items", "architecture")


def _as_flag(exc: ConfigError) -> ConfigError:
    """The same error, naming the flag instead of the field."""
    return ConfigError(FLAGS.get(exc.field, exc.field), exc.value, exc.allowed)


def check_run(ns: argparse.Namespace, suffixes: tuple[str, ...]) -> list[EpisodeConfig]:
    """The episodes ``agentlab run`` would run, every flag checked first.

    Args:
        ns: The parsed flags of ``agentlab run``.
        suffixes: The file endings ``--out`` and ``--steps-out`` may have.

    Returns:
        The configurations, in the order they run.

    Raises:
        ConfigError: naming the first bad flag, its value and the values allowed.
    """
    from agentlab.run.runner import grid
    from agentlab.serve.models import make_model

    size = ns.seeds * math.prod(len(getattr(ns, a)) for a in AXES)
    if size > MAX_RUN_EPISODES:
        raise ConfigError(
            "--seeds",
            ns.seeds,
            f"at most {MAX_RUN_EPISODES:,} episodes in all (--seeds x the values of --tools, "
            f"--memory, --memory-items, --architecture: {size:,} here); use `agentlab sweep` "
            "for more",
        )
    try:
        base = EpisodeConfig(
            scenario=ns.scenario,
            request=ns.request,
            **{axis: getattr(ns, axis)[0] for axis in AXES},
            reflect=not ns.no_reflect,
            placement=ns.placement,
            sub_team=ns.sub_team,
            max_steps=ns.max_steps,
            model=ns.model,
            seed=ns.seed_start,
        )
        # every combination checked (a flag its scenario or --memory does not read is refused)
        configs = grid(
            base,
            seeds=range(ns.seed_start, ns.seed_start + ns.seeds),
            **{axis: getattr(ns, axis) for axis in AXES},
        )
        configs = _with_window(configs, ns.window)
    except ConfigError as exc:
        raise _as_flag(exc) from None
    make_model(base.model, seed=0)  # a real model's endpoint and key are set (no call made)
    _check_outputs(ns, suffixes)
    _check_columns(ns)
    return configs


def _with_window(configs: list[EpisodeConfig], window: int) -> list[EpisodeConfig]:
    """``--window`` set on the runs whose ``--memory`` reads it (window, summary), so one
    command compares ``--memory full window``; refused when none does.

    Example:
        >>> runs = _with_window([EpisodeConfig(), EpisodeConfig(memory="window")], 4)
        >>> [c.window for c in runs]
        [6, 4]
    """
    if window == EpisodeConfig().window:
        return configs
    reads = APPLIES["window"].values
    if not any(c.memory in reads for c in configs):
        return [c.with_(window=window) for c in configs]  # refused, naming the field
    return [c.with_(window=window) if c.memory in reads else c for c in configs]


def _check_outputs(ns: argparse.Namespace, suffixes: tuple[str, ...]) -> None:
    """``--out`` and ``--steps-out``: known endings, distinct files, writable (their folders
    are created now)."""
    outs = {"--out": ns.out, "--steps-out": ns.steps_out}
    for flag, path in outs.items():
        if path is None:
            continue
        if path.suffix not in suffixes:
            raise ConfigError(flag, str(path), "a file ending in " + ", ".join(suffixes))
        if path.is_dir():
            raise ConfigError(flag, str(path), "a file, not a folder")
        existed = path.exists()
        try:  # opened now for appending (nothing written), so a run never ends unable to save
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab"):
                pass
        except OSError as exc:
            raise ConfigError(flag, str(path), f"a file you can write ({exc.strerror})") from None
        if not existed:
            path.unlink()
    if (
        ns.out is not None
        and ns.steps_out is not None
        and ns.out.resolve() == ns.steps_out.resolve()
    ):
        raise ConfigError("--steps-out", str(ns.steps_out), "a different file from --out")


@functools.lru_cache(maxsize=16)
def episode_columns(scenario: str, architecture: str = "single") -> tuple[str, ...]:
    """The columns of the episodes table of ``scenario`` run as ``architecture``.

    Learnt from one simulated episode of a single step (a tenth of a second, no network):
    the table's columns do not depend on the run, only on who runs it (a team adds its own).
    """
    from agentlab.run.runner import run_episode

    probe = EpisodeConfig(
        scenario=scenario, architecture=architecture, max_steps=1, model="sim:gpt-4o-mini"
    )
    return ("episode", *run_episode(probe).row())  # as `run_episodes` makes the table


def _check_columns(ns: argparse.Namespace) -> None:
    """``--columns``: 'all', or known column names separated by commas."""
    if ns.columns in ("all", DEFAULT_COLUMNS):
        return
    names = ns.columns.split(",")
    known = tuple(
        dict.fromkeys(c for a in ns.architecture for c in episode_columns(ns.scenario, a))
    )
    for name in names:
        if name not in known:
            raise ConfigError("--columns", name, "'all' or names among " + ", ".join(known))


def columns_to_print(ns: argparse.Namespace, table: Any) -> list[str]:
    """The columns to print: those asked for that the table has (a model's table may lack
    one the simulated probe has; it is named on stderr, never silently dropped)."""
    if ns.columns == "all":
        return list(table.columns)
    names = ns.columns.split(",")
    missing = [c for c in names if c not in table.columns]
    if missing:
        print(f"agentlab run: note: no column {', '.join(missing)} in this table", file=sys.stderr)
    return [c for c in names if c in table.columns]


def exit_status(table: Any, prog: str) -> int:
    """0, or 1 when every episode failed (outcome ``error: ...``), said on stderr after
    ``prog`` (``"agentlab run"``).

    Some failed: a note on stderr, and 0 (the others are results).
    """
    failed = table["outcome"].astype(str).str.startswith("error") if len(table) else None
    if failed is None or not failed.any():
        return 0
    first = str(table.loc[failed, "outcome"].iloc[0])
    if failed.all():
        print(
            f"{prog}: error: every episode failed ({len(table)} of {len(table)}); "
            f"the first: {first}",
            file=sys.stderr,
        )
        return 1
    print(
        f"{prog}: note: {int(failed.sum())} of {len(table)} episodes failed; the first: {first}",
        file=sys.stderr,
    )
    return 0
