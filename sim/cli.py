"""The ``ladera`` command line (also ``python -m sim``).

Every error a user can cause (bad input, an unwritable output folder, a missing extra) prints one
line and exits with code 2; a batch in which some runs failed exits with code 1. The
sub-commands import their heavy modules lazily so ``ladera --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sim.errors import BatchRunsFailed, LaderaError, MissingExtraError, ScenarioError

if TYPE_CHECKING:
    from sim.model import CommuteModel
    from sim.scenario import Scenario

Handler = Callable[[argparse.Namespace], int]
#: The Dask dashboard of a local batch: this machine only, on any free port.
LOOPBACK = "127.0.0.1:0"
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


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
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            _allow_named(args)
            return _COMMANDS[key](args)
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
        print("ladera: interrupted", file=sys.stderr)
        return 130


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


#: Command-line overrides of scenario values, with the least value each accepts.
_FLAGS = {"days": 1, "households": 1, "seed": 0}


def _check_flags(args: argparse.Namespace) -> dict[str, int]:
    """The ``--days``/``--households``/``--seed`` given, each checked (an error names the flag)."""
    from sim.limits import LIMITS, check_limit

    out = {}
    for name, least in _FLAGS.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        if value < least:
            what = "a positive integer" if least == 1 else f"an integer >= {least}"
            raise ScenarioError(f"`--{name}` must be {what}, not {value}")
        if name in LIMITS:
            check_limit(name, value, f"`--{name}`")
        out[name] = value
    return out


def _check_size(scenarios: Sequence[Scenario], args: argparse.Namespace, runs: int = 1) -> None:
    """Refuse what the machine cannot hold, and announce very long work, before any run."""
    from sim.limits import check_runs

    warning = check_runs(scenarios, households_flag=bool(getattr(args, "households", None)),
                         runs=runs)  # fmt: skip
    if warning:
        print(f"ladera: warning: {warning}", file=sys.stderr, flush=True)


def _scenario(path: Path, args: argparse.Namespace):
    from sim.scenario import load_scenario, with_overrides

    overrides: dict[str, object] = dict(_check_flags(args))
    if getattr(args, "solver", None):
        overrides["solver"] = args.solver
    if getattr(args, "max_iterations", None) is not None:
        if args.max_iterations < 1:
            raise ScenarioError(f"`--max-iterations` must be a positive integer, not "
                                f"{args.max_iterations}")  # fmt: skip
        overrides["choice.max_iterations"] = args.max_iterations
    return with_overrides(load_scenario(path), overrides)


@command("run")
def _run(args: argparse.Namespace) -> int:
    from sim.outputs import check_name
    from sim.runner import check_scenario, run_dir, run_scenario

    _check_flags(args)
    if args.run_id is not None:
        check_name(args.run_id, "`--run-id`")
    scenarios = [_scenario(p, args) for p in args.scenarios]  # validate all before running any
    if args.run_id is not None:
        names = [s.name for s in scenarios]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ScenarioError(f"two scenarios are named `{dup[0]}`: with `--run-id` they would "
                                "write the same folder; run them one at a time")  # fmt: skip
    for scenario in scenarios:  # every output folder free and writable before any simulation
        run_dir(scenario, args.results, args.run_id)
    for scenario in scenarios:
        check_scenario(scenario)
    _check_size(scenarios, args)
    for scenario in scenarios:
        result = run_scenario(scenario, results=args.results, run_id=args.run_id)
        print(_daily_table(result.model))
        s = result.summary
        shares = ", ".join(f"{k} {v:.0%}" for k, v in s["mode_shares"].items() if v)
        print(f"{scenario.name}: {s['days']} days, {s['households']:,} households; {shares}; "
              f"mean commute {s['mean_time_min']:.1f} min; jobs within 30 min "
              f"{s['acc30_mean']:,.0f}")  # fmt: skip
        print(f"  -> {result.path}")
    return 0


def _daily_table(model) -> str:
    """Mode shares and convergence by day, from the model's DataCollector."""
    from sim.agents import MODE_NAMES

    days = model.datacollector.get_model_vars_dataframe()
    head = f"{'day':>4} {'gap':>7} {'switch':>7} " + " ".join(f"{m[:5]:>6}" for m in MODE_NAMES)
    rows = [head]
    for i, row in days.iterrows():
        shares = " ".join(f"{row[f'share_{m}']:>6.1%}" for m in MODE_NAMES)
        rows.append(f"{i + 1:>4} {row['relative_gap']:>7.3f} {row['switching']:>7.3f} {shares}")
    return "\n".join(rows)


