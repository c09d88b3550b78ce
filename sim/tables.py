"""The run's tables: trips, households, zones and lines, from a solved or simulated model.

A household's columns sum or average its trips (:mod:`sim.demand`): times, money and expected
costs are means per trip weighted by the trips each row stands for; burdens divide the money
of all its members' trips in a month by the household's income. Its peak-hour columns
(``trips_peak``, ``peak_cost_min``, ``fares_peak``) sum its trips of the modelled hour, for
the yearly figures (:func:`sim.appraisal_spec.peak_hours_a_year`: the one annualisation).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim import metrics
from sim.model import CommuteModel
from sim.modes import MODE_NAMES
from sim.network.arrays import TransitMode

THRESHOLDS = (30, 45, 60)
#: Working days a month (a month's trips are there and back on each), for monthly sums.
WORKING_DAYS_MONTH = 22.0


def accessibility(model: CommuteModel) -> dict[str, np.ndarray]:
    """Jobs reachable per zone within each threshold, and the smooth measure (jobs weighted by
    the city's decay of travel time, ``acc_smooth_*``), by transit and walking, and by car."""
    walk, transit, car = (model.zone_skim[i].astype(float) for i in range(3))
    n = model.dest.n_internal
    jobs = model.dest.jobs[:n]
    transit_walk = np.fmin(walk, transit)[:, :n]
    car_any = np.fmin(car, np.fmin(walk, transit))[:, :n]
    out = {}
    for label, times in (("transit", transit_walk), ("car", car_any)):
        cum = metrics.cumulative_accessibility(times, jobs, THRESHOLDS)
        for k, t in enumerate(THRESHOLDS):
            out[f"acc{t}_{label}"] = cum[:, k]
        out[f"acc_smooth_{label}"] = smooth_accessibility(times, jobs, model)
    return out


def smooth_accessibility(times: np.ndarray, jobs: np.ndarray, model: CommuteModel) -> np.ndarray:
    """Jobs weighted by the city bundle's decay (``[accessibility]`` of ``city.toml``)."""
    spec = model.city.accessibility
    return metrics.gravity_accessibility(times, jobs, beta=spec.beta_per_min, form=spec.decay,
                                         cutoff_min=spec.cutoff_min, sd_min=spec.sd_min)  # fmt: skip


def trip_table(model: CommuteModel) -> pd.DataFrame:
    """One row per trip row of the model (:class:`sim.demand.Trips`)."""
    tr = model.trips
    probs = model.mode_probabilities()
    mode = model.reported_mode()
    df = pd.DataFrame(
        {
            "household": tr.household,
            "segment": pd.Categorical(tr.segment_names(), categories=list(tr.segments)),
            "dest": tr.dest,
            "flow_per_hour": tr.flow,
            "daily_trips": tr.daily,
            "fixed": tr.fixed >= 0,
            "mode": pd.Categorical.from_codes(
                np.where(mode >= 0, mode, -1), categories=list(MODE_NAMES)
            ),  # fmt: skip
            "travel_time_min": model.travel_time_s / 60.0,
            "money_cost": model.money_cost,
            "road_km": model.road_km,
            "gen_cost_min": model.gen_cost,
            "expected_cost_min": model.expected_cost_min(),
            "vot_per_min": tr.vot,
        }
    )
    for i, name in enumerate(MODE_NAMES):
        df[f"p_{name}"] = probs[:, i]
    return df


def _per_household(model: CommuteModel, values: NDArray[np.float64],
                   weights: NDArray[np.float64]) -> NDArray[np.float64]:  # fmt: skip
    """Weighted mean over each household's trips (NaN where it has none with a value)."""
    tr, n = model.trips, model.households.n
    ok = (tr.household >= 0) & np.isfinite(values) & (weights > 0)
    h = tr.household[ok]
    total = np.bincount(h, weights=weights[ok], minlength=n)
    sums = np.bincount(h, weights=weights[ok] * values[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, sums / total, np.nan)


def _peak_hour(model: CommuteModel) -> dict[str, NDArray[np.float64]]:
    """Each household's trips of the modelled hour (one way, per synthetic household), the
    minutes of expected generalised cost they add up to (NaN when one of them has no possible
    alternative) and the fares they are expected to pay."""
    tr, weight = model.trips, max(model.households.weight, 1e-12)
    per_trip = np.where(tr.household >= 0, np.nan_to_num(tr.flow) / weight, 0.0)
    cost = model.expected_cost_min()
    missing = model.per_household(np.where((per_trip > 0) & ~np.isfinite(cost), 1.0, 0.0)) > 0
    minutes = model.per_household(per_trip * cost)
    return {
        "trips_peak": model.per_household(per_trip),
        "peak_cost_min": np.where(missing, np.nan, minutes),
        "fares_peak": model.per_household(per_trip * np.nan_to_num(model.trip_fares())),
    }


def household_table(model: CommuteModel) -> pd.DataFrame:
    hh = model.households
    tr = model.trips
    zone_acc = accessibility(model)
    w = np.where(tr.household >= 0, np.nan_to_num(tr.daily), 0.0)
    per_hh_daily = model.monthly_trips() / (2.0 * WORKING_DAYS_MONTH)
    first = np.full(hh.n, -1, np.int64)
    own = np.flatnonzero(tr.household >= 0)
    first[tr.household[own][::-1]] = own[::-1]  # each household's first trip row (its main)
    mode = model.reported_mode()
    main_mode = np.where(first >= 0, mode[np.maximum(first, 0)], -1)
    df = pd.DataFrame(
        {
            "income_class": hh.income_class,
            "income": hh.income,
            "household_income": model.household_income(),
            "car": hh.car,
            "motorbike": hh.moto,
            "home_zone": model.zones.id[hh.home_zone],
            "work_zone": hh.work_zone,
            "mode": pd.Categorical.from_codes(main_mode, categories=list(MODE_NAMES)),
            "trips_day": model.per_household(per_hh_daily),
            **_peak_hour(model),
            "travel_time_min": _per_household(model, model.travel_time_s / 60.0, w),
            "money_cost": _per_household(model, model.money_cost, w),
            "road_km": _per_household(model, model.road_km, w),
            "gen_cost_min": _per_household(model, model.gen_cost, w),
            "expected_cost_min": _per_household(model, model.expected_cost_min(), w),
            "fare_burden": model.fare_burden(),
            "cost_burden": model.cost_burden(),
            "vot_per_min": hh.vot,
        }
    )
    for t in THRESHOLDS:
        df[f"acc{t}"] = home_accessibility(model, zone_acc, f"acc{t}")
    df["acc_smooth"] = home_accessibility(model, zone_acc, "acc_smooth")
    return df


def home_accessibility(
    model: CommuteModel, zone_acc: dict[str, np.ndarray], measure: str
) -> np.ndarray:
    """Each household's ``measure`` of :func:`accessibility` (``acc30``, ``acc_smooth``, ...)
    at its home zone: by car for a household with a car or motorbike, else by transit."""
    hh = model.households
    drives = hh.car | hh.moto
    return np.where(drives, zone_acc[f"{measure}_car"][hh.home_zone],
                    zone_acc[f"{measure}_transit"][hh.home_zone])  # fmt: skip


def zone_table(model: CommuteModel) -> pd.DataFrame:
    z = model.zones
    hh = model.households
    df = pd.DataFrame({"zone": z.id, "lon": z.lon, "lat": z.lat, "population": z.population,
                       "jobs": z.jobs, "income": z.income})  # fmt: skip
    for key, values in accessibility(model).items():
        df[key] = values
    df["households"] = np.bincount(hh.home_zone, minlength=z.n)
    tr = model.trips
    t = model.travel_time_s
    ok = (tr.household >= 0) & np.isfinite(t)  # trips with no possible alternative are left out
    home = hh.home_zone[tr.household[ok]]
    w = tr.flow[ok]
    counts = np.bincount(home, weights=w, minlength=z.n)
    sums = np.bincount(home, weights=w * t[ok], minlength=z.n)
    df["mean_time_min"] = np.where(counts > 0, sums / np.maximum(counts, 1e-12) / 60.0, np.nan)
    return df


def line_table(model: CommuteModel) -> pd.DataFrame:
    lines = model.network.lines
    loads = model.line_loads()
    return pd.DataFrame(
        {
            "line": lines.name,
            "mode": [TransitMode(m).name.lower() for m in lines.mode],
            "boardings_per_hour": model.boardings(),
            "peak_load_per_hour": loads,
            "capacity_per_hour": lines.capacity_per_hour,
            "load_factor": loads / lines.capacity_per_hour,
            "headway_min": lines.headway_s / 60.0,
            "fare": lines.fare,
        }
    )


def write_tables(model: CommuteModel, folder: Path) -> None:
    household_table(model).to_parquet(folder / "households.parquet")
    trip_table(model).to_parquet(folder / "trips.parquet")
    zone_table(model).to_parquet(folder / "zones.parquet")
    days = model.datacollector.get_model_vars_dataframe().drop(columns=["ridership_by_line"])
    days.index.name = "day"
    days.reset_index().assign(day=lambda d: d["day"] + 1).to_parquet(folder / "days.parquet")
    line_table(model).to_parquet(folder / "lines.parquet")
