"""Reading finished run directories for a comparison: the files and columns a run must hold,
the loaded run (:class:`_Run`), labels, and the checks that runs can be compared (same city,
same synthetic population).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError

RUN_FILES = ("summary.json", "households.parquet", "zones.parquet", "lines.parquet")
HH_COLUMNS = (
    "income_class", "income", "home_zone", "mode", "travel_time_min", "money_cost",
    "gen_cost_min", "expected_cost_min", "fare_burden", "cost_burden", "vot_per_min", "acc30",
    "acc45", "acc60", "work_zone",
    "trips_peak", "peak_cost_min",  # the peak hour's trips and logsum minutes: yearly benefits
)  # fmt: skip
ZONE_COLUMNS = ("zone", "lon", "lat", "acc30_transit", "acc45_transit", "acc60_transit")
LINE_COLUMNS = ("line", "mode", "boardings_per_hour", "peak_load_per_hour", "capacity_per_hour")


@dataclass
class _Run:
    path: Path
    label: str
    summary: dict[str, Any]
    manifest: dict[str, Any]
    households: pd.DataFrame
    zones: pd.DataFrame
    lines: pd.DataFrame
    geometry: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.summary.get("scenario", self.path.name))


def _check_runs(runs: Sequence[Path], baseline: int) -> list[Path]:
    """Validate the arguments of :func:`compare` without reading more than file headers."""
    paths = [Path(r) for r in runs]
    if len(paths) < 2:
        raise ScenarioError(f"compare needs at least 2 run directories, got {len(paths)}")
    if not (isinstance(baseline, int) and -len(paths) <= baseline < len(paths)):
        raise ScenarioError(f"`baseline` must index `runs` (0..{len(paths) - 1}), got {baseline}")
    check_run_dirs(paths)
    return paths


def check_run_dirs(runs: Sequence[Path]) -> None:
    """Each path is a complete run directory (files and columns), reading only file headers."""
    for path in map(Path, runs):
        if not path.is_dir():
            raise ScenarioError(f"{path}: no such run directory")
        missing = [f for f in RUN_FILES if not (path / f).is_file()]
        if missing:
            raise ScenarioError(f"{path}: incomplete run directory, missing {', '.join(missing)}")
        _check_columns(path / "households.parquet", HH_COLUMNS)
        _check_columns(path / "zones.parquet", ZONE_COLUMNS)
        _check_columns(path / "lines.parquet", LINE_COLUMNS)


def run_city(run: Path) -> str:
    """The city of a run directory, as :func:`compare` matches cities (the city's folder name)."""
    summary = _read_json(Path(run) / "summary.json")
    if "city" not in summary:
        raise ScenarioError(f"{Path(run) / 'summary.json'}: incomplete, lacks `city`")
    return _city_name(str(summary["city"]))


def run_scenario_file(run: Path) -> tuple[Path | None, Path | None]:
    """The scenario file a run directory was made from and the baseline file it declares, from
    its ``manifest.json`` (``None`` when unknown or no longer on disk)."""
    scenario = _read_json(Path(run) / "manifest.json").get("scenario")
    if not isinstance(scenario, dict) or not scenario.get("source"):
        return None, None
    source = Path(str(scenario["source"]))
    if not source.is_file():
        return None, None
    base = scenario.get("baseline")
    source = source.resolve()
    return source, (source.parent / str(base)).resolve() if base else None


def _check_columns(path: Path, required: Sequence[str]) -> None:
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(path).names)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise ScenarioError(f"{path}: unreadable Parquet file ({exc})") from None
    missing = [c for c in required if c not in names]
    if missing:
        raise ScenarioError(f"{path}: incomplete, lacks column(s) {', '.join(missing)}")


def _load(path: Path) -> _Run:
    summary = _read_json(path / "summary.json")
    if "city" not in summary:
        raise ScenarioError(f"{path / 'summary.json'}: incomplete, lacks `city`")
    geometry = _read_json(path / "interventions.geojson") or {"features": []}
    households = pd.read_parquet(path / "households.parquet")
    if "acc_smooth" not in households:  # a run written before the smooth measure
        households["acc_smooth"] = np.nan
    return _Run(
        path=path, label="", summary=summary, manifest=_read_json(path / "manifest.json"),
        households=households,
        zones=pd.read_parquet(path / "zones.parquet"),
        lines=pd.read_parquet(path / "lines.parquet"), geometry=geometry,
    )  # fmt: skip


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: unreadable JSON ({exc})") from None
    return data if isinstance(data, dict) else {}


def _city_key(run: _Run) -> str:
    """A city by bundled name, or by the folder of its ``city.toml`` (paths are relative)."""
    return _city_name(str(run.summary["city"]))


def _city_name(city: str) -> str:
    return Path(city).parent.name if city.endswith(".toml") else city


def _check_cities(runs: list[_Run]) -> None:
    pairs = ", ".join(f"{r.label}: {r.summary['city']}" for r in runs)
    if len({_city_key(r) for r in runs}) > 1:
        raise ScenarioError(f"cannot compare runs of different cities ({pairs})")
    zone_sets = {frozenset(r.zones["zone"].astype(str)) for r in runs}
    if len(zone_sets) > 1:
        raise ScenarioError(f"cannot compare runs of different cities ({pairs}; zones differ)")


def _label(runs: list[_Run]) -> None:
    """Scenario names as labels; a repeated name gets its run id, then a counter."""
    names = [r.name for r in runs]
    for run in runs:
        run.label = run.name if names.count(run.name) == 1 else f"{run.name} ({run.path.name})"
    labels = [r.label for r in runs]
    for i, run in enumerate(runs):
        if labels.count(run.label) > 1:
            run.label = f"{run.label} #{i + 1}"


def same_population(a: _Run, b: _Run) -> bool:
    """Whether households can be matched row by row: the same synthetic population."""
    ha, hb = a.households, b.households
    if a.summary.get("seed") != b.summary.get("seed") or len(ha) != len(hb):
        return False
    return all(
        np.array_equal(ha[col].astype(str).to_numpy(), hb[col].astype(str).to_numpy())
        for col in ("income_class", "home_zone", "work_zone")
    )