@command("compare")
def _compare(args: argparse.Namespace) -> int:
    from sim.outputs import check_name, check_writable, free_folder, timestamp

    items = list(args.items)
    if len(items) < 2:
        raise ScenarioError("compare needs a baseline and at least one other scenario or run")
    _check_flags(args)
    if args.id is not None:
        check_name(args.id, "`--id`")
    # run directories first: a bad one fails in a second, before any simulation
    given = {i: p for i, p in enumerate(items) if p.suffix != ".toml"}
    for p in given.values():
        if not (p / "summary.json").is_file():
            raise ScenarioError(f"{p}: neither a scenario file nor a run directory")
    from sim.report import check_run_dirs, run_city

    check_run_dirs(list(given.values()))
    scenarios = {i: _scenario(p, args) for i, p in enumerate(items) if i not in given}
    _check_cities(scenarios, {i: (p, run_city(p)) for i, p in given.items()})
    baseline = _baseline_index(items, scenarios, given)

    folder = args.results / "compare"
    names = [scenarios[i].name if i in scenarios else p.resolve().parent.name
             for i, p in enumerate(items)]  # fmt: skip
    if args.id is not None:
        out = folder / args.id
        if out.exists():
            raise ScenarioError(f"{out}: already exists (a comparison is never overwritten); "
                                "choose another `--id`")  # fmt: skip
    else:
        out = free_folder(folder, f"{'-vs-'.join(names)}-{timestamp()}")
    check_writable(folder)
    from sim.runner import check_scenario, run_dir

    n_seeds = _seeds(args, bool(given), bool(scenarios))
    for scenario in scenarios.values():
        run_dir(scenario, args.results)  # writable, before any simulation
    for scenario in scenarios.values():
        check_scenario(scenario)
    _check_size(list(scenarios.values()), args, runs=n_seeds)

    from sim.compare_seeds import default_workers, plan, run_jobs

    seed_runs = [list(items) for _ in range(n_seeds)]
    catchments = None
    if scenarios:
        jobs = plan(scenarios, n_seeds)
        workers = default_workers(len(jobs)) if args.workers is None else args.workers
        done, catchments = run_jobs(jobs, results=args.results, workers=workers,
                                    baseline=baseline if baseline in scenarios else None)  # fmt: skip
        for (i, k), path in done.items():
            seed_runs[k][i] = path
    from sim.report import compare, format_summary

    out = compare(seed_runs, out, baseline=baseline, catchments=catchments)
    import pandas as pd

    print(format_summary(pd.read_csv(out / "summary.csv")))
    if (out / "catchments.csv").is_file():
        from sim.compare_text import format_catchments

        print("\n" + format_catchments(pd.read_csv(out / "catchments.csv")))
    print(f"\nreport: {out / 'report.md'} (HTML: {out / 'report.html'})")
    print(f"tables: {out / 'summary.csv'}, {out / 'summary.json'}; zones for QGIS: "
          f"{out / 'zones.gpkg'}")  # fmt: skip
    return 0


