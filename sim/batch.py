"""Experiments at scale: scenarios x parameter points x seeds, on Dask, resumable.

An experiment file describes a batch; ``ladera batch EXPERIMENT.toml`` (or :func:`run_batch`)
runs it on a local cluster of worker processes, on any Dask cluster (``--scheduler``), or
serially in this process (``workers=0``).

Experiment file
---------------
```toml
name = "cable_vs_roads"      # optional, default: the file name; output: results/batch/<name>/
description = "..."
scenarios = ["../scenarios/porto_alegre/baseline.toml",            # relative to this file
             "../scenarios/porto_alegre/cable_morro_da_cruz.toml"]
baseline = "../scenarios/porto_alegre/baseline.toml"  # optional (see Pairing); added if absent
seeds = 10                   # replications of every run (default 10)
seed = 2024                  # the batch seed (default 0)

[overrides]                  # fixed values for every scenario that has the parameter
households = 5000

[grid]                       # full factorial: every combination of the listed values
"choice.vot_factor" = [0.75, 1.0, 1.25]

[lhs]                        # Latin hypercube sample of `points` points over [low, high]
points = 8
[lhs.ranges]
"interventions.Morro da Cruz cable.fare" = [0.0, 6.0]
"interventions.Morro da Cruz cable.cabin_interval_s" = [8.0, 30.0]
```

Parameters are the dotted paths of :func:`sim.scenario.with_overrides` (``choice.<field>``,
``interventions.<intervention name>.<field>``, ``households``, ``days``); nested TOML tables
are read as dotted paths, so ``choice.vot_factor = [...]`` works too. The design is the grid's
combinations crossed with the Latin hypercube's points (either alone when the other is
absent; one point with no parameter when both are). A range with two integer bounds is
sampled as integers. A parameter applies to the scenarios that have it (an intervention
parameter to the scenarios holding that intervention, any other to every scenario); one that
no scenario has is an error, like an unknown scenario file, an empty grid, ``seeds <= 0`` or a
value the scenario refuses. Every such error is one line and comes before any run starts.

Runs, seeds and pairing
-----------------------
A run is (scenario, point, seed index). Runs of a scenario whose parameters coincide (the
design points differ only in parameters it does not have) are run once, under the first such
point's id. The model seed of replication ``k`` is drawn from
``numpy.random.SeedSequence(seed, spawn_key=(k,))``: it depends on the batch seed and ``k``
only, never on worker count or order, and is the same for every scenario and point (common
random numbers: every scenario of replication ``k`` has the same synthetic population, so a
difference between scenarios is the intervention's and not the draw's). The Latin hypercube
draws from the root ``SeedSequence(seed)``.

Each run of a non-baseline scenario at design point ``p`` and replication ``k`` is paired with
the baseline run of replication ``k`` whose parameters are ``p`` restricted to the parameters
the baseline has (a cable fare is not a baseline parameter, a value-of-time scale is): the
change is computed per replication, then its mean and confidence interval across seeds.

Results
-------
``<results>/batch/<name>/``:

- ``runs/<scenario>/<point>-s<k>/`` one directory per run, the layout of ``ladera run``
  (without per-run figures), written atomically by :func:`sim.runner.run_scenario`;
- ``index.jsonl`` one line per finished (or failed) run, appended and flushed as runs finish:
  a batch killed at any moment loses at most the runs in flight, and ``resume=True`` skips
  every run that has its directory (and reruns failed ones). A finished run is never deleted
  or rerun over: a fresh start in a folder that holds finished runs is an error, and so is a
  resume whose plan gives a finished run other settings (start a new batch folder instead);
- ``plan.json``, ``experiment.toml`` the design and the experiment file as run;
- ``runs.parquet`` / ``runs.csv`` one row per run: parameters and headline metrics;
- ``summary.parquet`` / ``summary.csv`` per scenario, point and metric: seeds, mean and 95%
  confidence interval (Student t) of the level and, paired with the baseline, of the change;
- ``accessibility_gain.png`` the change in jobs reachable in 30 min by income class.

Workers
-------
The city network is built once in the client (disk cache, ``LADERA_CACHE_DIR``) and each
worker process reads it from that cache once. Workers that do not share the client's disk
build (and cache) it themselves. Each run uses one numba thread: the batch gets its
parallelism from runs side by side. A run's result does not depend on the worker, its thread
count or the order of runs. A worker process that dies mid-run is replaced and its run
retried by Dask (up to ``distributed.scheduler.allowed-failures`` times); a run that raises is
recorded as failed, the others go on, and ``resume=True`` retries it.

With ``scheduler=`` the batch attaches to any running Dask cluster, e.g. one started on
SLURM or PBS with dask-jobqueue; its workers need Ladera installed, the results folder on a
shared disk, and one thread per worker process (``processes == cores``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import from_dict, read_toml
from sim.errors import BatchRunsFailed, LaderaError, MissingExtraError, ScenarioError
from sim.limits import check_batch_size, check_limit, duration, warn_exposed
from sim.outputs import (
    check_name,
    check_writable,
    claim,
    created_folders,
    remove_empty,
    remove_stale,
)
from sim.paths import contained
from sim.scenario import Scenario, load_scenario, with_overrides

__all__ = [
    "VOLATILE",
    "BatchPlan",
    "BatchResult",
    "BatchRunsFailed",
    "Experiment",
    "RunSpec",
    "design_points",
    "latin_hypercube",
    "load_experiment",
    "local_client",
    "plan_batch",
    "run_batch",
    "run_seed",
    "summarise_runs",
]

#: Scenario keys a batch may not vary: the batch sets the seed, the others name the run.
_FIXED_KEYS = ("name", "seed", "city", "source", "description", "baseline")
#: Per-run numbers copied from summary.json into the index (``None`` when missing).
_LEVELS = (
    "acc_smooth_mean", "acc30_mean", "acc30_gini", "acc30_palma", "acc30_poorest_over_richest", "fare_burden_mean",
    "transit_boardings_per_hour", "cable_boardings_per_hour", "cable_peak_load_factor",
    "mean_time_min", "mean_gen_cost_min", "mean_expected_cost_min", "cost_burden_mean",
    "car_vkt_per_hour", "co2_kg_per_hour",
)  # fmt: skip
#: Per-class numbers: ``<name>_class_<c>`` from ``by_class[c][<key>]``. ``welfare`` is the mean
#: expected generalised cost (logsum, minutes): its change is the class's welfare change.
_BY_CLASS = {"acc_smooth": "acc_smooth", "acc30": "acc30", "fare_burden": "fare_burden", "mean_time": "mean_time_min",
             "welfare": "expected_cost_min"}  # fmt: skip
#: Columns of the runs table that change from one execution to the next.
VOLATILE = ("seconds", "worker", "finished")


# ---------------------------------------------------------------------------- experiment file
@dataclass(frozen=True)
class _LhsTable:
    points: int
    ranges: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.points <= 0:
            raise ScenarioError(f"`points` must be a positive integer, not {self.points}")
        check_limit("runs", self.points, "`lhs.points`")


@dataclass(frozen=True)
class _ExperimentTable:
    scenarios: list[str]
    name: str = ""
    description: str = ""
    baseline: str | None = None
    seeds: int = 10
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, Any] | None = None
    lhs: _LhsTable | None = None

    def __post_init__(self) -> None:
        if not self.scenarios:
            raise ScenarioError("`scenarios` must list at least one scenario file")
        if self.seeds <= 0:
            raise ScenarioError(f"`seeds` must be a positive integer, not {self.seeds}")
        check_limit("seeds", self.seeds, "`seeds`")
        if self.seed < 0:
            raise ScenarioError(f"`seed` must be >= 0, not {self.seed}")


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file: what to run, before any parameter is sampled.

    Attributes
    ----------
    name
        Names the output folder ``<results>/batch/<name>/``.
    source
        The experiment file.
    scenarios
        The scenarios as loaded, ``[overrides]`` applied, baseline first when there is one.
    baseline
        Name of the scenario the others are compared with, or ``None``.
    seeds, seed
        Replications per run and the batch seed.
    grid
        Parameter path -> values of the full factorial part.
    lhs_points, lhs
        Size of the Latin hypercube and parameter path -> ``(low, high)``.
    """

    name: str
    source: Path
    scenarios: tuple[Scenario, ...]
    baseline: str | None
    seeds: int
    seed: int
    grid: dict[str, tuple[Any, ...]]
    lhs_points: int
    lhs: dict[str, tuple[float, float]]
    description: str = ""

    @property
    def parameters(self) -> list[str]:
        return [*self.grid, *self.lhs]


