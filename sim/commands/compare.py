"""``ladera compare``: run (or read) scenarios on several seeds and compare them by income."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.common import check_flags, check_size, scenario_with_flags
from sim.errors import ScenarioError


def compare(args: argparse.Namespace) -> int:
    from sim.rundir.claims import free_folder
    from sim.rundir.names import check_name, check_writable, timestamp

    items = list(args.items)
    if len(items) < 2:
        raise ScenarioError("compare needs a baseline and at least one other scenario or run")
    check_flags(args)
    if args.id is not None:
        check_name(args.id, "`--id`")
    # run directories first: a bad one fails in a second, before any simulation
    given = {i: p for i, p in enumerate(items) if p.suffix != ".toml"}
    for p in given.values():
        if not (p / "summary.json").is_file():
            raise ScenarioError(f"{p}: neither a scenario file nor a run directory")
    from sim.report import check_run_dirs, run_city

    check_run_dirs(list(given.values()))
    scenarios = {i: scenario_with_flags(p, args) for i, p in enumerate(items) if i not in given}
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
    from sim.rundir.write import run_dir
    from sim.runner import check_scenario

    n_seeds = _seeds(args, bool(given), bool(scenarios))
    for scenario in scenarios.values():
        run_dir(scenario, args.results)  # writable, before any simulation
    for scenario in scenarios.values():
        check_scenario(scenario)
    check_size(list(scenarios.values()), args, runs=n_seeds)

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

    if (out / "catchments.csv").is_file():  # the served households first, then the city
        from sim.report import format_catchments

        print(format_catchments(pd.read_csv(out / "catchments.csv")) + "\n")
    print(format_summary(pd.read_csv(out / "summary.csv")))
    import json

    from sim.report.bottom_line import bottom_line

    for paragraph in bottom_line(json.loads((out / "summary.json").read_text())):
        print("\n" + paragraph.replace("**", ""))
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
