"""Behaviour from evidence: values of time from earnings per worker, the vale-transporte, and the
literature's logit scale and time weights.

**Logit scale and time weights** (the defaults of :class:`sim.choice.ChoiceParams`; utility is
``scale x (asc - generalised minutes)``, so the scale is the in-vehicle time coefficient):

- :data:`LOGIT_SCALE` 0.03 per in-vehicle minute. Published home-based-work mode choice models
  estimate -0.0248 per in-vehicle minute (OKI/MVRPC Travel Demand Model v6.0, Cincinnati,
  home-based work: "U = -0.0248 * in-vehicle time + -0.0876 * (walk time) + -0.0409 * first
  wait time + -0.0461 * transfer wait time ..."); the evidence dossier's range for a Brazilian
  city is -0.03 to -0.05 (an assumption there). 0.03 is inside both and gives a short-run fare
  elasticity of transit demand inside Bly's (1976, TRRL LR 733) "typical mean value of -0.3 in a
  range from -0.1 to -0.6" (checked, not fitted, by ``ladera validate``).
- :data:`WALK_WEIGHT` 1.6 and :data:`WAIT_WEIGHT` 1.7 in-vehicle minutes per minute. Abrantes
  & Wardman (2011, Transportation Research A 45(1), meta-analysis of 1,749 UK valuations): "The
  ratio between walk and wait time and in-vehicle time was found to be substantially lower than
  the commonly used value of two"; an older textbook summary put them at "two to four times"
  line-haul time (davidpritchard.org/sustrans/MilHam89, pp. 260-261). 1.6 and 1.7 are below two
  as the recent meta-analysis says; the OKI model above has 0.0409 / 0.0248 = 1.65 for first
  waits.
- :data:`WALK_MODE_WEIGHT` 3.1 in-vehicle minutes per minute of walking the whole way. A walk
  to a stop and a walk to work are not the same minute: SimMobility's mode choice for work
  tours to the usual location (Singapore; Li and Loganathan, smart-fm/simmobility-prod,
  ``scripts/lua/mid/behavior_vc/tmw.lua``, an estimated MNL) has -2.21 per hour of walking as
  the mode, -1.37 per hour of walking to and from public transport and -0.717 per hour in the
  bus: the walk mode's minute is 3.1 in-vehicle minutes (2.21 / 0.717), the access walk's 1.9.
  This is what makes walking's share fall with distance; with walking at 1.6 a 60-minute walk
  stayed as likely as a third of short ones, against everyday experience and issue 12's bound.
- :data:`BOARDING_PENALTY_MIN` 5 in-vehicle minutes per boarding (assumption of the evidence
  dossier, section 10: "transfer penalty 5 IVT-min per boarding"; no quotable source).

**Values of time** (:func:`values_of_time`), per trip row, in money per minute:

- a worker's trips to work: ``vot_share_of_wage x earnings per worker / hours_per_month / 60``
  ("Commuters typically value travel time in line haul vehicles at between one-third and
  one-half their wage rates", davidpritchard.org/sustrans/MilHam89, pp. 260-261);
  earnings per worker (:func:`earnings_per_worker`) are the household's income (income per
  person x persons per household where the bundle's figures are per person) times the labour
  share of household income, over the household's workers (employed per resident x persons
  per household);
- everyone else's trips (school, university, other): the same share of the household's income
  per person per working hour: they earn no wage, and each member commands that income.

**Vale-transporte** (Decreto 95.247/1987, art. 9: the worker pays "6% (seis por cento) de seu
salário básico", the employer "no que exceder"; :func:`vale_transporte_share`): a formal worker
whose month of fares ``M`` (``vt_trips_per_month`` trips at ``vt_reference_fare``) exceeds
``vt_cap_share x wage`` pays ``vt_cap_share x wage`` a month whatever he rides. Rule: each of his
work trips pays the share ``s = min(1, vt_cap_share x wage / M)`` of its boarding fares (his
monthly payment spread over his trips, so choosing transit costs him what it costs), and none
of an integrated transfer's top-up when ``s < 1`` (a marginal fare above the cap is the
employer's); a worker under the cap (``s = 1``) pays every fare. Which households' workers are
formal is drawn once per household from ``formal_share_by_class`` (from the seed's own stream,
so every scenario of a seed has the same formal workers).

Every number of a city's ``[behaviour]`` table carries its source in ``[behaviour.sources]``,
or the word "assumption" (checked on load).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.constants import HOURS_PER_MONTH, TRIPS_PER_MONTH
from sim.demand_spec import persons_per_household
from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.city import City
    from sim.demand import Trips
    from sim.population import Households

LOGIT_SCALE = 0.03
WALK_WEIGHT = 1.6
WALK_MODE_WEIGHT = 3.1
WAIT_WEIGHT = 1.7
BOARDING_PENALTY_MIN = 5.0

#: The literature parameters above with their status, for the parameter count of a validation.
LITERATURE = {
    "choice.scale": "sourced: OKI/MVRPC v6.0 HBW in-vehicle coefficient -0.0248/min; range check on Bly (1976) fare elasticities",
    "choice.walk_weight": "sourced: Abrantes & Wardman (2011), walk/wait ratios 'substantially lower than ... two'",
    "choice.walk_mode_weight": "sourced: SimMobility (Singapore) work-tour mode choice, walk-mode time -2.21/h over bus in-vehicle time -0.717/h = 3.1",
    "choice.wait_weight": "sourced: Abrantes & Wardman (2011); OKI/MVRPC v6.0 first wait 0.0409/0.0248 = 1.65",
    "choice.boarding_penalty_min": "assumption: evidence dossier section 10, 5 in-vehicle minutes a boarding",
}  # fmt: skip

#: Peak segments treated as trips to work (a worker's wage values their time).
WORK = "work"


@dataclass(frozen=True)
class BehaviourSpec:
    """A city's ``[behaviour]`` table: what turns its incomes into values of time and fares."""

    vot_share_of_wage: float = 0.5
    vot_share_non_work: float = 0.5
    labour_share_of_income: float = 1.0
    hours_per_month: float = HOURS_PER_MONTH
    formal_share_by_class: tuple[float, ...] = ()
    vt_cap_share: float = 0.06
    vt_reference_fare: float = 0.0
    vt_trips_per_month: float = TRIPS_PER_MONTH
    work_segment: str = WORK
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in ("vot_share_of_wage", "vot_share_non_work", "labour_share_of_income",
                    "hours_per_month", "vt_trips_per_month"):  # fmt: skip
            if not getattr(self, key) > 0:
                raise ScenarioError(f"`behaviour.{key}` must be > 0")
        if not 0 < self.labour_share_of_income <= 1 or not 0 <= self.vt_cap_share <= 1:
            raise ScenarioError("`behaviour.labour_share_of_income` must be in (0, 1] and "
                                "`behaviour.vt_cap_share` in [0, 1]")  # fmt: skip
        if any(not 0 <= s <= 1 for s in self.formal_share_by_class):
            raise ScenarioError("`behaviour.formal_share_by_class`: shares in [0, 1]")
        if self.formal_share_by_class and not self.vt_reference_fare > 0:
            raise ScenarioError("`behaviour.vt_reference_fare` must be > 0 when formal workers "
                                "have the vale-transporte")  # fmt: skip
        numbers = [f.name for f in fields(self) if f.name not in ("sources", "work_segment")]
        missing = [k for k in numbers if not self.sources.get(k, "").strip()]
        if missing:
            raise ScenarioError(f"`behaviour.sources` must cite every number (or say "
                                f"\"assumption\" and why); missing: {', '.join(missing)}")  # fmt: skip
        unknown = sorted(set(self.sources) - set(numbers))
        if unknown:
            raise ScenarioError(f"`behaviour.sources` has unknown keys {unknown}; allowed: "
                                f"{', '.join(numbers)}")  # fmt: skip


