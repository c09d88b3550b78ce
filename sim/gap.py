"""The relative gap of the combined mode and route choice equilibrium (:mod:`sim.equilibrium`).

**The gap** (Evans, 1976; Bar-Gera and Boyce, 2003; Sheffi, 1985, ch. 7): with current link
flows ``x`` consistent with current mode probabilities ``P`` and, at the costs ``c(x)``,
least route costs ``R*_ia`` and least generalised costs ``C*_ia``,

    G = [sum_l x_l c_l(x) - sum_ia w_i P_ia R*_ia]                          (route choice)
      + sum_i w_i [sum_a P_ia (C*_ia - asc_a + ln(P_ia) / theta) - LS_i]   (mode choice)

with ``LS_i = -(1/theta) ln sum_a exp(theta (asc_a - C*_ia))``, the expected least cost. The
first bracket is >= 0 because every route is at least as costly as the least one; the second
because the logit probabilities minimise ``sum_a P_a (C_a - asc_a + ln(P_a) / theta)`` over all
probability vectors (Gibbs' inequality). ``G`` is 0 exactly at equilibrium. It is the gap of
Evans' partially linearised problem: the current objective minus its minimum with link costs
held at ``c(x)``. The *relative gap* divides it by the total generalised cost of current choices.
Transit routes are compared within routing classes (each with its own money weight), roads by
time; fixed streams (external traffic) enter the route part only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.kernels import day as K
from sim.line_search import _dot
from sim.numeric import dot

if TYPE_CHECKING:
    from sim.assign import PassResult
    from sim.model import CommuteModel


@dataclass(frozen=True)
class Gap:
    """The gap's parts (trip-minutes per hour) and the relative gap."""

    road: float  # route choice on roads
    transit: float  # route choice on transit
    choice: float  # mode choice
    total_cost: float  # generalised minutes of current choices

    @property
    def absolute(self) -> float:
        return self.road + self.transit + self.choice

    @property
    def relative(self) -> float:
        return self.absolute / self.total_cost if self.total_cost > 0 else float("nan")


def route_costs(route: NDArray[np.float64], like: NDArray[np.float64], moto_pce: float,
                 pce: NDArray[np.float64]) -> NDArray[np.float64]:  # fmt: skip
    """Each trip's least route cost by alternative, in the units its flow loads the network
    (minutes x car units on roads; walk has no route), from the kernel's ``route`` columns
    (0: transit, 1: one car unit on the road)."""
    out = np.zeros_like(like)
    out[:, K.ALT_TRANSIT] = route[:, 0]
    out[:, K.ALT_CAR] = pce * route[:, 1]
    out[:, K.ALT_MOTO] = moto_pce * route[:, 1]
    return out


def _logsum(util: NDArray[np.float64]) -> NDArray[np.float64]:
    """ln sum exp over rows of utilities (-inf where unavailable); -inf for an empty row."""
    top = util.max(axis=1)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.exp(util - safe[:, None]).sum(axis=1))


def relative_gap(model: CommuteModel, res: PassResult) -> Gap:
    """The gap of the model's current flows and probabilities, from a pass at their costs."""
    return gap_of(model, res.out.route, res.out.skim)


def gap_of(model: CommuteModel, least_route: NDArray[np.float64],
           skim: NDArray[np.float64]) -> Gap:  # fmt: skip
    """The gap of the model's current flows and probabilities, given every trip's least route
    costs (the kernel's ``route``: transit, one car unit) and least costs by alternative
    (``skim``) at their costs."""
    p = model.params
    tr = model.trips
    w = tr.flow
    prob = model.prob
    costs = model.costs
    state = costs.state(model.car_flow, model.transit_flow)
    d = costs.drive
    road_now = dot(model.car_flow[d], state.time_s[d]) / 60.0
    route = route_costs(least_route, prob, p.moto_pce, model.trips.pce)
    used = prob > 0
    best = np.where(used, route, 0.0)
    road_best = dot(w, best[:, K.ALT_CAR] * prob[:, K.ALT_CAR]
                    + best[:, K.ALT_MOTO] * prob[:, K.ALT_MOTO])  # fmt: skip
    tau = costs.transit_time(state)
    transit_now = (_dot(model.transit_flow, tau) / 60.0 + _dot(model.m1_flow, costs.fare_board)
                   + _dot(model.m2_flow, costs.fare_transfer) + model.egress)  # fmt: skip
    transit_best = dot(w, best[:, K.ALT_TRANSIT] * prob[:, K.ALT_TRANSIT])
    choice, own = _choice_gap(model, skim, prob)
    route_gap = (road_now - road_best) + (transit_now - transit_best)
    return Gap(
        road=road_now - road_best,
        transit=transit_now - transit_best,
        choice=choice,
        total_cost=own + max(route_gap, 0.0),
    )


def _choice_gap(model: CommuteModel, skim: NDArray[np.float64],
                prob: NDArray[np.float64]) -> tuple[float, float]:  # fmt: skip
    """Mode-choice part of the gap, and the generalised minutes of current choices."""
    p, tr = model.params, model.trips
    w = tr.flow
    asc = p.asc_vector()[None, :]
    used = prob > 0
    cost = np.where(used, skim, 0.0)
    own = dot(w, (prob * cost).sum(axis=1))
    ch = tr.chooses
    if not ch.any():
        return 0.0, own
    util = np.where(np.isfinite(skim[ch]), p.scale * (asc - skim[ch]), -np.inf)
    ls = -_logsum(util) / p.scale
    pr = prob[ch]
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = np.where(pr > 0, pr * np.log(np.where(pr > 0, pr, 1.0)), 0.0)
    cur = (pr * np.where(pr > 0, skim[ch] - asc, 0.0)).sum(axis=1) + ent.sum(axis=1) / p.scale
    ok = np.isfinite(ls)
    return dot(w[ch][ok], cur[ok] - ls[ok]), own
