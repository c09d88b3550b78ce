"""The design and the plan: parameter points, model seeds and every run of a batch.

:func:`plan_batch` turns an :class:`~sim.batch.experiment.Experiment` into a :class:`BatchPlan`:
its parameter points and one :class:`RunSpec` per scenario, point and replication, each paired
with its baseline run. Nothing runs and nothing is written here.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.experiment import Experiment, _applies, _override_applicable, load_experiment
from sim.limits import check_limit
from sim.scenario import Scenario


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
