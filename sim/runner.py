"""Run a scenario and write its results: ``results/<scenario>/<run-id>/``.

A run directory holds ``households.parquet``, ``zones.parquet``, ``days.parquet``,
``lines.parquet``, ``summary.json`` (the headline numbers), ``manifest.json`` (the scenario as
resolved, seed, versions, git revision, input hashes, wall time) and figures. It is written in a
hidden temporary directory and renamed into place at the end, so a failed or interrupted run
leaves nothing behind. A run directory that exists is never replaced: an explicit run id that is
taken is an error before the simulation starts, and a default id gets a ``-2``, ``-3``... suffix.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim import metrics
from sim.agents import MODE_NAMES
from sim.city import City, load_city
from sim.errors import ScenarioError
from sim.interventions import Applied, CableLine, apply
from sim.model import CommuteModel
from sim.network.arrays import MultimodalNetwork
from sim.outputs import (
    check_name,
    check_writable,
    claimed,
    claimed_folder,
    free_folder,
    temp_folder,
    timestamp,
    write_error,
)
from sim.paths import contained
from sim.scenario import Scenario, intervention_origin
from sim.tables import household_table, line_table, write_tables
from sim.zones import load_zones


@dataclass
class RunResult:
    path: Path | None
    summary: dict[str, Any]
    model: CommuteModel


def build_model(
    scenario: Scenario,
    *,
    base_network: MultimodalNetwork | None = None,
    agents: bool = False,
) -> tuple[CommuteModel, list[dict[str, Any]]]:
    """The scenario's model: city network (cached), interventions applied, households drawn.

    Households are drawn on the city's own network (``base_network``), so every scenario of a
    city with the same seed and size holds the same population.
    """
    city = city_of(scenario)
    if base_network is None:
        from sim.network.cache import load_network

        base_network = load_network(city)
    check_capex(scenario, city)
    applied = apply_interventions(base_network, scenario)
    params = scenario.choice
    if applied.fare_subsidy:
        params = replace(params, fare_subsidy={**params.fare_subsidy, **applied.fare_subsidy})
    model = CommuteModel(
        city, households=scenario.households, seed=scenario.seed, network=applied.network,
        params=params, zones=load_zones(city), reference=base_network, agents=agents,
    )  # fmt: skip
    return model, applied.reports


def check_scenario(scenario: Scenario) -> None:
    """Fail now, with the scenario's one-line error, if its interventions do not fit its city
    or its city's zone tables are bad.

    Applies the interventions to the (cached) network and drops the result, so a batch of runs
    is checked before the first one starts.
    """
    from sim.network.cache import load_network

    city = city_of(scenario)
    check_capex(scenario, city)
    load_zones(city)  # a bad data table fails now, not after the run is claimed
    apply_interventions(load_network(city), scenario)


def check_capex(scenario: Scenario, city: City) -> None:
    """Capital costs must be in the city's currency: benefits (in it) are divided by them.

    A cost in another price year is allowed but warned about: fares and incomes are in the
    city's ``currency_year``, so the ratio is like for like only when the capex is too.
    """
    for i, item in enumerate(scenario.interventions):
        capex = getattr(item, "capex", None)
        if capex is None or capex.amount == 0:
            continue
        source, j = intervention_origin(scenario, i)
        where = f"{source}: [interventions[{j}]] `capex"
        if capex.currency and capex.currency != city.currency:
            raise ScenarioError(f"{where}.currency` is {capex.currency!r}; state it in the "
                                f"city's currency, {city.currency!r} (of {city.currency_year})")  # fmt: skip
        if capex.year and capex.year != city.currency_year:
            warnings.warn(f"{where}.year` is {capex.year} but fares and incomes are in "
                          f"{city.currency_year} prices: restate it in {city.currency_year} "
                          "prices for a like-for-like benefit ratio", stacklevel=2)  # fmt: skip


def apply_interventions(net: MultimodalNetwork, scenario: Scenario) -> Applied:
    """:func:`sim.interventions.apply`, one intervention at a time, so that an error names the
    scenario file and the ``[interventions[i]]`` entry it comes from (the file that declares
    it, when the scenario ``extends`` another)."""
    out = Applied(network=net)
    for i, item in enumerate(scenario.interventions):
        try:
            step = apply(out.network, (item,))
        except ScenarioError as exc:
            source, j = intervention_origin(scenario, i)
            raise ScenarioError(f"{source}: [interventions[{j}]] {exc}") from None
        out.network = step.network
        out.reports += step.reports
        out.fare_subsidy.update(step.fare_subsidy)
    return out


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
            raise ScenarioError(f"{final}: already exists (a run is never overwritten); choose "
                                "another `--run-id`")  # fmt: skip
        if claimed(final):
            raise ScenarioError(f"{final}: another run is writing this run now; allowed: a run "
                                "id no other run uses (choose another `--run-id`)")  # fmt: skip
    check_writable(parent)
    return final


def run_scenario(
    scenario: Scenario,
    *,
    results: Path | str | None,
    run_id: str | None = None,
    base_network: MultimodalNetwork | None = None,
    progress: bool = True,
    figures: bool = True,
) -> RunResult:
    """Simulate ``scenario.days`` days and write the run directory (unless ``results`` is None).

    The directory (:func:`run_dir`) is checked and claimed before the simulation starts (a
    second run of the same id is refused at once), written under a hidden name and renamed into
    place; an existing run directory is never replaced. A failed run leaves nothing behind (a
    failed write names the folder), and temporary folders of killed runs are removed.
    """
    start = time.perf_counter()
    if results is None:
        model, summary, _ = _simulated(scenario, base_network, progress)
        return RunResult(None, summary, model)
    final = run_dir(scenario, results, run_id)
    with claimed_folder(final, default_id=run_id is None) as final:
        model, summary, written = _simulated(scenario, base_network, progress)
        path = _write_run(model, scenario, summary, written, final, start=start, figures=figures,
                          default_id=run_id is None)  # fmt: skip
    return RunResult(path, summary, model)


def _simulated(
    scenario: Scenario, base_network: MultimodalNetwork | None, progress: bool
) -> tuple[CommuteModel, dict[str, Any], tuple[list[dict[str, Any]], dict[str, Any], int]]:
    """The model after the run, its summary, and what the run folder needs besides."""
    model, reports = build_model(scenario, base_network=base_network)
    geometry = _feature_collection(reports)
    days = _simulate(model, scenario, progress)
    summary = summarise(model, scenario, reports, days)
    return model, summary, (reports, geometry, days)


def _write_run(
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
    """Write the run in a hidden folder of this process, then rename it to ``final``."""
    reports, geometry, days = written
    tmp = temp_folder(final)
    try:
        tmp.mkdir()
        write_tables(model, tmp)
        manifest = _manifest(model, scenario, reports, time.perf_counter() - start, days)
        _write_json(tmp / "summary.json", summary)
        _write_json(tmp / "manifest.json", manifest)
        _write_json(tmp / "interventions.geojson", geometry)
        if figures:
            from sim.report import run_figures

            run_figures(tmp)
        return _publish(tmp, final, default_id=default_id)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise write_error(exc, final) from None
        raise


def _publish(tmp: Path, final: Path, *, default_id: bool) -> Path:
    """Rename ``tmp`` to ``final``, never over an existing run (one may have appeared while this
    run simulated): a default id moves on to the next free suffix, an explicit one is an error.
    """
    stem = final.name
    while True:
        if not final.exists():
            try:
                os.rename(tmp, final)  # fails on a non-empty directory: nothing is replaced
                return final
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        if not default_id:
            raise ScenarioError(f"{final}: already exists (a run is never overwritten); choose "
                                "another `--run-id`")  # fmt: skip
        final = free_folder(final.parent, stem)


def _feature_collection(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Move each intervention's geometry out of its report into a GeoJSON FeatureCollection."""
    features = []
    for report in reports:
        geom = report.pop("geometry", None)
        if geom is not None:
            props = {"type": report["type"], "name": report["name"]}
            features.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _simulate(model: CommuteModel, scenario: Scenario, progress: bool) -> int:
    """Solve the equilibrium, or simulate the days of learning; returns iterations or days."""
    if scenario.solver == "equilibrium":
        conv = model.equilibrate(progress=progress)
        if not conv.converged:
            warnings.warn(f"{scenario.name}: relative gap {conv.final_gap:.2e} after "
                          f"{conv.iterations} iterations, above the tolerance {conv.tolerance:g} "
                          "(raise `choice.max_iterations`)", stacklevel=2)  # fmt: skip
        return conv.iterations
    from tqdm.auto import tqdm

    bar = tqdm(range(scenario.days), desc=scenario.name, unit="day", disable=not progress,
               leave=False)  # fmt: skip
    for day in bar:
        model.step()
        bar.set_postfix(gap=f"{model.relative_gap:.3f}", switching=f"{model.switching:.3f}")
        if (
            scenario.stop_early
            and day > 2
            and model.relative_gap < model.params.tolerance
            and model.switching < model.params.tolerance
        ):
            return day + 1
    return scenario.days


