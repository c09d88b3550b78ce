"""Money and emissions: fare burden, tank-to-wheel CO2 and user benefit per unit of capital
cost, with the emission factors they assume.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.metrics.checks import _as_class_series, _nonneg_scalar, _numeric, _scalar_or_array

__all__ = [
    "BUS_G_CO2_PER_KM",
    "CAR_G_CO2_PER_KM",
    "DIESEL_KG_CO2_PER_L",
    "MOTORBIKE_G_CO2_PER_KM",
    "PETROL_KG_CO2_PER_L",
    "benefit_per_capex",
    "co2_kg",
    "fare_burden",
]

# --- emission factors --------------------------------------------------------------------------
# Tank-to-wheel CO2 per vehicle-kilometre for a real-world Latin American urban fleet in
# congested traffic. They are assumptions, not measurements: the fuel use figures are typical
# real-world consumptions, converted with the standard combustion factors below (IPCC 2006 / UK
# DEFRA conversion factors). Electric modes (metro, cable car) are zero tank-to-wheel and their
# grid emissions are out of scope. Pass another factor to :func:`co2_kg` to test sensitivity.

#: kg CO2 per litre of petrol burnt.
PETROL_KG_CO2_PER_L = 2.31
#: kg CO2 per litre of diesel burnt.
DIESEL_KG_CO2_PER_L = 2.68
#: Private car, ~7.8 l/100 km petrol in city traffic: 0.078 * 2.31 kg = ~180 g/km.
CAR_G_CO2_PER_KM = 180.0
#: Motorcycle (mostly 100-200 cc), ~3.9 l/100 km petrol: ~90 g/km.
MOTORBIKE_G_CO2_PER_KM = 90.0
#: Diesel urban bus, ~37 l/100 km: ~1,000 g per *vehicle*-km (divide by occupancy per rider).
BUS_G_CO2_PER_KM = 1000.0


def fare_burden(
    money_cost_per_trip: ArrayLike, income_per_month: ArrayLike, *, trips_per_month: float = 44
) -> float | NDArray[np.float64]:
    """Share of monthly income spent on transport: ``cost_per_trip * trips_per_month / income``.

    Parameters
    ----------
    money_cost_per_trip
        Out-of-pocket cost of one trip (fares, fuel, parking), non-negative; scalar or array.
    income_per_month
        Household (or person) monthly income, positive; broadcasts against the cost.
    trips_per_month
        Trips paid per month; 44 = two trips a working day, 22 working days.

    Returns
    -------
    float or numpy.ndarray
        A float for scalar inputs, else the broadcast array. 0.1 means a tenth of income.
    """
    cost = _numeric(money_cost_per_trip, "money_cost_per_trip")
    income = _numeric(income_per_month, "income_per_month", positive=True)
    trips = _nonneg_scalar(trips_per_month, "trips_per_month")
    try:
        burden = cost * trips / income
    except ValueError:
        raise ValueError(
            f"`money_cost_per_trip` {cost.shape} and `income_per_month` {income.shape} "
            "do not broadcast"
        ) from None
    return _scalar_or_array(burden)


def co2_kg(vkt_km: ArrayLike, *, g_per_km: float = CAR_G_CO2_PER_KM) -> float | NDArray[np.float64]:
    """Tank-to-wheel CO2 in kilograms from vehicle-kilometres travelled.

    Parameters
    ----------
    vkt_km
        Vehicle-kilometres, non-negative; scalar or array.
    g_per_km
        Grams of CO2 per vehicle-km; see :data:`CAR_G_CO2_PER_KM` (default),
        :data:`MOTORBIKE_G_CO2_PER_KM` and :data:`BUS_G_CO2_PER_KM`.

    Returns
    -------
    float or numpy.ndarray
        ``vkt_km * g_per_km / 1000``, a float for scalar input.
    """
    vkt = _numeric(vkt_km, "vkt_km")
    factor = _nonneg_scalar(g_per_km, "g_per_km")
    return _scalar_or_array(vkt * factor / 1000.0)


def benefit_per_capex(
    delta_gen_cost_per_trip_by_class: Mapping | pd.Series | ArrayLike,
    households_by_class: Mapping | pd.Series | ArrayLike,
    capex: float,
    *,
    trips_per_year: float,
    discount_rate: float | None = None,
    lifetime_years: int = 30,
) -> pd.DataFrame:
    """Annual user benefit per unit of capital cost, by income class.

    The benefit of class ``c`` is the fall in generalised cost times the trips its households
    make: ``B_c = -delta_c * households_c * trips_per_year``. No rule-of-half is applied: the
    change is measured on the households' own (possibly new) choices, so ``delta_c`` is simply
    the mean of ``new - base`` generalised cost per trip. It must be in money: convert time to
    money with each class's value of time first. Dividing by ``capex`` shows how much of the
    investment reaches each class; compare classes, not absolute levels.

    Parameters
    ----------
    delta_gen_cost_per_trip_by_class
        Mean change (new - base) in money generalised cost per trip, one per class (Series or
        mapping keyed by class, or an array in class order). Negative is a saving.
    households_by_class
        Households in each class, same keys (or same length and order) as the deltas.
    capex
        Capital cost of the intervention, positive, same currency as the deltas.
    trips_per_year
        Trips per household per year, the caller's annualisation (no default: Ladera's one
        rule is :func:`sim.appraisal_spec.peak_hours_a_year`; pass 1 when the deltas are
        already yearly, as the comparison does).
    discount_rate
        If given (e.g. 0.12, the rate Colombia's DNP uses), capex is first turned into an
        equivalent annual cost with the capital recovery factor
        ``r / (1 - (1 + r) ** -lifetime_years)``, so ``benefit_per_capex`` is a yearly
        benefit-cost ratio (operating costs excluded).
    lifetime_years
        Asset life for the capital recovery factor.

    Returns
    -------
    pandas.DataFrame
        Indexed by class with columns ``households``, ``delta_cost_per_trip``,
        ``annual_benefit``, ``benefit_share`` (of the total benefit; NaN when it is zero) and
        ``benefit_per_capex``. Their ``benefit_per_capex`` sum is the whole project's ratio.
    """
    delta = _as_class_series(delta_gen_cost_per_trip_by_class, "delta_gen_cost_per_trip_by_class")
    hh = _as_class_series(households_by_class, "households_by_class")
    if (hh < 0).any():
        raise ValueError("`households_by_class` must be non-negative")
    if set(hh.index) != set(delta.index) or len(hh) != len(delta):
        raise ValueError(
            "`households_by_class` must have the same classes as `delta_gen_cost_per_trip_by_class`"
        )
    hh = hh.reindex(delta.index)
    if not (math.isfinite(capex) and capex > 0):
        raise ValueError(f"`capex` must be a positive finite number, got {capex}")
    trips = _nonneg_scalar(trips_per_year, "trips_per_year")
    cost = capex
    if discount_rate is not None:
        if not (math.isfinite(discount_rate) and discount_rate >= 0):
            raise ValueError(f"`discount_rate` must be non-negative, got {discount_rate}")
        if int(lifetime_years) != lifetime_years or lifetime_years < 1:
            raise ValueError(f"`lifetime_years` must be a positive integer, got {lifetime_years}")
        r, n = discount_rate, int(lifetime_years)
        cost = capex / n if r == 0 else capex * r / (1.0 - (1.0 + r) ** -n)
    benefit = -delta * hh * trips
    total = float(benefit.sum())
    out = pd.DataFrame(
        {
            "households": hh,
            "delta_cost_per_trip": delta,
            "annual_benefit": benefit,
            "benefit_share": benefit / total if total != 0 else np.nan,
            "benefit_per_capex": benefit / cost,
        }
    )
    return out