def load_experiment(
    path: Path | str, *, seeds: int | None = None, overrides: dict[str, Any] | None = None
) -> Experiment:
    """Read and validate an experiment file; every problem is a one-line ScenarioError.

    Parameters
    ----------
    path
        The experiment TOML; its scenario paths are relative to it.
    seeds
        Replications per run, replacing the file's ``seeds`` (``ladera batch --seeds``).
    overrides
        Fixed values added to the file's ``[overrides]`` and winning over them
        (``ladera batch --households/--days``).

    Returns
    -------
    Experiment
    """
    path = Path(path)
    data = read_toml(path)
    if seeds is not None:
        data["seeds"] = seeds
    if overrides:
        data["overrides"] = {**_flatten(data.get("overrides") or {}), **overrides}
    table = from_dict(_ExperimentTable, data, source=path)
    try:
        check_name(table.name or path.stem, "`name` (default: the file name)")
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    scenarios, baseline = _load_scenarios(path, table)
    overrides = _flatten(table.overrides)
    _check_keys(path, "overrides", overrides)
    _check_applies(path, "overrides", overrides, scenarios)
    scenarios = tuple(_override_applicable(s, overrides, path, "overrides") for s in scenarios)
    grid = _grid(path, table.grid)
    lhs = _ranges(path, table.lhs)
    both = set(grid) & set(lhs) | (set(grid) | set(lhs)) & set(overrides)
    if both:
        raise ScenarioError(f"{path}: `{sorted(both)[0]}` is set in more than one of "
                            "[overrides], [grid] and [lhs.ranges]")  # fmt: skip
    _check_applies(path, "grid", {k: v[0] for k, v in grid.items()}, scenarios)
    _check_applies(path, "lhs.ranges", {k: v[0] for k, v in lhs.items()}, scenarios)
    return Experiment(
        name=table.name or path.stem, source=path, scenarios=scenarios, baseline=baseline,
        seeds=table.seeds, seed=table.seed, grid=grid, lhs=lhs,
        lhs_points=table.lhs.points if table.lhs else 0, description=table.description,
    )  # fmt: skip


def _load_scenarios(path: Path, table: _ExperimentTable) -> tuple[tuple[Scenario, ...], str | None]:
    files = [_scenario_file(path, f"scenarios[{i}]", f) for i, f in enumerate(table.scenarios)]
    loaded = {file: load_scenario(file) for file in files}
    if table.baseline:
        base_file: Path | None = _scenario_file(path, "baseline", table.baseline)
    else:
        base_file = _declared_baseline(path, loaded)
    if base_file is not None:
        loaded = {base_file: loaded.get(base_file) or load_scenario(base_file), **loaded}
    scenarios = tuple(loaded.values())
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScenarioError(f"{path}: `scenarios`: two files have the scenario name `{dup[0]}`; "
                            "allowed: one file per scenario name")  # fmt: skip
    return scenarios, (scenarios[0].name if base_file is not None else None)


def _scenario_file(path: Path, key: str, name: str) -> Path:
    file = contained(name, path, key)
    if not file.is_file():
        raise ScenarioError(f"{path}: `{key}`: unknown scenario {name!r} (no file {file}); "
                            "allowed: a scenario file, relative to this file's folder")  # fmt: skip
    return file


def _declared_baseline(path: Path, loaded: dict[Path, Scenario]) -> Path | None:
    """The baseline the scenario files declare (``baseline = "baseline.toml"``), if they agree."""
    declared = {contained(s.baseline, file, "baseline") for file, s in loaded.items() if s.baseline}
    if len(declared) > 1:
        names = ", ".join(sorted(str(d) for d in declared))
        raise ScenarioError(f"{path}: the scenarios declare different baselines ({names}): "
                            "set `baseline` in the experiment")  # fmt: skip
    if not declared:
        return None
    base = declared.pop()
    if not base.is_file():
        raise ScenarioError(f"{path}: declared baseline {base} does not exist: set `baseline`")
    return base


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


def _check_keys(path: Path, table: str, params: dict[str, Any]) -> None:
    for key in params:
        if key.split(".")[0] in _FIXED_KEYS:
            raise ScenarioError(
                f"{path}: [{table}] `{key}` cannot vary in a batch (the batch sets the seed; "
                "name, city and the rest identify the run)"
            )


