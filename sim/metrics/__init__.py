"""Accessibility, equity and benefit metrics: pure functions on numpy arrays and pandas frames.

Nothing here knows about the model: every function takes plain arrays (times in minutes, money
in the city's currency) and returns arrays, floats or small :class:`pandas.DataFrame` tables, so
the same code summarises one run, compares two runs and aggregates a batch.

- :mod:`~sim.metrics.accessibility` jobs reachable (cumulative and gravity measures)
- :mod:`~sim.metrics.inequality`    Gini, Lorenz, Palma, poorest over richest class
- :mod:`~sim.metrics.groups`        means by class, winners and losers of a change
- :mod:`~sim.metrics.economics`     fare burden, CO2, benefit per capex (and emission factors)
- :mod:`~sim.metrics.stats`         mean and interval of replications
- :mod:`~sim.metrics.registry`      the headline metrics: name, label, unit, direction, format
  and how a run's tables give them; run summaries and reports read their lists from it

Conventions
-----------
- Unreachable destinations carry a time of NaN or ``inf``; they count as not reachable.
- Inequality indices (:func:`gini`, :func:`lorenz`, :func:`palma`) treat ``weights`` as
  population counts: a weight of 3 means exactly the same as repeating the value three times.
  An all-zero distribution is read as perfect equality (Gini 0, Lorenz curve on the diagonal).
- A *change* is always ``new - base``; whether a negative change is good is said by ``better``.
"""

from __future__ import annotations

from sim.metrics.accessibility import DecayForm, cumulative_accessibility, gravity_accessibility
from sim.metrics.economics import (
    BUS_G_CO2_PER_KM,
    CAR_G_CO2_PER_KM,
    DIESEL_KG_CO2_PER_L,
    MOTORBIKE_G_CO2_PER_KM,
    PETROL_KG_CO2_PER_L,
    benefit_per_capex,
    co2_kg,
    fare_burden,
)
from sim.metrics.groups import Better, by_class, winners_losers
from sim.metrics.inequality import gini, lorenz, palma, quantile_ratio
from sim.metrics.stats import confidence_interval

__all__ = [
    "BUS_G_CO2_PER_KM",
    "CAR_G_CO2_PER_KM",
    "DIESEL_KG_CO2_PER_L",
    "MOTORBIKE_G_CO2_PER_KM",
    "PETROL_KG_CO2_PER_L",
    "Better",
    "DecayForm",
    "benefit_per_capex",
    "by_class",
    "co2_kg",
    "confidence_interval",
    "cumulative_accessibility",
    "fare_burden",
    "gini",
    "gravity_accessibility",
    "lorenz",
    "palma",
    "quantile_ratio",
    "winners_losers",
]
