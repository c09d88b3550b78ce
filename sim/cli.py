"""The ``ladera`` command line (also ``python -m sim``, and ``python -m sim.batch``).

This module owns the command line: the parser, :func:`main` and the exit codes. Every error a user
can cause (bad input, an unwritable output folder, a missing extra) prints one line and exits with
code 2; a batch in which some runs failed exits with code 1; an interrupt exits with 130. Each
sub-command is a function of :mod:`sim.commands` that takes the parsed namespace; it is imported
only when it runs, and imports its heavy modules lazily, so ``ladera --help`` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from sim.errors import BatchRunsFailed, LaderaError, ScenarioError

#: The Dask dashboard of a local batch: this machine only, on any free port.
LOOPBACK = "127.0.0.1:0"
#: Sub-command -> ``module:function`` of :mod:`sim.commands` that carries it out.
COMMANDS = {
    "run": "sim.commands.run:run",
    "compare": "sim.commands.compare:compare",
    "calibrate": "sim.commands.calibrate:calibrate",
    "validate": "sim.commands.validate:validate",
    "skim": "sim.commands.skim:skim",
    "batch": "sim.commands.batch:batch",
    "viz": "sim.commands.viz:viz",
    "network info": "sim.commands.network:info",
    "network fetch": "sim.commands.network:fetch",
}


def command(key: str) -> Callable[[argparse.Namespace], int]:
    """The function that carries out sub-command ``key`` (imported now)."""
    module, name = COMMANDS[key].split(":")
    return getattr(importlib.import_module(module), name)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (exit code 2) that says what is allowed."""

    def error(self, message: str) -> NoReturn:
        commands = [a for a in self._actions if isinstance(a, argparse._SubParsersAction)]
        if commands and "required" in message:
            message += f"; allowed: {', '.join(commands[0].choices)}"
        self.exit(2, f"ladera: error: {' '.join(message.split())} (see `{self.prog} --help`)\n")