def _grid(path: Path, grid: dict[str, Any] | None) -> dict[str, tuple[Any, ...]]:
    if grid is None:
        return {}
    flat = _flatten(grid)
    if not flat:
        raise ScenarioError(f"{path}: [grid] is empty: list at least one parameter's values")
    _check_keys(path, "grid", flat)
    for key, values in flat.items():
        if not isinstance(values, list) or not values:
            raise ScenarioError(f"{path}: [grid] `{key}` must be a non-empty array of values, "
                                f"not {values!r}")  # fmt: skip
    return {k: tuple(v) for k, v in flat.items()}


def _ranges(path: Path, lhs: _LhsTable | None) -> dict[str, tuple[float, float]]:
    if lhs is None:
        return {}
    flat = _flatten(lhs.ranges)
    if not flat:
        raise ScenarioError(f"{path}: [lhs.ranges] is empty: give at least one [low, high]")
    _check_keys(path, "lhs.ranges", flat)
    for key, bounds in flat.items():
        ok = isinstance(bounds, list) and len(bounds) == 2
        ok = ok and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        ok = ok and all(math.isfinite(b) for b in bounds)
        if not ok or not bounds[0] < bounds[1]:
            raise ScenarioError(f"{path}: [lhs.ranges] `{key}` must be [low, high], finite "
                                f"numbers with low < high, not {bounds!r}")  # fmt: skip
    return {k: (v[0], v[1]) for k, v in flat.items()}


def _applies(scenario: Scenario, path: str) -> bool:
    """Whether parameter ``path`` exists in ``scenario`` (intervention parameters may not)."""
    parts = path.split(".")
    if parts[0] != "interventions" or len(parts) < 3:
        return True
    name = ".".join(parts[1:-1])
    return any(item.name == name for item in scenario.interventions)


def _check_applies(
    path: Path, table: str, samples: dict[str, Any], scenarios: Sequence[Scenario]
) -> None:
    """Every parameter applies to some scenario, and is accepted by each it applies to."""
    for key, value in samples.items():
        targets = [s for s in scenarios if _applies(s, key)]
        if not targets:
            names = sorted({i.name for s in scenarios for i in s.interventions}) or ["none"]
            raise ScenarioError(f"{path}: [{table}] `{key}`: no scenario has this parameter "
                                f"(interventions: {', '.join(names)})")  # fmt: skip
        for scenario in targets:
            _override_applicable(scenario, {key: value}, path, table)


def _override_applicable(
    scenario: Scenario, params: dict[str, Any], path: Path, table: str
) -> Scenario:
    mine = {k: v for k, v in params.items() if _applies(scenario, k)}
    try:
        return with_overrides(scenario, mine)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: [{table}] {exc}") from None


# ---------------------------------------------------------------------------- design and plan
def run_seed(batch_seed: int, replication: int) -> int:
    """The model seed of replication ``replication``: a child of ``SeedSequence(batch_seed)``."""
    sequence = np.random.SeedSequence(batch_seed, spawn_key=(replication,))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def latin_hypercube(
    ranges: dict[str, tuple[float, float]], points: int, seed: int
) -> list[dict[str, Any]]:
    """A Latin hypercube sample: each range cut in ``points`` strata, one draw per stratum.

    Floats are rounded to 6 significant digits so the values in the tables are the values
    run; a range with integer bounds gives integers.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    columns: dict[str, list[Any]] = {}
    for key, (low, high) in ranges.items():
        u = (rng.permutation(points) + rng.random(points)) / points
        values = low + u * (high - low)
        if isinstance(low, int) and isinstance(high, int):
            columns[key] = [int(min(max(round(v), low), high)) for v in values]
        else:
            columns[key] = [float(f"{v:.6g}") for v in values]
    return [{k: columns[k][i] for k in ranges} for i in range(points)]


def design_points(experiment: Experiment) -> list[dict[str, Any]]:
    """The parameter points: grid combinations x Latin hypercube points, in file order."""
    combos = [dict(zip(experiment.grid, c, strict=True))
              for c in itertools.product(*experiment.grid.values())]  # fmt: skip
    sample = latin_hypercube(experiment.lhs, experiment.lhs_points, experiment.seed)
    return [{**g, **s} for g in combos for s in (sample or [{}])]


@dataclass(frozen=True)
class RunSpec:
    """One run: a scenario at a parameter point and a replication (everything it needs)."""

    scenario: Scenario  # overrides, parameters and seed applied
    point: str
    replication: int
    params: dict[str, Any]
    baseline_key: str | None = None
    #: hash of the scenario as planned: a finished run with another one is rerun on resume
    fingerprint: str = ""

    @property
    def run_id(self) -> str:
        return f"{self.point}-s{self.replication:03d}"

    @property
    def key(self) -> str:
        return f"{self.scenario.name}/{self.run_id}"


@dataclass(frozen=True)
class BatchPlan:
    """A validated experiment, its design points and every run, before anything runs."""

    experiment: Experiment
    points: tuple[dict[str, Any], ...]
    runs: tuple[RunSpec, ...]
    folder: Path

    def describe(self) -> str:
        by = pd.Series([r.scenario.name for r in self.runs]).value_counts(sort=False)
        parts = ", ".join(f"{name} {n}" for name, n in by.items())
        return (f"{self.experiment.name}: {len(self.points)} parameter points x "
                f"{self.experiment.seeds} seeds -> {len(self.runs)} runs ({parts})")  # fmt: skip


def plan_batch(
    experiment: Path | str | Experiment,
    *,
    results: Path | str = "results",
    seeds: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> BatchPlan:
    """Validate an experiment and list its runs, without running or writing anything.

    Parameters
    ----------
    experiment
        The experiment file, or an already loaded :class:`Experiment`.
    results
        The output root; the batch goes to ``<results>/batch/<name>/``.
    seeds, overrides
        As :func:`load_experiment` (ignored for a loaded :class:`Experiment`).

    Returns
    -------
    BatchPlan
    """
    exp = (experiment if isinstance(experiment, Experiment)
           else load_experiment(experiment, seeds=seeds, overrides=overrides))  # fmt: skip
    most = math.prod(len(v) for v in exp.grid.values()) * max(exp.lhs_points, 1)
    check_limit("runs", most * exp.seeds * len(exp.scenarios),
                f"{exp.source}: the number of runs (scenarios x points x seeds)")  # fmt: skip
    points = design_points(exp)
    width = max(3, len(str(len(points) - 1)))
    ids = [f"p{i:0{width}d}" for i in range(len(points))]
    firsts = {s.name: _first_points(s, points, ids) for s in exp.scenarios}
    runs = []
    for scenario in exp.scenarios:
        for point_id, params in firsts[scenario.name].items():
            variant = _override_applicable(scenario, params, exp.source, "grid/lhs")
            base_id = _baseline_point(exp, firsts, points[int(point_id[1:])], scenario)
            runs += _replications(exp, variant, point_id, params, base_id)
    folder = Path(results).resolve() / "batch" / exp.name
    return BatchPlan(experiment=exp, points=tuple(points), runs=tuple(runs), folder=folder)


def _first_points(
    scenario: Scenario, points: list[dict[str, Any]], ids: list[str]
) -> dict[str, dict[str, Any]]:
    """Point id -> the parameters that apply, for the first point of each distinct set."""
    seen: dict[str, dict[str, Any]] = {}
    out = {}
    for point_id, point in zip(ids, points, strict=True):
        mine = {k: v for k, v in point.items() if _applies(scenario, k)}
        token = _token(mine)
        if token not in seen:
            seen[token] = mine
            out[point_id] = mine
    return out


def _baseline_point(
    exp: Experiment,
    firsts: dict[str, dict[str, dict[str, Any]]],
    point: dict[str, Any],
    scenario: Scenario,
) -> str | None:
    if exp.baseline is None or scenario.name == exp.baseline:
        return None
    base = exp.scenarios[0]
    mine = _token({k: v for k, v in point.items() if _applies(base, k)})
    for point_id, params in firsts[base.name].items():
        if _token(params) == mine:
            return point_id
    raise AssertionError("every projection of a design point is a baseline point")


def _token(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def _fingerprint(scenario: Scenario) -> str:
    """A hash of every field of the scenario but its file name (computed where it is planned)."""
    import hashlib

    text = json.dumps(asdict(replace(scenario, source="")), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _replications(
    exp: Experiment, variant: Scenario, point_id: str, params: dict[str, Any], base_id: str | None
) -> list[RunSpec]:
    out = []
    for k in range(exp.seeds):
        scenario = replace(variant, seed=run_seed(exp.seed, k))
        base_key = f"{exp.baseline}/{base_id}-s{k:03d}" if base_id else None
        out.append(RunSpec(scenario, point_id, k, params, base_key, _fingerprint(scenario)))
    return out


# ---------------------------------------------------------------------------- one run (worker)
_NETWORKS: dict[str, Any] = {}


def _network(cache_file: str, scenario: Scenario) -> Any:
    """The city network, read once per process from the client's disk cache (or built here)."""
    net = _NETWORKS.get(cache_file)
    if net is None:
        from sim.network.cache import load_network, read_npz
        from sim.runner import city_of

        try:
            net = read_npz(Path(cache_file))
        except Exception:  # not shared with the client, or unreadable: built (healed) here
            net = load_network(city_of(scenario))
        if len(_NETWORKS) >= 2:
            _NETWORKS.clear()
        _NETWORKS[cache_file] = net
    return net


