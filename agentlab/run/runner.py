"""Run episodes and turn their records into tidy tables: ``episodes`` and ``steps``.

``run_episodes`` runs a large simulated grid in a notebook on several cores, and a small
one's costly episodes on workers already up (``agentlab.run.grid_workers``).

Introduced in notebook 00 (`00_quickstart.ipynb`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from tqdm.auto import tqdm

from agentlab.config import EpisodeConfig
from agentlab.errors import ConfigError
from agentlab.model_names import check_model_string
from agentlab.run import grid_workers as gw
from agentlab.run.results import Results  # the tables' shape; runner is where notebooks find it
from agentlab.serve.deadlines import (
    DEFAULT_EPISODE_DEADLINE_S,
    check_seconds,
    episode_deadline,
)
from agentlab.serve.tracing import tracing_guarded

if TYPE_CHECKING:  # the graphs (LangGraph, LangChain) load with the first episode, not the tables
    from langchain_core.language_models import BaseChatModel
    from langgraph.types import Checkpointer

    from agentlab.run.episode import Episode
    from agentlab.world.capabilities import Capability


def __getattr__(name: str) -> Any:
    """``Episode``, one run's record (it needs LangChain), imported on first use."""
    if name == "Episode":
        from agentlab.run.episode import Episode

        return Episode
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _deadline(config: EpisodeConfig, deadline_s: float | Literal["auto"] | None) -> float | None:
    """An episode's deadline in seconds: ``"auto"`` is the default of a real model, none for
    the simulated one."""
    if deadline_s == "auto":
        real = check_model_string(config.model)[0] != "sim"
        return DEFAULT_EPISODE_DEADLINE_S if real else None
    return check_seconds("deadline_s", deadline_s)


@tracing_guarded
def run_episode(
    config: EpisodeConfig,
    *,
    model: BaseChatModel | None = None,
    checkpointer: Checkpointer = None,
    thread_id: str | None = None,
    answer: Callable[[dict[str, Any]], str] | None = None,
    stop_at_interrupt: bool = False,
    resume: str | None = None,
    deadline_s: float | Literal["auto"] | None = "auto",
    caps: dict[str, Capability] | None = None,
) -> Episode:
    """Run one episode of its scenario and record everything it did.

    The scenario registry (``agentlab.run.scenarios``) says who runs it: the travel agent, or
    the research team of ``config.architecture``. A failing model call, tool or graph step
    ends the episode with outcome ``"error: <reason>"``; it never raises (bad input does:
    ``ConfigError``, e.g. a checkpoint option the scenario does not honour). Travel: when
    a checkpoint interrupts the run, the
    simulated traveller (``TravelUser``) answers, or ``answer`` does; with
    ``stop_at_interrupt`` the episode stops instead (outcome ``"interrupted"``, question in
    ``Episode.pending``) and ``resume=`` continues it later, in this process or another
    one when the checkpointer is durable (``agentlab.run.durable.sqlite_checkpointer``).

    Args:
        config: What to run.
        model: A ready model to use instead of ``make_model(config.model, seed=config.seed)``.
        checkpointer: A LangGraph checkpointer (default: in memory when checkpoints are on).
        thread_id: The run's thread in the checkpointer (default: from request and seed).
            A SQLite checkpointer refuses (``ConfigError``) a thread that another
            configuration started.
        answer: Answers checkpoint questions (default: the simulated traveller).
        stop_at_interrupt: Stop at the first question instead of answering it.
        resume: The answer to the question a stopped run is waiting on.
        deadline_s: Wall-clock seconds the episode may take; past them it stops with
            outcome ``"deadline"``, keeping its steps (``agentlab.serve.deadlines``). ``"auto"``:
            ``DEFAULT_EPISODE_DEADLINE_S`` for a real model, none for the simulated one
            (its time is virtual). None: no deadline.
        caps: Research only: capability data instead of the shipped ones
            (``agentlab.world.capabilities.with_data``; every capability, checked).

    Returns:
        The ``Episode``: call ``.row()`` and ``.step_rows()`` for the tables.

    Example:
        >>> import agentlab as al
        >>> ep = al.run_episode(al.EpisodeConfig(seed=0))
        >>> ep.request.id
        'trip-001'
    """
    from agentlab.run.scenarios import scenario  # its runners build LangGraph graphs

    options = {
        "checkpointer": checkpointer,
        "thread_id": thread_id,
        "answer": answer,
        "stop_at_interrupt": stop_at_interrupt or None,
        "resume": resume,
        "caps": caps,
    }
    world = scenario(config.scenario)
    alone = config.architecture == "single"
    honoured = world.options if alone else world.team_options
    where = f"scenario {config.scenario!r}" + ("" if alone else f" as {config.architecture!r}")
    for name, value in options.items():
        if value is not None and name not in honoured:
            raise ConfigError(
                name,
                "capability data" if name == "caps" else value,
                f"the default None; {where} runs with none of "
                f"{', '.join(options)} but {', '.join(honoured) or 'none'}",
            )
    given = {k: v for k, v in options.items() if v is not None}
    if caps is not None:
        from agentlab.world.capabilities import checked

        checked(caps)
    with episode_deadline(_deadline(config, deadline_s)):  # bounds every call within it
        return world.run(config, model=model, **given)