def tcp_port(text: str) -> int:
    """A TCP port number for argparse: an integer from 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1-65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="ladera",
        description="Ladera: compare transport investments by who gains, on real city networks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    allow = OneLineParser(add_help=False)
    allow.add_argument("--allow", action="append", type=Path, default=[], metavar="DIR",
                       help="also read files a scenario, experiment or city names from DIR "
                       "(repeatable; see LADERA_ALLOW)")  # fmt: skip

    net = sub.add_parser("network", help="build, inspect or fetch a city's street network")
    net_sub = net.add_subparsers(dest="network_command", required=True)
    info = net_sub.add_parser("info", help="node/edge counts, bbox, lines and cache state",
                              parents=[allow])  # fmt: skip
    info.add_argument("--city", default="porto_alegre", help="bundled city (default: %(default)s)")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.add_argument("--rebuild", action="store_true",
                      help="build anew and replace the cache entry")  # fmt: skip
    fetch = net_sub.add_parser("fetch", help="download a city's streets with osmnx (internet)")
    fetch.add_argument("name", help="a bundled city with a fetch boundary (e.g. medellin)")

    run = sub.add_parser("run", help="run scenarios and write results/<scenario>/<run-id>/",
                         parents=[allow])  # fmt: skip
    run.add_argument("scenarios", nargs="+", type=Path, help="scenario TOML files")
    run.add_argument("--results", type=Path, default=Path("results"), help="output root")
    run.add_argument("--days", type=int, help="override the scenario's days")
    run.add_argument("--households", type=int, help="override the scenario's households")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--solver", choices=("equilibrium", "learning"),
                     help="solve the equilibrium (appraisal) or simulate --days of learning")  # fmt: skip
    run.add_argument("--max-iterations", type=int, dest="max_iterations",
                     help="override the equilibrium's most iterations (choice.max_iterations)")  # fmt: skip
    run.add_argument("--zone-size-m", type=float, dest="zone_size_m",
                     help="override the destination zones' size, m (choice.zone_size_m; "
                     "coarser is faster)")  # fmt: skip
    run.add_argument("--run-id", help="name of the run directory, which must not exist yet "
                     "(default: seed and time)")  # fmt: skip

    comp = sub.add_parser("compare", help="run (or read) scenarios and compare them by income",
                          parents=[allow])  # fmt: skip
    comp.add_argument(
        "items",
        nargs="+",
        type=Path,
        help="scenario TOML files or run directories; changes are measured against the baseline "
        "the scenarios declare (`baseline = ...`) when it is one of the items, else against the "
        "first item",
    )
    comp.add_argument("--results", type=Path, default=Path("results"), help="output root")
    comp.add_argument("--days", type=int, help="override the scenarios' days")
    comp.add_argument("--households", type=int, help="override the scenarios' households")
    comp.add_argument("--seed", type=int, help="override the scenarios' seed")
    comp.add_argument("--solver", choices=("equilibrium", "learning"),
                     help="solve the equilibrium (appraisal) or simulate --days of learning")  # fmt: skip
    comp.add_argument("--max-iterations", type=int, dest="max_iterations",
                     help="override the equilibrium's most iterations (choice.max_iterations)")  # fmt: skip
    comp.add_argument("--zone-size-m", type=float, dest="zone_size_m",
                     help="override the destination zones' size, m (choice.zone_size_m; "
                     "coarser is faster)")  # fmt: skip
    comp.add_argument("--id", help="name of results/compare/<id>, which must not exist yet "
                      "(default: the scenario names and the time)")  # fmt: skip
    comp.add_argument("--seeds", type=int, help="run every scenario on this many seeds (seed, "
                      "seed + 1, ...; the same households in every scenario of a seed) for "
                      "95%% intervals (default: 5; 1 with run directories)")  # fmt: skip
    comp.add_argument("--workers", type=int, help="local Dask worker processes for the runs "
                      "(default: one per core; 0 runs them here, one after another)")  # fmt: skip

    cal = sub.add_parser("calibrate", help="fit mode constants, gravity and ownership to a city's observed figures",
                         parents=[allow])  # fmt: skip
    cal.add_argument("scenario", type=Path, help="a baseline scenario TOML")
    cal.add_argument("--iterations", type=int, default=12, help="calibration runs after the "
                     "first (default: %(default)s)")  # fmt: skip
    cal.add_argument("--households", type=int, help="override the scenario's households")
    cal.add_argument(
        "--max-iterations",
        type=int,
        dest="max_iterations",
        help="equilibrium iterations of each trial (default choice.max_iterations)",
    )

    val = sub.add_parser("validate", help="a solved baseline against observed figures not "
                         "fitted; writes results/validate/<id>/", parents=[allow])  # fmt: skip
    val.add_argument("scenario", type=Path, help="a baseline scenario TOML")
    val.add_argument("--households", type=int, help="override the scenario's households")
    val.add_argument(
        "--max-iterations",
        type=int,
        dest="max_iterations",
        help="override the equilibrium's most iterations (choice.max_iterations)",
    )
    val.add_argument("--results", type=Path, default=Path("results"), help="output root")
    val.add_argument(
        "--sensitivity",
        action="store_true",
        help="also run the one-at-a-time +/-25%% sensitivity (10 more solves)",
    )

    skim = sub.add_parser("skim", help="door-to-door minutes by each mode between two points at "
                          "the scenario's solved peak", parents=[allow])  # fmt: skip
    skim.add_argument("scenario", type=Path, help="a scenario TOML")
    skim.add_argument(
        "--from",
        dest="origin",
        required=True,
        metavar="LON,LAT",
        help="origin, degrees; write --from=LON,LAT (negative numbers)",
    )
    skim.add_argument(
        "--to",
        dest="to",
        required=True,
        metavar="LON,LAT",
        help="destination, degrees; write --to=LON,LAT",
    )
    skim.add_argument("--json", action="store_true", help="print JSON (keys in the README)")
    skim.add_argument("--households", type=int, help="override the scenario's households")
    skim.add_argument(
        "--max-iterations",
        type=int,
        dest="max_iterations",
        help="override the equilibrium's most iterations (choice.max_iterations)",
    )

    batch = sub.add_parser("batch", help="run an experiment: scenarios x parameters x seeds",
                           parents=[allow])  # fmt: skip
    batch.add_argument("experiment", type=Path, help="experiment TOML (see experiments/)")
    batch.add_argument("--workers", type=int, default=2, help="local Dask worker processes")
    batch.add_argument("--scheduler", help="address of an existing Dask scheduler")
    batch.add_argument("--resume", action="store_true", help="skip runs already finished")
    batch.add_argument("--results", type=Path, default=Path("results"), help="output root")
    batch.add_argument("--seeds", type=int, help="replications of every run, replacing the "
                       "experiment's `seeds`")  # fmt: skip
    batch.add_argument("--households", type=int, help="households of every scenario (wins "
                       "over the experiment's [overrides])")  # fmt: skip
    batch.add_argument("--days", type=int, help="days of every scenario (wins over the "
                       "experiment's [overrides])")  # fmt: skip
    batch.add_argument("--dashboard", default=LOOPBACK, metavar="HOST:PORT",
                       help="address of the local cluster's Dask dashboard (default: "
                       "%(default)s, this machine only; `none` for no dashboard)")  # fmt: skip

    viz = sub.add_parser("viz", help="open the students' browser app (Mesa SolaraViz)")
    viz.add_argument("--city", default="porto_alegre")
    viz.add_argument("--port", type=tcp_port, default=8765, help="1-65535 (default: %(default)s)")
    viz.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s, this machine only)",
    )
    return parser


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"ladera: {record.levelname.lower()}: {record.getMessage()}"


def main(argv: Sequence[str] | None = None) -> int:
    handler = logging.StreamHandler()
    handler.setFormatter(_Formatter())
    handler.setLevel(logging.WARNING)  # libraries such as dask log INFO on their own loggers
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    parser = build_parser()
    args = parser.parse_args(argv)
    key = args.command if args.command != "network" else f"network {args.network_command}"

    def run() -> int:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            _allow_named(args)
            return command(key)(args)

    interrupted = _resume_hint("ladera batch", args.experiment) if key == "batch" else None
    return _exit_code(run, interrupted)


def batch_main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.batch EXPERIMENT [--workers N] [--scheduler ADDR] [--resume] [--check]``
    (the same as ``ladera batch``; ``--check`` validates and prints the plan only)."""
    import sim.batch
    from sim.commands.batch import check_or_run

    parser = OneLineParser(prog="python -m sim.batch",
                           description=(sim.batch.__doc__ or "").split("\n")[0])  # fmt: skip
    parser.add_argument("experiment", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--check", action="store_true", help="validate and print the plan")
    args = parser.parse_args(argv)
    return _exit_code(lambda: check_or_run(args), _resume_hint("python -m sim.batch",
                                                                args.experiment))  # fmt: skip


def _exit_code(run: Callable[[], int], interrupted: str | None = None) -> int:
    """What ``run`` returns, or the exit code of the error it raised, printed as one line."""
    try:
        return run()
    except BatchRunsFailed as exc:  # the batch ran; some of its runs did not
        print(f"ladera: error: {exc}", file=sys.stderr)
        return 1
    except LaderaError as exc:
        print(f"ladera: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder or file the user named cannot be written or read
        print(f"ladera: error: {os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(interrupted or "ladera: interrupted", file=sys.stderr)
        return 130


def _resume_hint(command: str, experiment: Path) -> str:
    """What an interrupted batch prints: its finished runs are kept, and how to continue it."""
    return (f"ladera: interrupted; finished runs are kept: continue with `{command} "
            f"{experiment} --resume`")  # fmt: skip


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"ladera: warning: {' '.join(str(message).split())}", file=sys.stderr)


def _allow_named(args: argparse.Namespace) -> None:
    """The folders of the files named on the command line, and ``--allow`` folders, are roots
    the files may name others in (:mod:`sim.paths`)."""
    from sim.paths import allow

    for folder in getattr(args, "allow", []):
        if not folder.is_dir():
            raise ScenarioError(f"`--allow` {folder}: no such folder; allowed: an existing "
                                "folder")  # fmt: skip
    named = [*(getattr(args, "scenarios", None) or []), *(getattr(args, "items", None) or [])]
    named += [getattr(args, k, None) for k in ("scenario", "experiment", "city")]
    files = [Path(p) for p in named if p is not None and str(p).endswith(".toml")]
    allow(*(p.absolute().parent for p in files), *getattr(args, "allow", []))


def os_error_line(exc: OSError) -> str:
    """``<filename>: <strerror>``, or the message when the error names no file."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return " ".join(str(exc).split()) or type(exc).__name__
