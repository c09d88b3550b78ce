"""The run's ``summary.json``: its headline numbers, each recomputable from its tables.

:func:`summarise` reads a model after its run; :func:`summary_from_tables` the same numbers
from the run's tables alone (without a model, mode shares are households by their likeliest
mode, and the numbers that need the model are left out).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.metrics import registry
from sim.modes import MODE_NAMES
from sim.tables import household_table, line_table

if TYPE_CHECKING:
    from sim.model import CommuteModel
    from sim.scenario import Scenario


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
    out: dict[str, Any] = {
        "scenario": scenario.name,
        "city": scenario.city,
        "seed": scenario.seed,
        "households": int(len(hh)),
        "days": days,
        "mode_shares": {m: _f(v) for m, v in shares.items()},
        **registry.run_summary(hh, lines),  # the headline metrics (sim.metrics.registry)
        "capex": float(sum(r.get("capex", 0.0) for r in reports)),
        "by_class": by_class,
        "interventions": reports,
    }
    if model is not None:
        out["car_vkt_per_hour"] = model.car_vkt()
        out["vehicle_km_per_hour"] = model.vehicle_km()
        out["co2_kg_per_hour"] = _f(model.co2_kg())
        out["relative_gap"] = _f(model.relative_gap)
        out["iterations"] = int(getattr(model, "iterations", 0))
        # iterations of the baseline's point this run started from (a comparison's warm start)
        out["warm_from_iteration"] = int(getattr(model, "warm_from", 0))
        out["averaged_iterations"] = int(getattr(model, "averaged", 0))
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