def run_episodes(
    configs: Iterable[EpisodeConfig],
    *,
    progress: bool = True,
    model: BaseChatModel | None = None,
    workers: int | None = None,
    caps: dict[str, Capability] | None = None,
) -> Results:
    """Run many episodes and return their tables.

    In a notebook on Linux or macOS, a grid of simulated episodes runs on the cores the
    kernel may use (at most 8 processes, or ``AGENTLAB_WORKERS``;
    ``agentlab.run.grid_workers``): this process runs the grid's chunks itself; a grid of at
    least 32 starts worker processes when enough work is left to pay for them, and they
    take chunks as soon as they are up; a smaller one gives chunks to workers already up
    when more than half a second of its work is left. Every episode is seeded by its
    configuration, so the tables are the same whichever process ran it (only the
    wall-clock columns differ).
    Elsewhere (a script, the command line, a test) episodes run in this process unless
    ``workers`` asks for more; a script that does must call it under
    ``if __name__ == "__main__":``, as for ``run_sweep``.

    Args:
        configs: The episodes to run (e.g. from ``grid``).
        progress: Show a progress bar (works in JupyterLab and terminals).
        model: A ready model for every episode (default: each config's own). A model
            object stays in this process: ``workers`` must then be None or 1.
        workers: Processes to run on at most, this one included (1: this process only);
            workers start only when enough of the grid is left to pay for them. None:
            decided as above.
        caps: Capability data for every episode instead of the shipped ones
            (``agentlab.world.capabilities.with_data``); research episodes only.

    Returns:
        ``Results`` with ``episodes`` and ``steps`` DataFrames, in the order of ``configs``.

    Raises:
        ConfigError: ``workers`` below 1, or above 1 with a ``model`` object; an
            ``AGENTLAB_WORKERS`` that is not a whole number of at least 1; ``caps`` with an
            episode that is not research, or that are not the research assistant's
            capability data (``agentlab.world.capabilities.checked``).
        RuntimeError: ``workers`` above 1 in a worker process: a script that asks for
            workers without ``if __name__ == "__main__":``, which they import again.
    """
    configs = list(configs)
    rows_of = (
        episode_rows if caps is None else partial(episode_rows, caps=_checked_caps(caps, configs))
    )
    if workers is None:
        n = gw.default_workers(configs, model)
    else:
        n = gw.checked_workers(workers, model)
    if n > 1 and gw.importing_main_again():  # a worker, or their server, reading a script
        raise RuntimeError(
            "run_episodes with workers is running in a worker process: in a script, call it "
            'under `if __name__ == "__main__":`'
        )
    bar = tqdm(total=len(configs), disable=not progress, desc="episodes", unit="episode")
    try:
        if n > 1 and len(configs) > 1:
            start = True if workers is not None else None  # asked for: any grid may start them
            done = gw.run_on_workers(configs, n, bar, rows_of, start=start)
        else:
            done = []
            for cfg in configs:
                done.append(rows_of([cfg], model))
                bar.update(1)
    finally:
        bar.close()
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for i, (row, step_rows) in enumerate(r for chunk in done for r in zip(*chunk, strict=True)):
        rows.append({"episode": i, **row})
        steps.extend({"episode": i, **s} for s in step_rows)
    return Results(pd.DataFrame(rows), pd.DataFrame(steps))


def episode_rows(
    configs: list[EpisodeConfig],
    model: BaseChatModel | None = None,
    caps: dict[str, Capability] | None = None,
) -> gw.Rows:
    """Run some episodes (here, or in a worker process): each one's ``episodes`` row and its
    ``steps`` rows. An episode that raises (bad input) raises here too."""
    rows, steps = [], []
    for cfg in configs:  # one episode's record held at a time
        ep = run_episode(cfg, model=model, caps=caps)
        rows.append(ep.row())
        steps.append(ep.step_rows())
    return rows, steps


def _checked_caps(caps: Any, configs: list[EpisodeConfig]) -> dict[str, Capability]:
    """``caps`` as ``run_episodes`` was given them, checked before any episode runs."""
    from agentlab.world.capabilities import checked

    other = sorted({c.scenario for c in configs} - {"research"})
    if other:
        raise ConfigError(
            "caps", "capability data", f"research episodes only (this grid has {', '.join(other)})"
        )
    return checked(caps)


def grid(
    base: EpisodeConfig | None = None, *, seeds: Iterable[int] = (0,), **axes: Iterable[Any]
) -> list[EpisodeConfig]:
    """Every combination of the given field values, times the seeds.

    Each combination is set at once, so the order of the axes does not matter. A
    combination that is refused (a value out of range, or a field its scenario, architecture
    or memory, clarify, verify or reflect setting does not read: ``agentlab.applies``) stops
    the grid with a ``ConfigError`` naming the field and the combination; none is dropped.
    A grid is a list: sweep a dependent field only where it applies, and add the lists,
    e.g. ``grid(memory="full") + grid(memory="window", window=[4, 8])``.

    Example:
        >>> len(grid(tools=[4, 32], seeds=range(3)))
        6
        >>> try:
        ...     grid(memory=["window", "full"], window=[4])
        ... except ConfigError as err:
        ...     print(err.field, "|", str(err).rsplit("; ", 1)[1])
        window | refused in the grid's combination memory='full', window=4
    """
    base = base or EpisodeConfig()
    options = {
        name: [values] if isinstance(values, str) or not isinstance(values, Iterable) else values
        for name, values in axes.items()
    }
    configs = []
    for combo in itertools.product(*options.values()):
        changes = dict(zip(options, combo, strict=True))
        try:
            config = base.with_(**changes)
        except ConfigError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in changes.items())
            raise ConfigError(
                exc.field, exc.value, f"{exc.allowed}; refused in the grid's combination {shown}"
            ) from None
        configs.append(config)
    return [c.with_(seed=s) for c in configs for s in seeds]