def _seeds(args: argparse.Namespace, run_dirs: bool, scenario_files: bool) -> int:
    """Seeds to run: ``--seeds``, else 5 (1 when run directories, which hold one seed, are
    compared)."""
    from sim.compare_seeds import DEFAULT_SEEDS
    from sim.limits import check_limit

    if args.workers is not None and args.workers < 0:
        raise ScenarioError(f"`--workers` must be >= 0, not {args.workers}")
    if args.seeds is None:
        return 1 if run_dirs or not scenario_files else DEFAULT_SEEDS
    if args.seeds < 1:
        raise ScenarioError(f"`--seeds` must be a positive integer, not {args.seeds}")
    check_limit("seeds", args.seeds, "`--seeds`")
    if run_dirs and args.seeds > 1:
        raise ScenarioError(f"`--seeds` is {args.seeds} but a run directory holds one seed; "
                            "allowed: `--seeds 1` with run directories, or scenario files only")  # fmt: skip
    return args.seeds


def _check_cities(scenarios: dict, runs: dict[int, tuple[Path, str]]) -> None:
    """Every scenario and run directory is of one city (compared by city folder name)."""
    from sim.runner import city_of

    cities = {i: (s.name, city_of(s).folder.name) for i, s in scenarios.items()}
    cities.update({i: (str(path), city) for i, (path, city) in runs.items()})
    if len({city for _, city in cities.values()}) > 1:
        names = ", ".join(f"{name}: {city}" for _, (name, city) in sorted(cities.items()))
        raise ScenarioError(f"cannot compare scenarios of different cities ({names})")


def _baseline_index(items: list[Path], scenarios: dict, runs: dict[int, Path]) -> int:
    """The index of the baseline the items declare (``baseline = "file.toml"``), when it is one
    of the items; else 0, with a warning if the declared baseline is not compared."""
    files: dict[int, Path] = {}  # item -> its scenario file
    declared: set[Path] = set()
    for i, s in scenarios.items():
        files[i] = Path(s.source).resolve()
        if s.baseline:
            declared.add((files[i].parent / s.baseline).resolve())
    for i, p in runs.items():
        from sim.report import run_scenario_file

        source, base = run_scenario_file(p)
        if source is not None:
            files[i] = source
            if base is not None:
                declared.add(base)
    if not declared:
        return 0
    if len(declared) > 1:
        print(f"ladera: warning: the items declare different baselines "
              f"({', '.join(sorted(str(d) for d in declared))}); changes are measured against "
              f"the first, {items[0]}", file=sys.stderr)  # fmt: skip
        return 0
    base = declared.pop()
    hits = [i for i, f in sorted(files.items()) if f == base]
    if not hits:
        print(f"ladera: warning: the scenarios declare the baseline {base}, which is not compared; "
              f"changes are measured against the first item, {items[0]}", file=sys.stderr)  # fmt: skip
        return 0
    if hits[0] != 0:
        print(f"ladera: note: changes are measured against {items[hits[0]]}, the baseline the "
              "scenarios declare (not the first item)", file=sys.stderr)  # fmt: skip
    return hits[0]


