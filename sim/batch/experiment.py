"""The experiment file: read and validate it into an :class:`Experiment`.

Every problem with the file (an unknown scenario, a parameter no scenario has, an empty grid, a
value a scenario refuses) is a one-line :class:`~sim.errors.ScenarioError` raised here, before
anything is planned or run. The format is in the docstring of :mod:`sim.batch`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config import from_dict, read_toml
from sim.errors import ScenarioError
from sim.limits import check_limit
from sim.paths import contained
from sim.rundir.names import check_name
from sim.scenario import Scenario, load_scenario, with_overrides

#: Scenario keys a batch may not vary: the batch sets the seed, the others name the run.
_FIXED_KEYS = ("name", "seed", "city", "source", "description", "baseline")


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
