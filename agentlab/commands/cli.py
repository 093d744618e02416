"""The command line: ad-hoc runs without a notebook.

    agentlab run --scenario travel --tools 32 --seeds 20 [--out episodes.csv]
    agentlab notebooks [DIR]    # copy the course's notebooks into DIR (default ./agentlab-course)
    agentlab lab [DIR] [JUPYTER OPTIONS]   # copy them if needed, open JupyterLab there
    agentlab sweep scope.toml   # run or resume a sweep from a file
    agentlab serve          # the simulated model over OpenAI's HTTP API (127.0.0.1:8000)

Introduced in the README.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from agentlab.commands.cli_args import Parser, integer, say_error
from agentlab.commands.run_cli import DEFAULT_COLUMNS, MAX_RUN_EPISODES
from agentlab.config import MEMORY_POLICIES, SCENARIOS, ConfigError, EpisodeConfig
from agentlab.redact import redact_frame, redacted_output

SUFFIXES = (".csv", ".parquet", ".json")
COURSE_DIR = "agentlab-course"  # where `agentlab notebooks` and `agentlab lab` put the course
COURSE_HELP = f"the working folder (default: ./{COURSE_DIR}, created if missing)"


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="agentlab", description=__doc__.split("\n")[0])  # one-line errors
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run episodes and print the episode table")
    defaults = EpisodeConfig()
    run.add_argument("--scenario", default=defaults.scenario, help=f"one of {', '.join(SCENARIOS)}")
    run.add_argument(
        "--tools",
        type=integer(),
        nargs="+",
        default=[defaults.tools],
        help="tools in scope (several values sweep)",
    )
    run.add_argument(
        "--memory",
        nargs="+",
        default=[defaults.memory],
        help=f"memory policies: {', '.join(MEMORY_POLICIES)}",
    )
    run.add_argument(
        "--memory-items",
        type=integer(0),
        nargs="+",
        default=[defaults.memory_items],
        help="long-term memory notes",
    )
    run.add_argument(
        "--window", type=integer(2), default=defaults.window, help="messages kept by window/summary"
    )
    run.add_argument("--no-reflect", action="store_true", help="skip the review step")
    run.add_argument(
        "--architecture",
        nargs="+",
        default=[defaults.architecture],
        help="one agent (single) or a team: pipeline, centralized, hierarchical, swarm, "
        "independent, decentralized, hybrid; several values sweep",
    )
    run.add_argument(
        "--placement",
        default=defaults.placement,
        help="where capabilities live in a team, e.g. check=booker (travel), "
        "fact_check=own (research)",
    )
    run.add_argument(
        "--sub-team",
        default=defaults.sub_team,
        help="research, one agent: capabilities it hands to sub-agents of its own, e.g. "
        "fact_check or retrieve+rank_filter,fact_check",
    )
    run.add_argument(
        "--max-steps",
        type=integer(1),
        default=defaults.max_steps,
        help="LLM calls allowed per episode",
    )
    run.add_argument(
        "--request", default=None, help="a request id, e.g. trip-001 (default: one per seed)"
    )
    run.add_argument(
        "--model",
        default=defaults.model,
        help="sim[:profile], openai:<model>, openai-compatible:<model>",
    )
    run.add_argument(
        "--seeds",
        type=integer(1, MAX_RUN_EPISODES),
        default=10,
        help=f"number of seeds (at most {MAX_RUN_EPISODES:,} episodes in all)",
    )
    run.add_argument("--seed-start", type=integer(0), default=0, help="first seed (>= 0)")
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"also write the episodes table ({', '.join(SUFFIXES)})",
    )
    run.add_argument(
        "--steps-out",
        type=Path,
        default=None,
        help="also write the steps table, a row per call; its 'episode' column joins it to "
        "--out's episodes table, which holds each episode's settings",
    )
    run.add_argument(
        "--columns",
        default=DEFAULT_COLUMNS,
        help="columns to print (comma-separated; 'all' for every column)",
    )
    nbs = sub.add_parser(
        "notebooks",
        help="copy the course's notebooks into a folder (never over your edits)",
        description="Copy the course's notebooks (and the example sweep file) out of the "
        "installed package. A notebook you changed since it was copied is kept, with a message "
        "naming it, unless --force (which saves your version beside it first).",
    )
    nbs.add_argument("dir", nargs="?", type=Path, default=Path(COURSE_DIR), help=COURSE_HELP)
    nbs.add_argument("--force", action="store_true", help="replace notebooks you changed too")
    sub.add_parser(
        "lab",
        help="copy the notebooks if needed and open JupyterLab on them (works as root too)",
        usage="agentlab lab [DIR] [JUPYTER LAB OPTIONS ...]",
        description="Copy the course's notebooks into DIR (as `agentlab notebooks DIR`, never "
        f"over your edits; default ./{COURSE_DIR}) and open JupyterLab there. Every option after "
        "DIR goes to `jupyter lab` unchanged, e.g. `agentlab lab --no-browser --port=8899` "
        "(`jupyter lab --help-all` lists them).",
    )
    from agentlab.commands import calibrate_cli, sweep_cli
    from agentlab.commands.serve_cli import add_parser as add_serve

    sweep_cli.add_parser(sub)
    add_serve(sub)
    calibrate_cli.add_parser(sub)
    return parser


def _write(df: object, path: Path) -> None:
    import pandas as pd

    assert isinstance(df, pd.DataFrame)
    if path.suffix not in SUFFIXES:
        raise ConfigError("--out", str(path), "a file ending in " + ", ".join(SUFFIXES))
    path.parent.mkdir(parents=True, exist_ok=True)
    df = redact_frame(df)  # no key in a file (a provider may echo one in an error)
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    elif path.suffix == ".parquet":  # fastparquet's own API: pandas deprecates its engine
        import fastparquet

        fastparquet.write(str(path), df, compression="SNAPPY", write_index=False)
    else:
        df.to_json(path, orient="records", indent=1)


def _run(ns: argparse.Namespace) -> int:
    import pandas as pd

    from agentlab.commands.run_cli import check_run, columns_to_print, exit_status
    from agentlab.measure.costs import cost_labels, show_costs
    from agentlab.run.runner import run_episodes

    configs = check_run(ns, SUFFIXES)  # every flag, before any episode runs
    results = run_episodes(configs, progress=sys.stderr.isatty())
    table = results.episodes
    columns = columns_to_print(ns, table)
    with pd.option_context(
        "display.width", 200, "display.max_columns", None, "display.max_rows", 500
    ):
        # labelled on the whole table (price_source tells unpriced from unknown), then selected
        print(show_costs(table)[columns].to_string(index=False))
    by = ["architecture", "tools", "memory", "memory_items"]
    summary = results.cost_per_success(by=by)
    print(f"\nsuccess rate {table['success'].mean():.0%} over {len(table)} episodes")
    print(show_costs(summary, cost_labels(table, by)).to_string(index=False))
    if ns.out:
        _write(table, ns.out)
    if ns.steps_out:
        _write(results.steps, ns.steps_out)
    return exit_status(table, "agentlab run")  # 1 when every episode failed


def _notebooks(folder: Path, *, force: bool) -> int:
    from agentlab.commands.course import copy_course

    try:
        report = copy_course(folder, force=force)
    except OSError as exc:
        raise ConfigError("DIR", str(folder), f"a folder you can write to ({exc})") from exc
    for line in report.lines():
        print(line, file=sys.stderr)
    return 0


def _lab(args: list[str]) -> int:
    """``agentlab lab [DIR] [options]``: the course copied into DIR, JupyterLab opened there."""
    folder = Path(args.pop(0)) if args and not args[0].startswith("-") else Path(COURSE_DIR)
    _notebooks(folder, force=False)
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--notebook-dir={folder.resolve()}",
        "--ServerApp.allow_root=True",
        *args,  # JupyterLab reads (and refuses) its own options
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


@redacted_output()  # nothing the command prints holds a key (agentlab.redact)
def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``agentlab`` command.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 2 on bad input (a one-line message naming the flag),
        1 when every episode of ``run`` failed (said on stderr).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["lab"] and not {"-h", "--help"} & set(args[1:2]):
        try:
            return _lab(args[1:])
        except ConfigError as exc:
            return say_error("agentlab lab", str(exc))
    ns, extra = _parser().parse_known_args(args)
    if extra:  # said by the command they were given to (or by agentlab, given before it)
        before = args[: args.index(ns.command)]
        prog = "agentlab" if any(a in before for a in extra) else f"agentlab {ns.command}"
        Parser(prog=prog).error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if ns.command == "notebooks":
            return _notebooks(ns.dir, force=ns.force)
        if ns.command == "sweep":
            from agentlab.commands import sweep_cli

            return sweep_cli.main(ns)
        if ns.command == "calibrate":
            from agentlab.commands import calibrate_cli

            return calibrate_cli.main(ns)
        if ns.command == "serve":
            from agentlab.commands.serve_cli import main as serve

            return serve(ns)
        return _run(ns)
    except ConfigError as exc:  # in the form argparse gives its own errors (cli_args.Parser)
        return say_error(f"agentlab {ns.command}", str(exc))


if __name__ == "__main__":
    raise SystemExit(main())