def execute_run(spec: RunSpec, runs_dir: str, cache_file: str, threads: int = 1) -> dict:
    """Run one batch run and return its index row; the model's errors become a failed row.

    This is the task the Dask workers execute. ``threads`` caps numba's threads for this run
    (one per run: the batch gets its parallelism from running runs side by side).
    """
    from sim.runner import run_scenario

    start = time.perf_counter()
    row = _row_head(spec)
    try:
        _limit_threads(threads)
        net = _network(cache_file, spec.scenario)
        result = run_scenario(spec.scenario, results=Path(runs_dir), run_id=spec.run_id,
                              base_network=net, progress=False, figures=False)  # fmt: skip
        row.update(status="done", metrics=headline(result.summary))
    except Exception as exc:  # one bad run must not stop the batch; the row says why
        row.update(status="failed", error=_one_line(exc))
    row["seconds"] = round(time.perf_counter() - start, 3)
    row["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    return row


def _limit_threads(threads: int) -> None:
    if threads > 0:
        import numba

        pool = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
        numba.set_num_threads(min(threads, pool))


def _row_head(spec: RunSpec) -> dict[str, Any]:
    return {
        "key": spec.key, "scenario": spec.scenario.name, "point": spec.point,
        "replication": spec.replication, "seed": spec.scenario.seed, "params": spec.params,
        "baseline_key": spec.baseline_key, "fingerprint": spec.fingerprint,
        "path": f"runs/{spec.key}", "status": None, "error": None, "metrics": {},
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }  # fmt: skip


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {text}"[:500]


def headline(summary: dict[str, Any]) -> dict[str, float | None]:
    """The per-run numbers a batch keeps from a run's ``summary.json``."""
    out: dict[str, float | None] = {k: summary.get(k) for k in _LEVELS}
    out["days_run"] = summary.get("days")
    for mode, share in summary.get("mode_shares", {}).items():
        out[f"share_{mode}"] = share
    for name, key in _BY_CLASS.items():
        for cls, values in sorted(summary.get("by_class", {}).items(), key=lambda kv: kv[0]):
            out[f"{name}_class_{cls}"] = values.get(key)
    return out


# ---------------------------------------------------------------------------- the index
class RunIndex:
    """``index.jsonl``: one JSON line per finished run, flushed and synced as it is written.

    A line cut short by a kill is ignored when read; a key written twice counts its last line.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None

    def read(self) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        if not self.path.is_file():
            return rows
        for line in self.path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and "key" in row:
                rows[row["key"]] = row
        return rows

    def append(self, row: dict[str, Any]) -> None:
        if self._fh is None:
            self._fh = self.path.open("a")
            if self._fh.tell() > 0:
                self._fh.write("\n")  # a line cut short by a kill stays alone (and ignored)
        self._fh.write(json.dumps(row, default=str) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def finished_runs(plan: BatchPlan, index: RunIndex) -> dict[str, dict[str, Any]]:
    """Index rows of the runs that need not run again: those whose directory is there.

    A run directory the index does not list as done (the batch was killed after the run was
    renamed into place but before its line was written) is recorded now, from its files. A
    finished run whose settings differ from the plan's is an error: it is never rerun over.
    """
    rows = index.read()
    _remove_partial_runs(plan.folder)
    out = {}
    try:
        for spec in plan.runs:
            run = plan.folder / "runs" / spec.key
            if not (run / "summary.json").is_file():
                continue  # not finished, or removed by hand: it runs
            row = rows.get(spec.key)
            if row is not None and row.get("status") == "done":
                if row.get("fingerprint") != spec.fingerprint:
                    raise _changed(plan, spec)
            else:
                row = _recorded_row(plan, spec, run)
                index.append(row)
            out[spec.key] = row
    finally:
        index.close()
    return out


def _changed(plan: BatchPlan, spec: RunSpec) -> ScenarioError:
    return ScenarioError(
        f"{plan.folder}: run {spec.key} finished with other settings than the experiment gives "
        "now (a scenario or experiment file, or Ladera, changed); its results are kept: start a "
        "new batch folder (another `name` in the experiment, or another `--results`)"
    )


def _recorded_row(plan: BatchPlan, spec: RunSpec, run: Path) -> dict[str, Any]:
    """The index row of a finished run directory the index lacks, if it ran ``spec``."""
    from sim.runner import _jsonable

    try:
        manifest = json.loads((run / "manifest.json").read_text())
        summary = json.loads((run / "summary.json").read_text())
    except (OSError, ValueError):
        raise _changed(plan, spec) from None
    planned = json.loads(json.dumps(_jsonable(asdict(spec.scenario)), default=str))
    recorded = manifest.get("scenario") if isinstance(manifest, dict) else None
    if not isinstance(recorded, dict) or not isinstance(summary, dict):
        raise _changed(plan, spec)
    recorded.pop("source", None)
    planned.pop("source", None)
    if recorded != planned:
        raise _changed(plan, spec)
    row = _row_head(spec)
    mtime = (run / "summary.json").stat().st_mtime
    row.update(status="done", metrics=headline(summary), seconds=manifest.get("wall_seconds"),
               finished=time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(mtime)),
               worker="(recorded on resume)")  # fmt: skip
    return row


# ---------------------------------------------------------------------------- run a batch
@dataclass
class BatchResult:
    """What :func:`run_batch` did and wrote."""

    folder: Path
    total: int
    skipped: int
    ran: int
    failed: list[str]
    seconds: float
    runs: pd.DataFrame
    summary: pd.DataFrame
    figure: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)  # prepare_s, runs_s, summary_s


def run_batch(
    experiment: Path | str,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    resume: bool = False,
    results: Path | str,
    client: Any = None,
    progress: bool = True,
    dashboard: str | None = "127.0.0.1:0",
    seeds: int | None = None,
    households: int | None = None,
    days: int | None = None,
) -> BatchResult:
    """Run an experiment: every scenario x parameter point x seed, then summarise.

    Parameters
    ----------
    experiment
        The experiment TOML (format in this module's docstring).
    workers
        Worker processes of the local Dask cluster started for the batch (one run and one
        numba thread each); ``0`` runs serially in this process without Dask.
    scheduler
        Address of an existing Dask scheduler (e.g. ``tcp://10.0.0.5:8786``, or a
        dask-jobqueue cluster's ``scheduler_address``); ``workers`` is then ignored. Its
        workers must see ``results`` (and, ideally, ``LADERA_CACHE_DIR``) on a shared disk.
    resume
        Skip the runs the batch index lists as finished; without it, a batch folder that
        already holds finished runs is an error.
    results
        Output root: the batch writes ``<results>/batch/<name>/``.
    client
        An existing ``distributed.Client`` to submit to (tests, notebooks); wins over the rest.
    progress
        Show a progress bar and print where the outputs are.
    dashboard
        ``host:port`` of the local cluster's Dask dashboard (default: this machine only, any
        free port; ``None``: no dashboard). Another host is warned about.
    seeds, households, days
        Replace the experiment's ``seeds`` and set ``households`` / ``days`` of every
        scenario (winning over its ``[overrides]``): a small batch from the command line.

    Returns
    -------
    BatchResult

    Raises
    ------
    ScenarioError
        A bad experiment file, a scheduler that cannot be reached, or finished runs the batch
        would have to replace, before any run starts.
    MissingExtraError
        Dask is not installed and the batch needs it (``workers > 0`` or ``scheduler``).
    OSError
        The batch folder cannot be written, before any run starts.
    BatchRunsFailed
        After the summary is written, if some runs failed (``resume=True`` retries them).
    """
    start = time.perf_counter()
    sizes = {k: v for k, v in (("households", households), ("days", days)) if v is not None}
    plan = plan_batch(experiment, results=results, seeds=seeds, overrides=sizes)
    if client is None and scheduler is None and workers < 0:
        raise ScenarioError(f"`workers` must be >= 0 (0 runs serially), not {workers}")
    if client is None and (scheduler is not None or workers > 0):
        _require_dask()
    check_writable(plan.folder)
    index = RunIndex(plan.folder / "index.jsonl")
    timings: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        if client is None and scheduler is not None:  # fail now if it cannot be reached
            client = stack.enter_context(_remote_client(scheduler))
        stack.enter_context(_batch_lock(plan.folder))
        done = finished_runs(plan, index) if resume else _check_fresh(plan, index)
        todo = [spec for spec in plan.runs if spec.key not in done]
        cache_files = _prepare_networks(plan, todo)
        local = client is None and scheduler is None
        seconds = check_batch_size([spec.scenario for spec in todo], workers if local else 0)
        if progress:
            print(_planned(plan, todo, seconds, workers if local else -1), flush=True)
        if local and workers > 0 and todo:
            warn_exposed(dashboard)
        if not resume:
            _clear(plan.folder)
        _write_plan(plan)
        lap = _lap(timings, "prepare", start)
        failed = _execute_all(plan, todo, cache_files, index, workers, scheduler, client, progress,
                              dashboard)  # fmt: skip
        lap = _lap(timings, "runs", lap)
        result = finish_batch(plan, skipped=len(done), ran=len(todo), failed=failed, start=start)
        _lap(timings, "summary", lap)
    result.timings = timings
    if progress:
        print(_report(result, plan))
    if failed:
        first = index.read()[failed[0]]["error"]
        raise BatchRunsFailed(f"{len(failed)} of {result.total} runs failed (first: {failed[0]}: "
                              f"{first}); `--resume` reruns them")  # fmt: skip
    return result


def _planned(plan: BatchPlan, todo: list[RunSpec], seconds: float, workers: int) -> str:
    """The line printed before a batch starts: its runs and their estimated time."""
    left = f"{len(todo):,} to run" if len(todo) < len(plan.runs) else "all to run"
    where = ("on the cluster, at one worker's pace" if workers < 0
             else f"on {workers} local workers" if workers > 1 else "one at a time")  # fmt: skip
    eta = f"about {duration(seconds)} {where}" if todo else "nothing to run"
    return (f"ladera batch: {plan.describe()}; {left}; estimated {eta} (a 2-core laptop's "
            "speed; more workers than cores do not help)")  # fmt: skip


def _lap(timings: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    timings[f"{name}_s"] = round(now - since, 3)
    return now


@contextlib.contextmanager
def _batch_lock(folder: Path) -> Iterator[None]:
    """One batch process per folder; the OS drops the lock when the process dies, even by kill.
    Folders made for it are removed again if the batch fails before writing into them."""
    made = created_folders(folder.parent)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        with claim(folder, "another batch is running in this folder"):
            yield
    except BaseException:
        remove_empty(made)
        raise


def _check_fresh(plan: BatchPlan, index: RunIndex) -> dict[str, dict[str, Any]]:
    """A fresh start must not throw finished runs away (listed in the index or only on disk)."""
    n = sum(1 for row in index.read().values() if row.get("status") == "done")
    n = max(n, len(_runs_on_disk(plan.folder)))
    if n:
        raise ScenarioError(f"{plan.folder} already holds {n} finished runs: pass `--resume` to "
                            "continue that batch, or start a new batch folder (another `name` "
                            "in the experiment, or another `--results`)")  # fmt: skip
    return {}


def _runs_on_disk(folder: Path) -> list[Path]:
    """Run directories that finished (renamed into place with their summary)."""
    return sorted((folder / "runs").glob("*/*/summary.json"))


def _clear(folder: Path) -> None:
    """A fresh start: no leftovers of an earlier attempt that finished nothing."""
    if _runs_on_disk(folder):  # checked by _check_fresh; never delete a finished run
        raise ScenarioError(f"{folder} holds finished runs; refusing to clear it")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ModuleNotFoundError as exc:
        raise MissingExtraError("ladera batch", "dask", exc.name) from None


@contextlib.contextmanager
def _remote_client(address: str) -> Iterator[Any]:
    """A client of the scheduler at ``address``; one that cannot be reached is a one-line error."""
    from distributed import Client

    try:
        remote = Client(address)
    except (OSError, ValueError, TypeError) as exc:  # TimeoutError is an OSError
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ScenarioError(f"`--scheduler` {address}: cannot reach a Dask scheduler there "
                            f"({reason})") from None  # fmt: skip
    with remote:
        yield remote


def _remove_partial_runs(folder: Path) -> None:
    """Temporary directories of runs killed in flight (those of live processes stay)."""
    for scenario in (folder / "runs").glob("*"):
        remove_stale(scenario)


def _prepare_networks(plan: BatchPlan, todo: list[RunSpec]) -> dict[str, str]:
    """Load (building if needed) each city network once in the client, check each scenario's
    interventions apply on it, and return scenario name -> the cache file workers read."""
    from sim.network.cache import entry_path, load_network, read_npz
    from sim.runner import apply_interventions, city_of

    out: dict[str, str] = {}
    for spec in todo:
        name = spec.scenario.name
        if name in out:
            continue
        city = city_of(spec.scenario)
        path = entry_path(city).resolve()
        out[name] = str(path)
        if out[name] not in _NETWORKS:
            net = load_network(city)
            # what the workers read: a network fresh from a build might differ from its file
            _NETWORKS[out[name]] = read_npz(path) if path.is_file() else net
        apply_interventions(_NETWORKS[out[name]], spec.scenario)  # errors name file and entry
    return out


_PLANNED = ("key", "scenario", "point", "replication", "seed", "params", "baseline_key",
            "fingerprint", "path")  # fmt: skip


def _write_plan(plan: BatchPlan) -> None:
    plan.folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plan.experiment.source, plan.folder / "experiment.toml")
    exp = plan.experiment
    data = {
        "experiment": str(exp.source), "name": exp.name, "description": exp.description,
        "seed": exp.seed, "seeds": exp.seeds, "baseline": exp.baseline,
        "scenarios": {s.name: s.source for s in exp.scenarios},
        "grid": exp.grid, "lhs": {"points": exp.lhs_points, "ranges": exp.lhs},
        "points": list(plan.points),
        "runs": [{k: v for k, v in _row_head(r).items() if k in _PLANNED} for r in plan.runs],
    }  # fmt: skip
    tmp = plan.folder / ".plan.json.tmp"
    tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")
    os.replace(tmp, plan.folder / "plan.json")


def _execute_all(
    plan: BatchPlan,
    todo: list[RunSpec],
    cache_files: dict[str, str],
    index: RunIndex,
    workers: int,
    scheduler: str | None,
    client: Any,
    progress: bool,
    dashboard: str | None = "127.0.0.1:0",
) -> list[str]:
    from tqdm.auto import tqdm

    total = len(plan.runs)
    bar = tqdm(total=total, initial=total - len(todo), desc=plan.experiment.name, unit="run",
               disable=not progress, dynamic_ncols=True)  # fmt: skip
    failed = []
    runs_dir = str(plan.folder / "runs")
    serial = client is None and scheduler is None and workers == 0
    execute = _serial if serial else _on_dask(workers, scheduler, client, dashboard)
    try:
        with contextlib.closing(execute(todo, runs_dir, cache_files)) as rows:
            for row in rows:
                index.append(row)
                if row["status"] != "done":
                    failed.append(row["key"])
                    bar.write(f"ladera: warning: run {row['key']} failed: {row['error']}")
                bar.update()
    finally:
        bar.close()
        index.close()
    return failed


Rows = Generator[dict[str, Any], None, None]
Executor = Callable[[list[RunSpec], str, dict[str, str]], Rows]


def _serial(todo: list[RunSpec], runs_dir: str, cache_files: dict[str, str]) -> Rows:
    for spec in todo:
        yield execute_run(spec, runs_dir, cache_files[spec.scenario.name], threads=0)


def _on_dask(workers: int, scheduler: str | None, client: Any, dashboard: str | None) -> Executor:
    def execute(todo: list[RunSpec], runs_dir: str, cache_files: dict[str, str]) -> Rows:
        from distributed import as_completed

        with _dask_client(workers, scheduler, client, dashboard) as dask_client:
            futures = {
                dask_client.submit(execute_run, spec, runs_dir, cache_files[spec.scenario.name],
                                   1, pure=False): spec
                for spec in todo
            }  # fmt: skip
            try:
                for future in as_completed(futures):
                    yield _future_row(future, futures[future])
            finally:
                dask_client.cancel(list(futures))

    return execute


def _future_row(future: Any, spec: RunSpec) -> dict[str, Any]:
    """The run's row, or a failed row if Dask gave up on it (e.g. its workers kept dying)."""
    try:
        return future.result()
    except Exception as exc:
        row = _row_head(spec)
        row.update(status="failed", error=_one_line(exc), seconds=None)
        return row


@contextlib.contextmanager
def _dask_client(
    workers: int, scheduler: str | None, client: Any, dashboard: str | None
) -> Iterator[Any]:
    if client is not None:
        yield client
    elif scheduler is not None:
        with _remote_client(scheduler) as remote:
            yield remote
    else:
        with local_client(workers, dashboard=dashboard) as local:
            yield local


@contextlib.contextmanager
def local_client(workers: int, *, dashboard: str | None = "127.0.0.1:0") -> Iterator[Any]:
    """A client of a new local Dask cluster: ``workers`` processes of one thread each.

    Numba's thread pool in each worker is set to one thread before the process starts (and
    restarts, if a worker dies), so N workers use N cores. The scheduler and the workers listen
    on this machine only; so does the dashboard (``host:port``; ``None`` for none) unless
    another host is given (:func:`run_batch` warns about it: a dashboard shows the batch to
    anyone who can reach it).
    """
    import dask
    from distributed import Client, LocalCluster

    if workers < 1:
        raise ScenarioError(f"`workers` must be >= 1 for a local Dask cluster, not {workers}")
    # Dask's default MALLOC_TRIM_THRESHOLD_ fixes glibc's mmap threshold, so every large numpy
    # array is a fresh mmap: runs took ~15% longer. The nanny sets these variables in this
    # process's environment too (and workers inherit it): restore it afterwards.
    spawn_env = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MALLOC_TRIM_THRESHOLD_": None}
    saved = {name: os.environ.get(name) for name in spawn_env}
    if os.environ.get("MALLOC_TRIM_THRESHOLD_") == "65536":  # left by an earlier Dask nanny
        os.environ.pop("MALLOC_TRIM_THRESHOLD_")
    env = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in spawn_env.items()}
    try:
        with dask.config.set(env):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=dashboard,
                                   silence_logs=logging.ERROR)  # fmt: skip
        with cluster, Client(cluster) as client:
            yield client
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# ---------------------------------------------------------------------------- summary
def finish_batch(
    plan: BatchPlan, *, skipped: int = 0, ran: int = 0, failed: list[str] | None = None,
    start: float | None = None,
) -> BatchResult:  # fmt: skip
    """Write the runs table, the summary and the figure from the batch index."""
    keys = {spec.key for spec in plan.runs}
    rows = [r for key, r in RunIndex(plan.folder / "index.jsonl").read().items() if key in keys]
    runs = runs_table(rows, plan)
    summary = summarise_runs(runs, plan)
    _write_table(runs, plan.folder / "runs")
    _write_table(summary, plan.folder / "summary")
    figure = plot_accessibility_gain(summary, plan, plan.folder / "accessibility_gain.png")
    seconds = time.perf_counter() - start if start is not None else math.nan
    return BatchResult(folder=plan.folder, total=len(plan.runs), skipped=skipped, ran=ran,
                       failed=failed or [], seconds=seconds, runs=runs, summary=summary,
                       figure=figure)  # fmt: skip


