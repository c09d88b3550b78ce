"""What Mesa's DataCollector records after each simulated day: the relative gap, switching,
mode shares, times, vehicle-km, CO2 and ridership, and shares, times, costs and burdens by
income class. Each report is a function of the model, evaluated when the day is collected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.modes import MODE_NAMES

if TYPE_CHECKING:
    from sim.model.trip_outputs import TripOutputs


def reporters(model: TripOutputs) -> dict[str, Any]:
    """What Mesa's DataCollector collects after each day of :class:`sim.model.CommuteModel`."""
    reps: dict[str, Any] = {
        "relative_gap": lambda m: m.relative_gap,
        "switching": lambda m: m.switching,
        "prob_change": lambda m: m.prob_change,
        "mean_time_min": lambda m: _mean(m.travel_time_s / 60.0, m.trips.flow),
        "car_vkt": lambda m: m.car_vkt(),
        "co2_kg": lambda m: m.co2_kg(),
        "transit_boardings": lambda m: float(m.boardings().sum()),
        "ridership_by_line": lambda m: m.ridership_by_line(),
    }
    for i, name in enumerate(MODE_NAMES):
        reps[f"share_{name}"] = lambda m, i=i: m.mode_share(i)
    klass = np.where(
        model.trips.household >= 0,
        model.households.income_class[np.maximum(model.trips.household, 0)],
        0,
    )
    for c in model.income_classes():
        sel = klass == c
        own = model.households.income_class == c
        for i, name in enumerate(MODE_NAMES):
            reps[f"share_{name}_c{c}"] = lambda m, i=i, s=sel: m.mode_share(i, s)
        reps[f"time_min_c{c}"] = lambda m, s=sel: _mean(m.travel_time_s[s] / 60, m.trips.flow[s])
        reps[f"cost_c{c}"] = lambda m, s=sel: _mean(m.money_cost[s], m.trips.flow[s])
        reps[f"fare_burden_c{c}"] = lambda m, h=own: _mean(m.fare_burden()[h])
        reps[f"cost_burden_c{c}"] = lambda m, h=own: _mean(m.cost_burden()[h])
    return reps


def _mean(values: NDArray[np.float64], weights: NDArray[np.float64] | None = None) -> float:
    """(Weighted) mean over the finite values; NaN (without a warning) when there are none."""
    ok = np.isfinite(values)
    if weights is None:
        return float(values[ok].mean()) if ok.any() else float("nan")
    w = weights[ok]
    return float(np.sum(values[ok] * w) / w.sum()) if ok.any() and w.sum() > 0 else float("nan")