# ------------------------------------------------------------------------------ values of time
def workers_per_household(city: City) -> float:
    """Employed residents per household: the work segment's ``per_person`` x persons per
    household (1 for a city without a ``[demand]`` table: one commuter per household)."""
    demand = city.demand
    spec = city.behaviour
    if demand is None:
        return 1.0
    name = spec.work_segment if spec else WORK
    for seg in demand.segments:
        if seg.name == name:
            return max(seg.per_person * demand.persons_per_household, 1e-9)
    return 1.0


def household_income(city: City, income: NDArray[np.float64]) -> NDArray[np.float64]:
    """Monthly household income from the bundle's figures (per person or per household)."""
    return income * persons_per_household(city) if city.income.per == "person" else income


def income_per_person(city: City, income: NDArray[np.float64]) -> NDArray[np.float64]:
    return income if city.income.per == "person" else income / persons_per_household(city)


def earnings_per_worker(city: City, income: NDArray[np.float64]) -> NDArray[np.float64]:
    """Monthly earnings of each household's workers: household income x labour share over its
    workers (see the module docstring)."""
    spec = city.behaviour or BehaviourSpec(sources=_ALL_ASSUMED)
    return (
        household_income(city, income) * spec.labour_share_of_income / workers_per_household(city)
    )


def worker_vot(city: City, income: NDArray[np.float64], vot_factor: float = 1.0) -> NDArray:
    """Value of time of each household's workers on their way to work, money per minute.

    A city without a ``[behaviour]`` table keeps the former rule: ``vot_factor`` x the bundle's
    income per :data:`HOURS_PER_MONTH` hours."""
    spec = city.behaviour
    if spec is None:
        return vot_factor * income / HOURS_PER_MONTH / 60.0
    wage = earnings_per_worker(city, income)
    return vot_factor * spec.vot_share_of_wage * wage / spec.hours_per_month / 60.0