def runs_table(rows: list[dict[str, Any]], plan: BatchPlan) -> pd.DataFrame:
    """One row per run, in plan order: coordinates, parameters (one column each), metrics."""
    order = {spec.key: i for i, spec in enumerate(plan.runs)}
    rows = sorted(rows, key=lambda r: order[r["key"]])
    params = plan.experiment.parameters
    records = []
    for row in rows:
        flat = {k: v for k, v in row.items() if k not in ("params", "metrics")}
        flat.update({p: row["params"].get(p) for p in params})
        flat.update(row.get("metrics") or {})
        records.append(flat)
    df = pd.DataFrame.from_records(records)
    for name in params:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            df[name] = pd.to_numeric(df[name])
    return df


def _metric_columns(runs: pd.DataFrame, plan: BatchPlan) -> list[str]:
    fixed = {*_row_head(plan.runs[0]), "seconds", "finished", *plan.experiment.parameters}
    return [c for c in runs.columns if c not in fixed]


def summarise_runs(runs: pd.DataFrame, plan: BatchPlan, level: float = 0.95) -> pd.DataFrame:
    """Mean and confidence interval across seeds, per scenario, point and metric.

    For every metric ``m`` of a run paired with a baseline run, ``m_change`` is ``m`` minus the
    baseline's ``m`` in the same replication; ``acc30_class_<c>_pct_change`` is the change in
    percent. Non-finite values (a Palma ratio with nothing at the bottom) are left out.

    Returns
    -------
    pandas.DataFrame
        Long format: scenario, point, one column per parameter (empty where it does not apply),
        metric, n_seeds, mean, ci_low, ci_high.
    """
    params = plan.experiment.parameters
    columns = ["scenario", "point", *params, "metric", "n_seeds", "mean", "ci_low", "ci_high"]
    if runs.empty or not (runs["status"] == "done").any():
        return pd.DataFrame(columns=columns)
    done = runs[runs["status"] == "done"].set_index("key")
    values = done[_metric_columns(runs, plan)].apply(pd.to_numeric, errors="coerce")
    values = pd.concat([values, _changes(values, done["baseline_key"])], axis=1)
    long = values.rename_axis("key").reset_index().melt(id_vars="key", var_name="metric")
    long = long.join(done[["scenario", "point"]], on="key")
    stats = (long.groupby(["scenario", "point", "metric"], sort=False)["value"]
             .apply(lambda s: _interval(s, level)).unstack().reset_index())  # fmt: skip
    points = done.drop_duplicates(["scenario", "point"])[["scenario", "point", *params]]
    out = stats.merge(points, on=["scenario", "point"], how="left")
    return _sorted_summary(out.loc[out["n_seeds"] > 0, columns], plan)