# ------------------------------------------------------------------------------ summary
def summarise(
    model: CommuteModel, scenario: Scenario, reports: list[dict[str, Any]], days: int
) -> dict[str, Any]:
    """Headline numbers of a run; every number is recomputable from the Parquet tables."""
    hh = household_table(model)
    return summary_from_tables(hh, line_table(model), model, scenario, reports, days)


def _trip_classes(model: CommuteModel) -> NDArray[np.int64]:
    """Each trip's household income class (-1 for the fixed streams)."""
    tr = model.trips
    out = np.full(tr.n, -1, np.int64)
    res = tr.household >= 0
    out[res] = model.households.income_class[tr.household[res]]
    return out


def _mode_shares(hh: pd.DataFrame, model: CommuteModel | None,
                 rows: NDArray[np.bool_] | None) -> pd.Series:  # fmt: skip
    """Residents' trips by mode, weighted by flow and probability (the shares calibration
    fits); from run tables alone, households by their likeliest mode."""
    if model is None:
        return hh["mode"].value_counts(normalize=True).reindex(list(MODE_NAMES), fill_value=0.0)
    return pd.Series({m: model.mode_share(i, rows) for i, m in enumerate(MODE_NAMES)})


def summary_from_tables(
    hh: pd.DataFrame,
    lines: pd.DataFrame,
    model: CommuteModel | None,
    scenario: Scenario,
    reports: list[dict[str, Any]],
    days: int,
) -> dict[str, Any]:
    trip_class = _trip_classes(model) if model is not None else None
    shares = _mode_shares(hh, model, None)
    by_class: dict[str, dict[str, Any]] = {}
    for c, g in hh.groupby("income_class"):
        s = _mode_shares(g, model, None if trip_class is None else trip_class == int(c))
        by_class[str(int(c))] = {
            "households": int(len(g)),
            "mean_time_min": _f(g["travel_time_min"].mean()),
            "mean_cost": _f(g["money_cost"].mean()),
            "fare_burden": _f(g["fare_burden"].mean()),
            "cost_burden": _f(g["cost_burden"].mean()),
            "acc30": _f(g["acc30"].mean()),
            "acc45": _f(g["acc45"].mean()),
            "acc60": _f(g["acc60"].mean()),
            "acc_smooth": _f(g["acc_smooth"].mean()),
            "gen_cost_min": _f(g["gen_cost_min"].mean()),
            "expected_cost_min": _f(g["expected_cost_min"].mean()),
            "mode_shares": {m: _f(v) for m, v in s.items()},
        }
    acc = hh["acc30"].to_numpy()
    classes = sorted(by_class, key=int)
    cable = lines[lines["mode"] == "cable"]
    out: dict[str, Any] = {
        "scenario": scenario.name,
        "city": scenario.city,
        "seed": scenario.seed,
        "households": int(len(hh)),
        "days": days,
        "mode_shares": {m: _f(v) for m, v in shares.items()},
        "mean_time_min": _f(hh["travel_time_min"].mean()),
        "mean_gen_cost_min": _f(hh["gen_cost_min"].mean()),
        "mean_expected_cost_min": _f(hh["expected_cost_min"].mean()),
        "acc30_mean": _f(np.nanmean(acc)),
        "acc_smooth_mean": _f(hh["acc_smooth"].mean()),
        "acc30_gini": _f(metrics.gini(np.nan_to_num(acc))),
        "acc30_palma": _f(metrics.palma(np.nan_to_num(acc))),
        "acc30_poorest_over_richest": _f(  # the report's rule: no access counts as 0
            metrics.quantile_ratio([by_class[c]["acc30"] or 0.0 for c in classes])
        ),
        "fare_burden_mean": _f(hh["fare_burden"].mean()),
        "cost_burden_mean": _f(hh["cost_burden"].mean()),
        "transit_boardings_per_hour": _f(lines["boardings_per_hour"].sum()),
        "cable_boardings_per_hour": _f(cable["boardings_per_hour"].sum()),
        "cable_peak_load_factor": _f(cable["load_factor"].max()) if len(cable) else None,
        "capex": float(sum(r.get("capex", 0.0) for r in reports)),
        "by_class": by_class,
        "interventions": reports,
    }
    if model is not None:
        out["car_vkt_per_hour"] = model.car_vkt()
        out["vehicle_km_per_hour"] = model.vehicle_km()
        out["co2_kg_per_hour"] = _f(model.co2_kg())
        out["relative_gap"] = _f(model.relative_gap)
        out["households_represented"] = model.households.weight * len(hh)
        out["currency"] = model.city.currency
        out["income_per"] = model.city.income.per
        out["city_name"] = model.city.name
        if model.city.appraisal is not None:  # the city's appraisal conventions (sim.appraisal)
            out["appraisal_inputs"] = asdict(model.city.appraisal)
    return out


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None  # JSON has no NaN or infinity