@command("calibrate")
def _calibrate(args: argparse.Namespace) -> int:
    from sim.calibrate import calibrate_equilibrium, calibration_targets, start_values
    from sim.limits import check_limit
    from sim.network.cache import load_network
    from sim.runner import build_model, check_scenario, city_of
    from sim.scenario import load_scenario, with_overrides

    if args.iterations < 1:
        raise ScenarioError(f"`--iterations` is {args.iterations}; allowed: a positive integer")
    check_limit("iterations", args.iterations, "`--iterations`")
    overrides = _check_flags(args)
    scenario = with_overrides(load_scenario(args.scenario), overrides)
    city = city_of(scenario)
    targets = calibration_targets(city)
    network = load_network(city)
    check_scenario(scenario)
    _check_size([scenario], args, runs=args.iterations + 1)
    cap = args.max_iterations or scenario.choice.max_iterations

    def make_model(values: dict) -> CommuteModel:
        trial = with_overrides(scenario, {"choice.asc": values["asc"],
                                          "choice.gravity_beta": values["gravity_beta"],
                                          "choice.ownership_shift": values["ownership_shift"]})  # fmt: skip
        return build_model(trial, base_network=network)[0]

    values, history = calibrate_equilibrium(make_model, targets, start_values(scenario.choice),
                                            iterations=args.iterations, max_iterations=cap,
                                            progress=True)  # fmt: skip
    print("targets: " + ", ".join(f"{k} {v:.3f}" for k, v in targets.items()))
    worst = max(abs(history[-1][m] - t) for m, t in targets.items())
    if worst >= 0.005:
        print(f"ladera: warning: not within 0.005 of the targets after {len(history)} trials "
              f"(worst {worst:.3f}); rerun with more --iterations", file=sys.stderr)  # fmt: skip
    command = (
        f"ladera calibrate {args.scenario} --iterations {args.iterations} "
        f"--max-iterations {cap}" + (f" --households {args.households}" if args.households else "")
    )
    print(f"\n# fitted on the equilibrium ({cap} iterations at most) of "
          f"{scenario.households:,} households with\n#   {command}\n# paste into the "
          "scenario's [choice] table:")  # fmt: skip
    print("asc = { " + ", ".join(f"{k} = {v:.3f}" for k, v in values["asc"].items()) + " }")
    print(f"gravity_beta = {values['gravity_beta']:.5f}")
    shift = values["ownership_shift"]
    print("ownership_shift = { " + ", ".join(f"{k} = {v:.4f}" for k, v in shift.items()) + " }")
    return 0