def _changes(values: pd.DataFrame, baseline_key: pd.Series) -> pd.DataFrame:
    paired = baseline_key.notna() & baseline_key.isin(values.index)
    keys = baseline_key.index[paired]
    current = values.loc[keys]
    base = values.loc[baseline_key[paired].to_numpy()].set_axis(keys)
    out = (current - base).add_suffix("_change")
    acc = [c for c in values.columns if c.startswith("acc30_class_")]
    pct = (current[acc] - base[acc]) / base[acc].where(base[acc] != 0) * 100.0
    return pd.concat([out, pct.add_suffix("_pct_change")], axis=1).reindex(values.index)


def _interval(values: pd.Series, level: float) -> pd.Series:
    from sim.metrics import confidence_interval

    x = values.to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return pd.Series({"n_seeds": 0, "mean": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    mean, low, high = confidence_interval(x, level=level)
    return pd.Series({"n_seeds": x.size, "mean": mean, "ci_low": low, "ci_high": high})


def _sorted_summary(out: pd.DataFrame, plan: BatchPlan) -> pd.DataFrame:
    """Scenarios in experiment order, then points, then metrics in the order first met."""
    scenarios = {s.name: i for i, s in enumerate(plan.experiment.scenarios)}
    metrics = {m: i for i, m in enumerate(dict.fromkeys(out["metric"]))}
    order = out.assign(_s=out["scenario"].map(scenarios), _m=out["metric"].map(metrics))
    order = order.sort_values(["_s", "point", "_m"], kind="stable")
    return order.drop(columns=["_s", "_m"]).astype({"n_seeds": int}).reset_index(drop=True)


def _write_table(df: pd.DataFrame, stem: Path) -> None:
    for suffix, write in ((".parquet", df.to_parquet), (".csv", df.to_csv)):
        tmp = stem.with_name(f".{stem.name}{suffix}.tmp")
        write(tmp, index=False)
        os.replace(tmp, stem.with_suffix(suffix))


def plot_accessibility_gain(summary: pd.DataFrame, plan: BatchPlan, path: Path) -> Path | None:
    """Change in jobs reachable within 30 min by income class, mean and CI over seeds: one panel
    per scenario, one line per parameter point (labelled when there are few)."""
    rows = summary[summary["metric"].str.match(r"acc30_class_\d+_change$")]
    if rows.empty:
        return None
    from matplotlib.figure import Figure

    scenarios = list(dict.fromkeys(rows["scenario"]))
    fig = Figure(figsize=(5.0 * len(scenarios), 4.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(scenarios), sharey=True, squeeze=False)[0])
    for ax, name in zip(axes, scenarios, strict=True):
        _plot_scenario(ax, rows[rows["scenario"] == name], plan)
        ax.set_title(name)
        ax.set_xlabel("income class (1 = poorest)")
        ax.axhline(0.0, color="0.6", lw=0.8)
    axes[0].set_ylabel("change in jobs within 30 min vs baseline")
    fig.suptitle(f"{plan.experiment.name}: mean and 95% CI over {plan.experiment.seeds} seeds")
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, path)
    return path


def _plot_scenario(ax: Any, rows: pd.DataFrame, plan: BatchPlan) -> None:
    points = list(dict.fromkeys(rows["point"]))
    for j, point in enumerate(points):
        g = rows[rows["point"] == point]
        cls = g["metric"].str.extract(r"acc30_class_(\d+)_change")[0].astype(int).to_numpy()
        offset = (j - (len(points) - 1) / 2) * min(0.6 / max(len(points), 1), 0.08)
        err = np.vstack([g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]]).clip(min=0)
        few = len(points) <= 8
        label = _point_label(g.iloc[0], plan) if few else None
        ax.errorbar(cls + offset, g["mean"], yerr=np.nan_to_num(err), marker="o", ms=3,
                    capsize=2, lw=1, alpha=0.9 if few else 0.5, label=label)  # fmt: skip
    classes = sorted({int(c) for c in rows["metric"].str.extract(r"class_(\d+)_")[0]})
    ax.set_xticks(classes)
    if len(points) <= 8:
        ax.legend(fontsize=7)


