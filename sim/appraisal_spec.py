"""The ``[appraisal]`` table of a city bundle: the conventions a cost-benefit appraisal follows.

Every number carries its source (or the word "assumption") in a sibling ``*_source`` field, so
a report can print where it came from. The table is read by :func:`sim.city.load_city` and used
by :mod:`sim.appraisal`; this module imports nothing heavier than the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sim.constants import TRIPS_PER_MONTH
from sim.errors import ScenarioError

#: Weekday-equivalents a year when a run records no city appraisal book: the 22 working days a
#: month behind the monthly burdens (:data:`sim.constants.TRIPS_PER_MONTH` = 2 x 22), x 12
#: (an assumption: 264).
DEFAULT_DAYS_PER_YEAR = 12 * TRIPS_PER_MONTH / 2
#: The rule, in words (the report and the README print it).
ANNUALISATION_RULE = (
    "a peak-hour quantity x 2 x days_per_year: the modelled morning peak hour and its mirror, "
    "the evening return, on the year's weekday-equivalents; off-peak trips are not claimed"
)


def peak_hours_a_year(days_per_year: float) -> float:
    """THE annualisation of Ladera: peak-hour equivalents in a year, ``2 x days_per_year``.

    The model represents each household's trips of the modelled (morning) peak hour; each is
    made there and back, the return in the mirrored evening peak, on ``days_per_year``
    weekday-equivalents. Every peak-hour quantity (user benefit, fares, vehicle-km, CO2) times
    this is a yearly one: the appraisal, the comparison's "yearly user benefit" and the bottom
    line all use it. Trips outside the two peak hours are not claimed (UK TAG unit A1.1 and
    M3.1 annualise only the modelled periods).
    """
    if not (math.isfinite(days_per_year) and 0 < days_per_year <= 366):
        raise ValueError(f"`days_per_year` must be in (0, 366], not {days_per_year}")
    return 2.0 * float(days_per_year)


def annualisation_words(days_per_year: float) -> str:
    """The rule in words with its numbers, for reports: "2 x 300 = 600 peak hours (...)"."""
    factor = peak_hours_a_year(days_per_year)
    return (f"2 x {days_per_year:,.0f} = {factor:,.0f} peak hours (the modelled "
            "morning peak hour and its mirror, the evening return, on the year's "
            "weekday-equivalents; off-peak trips are not claimed)")  # fmt: skip


def days_per_year_of(summary: Mapping[str, Any]) -> float:
    """The weekday-equivalents a year of a run: its city book's ``days_per_year`` (recorded in
    the run's ``summary.json`` as ``appraisal_inputs``), else :data:`DEFAULT_DAYS_PER_YEAR`."""
    book = summary.get("appraisal_inputs")
    days = book.get("days_per_year") if isinstance(book, Mapping) else None
    if isinstance(days, int | float) and math.isfinite(days) and 0 < days <= 366:
        return float(days)
    return DEFAULT_DAYS_PER_YEAR


@dataclass(frozen=True)
class AppraisalSpec:
    """Appraisal conventions of a city, in its currency and prices (``currency``,
    ``price_year``; both must match the bundle's ``currency`` and ``currency_year``).

    A peak-hour quantity becomes a yearly one by :func:`peak_hours_a_year` of
    ``days_per_year`` (the standard; ``annualisation_source`` says why).
    ``peak_hour_share`` (the modelled hour's share of a weekday's trips) serves only the
    labelled "whole day" sensitivity variant, ``days_per_year / peak_hour_share``, which also
    claims every off-peak trip at the peak hour's benefit.
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
    annualisation_source: str = ""  # why a peak-hour quantity times 2 x days_per_year

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
        """Peak-hour equivalents in a year, the standard: :func:`peak_hours_a_year`."""
        return peak_hours_a_year(self.days_per_year)

    @property
    def whole_day_factor(self) -> float:
        """The "whole day" sensitivity variant: ``days_per_year / peak_hour_share`` (every
        trip of a weekday at the peak hour's benefit; not the standard)."""
        return self.days_per_year / self.peak_hour_share

    @property
    def co2_value(self) -> float:
        """Value of a tonne of CO2 in the city's currency."""
        return self.co2_usd_per_t * self.usd_rate
