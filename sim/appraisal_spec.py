"""The ``[appraisal]`` table of a city bundle: the conventions a cost-benefit appraisal follows.

Every number carries its source (or the word "assumption") in a sibling ``*_source`` field, so
a report can print where it came from. The table is read by :func:`sim.city.load_city` and used
by :mod:`sim.appraisal`; this module imports nothing heavier than the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from sim.errors import ScenarioError


@dataclass(frozen=True)
class AppraisalSpec:
    """Appraisal conventions of a city, in its currency and prices (``currency``,
    ``price_year``; both must match the bundle's ``currency`` and ``currency_year``).

    The modelled peak hour becomes a year with ``days_per_year / peak_hour_share``: the hour
    holds ``peak_hour_share`` of a weekday's trips and a year as many weekday-equivalents as
    ``days_per_year``. The same factor turns every peak-hour quantity (user benefit, fares,
    vehicle-km) into a yearly one.
    """

    discount_rate: float
    discount_rate_source: str
    period_years: int  # years of operation appraised, after construction
    period_source: str
    price_year: int
    currency: str
    peak_hour_share: float  # share of a weekday's trips in the modelled peak hour
    peak_hour_share_source: str
    days_per_year: float  # weekday-equivalents in a year
    days_per_year_source: str
    co2_usd_per_t: float  # social cost of carbon, US$ per tonne CO2
    co2_source: str
    usd_rate: float  # city currency per US$ in the price year
    usd_rate_source: str
    g_co2_per_vkm: dict[str, float] = field(default_factory=dict)  # car, motorbike, bus
    emission_source: str = ""
    cable_om_per_km_year: float = 0.0  # default O&M of a cable line, city currency / km / year
    cable_om_source: str = ""
    asset_life_years: dict[str, float] = field(default_factory=dict)  # by intervention type
    asset_life_source: str = ""
    standard_vot: Literal["own", "equity"] = "own"
    standard_vot_source: str = ""
    distributional_weights: dict[str, float] = field(default_factory=dict)  # class -> weight
    inequality_aversion: float | None = None  # weights (mean income / class income) ** e
    weights_source: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.discount_rate) and 0 <= self.discount_rate < 1):
            raise ScenarioError("`appraisal.discount_rate` must be in [0, 1) (e.g. 0.085)")
        if not 1 <= self.period_years <= 100:
            raise ScenarioError("`appraisal.period_years` must be between 1 and 100")
        if not 0 < self.peak_hour_share <= 1:
            raise ScenarioError("`appraisal.peak_hour_share` must be in (0, 1]")
        if not 0 < self.days_per_year <= 366:
            raise ScenarioError("`appraisal.days_per_year` must be in (0, 366]")
        for key in ("co2_usd_per_t", "usd_rate", "cable_om_per_km_year"):
            value = getattr(self, key)
            if not (math.isfinite(value) and value >= 0):
                raise ScenarioError(f"`appraisal.{key}` must be a number >= 0")
        for table in ("g_co2_per_vkm", "asset_life_years", "distributional_weights"):
            for key, value in getattr(self, table).items():
                if not (math.isfinite(value) and value >= 0):
                    raise ScenarioError(f"`appraisal.{table}.{key}` must be a number >= 0")
        unknown = set(self.g_co2_per_vkm) - {"car", "motorbike", "bus"}
        if unknown:
            raise ScenarioError(f"`appraisal.g_co2_per_vkm`: unknown mode(s) {sorted(unknown)}; "
                                "allowed: car, motorbike, bus")  # fmt: skip
        if any(v <= 0 for v in self.asset_life_years.values()):
            raise ScenarioError("`appraisal.asset_life_years` must be > 0")
        if self.inequality_aversion is not None and not 0 <= self.inequality_aversion <= 5:
            raise ScenarioError("`appraisal.inequality_aversion` must be between 0 and 5")
        if self.inequality_aversion is not None and self.distributional_weights:
            raise ScenarioError("`appraisal`: give `distributional_weights` or "
                                "`inequality_aversion`, not both")  # fmt: skip

    @property
    def annualisation_factor(self) -> float:
        """Peak hours in a year: ``days_per_year / peak_hour_share``."""
        return self.days_per_year / self.peak_hour_share

    @property
    def co2_value(self) -> float:
        """Value of a tonne of CO2 in the city's currency."""
        return self.co2_usd_per_t * self.usd_rate