# ------------------------------------------------------------------------------ manifest
def _manifest(
    model: CommuteModel,
    scenario: Scenario,
    reports: list[dict[str, Any]],
    seconds: float,
    days: int,
) -> dict[str, Any]:
    from sim.network.cache import cache_key, street_source

    return {
        "scenario": _jsonable(asdict(scenario)),
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
        "model": _jsonable(model.describe()),
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


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(asdict(obj))
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(_jsonable(data), indent=2, default=str) + "\n")


def cable_lines(scenario: Scenario) -> list[CableLine]:
    return [i for i in scenario.interventions if isinstance(i, CableLine)]


def check_same_city(runs: list[dict[str, Any]], names: list[str]) -> None:
    cities = {r["city"] for r in runs}
    if len(cities) > 1:
        pairs = ", ".join(f"{n}: {r['city']}" for n, r in zip(names, runs, strict=True))
        raise ScenarioError(f"cannot compare runs of different cities ({pairs})")


def city_of(scenario: Scenario) -> City:
    """The scenario's city: a bundled name, or a city.toml path relative to the scenario file.

    An error names the scenario file and its `city` field: ``<file>: `city`: <problem>``.
    """
    target: str | Path = scenario.city
    if scenario.city.endswith(".toml") and scenario.source:
        target = contained(scenario.city, scenario.source, "city")
    try:
        return load_city(target)
    except ScenarioError as exc:
        raise ScenarioError(f"{scenario.source or scenario.name}: `city`: {exc}") from None