def _solved(args: argparse.Namespace):
    """The scenario's model, solved to its equilibrium (the scenario's tolerance and cap)."""
    from sim.runner import build_model, check_scenario

    scenario = _scenario(args.scenario, args)
    check_scenario(scenario)
    _check_size([scenario], args)
    model = build_model(scenario)[0]
    conv = model.equilibrate()
    if not conv.converged:
        print(f"ladera: warning: the equilibrium stopped at {conv.iterations} iterations with a "
              f"relative gap of {conv.relative_gap[-1]:.2e} (tolerance {conv.tolerance:g})",
              file=sys.stderr)  # fmt: skip
    return scenario, model, conv


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    import json

    from sim.outputs import check_writable, free_folder, timestamp
    from sim.validate import figure_markdown, markdown, validation_report

    check_writable(args.results)
    scenario, model, conv = _solved(args)
    report = validation_report(model, scenario, conv)
    if args.sensitivity:
        from sim.sensitivity import sensitivity

        report["sensitivity"] = sensitivity(model, report["headline"],
                                             max_iterations=model.params.max_iterations)  # fmt: skip
    folder = free_folder(args.results / "validate", f"{scenario.name}-{timestamp()}")
    folder.mkdir(parents=True)
    (folder / "validation.md").write_text(markdown(report), encoding="utf-8")
    (folder / "validation.json").write_text(json.dumps(report, indent=1, default=float),
                                            encoding="utf-8")  # fmt: skip
    from sim.report_validate import validation_figures

    validation_figures(report, folder)
    print("calibration (fitted):")
    print("\n".join(figure_markdown(report["calibration"])))
    print("\nvalidation (not fitted):")
    print("\n".join(figure_markdown(report["validation"])))
    failed = [r["metric"] for r in report["validation"] if not r["pass"]]
    print(f"\n{len(report['validation']) - len(failed)} of {len(report['validation'])} "
          f"validation figures within their bands; report: {folder / 'validation.md'}")  # fmt: skip
    if failed:
        print(f"ladera: outside their bands: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


@command("skim")
def _skim(args: argparse.Namespace) -> int:
    import json

    from sim.skim import Point, point_skim

    origin, to = Point.parse(args.origin, "--from"), Point.parse(args.to, "--to")
    _, model, _ = _solved(args)
    res = point_skim(model, origin, to)
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    for mode in ("walk", "transit", "car", "motorbike"):
        r = res[mode]
        if r["minutes"] is None:
            print(f"{mode:10s} no path")
            continue
        extra = ""
        if mode == "transit":
            extra = (f" (walk {r['walk']}, wait {r['wait']}, in vehicle {r['in_vehicle']}; "
                     f"{r['boardings']} boardings, {r['main_vehicle']})")  # fmt: skip
        print(f"{mode:10s} {r['minutes']:7.1f} min  money {r['money']:.2f}{extra}")
    return 0


@command("batch")
def _batch(args: argparse.Namespace) -> int:
    from sim.batch import run_batch

    dashboard = None if args.dashboard.lower() in ("none", "off", "") else args.dashboard
    try:
        run_batch(args.experiment, workers=args.workers, scheduler=args.scheduler,
                  resume=args.resume, results=args.results, dashboard=dashboard,
                  seeds=args.seeds, households=args.households, days=args.days)  # fmt: skip
    except KeyboardInterrupt:
        print(f"ladera: interrupted; finished runs are kept: continue with `ladera batch "
              f"{args.experiment} --resume`", file=sys.stderr)  # fmt: skip
        return 130
    return 0


@command("viz")
def _viz(args: argparse.Namespace) -> int:
    try:
        import sim.viz.page  # noqa: F401  (solara, mesa.visualization: a missing extra shows here)
        from sim.viz.server import end_lingering_threads, is_loopback, serve
    except ModuleNotFoundError as exc:  # solara, altair...: the `viz` extra is not installed
        if (exc.name or "").split(".")[0] == "sim":
            raise
        raise MissingExtraError("ladera viz", "viz", exc.name) from None
    if not is_loopback(args.host):
        warnings.warn(f"`--host {args.host}` serves the app to other machines on the network, "
                      "with no password; the default 127.0.0.1 keeps it on this one", stacklevel=1)  # fmt: skip
    serve(args.city, port=args.port, host=args.host)
    end_lingering_threads()
    return 0


@command("network info")
def _network_info(args: argparse.Namespace) -> int:
    from sim.city import load_city
    from sim.network.cache import cache_state, entry_path, load_network, street_source

    city = load_city(args.city)
    state = cache_state(city)
    start = time.perf_counter()
    net = load_network(city, rebuild=args.rebuild)
    seconds = time.perf_counter() - start
    summary = net.summary()
    summary.update(
        city=city.name,
        title=city.title,
        cache=f"{net.meta.get('cache', state)} ({entry_path(city)})",
        streets=street_source(city).label,
        load_seconds=round(seconds, 3),
        transit_report=net.meta.get("transit_report", {}),
    )
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{city.title}  [{city.name}]")
    print(f"  nodes      {_fmt_counts(summary['nodes'])}")
    print(f"  edges      {_fmt_counts(summary['edges'])}")
    bbox: list[float] = net.summary()["bbox"]  # type: ignore[assignment]
    x0, y0, x1, y1 = bbox
    print(f"  bbox       lon {x0:.4f} .. {x1:.4f}, lat {y0:.4f} .. {y1:.4f}")
    print(f"  lines      {_fmt_counts(summary['lines_by_mode'])} (one per direction)")
    print(f"  stations   {summary['stations']} named stops")
    print(f"  streets    {summary['streets']}")
    print(f"  cache      {summary['cache']}")
    print(f"  loaded in  {seconds:.2f} s")
    print(f"  data       {city.attribution}")
    return 0


def _fmt_counts(counts: object) -> str:
    assert isinstance(counts, dict)
    return ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)


@command("network fetch")
def _network_fetch(args: argparse.Namespace) -> int:
    from sim.city import load_city
    from sim.network.cache import cache_dir
    from sim.network.osm import fetch_streets

    city = load_city(args.name)
    if city.streets.fetch_boundary is None:
        print(f"{city.name} ships its streets ({city.streets.osm}); nothing to fetch")
        return 0
    out = cache_dir() / "cities" / city.name / city.streets.fetched_name
    fetch_streets(city.path(city.streets.fetch_boundary), Path(out))
    print(f"saved {out}; `ladera network info --city {city.name}` builds the network from it")
    return 0
