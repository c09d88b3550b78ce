"""Where households' trips go: each segment's destinations from a doubly constrained gravity
model on the expected generalised cost of getting there, by the modes each household can use.

**Destination above mode.** The deterrence of a destination is the mode choice's logsum (Ben-
Akiva and Lerman 1985, ch. 10; the composite cost of a four-step model's distribution stage,
Ortuzar and Willumsen, *Modelling Transport*, 4th ed., 2011, ch. 6): the expected best of the
modes a household can use, in generalised minutes, with the model's own logit scale, time
weights, mode constants, fares and running costs, at its own value of time:

    C = -(1/scale) ln sum_m exp(scale (asc_m - g_m))

So a household for whom a fare is worth an hour weighs destinations by what it costs *it* to get
there, and does not choose a job an hour's walk away because a bus reaches it in 20 minutes.
Before, destinations were weighed by the fastest free-flow time by any mode (car time for a
household with a car), and a trip's mode was chosen only afterwards: a household could then walk
for an hour to a destination picked for its car or bus time.

Costs are free-flow (the reference network, no congestion) so every scenario of a city and seed
has the same destinations, and fares are the city's, without a scenario's fare subsidy. The
transit part is read on one path per zone and destination, the fastest by weighted time (the
free-flow pass has no trips, so its one routing class ignores fares), and its fares are then
charged at each group's value of time: a group that would ride a slower, cheaper path is costed
on the faster one (an approximation of the destination stage only; trips route by their class). Rows of
the gravity model are (home zone, group): households with the same vehicles, income class and
fare support share a row, costed at their group's median value of time and fare shares. Every
destination still attracts its share of all trips (doubly constrained).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from sim.choice import ChoiceParams
from sim.city import CostsSpec
from sim.demand import draw_destinations
from sim.demand_spec import SegmentSpec
from sim.modes import ALTERNATIVES
from sim.population import DestZones, Households


@dataclass(frozen=True)
class ZoneCosts:
    """Free-flow parts of each mode's generalised cost, zones x destinations: walk, car and
    motorbike minutes, car km, transit weighted minutes (in-vehicle, weighted walk and wait,
    boarding penalties) and the money of its boarding and transfer fares (full fares)."""

    walk_min: NDArray[np.float64]
    car_min: NDArray[np.float64]
    moto_min: NDArray[np.float64]
    car_km: NDArray[np.float64]
    transit_min: NDArray[np.float64]
    fare: NDArray[np.float64]
    xfare: NDArray[np.float64]

    def internal(self, n: int) -> ZoneCosts:
        """The first ``n`` destinations only."""
        return ZoneCosts(**{k: v[:, :n] for k, v in self.__dict__.items()})


@dataclass(frozen=True)
class Choosers:
    """What the households' trips of one segment pay: per household, value of time (money per
    minute), the shares of boarding and transfer fares paid, and the car and motorbike each
    trip can use."""

    vot: NDArray[np.float64]
    fare1: NDArray[np.float64]
    fare2: NDArray[np.float64]
    car: NDArray[np.bool_]
    moto: NDArray[np.bool_]


def composite_minutes(zc: ZoneCosts, params: ChoiceParams, costs: CostsSpec, *, vot: float,
                      fare1: float, fare2: float, car: bool, moto: bool) -> NDArray[np.float64]:  # fmt: skip
    """The mode choice's logsum in generalised minutes, zones x destinations, for one kind of
    household (inf where no mode reaches)."""
    asc = dict(zip(ALTERNATIVES, params.asc_vector(), strict=True))
    gen = []
    walk = np.where(
        zc.walk_min <= params.max_walk_min, params.walk_mode_weight * zc.walk_min, np.inf
    )
    gen.append((walk, asc["walk"]))
    reach = np.isfinite(zc.transit_min)
    fares = fare1 * np.where(reach, zc.fare, 0.0) + fare2 * np.where(reach, zc.xfare, 0.0)
    gen.append((np.where(reach, zc.transit_min + fares / vot, np.inf), asc["transit"]))
    if car:
        money = zc.car_km * costs.car_per_km + costs.car_parking
        gen.append((zc.car_min + money / vot, asc["car"]))
    if moto:
        money = zc.car_km * costs.motorbike_per_km + costs.motorbike_parking
        gen.append((zc.moto_min + money / vot, asc["motorbike"]))
    u = np.stack([params.scale * (a - np.where(np.isfinite(g), g, np.inf)) for g, a in gen])
    top = u.max(axis=0)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        total = np.exp(u - np.where(np.isfinite(top), top, 0.0)[None]).sum(axis=0)
        cost = -(top + np.log(total)) / params.scale
    return np.where(np.isfinite(top), cost, np.inf)


def group_of(hh: Households, ch: Choosers) -> NDArray[np.int64]:
    """Each household's group: vehicles its trips can use, income class, and whether it pays
    less than the full boarding fare (vale-transporte)."""
    vehicles = ch.car.astype(np.int64) * 2 + ch.moto.astype(np.int64)
    supported = (ch.fare1 < 1.0).astype(np.int64)
    return (vehicles * 64 + hh.income_class.astype(np.int64)) * 2 + supported


def segment_rows(hh: Households, ch: Choosers, zc: ZoneCosts, params: ChoiceParams,
                 costs: CostsSpec) -> tuple[NDArray[np.int32], NDArray[np.float64]]:  # fmt: skip
    """The gravity model's rows for one segment: each household's row, and the rows'
    composite minutes ((home zone, group) x destinations)."""
    key = group_of(hh, ch)
    groups, inverse = np.unique(key, return_inverse=True)
    n_zones = zc.walk_min.shape[0]
    blocks = []
    for g in range(groups.shape[0]):
        mine = inverse == g
        blocks.append(composite_minutes(
            zc, params, costs, vot=float(np.median(ch.vot[mine])),
            fare1=float(np.median(ch.fare1[mine])), fare2=float(np.median(ch.fare2[mine])),
            car=bool(ch.car[mine][0]), moto=bool(ch.moto[mine][0])))  # fmt: skip
    rows = (inverse * n_zones + hh.home_zone).astype(np.int32)
    return rows, np.vstack(blocks)


def draw_segments(hh: Households, zc: ZoneCosts, dest: DestZones,
                  segments: tuple[SegmentSpec, ...] | None, choosers: list[Choosers],
                  params: ChoiceParams, costs: CostsSpec, rng: np.random.Generator) -> Households:  # fmt: skip
    """Work zones (``params.gravity_beta``, costed as the first segment's trips), then every
    segment's destinations (its own beta; a first segment to jobs is the work zone).
    ``choosers`` holds one entry per segment (one for the commute when there are none); only
    internal destinations are drawn."""
    n_int = dest.n_internal
    zc = zc.internal(n_int)
    if np.any(hh.work_zone < 0):
        rows, minutes = segment_rows(hh, choosers[0], zc, params, costs)
        work = draw_destinations(rows, dest.jobs[:n_int], minutes, rng, beta=params.gravity_beta)
        hh = replace(hh, work_zone=work)
    if segments is None:
        return hh
    cols = []
    for i, seg in enumerate(segments):
        if i == 0 and seg.destinations == "jobs":
            cols.append(hh.work_zone.astype(np.int32))
            continue
        rows, minutes = segment_rows(hh, choosers[i], zc, params, costs)
        attraction = dest.attraction(seg.destinations)[:n_int]
        cols.append(draw_destinations(rows, attraction, minutes, rng, beta=seg.gravity_beta))
    return replace(hh, destinations=np.column_stack(cols).astype(np.int32))
