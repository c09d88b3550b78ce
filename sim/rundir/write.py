"""The run folder written: where it goes, and what is in it.

A run folder, ``results/<scenario>/<run-id>/``, holds ``households.parquet``, ``trips.parquet``,
``zones.parquet``, ``days.parquet``, ``lines.parquet`` (:mod:`sim.tables`), ``summary.json``
(the headline numbers, :mod:`sim.rundir.summary`), ``manifest.json`` (the scenario as resolved,
seed, versions, git revision, input hashes, wall time), ``interventions.geojson`` and figures.
It is written in a hidden temporary folder and renamed into place at the end
(:func:`sim.rundir.atomic.write_folder`), so a failed or interrupted run leaves nothing behind.
A run folder that exists is never replaced: an explicit run id that is taken is an error before
the simulation starts, and a default id gets a ``-2``, ``-3``... suffix.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import subprocess
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import ScenarioError
from sim.rundir.atomic import write_error, write_folder
from sim.rundir.claims import claimed, free_folder
from sim.rundir.names import check_name, check_writable, timestamp
from sim.tables import write_tables

if TYPE_CHECKING:
    from sim.model import CommuteModel
    from sim.scenario import Scenario

#: What a run folder that exists is told (a run is never overwritten).
TAKEN = "already exists (a run is never overwritten); choose another `--run-id`"


def run_dir(scenario: Scenario, results: Path | str, run_id: str | None = None) -> Path:
    """The directory a run of ``scenario`` will be written to, checked before it starts.

    An explicit ``run_id`` that is taken is an error (results are never overwritten); the
    default id, ``seed<seed>-<time>``, gets a ``-2``, ``-3``... suffix if it is taken. The folder
    must be writable (``OSError`` otherwise).
    """
    parent = Path(results) / scenario.name
    if run_id is None:
        final = free_folder(parent, f"seed{scenario.seed}-{timestamp()}")
    else:
        final = parent / check_name(run_id, "`--run-id`")
        if final.exists():
            raise ScenarioError(f"{final}: {TAKEN}")
        if claimed(final):
            raise ScenarioError(f"{final}: another run is writing this run now; allowed: a run "
                                "id no other run uses (choose another `--run-id`)")  # fmt: skip
    check_writable(parent)
    return final


def write_run(
    model: CommuteModel,
    scenario: Scenario,
    summary: dict[str, Any],
    written: tuple[list[dict[str, Any]], dict[str, Any], int],
    final: Path,
    *,
    start: float,
    figures: bool,
    default_id: bool,
) -> Path:
    """Write the run in a hidden folder of this process, then rename it to ``final`` (a default
    id moves on to the next free suffix if ``final`` appeared meanwhile; an explicit one is an
    error). ``written`` is the interventions' reports, their GeoJSON and the days (or
    iterations) run; ``start`` the run's :func:`time.perf_counter`. Returns the folder."""
    reports, geometry, days = written

    def write(tmp: Path) -> None:
        write_tables(model, tmp)
        manifest = _manifest(model, scenario, reports, time.perf_counter() - start, days)
        write_json(tmp / "summary.json", summary)
        write_json(tmp / "manifest.json", manifest)
        write_json(tmp / "interventions.geojson", geometry)
        if figures:
            from sim.report import run_figures

            run_figures(tmp)

    try:
        return write_folder(final, write, taken=TAKEN, next_free=default_id)
    except OSError as exc:
        raise write_error(exc, final) from None


def feature_collection(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Move each intervention's geometry out of its report into a GeoJSON FeatureCollection."""
    features = []
    for report in reports:
        geom = report.pop("geometry", None)
        if geom is not None:
            props = {"type": report["type"], "name": report["name"]}
            features.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _manifest(
    model: CommuteModel,
    scenario: Scenario,
    reports: list[dict[str, Any]],
    seconds: float,
    days: int,
) -> dict[str, Any]:
    from sim.network.cache import cache_key, street_source

    return {
        "scenario": jsonable(asdict(scenario)),
        "seed": scenario.seed,
        "days_run": days,
        "interventions": reports,
        "versions": _versions(),
        "git_revision": _git_revision(),
        "inputs": {
            "network_key": cache_key(model.city),
            "street_source": street_source(model.city).label,
            "scenario_file_sha256": _sha256(scenario.source),
        },
        "wall_seconds": round(seconds, 3),
        "model": jsonable(model.describe()),
        "python": platform.python_version(),
    }


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("ladera", "mesa", "numpy", "numba", "networkx", "osmnx", "scipy", "pandas"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _git_revision() -> str | None:
    try:
        here = Path(__file__).resolve().parent
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)  # fmt: skip
        return res.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _sha256(path: str) -> str | None:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if path and p.is_file() else None


def jsonable(obj: Any) -> Any:
    """``obj`` with dataclasses, tuples, numpy scalars and paths turned into JSON's types."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(asdict(obj))
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(jsonable(data), indent=2, default=str) + "\n")