def non_worker_vot(city: City, income: NDArray[np.float64], vot_factor: float = 1.0) -> NDArray:
    """Value of time of trips other than to work: the share of income per person per hour."""
    spec = city.behaviour
    if spec is None:
        return vot_factor * income / HOURS_PER_MONTH / 60.0
    per_person = income_per_person(city, income)
    return vot_factor * spec.vot_share_non_work * per_person / spec.hours_per_month / 60.0


def vale_transporte_share(wage: NDArray[np.float64], spec: BehaviourSpec) -> NDArray[np.float64]:
    """Share of his boarding fares a formal worker pays: ``min(1, cap x wage / month's fares)``."""
    month = spec.vt_trips_per_month * spec.vt_reference_fare
    return np.minimum(1.0, spec.vt_cap_share * np.asarray(wage, float) / month)


def formal_workers(hh: Households, spec: BehaviourSpec, seed: int) -> NDArray[np.bool_]:
    """Whether each household's workers are formal (hold the vale-transporte), drawn from the
    seed's own stream (the third child of ``SeedSequence(seed)``: the population and the
    tastes use the first two)."""
    shares = np.asarray(spec.formal_share_by_class, float)
    if shares.size == 0:
        return np.zeros(hh.n, bool)
    klass = np.asarray(hh.income_class, np.int64)
    if klass.size and (klass.min() < 1 or klass.max() > shares.size):
        raise ScenarioError(f"`behaviour.formal_share_by_class` has {shares.size} shares but "
                            f"the households have classes up to {klass.max()}")  # fmt: skip
    from sim.sampling import systematic  # not at import: reading a city bundle loads no scipy

    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
    return systematic(shares[klass - 1], hh.home_zone, rng)  # each zone's expected number


def resident_behaviour(city: City, hh: Households, trips: Trips, *, seed: int,
                       vot_factor: float = 1.0) -> Trips:  # fmt: skip
    """Residents' trips with each segment's value of time, and work trips' fare shares under the
    vale-transporte (unchanged for a city without a ``[behaviour]`` table)."""
    spec = city.behaviour
    if spec is None or trips.n == 0:
        return trips
    row = trips.household
    income = hh.income[row]
    work = trips.segment_names() == spec.work_segment
    vot = np.where(work, worker_vot(city, income, vot_factor),
                   non_worker_vot(city, income, vot_factor))  # fmt: skip
    fare1, fare2 = trips.fare1.copy(), trips.fare2.copy()
    formal = formal_workers(hh, spec, seed)[row] & work
    if formal.any():
        share = vale_transporte_share(earnings_per_worker(city, income[formal]), spec)
        fare1[formal] *= share
        fare2[formal] *= np.where(share < 1.0, 0.0, 1.0)
    return replace(trips, vot=vot, fare1=fare1, fare2=fare2)


_ALL_ASSUMED = {f: "assumption" for f in ("vot_share_of_wage", "vot_share_non_work",
                                          "labour_share_of_income", "hours_per_month",
                                          "formal_share_by_class", "vt_cap_share",
                                          "vt_reference_fare", "vt_trips_per_month")}  # fmt: skip


# ------------------------------------------------------------------------------ ownership
def shift_probability(p: NDArray[np.float64], shift: float) -> NDArray[np.float64]:
    """``p`` moved by ``shift`` on the logit scale (0 leaves it unchanged)."""
    p = np.clip(np.asarray(p, float), 1e-9, 1 - 1e-9)
    return 1.0 / (1.0 + np.exp(-(np.log(p / (1 - p)) + shift)))


def fit_shift(p: NDArray[np.float64], target: float, *, tol: float = 1e-10) -> float:
    """The logit shift making the mean of ``p`` equal ``target`` (bisection; the mean rises
    monotonically with the shift)."""
    if not 0 < target < 1:
        raise ScenarioError(f"an ownership target must be in (0, 1), not {target}")
    lo, hi = -20.0, 20.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if shift_probability(p, mid).mean() < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