def _point_label(row: pd.Series, plan: BatchPlan) -> str:
    values = [f"{p.split('.')[-1]}={row[p]:.3g}" for p in plan.experiment.parameters
              if isinstance(row[p], int | float) and not pd.isna(row[p])]  # fmt: skip
    return f"{row['point']} " + ", ".join(values) if values else str(row["point"])


def _report(result: BatchResult, plan: BatchPlan) -> str:
    f = result.folder
    lines = [
        f"{plan.experiment.name}: {result.total} runs ({result.ran} run now, {result.skipped} "
        f"already done, {len(result.failed)} failed) in {_duration(result.seconds)}",
        f"  runs:    {f / 'runs'}/<scenario>/<point>-s<replication>/  (e.g. "
        f"{f / 'runs' / plan.runs[0].key}/)",
        f"  index:   {f / 'index.jsonl'}  (table: runs.parquet, runs.csv)",
        f"  summary: {f / 'summary.parquet'}, {f / 'summary.csv'}",
    ]
    if result.figure is not None:
        lines.append(f"  figure:  {result.figure}")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    minutes, sec = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{sec:02d}s" if hours else f"{minutes}m{sec:02d}s"


# ---------------------------------------------------------------------------- python -m sim.batch
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.batch EXPERIMENT [--workers N] [--scheduler ADDR] [--resume] [--check]``
    (the same as ``ladera batch``; ``--check`` validates and prints the plan only)."""
    from sim.cli import OneLineParser  # a usage error is one line, as with `ladera batch`

    parser = OneLineParser(prog="python -m sim.batch", description=__doc__.split("\n")[0])
    parser.add_argument("experiment", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--check", action="store_true", help="validate and print the plan")
    args = parser.parse_args(argv)
    try:
        if args.check:
            print(plan_batch(args.experiment, results=args.results).describe())
            return 0
        run_batch(args.experiment, workers=args.workers, scheduler=args.scheduler,
                  resume=args.resume, results=args.results)  # fmt: skip
    except BatchRunsFailed as exc:
        print(f"ladera: error: {exc}", file=sys.stderr)
        return 1
    except LaderaError as exc:
        print(f"ladera: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        from sim.cli import os_error_line

        print(f"ladera: error: {os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ladera: interrupted; finished runs are kept: continue with `python -m sim.batch "
              f"{args.experiment} --resume`", file=sys.stderr)  # fmt: skip
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
