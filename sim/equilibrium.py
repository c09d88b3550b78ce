"""The combined mode and route choice equilibrium, its relative gap, and a solver.

**The problem.** Each trip ``i`` (``w_i`` trips an hour) chooses among its alternatives ``a``
by multinomial logit on generalised costs ``C_ia`` (scale ``theta``, constants ``asc_a``); each
alternative's route is a least-cost path (Wardrop) on a network whose costs rise with flows
(roads by BPR, buses with the roads they run on, lines with crowding). At equilibrium the mode
probabilities are the logit of the costs the flows they load produce, and every used route is a
least-cost one.

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

**The solver** is Evans' algorithm: the auxiliary point is the logit split of each trip at
``C*`` loaded all-or-nothing on least-cost routes; the new point is on the segment to it, at the
step that zeroes the directional derivative of the (diagonalised) objective, found by bisection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.errors import ScenarioError
from sim.kernels import day as K

if TYPE_CHECKING:
    from sim.assign import PassResult
    from sim.model import CommuteModel

STARTS = ("empty", "aon")


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


@dataclass
class Convergence:
    """How a solve went: one entry per iteration."""

    relative_gap: list[float] = field(default_factory=list)
    step: list[float] = field(default_factory=list)
    prob_change: list[float] = field(default_factory=list)
    seconds: float = 0.0
    converged: bool = False
    tolerance: float = 0.0

    @property
    def iterations(self) -> int:
        return len(self.relative_gap)


def _dot(flow: NDArray[np.float64], cost: NDArray[np.float64]) -> float:
    """Sum of flow x cost over edges that carry flow (an unusable edge, of infinite cost,
    carries none)."""
    used = flow != 0
    return float(flow[used] @ cost[used])


def _route_costs(res: PassResult, moto_pce: float, pce: NDArray[np.float64]) -> NDArray:
    """Each trip's least route cost by alternative, in the units its flow loads the network
    (minutes x car units on roads; walk has no route)."""
    route = res.out.route
    out = np.zeros_like(res.out.prob)
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
    p = model.params
    out, tr = res.out, model.trips
    w = tr.flow
    prob = model.prob
    costs = model.costs
    state = costs.state(model.car_flow, model.transit_flow)
    d = costs.drive
    road_now = float(model.car_flow[d] @ state.time_s[d]) / 60.0
    route = _route_costs(res, p.moto_pce, model.trips.pce)
    used = prob > 0
    best = np.where(used, route, 0.0)
    road_best = float(w @ (best[:, K.ALT_CAR] * prob[:, K.ALT_CAR]
                           + best[:, K.ALT_MOTO] * prob[:, K.ALT_MOTO]))  # fmt: skip
    tau = costs.transit_time(state)
    transit_now = (_dot(model.transit_flow, tau) / 60.0 + _dot(model.m1_flow, costs.fare_board)
                   + _dot(model.m2_flow, costs.fare_transfer) + model.egress)  # fmt: skip
    transit_best = float(w @ (best[:, K.ALT_TRANSIT] * prob[:, K.ALT_TRANSIT]))
    choice, own = _choice_gap(model, out.skim, prob)
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
    own = float(w @ (prob * cost).sum(axis=1))
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
    return float(w[ch][ok] @ (cur[ok] - ls[ok])), own


@dataclass
class Point:
    """A point of the solver: link flows consistent with mode probabilities."""

    car: NDArray[np.float64]
    transit: NDArray[np.float64]
    m1: NDArray[np.float64]
    m2: NDArray[np.float64]
    egress: float
    prob: NDArray[np.float64]

    @staticmethod
    def of_model(m: CommuteModel) -> Point:
        return Point(m.car_flow, m.transit_flow, m.m1_flow, m.m2_flow, m.egress, m.prob)

    @staticmethod
    def of_pass(res: PassResult) -> Point:
        return Point(res.car_flow, res.transit_flow, res.m1_flow, res.m2_flow, res.egress,
                     res.out.prob)  # fmt: skip

    def minus(self, other: Point) -> Point:
        return Point(self.car - other.car, self.transit - other.transit, self.m1 - other.m1,
                     self.m2 - other.m2, self.egress - other.egress, self.prob - other.prob)  # fmt: skip

    def mix(self, other: Point, a: float) -> Point:
        """``a`` x self + (1 - a) x other."""
        b = 1.0 - a
        return Point(a * self.car + b * other.car, a * self.transit + b * other.transit,
                     a * self.m1 + b * other.m1, a * self.m2 + b * other.m2,
                     a * self.egress + b * other.egress, a * self.prob + b * other.prob)  # fmt: skip


def _hessian_product(model: CommuteModel, u: Point, v: Point) -> float:
    """u' H v with H the diagonal of the objective's Hessian at the model's point: road-link
    cost derivatives and the choice entropy's w / (theta P)."""
    costs, p = model.costs, model.params
    d = costs.drive
    slope = costs.road_slopes(model.car_flow) / 60.0
    value = float(np.sum(u.car[d] * slope * v.car[d]))
    iv, tslope = costs.transit_slopes(model.car_flow, model.transit_flow)
    value += float(np.sum(u.transit[iv] * tslope * v.transit[iv])) / 60.0
    ch = model.trips.chooses
    curv = (model.trips.flow[ch] / p.scale)[:, None] / np.maximum(model.prob[ch], 1e-6)
    return value + float(np.sum(u.prob[ch] * curv * v.prob[ch]))


class _Direction:
    """The segment from the current point to a target point, and the objective's directional
    derivative along it (link costs held diagonal; non-route choice costs at the start)."""

    def __init__(self, model: CommuteModel, res: PassResult, target: Point) -> None:
        self.model = model
        self.d = target.minus(Point.of_model(model))
        p = model.params
        route = _route_costs(res, p.moto_pce, model.trips.pce)
        ch = model.trips.chooses
        self.rows = np.flatnonzero(ch & (np.abs(self.d.prob).max(axis=1) > 0))
        skim = res.out.skim[self.rows]
        with np.errstate(invalid="ignore"):
            nonroute = np.where(np.isfinite(skim), skim - route[self.rows], 0.0)
        self.lin = nonroute - p.asc_vector()[None, :]
        self.w = model.trips.flow[self.rows]
        costs = model.costs
        self.fixed = _dot(self.d.m1, costs.fare_board) + _dot(self.d.m2, costs.fare_transfer)
        self.fixed += self.d.egress

    def derivative(self, lam: float) -> float:
        m, costs, p, d = self.model, self.model.costs, self.model.params, self.d
        state = costs.state(m.car_flow + lam * d.car, m.transit_flow + lam * d.transit)
        dr = costs.drive
        value = float(d.car[dr] @ state.time_s[dr]) / 60.0
        value += _dot(d.transit, costs.transit_time(state)) / 60.0 + self.fixed
        if self.rows.size:
            dp = d.prob[self.rows]
            pr = m.prob[self.rows] + lam * dp
            log = np.log(np.maximum(pr, 1e-300))
            terms = np.where(dp != 0, dp * (self.lin + log / p.scale), 0.0)
            value += float(self.w @ terms.sum(axis=1))
        return value

    def step(self, iterations: int = 30) -> float:
        """The step in (0, 1] where the derivative changes sign (1 if it never does)."""
        if self.derivative(1.0) <= 0:
            return 1.0
        lo, hi = 0.0, 1.0
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            if self.derivative(mid) > 0:
                hi = mid
            else:
                lo = mid
        return max(0.5 * (lo + hi), 1e-9)

    def move(self, lam: float) -> float:
        """Move the model ``lam`` of the way; returns the largest change in a probability."""
        m, d = self.model, self.d
        m.car_flow = m.car_flow + lam * d.car
        m.transit_flow = m.transit_flow + lam * d.transit
        m.m1_flow = m.m1_flow + lam * d.m1
        m.m2_flow = m.m2_flow + lam * d.m2
        m.egress = m.egress + lam * d.egress
        m.prob = m.prob + lam * d.prob
        return float(lam * np.abs(d.prob).max()) if d.prob.size else 0.0


@dataclass
class _Targets:
    """The last two targets and steps, for (bi)conjugate directions."""

    s1: Point | None = None
    s2: Point | None = None
    tau1: float = 1.0
    tau2: float = 1.0

    def push(self, target: Point, step: float) -> None:
        self.s2, self.tau2 = self.s1, self.tau1
        self.s1, self.tau1 = target, step


def _biconjugate(model: CommuteModel, aux: Point, past: _Targets) -> Point:
    """Bi-conjugate Frank-Wolfe target (Mitradjieva and Lindberg, 2013): the combination of
    today's auxiliary point and the last two targets whose direction is conjugate to the last
    two with respect to the Hessian's diagonal (plain Frank-Wolfe after a full step)."""
    if past.s1 is None or past.s2 is None or past.tau1 >= 1.0 or past.tau2 >= 1.0:
        return aux
    here = Point.of_model(model)
    t1 = past.tau1
    step = aux.minus(here)
    a = past.s1.mix(past.s2, t1).minus(here)
    den = _hessian_product(model, a, past.s2.minus(past.s1))
    if den == 0:
        return aux
    mu = max(0.0, -_hessian_product(model, a, step) / den)
    b = past.s1.minus(here)
    den = _hessian_product(model, b, b)
    if den == 0:
        return aux
    nu = max(0.0, mu * t1 / (1.0 - t1) - _hessian_product(model, b, step) / den)
    beta0 = 1.0 / (1.0 + nu + mu)
    return aux.mix(past.s1, beta0 / (beta0 + nu * beta0)).mix(past.s2, beta0 + nu * beta0)


def _start(model: CommuteModel, start: str) -> None:
    """Load the first point: the logit split (``empty``) or every trip's single best
    alternative (``aon``) at free-flow costs, all or nothing."""
    if start not in STARTS:
        raise ScenarioError(f"`start` must be one of {', '.join(STARTS)}, not {start!r}")
    model.reset()
    if start == "empty":
        res = model.run_pass()
    else:
        res = model.run_pass(dynamic=True, taste=np.zeros_like(model.taste))
        model.perceived[:] = np.nan
    model.car_flow, model.transit_flow = res.car_flow, res.transit_flow
    model.m1_flow, model.m2_flow = res.m1_flow, res.m2_flow
    model.egress = res.egress
    model.prob = res.out.prob.copy()


def solve(
    model: CommuteModel,
    *,
    tol: float | None = None,
    max_iterations: int | None = None,
    start: str = "empty",
    progress: bool = False,
) -> Convergence:
    """Iterate until the relative gap is below ``tol`` (default ``params.gap_tolerance``) or
    ``max_iterations`` (default ``params.max_iterations``) passes have run.

    The model ends at the last point, with ``model.last`` the pass at its costs (so every
    per-trip output is evaluated at the returned flows) and ``model.relative_gap`` its gap.
    """
    from tqdm.auto import tqdm

    tol = model.params.gap_tolerance if tol is None else tol
    limit = model.params.max_iterations if max_iterations is None else max_iterations
    t0 = time.perf_counter()
    conv = Convergence(tolerance=tol)
    _start(model, start)
    past = _Targets()
    bar = tqdm(total=limit, desc="equilibrium", unit="it", disable=not progress, leave=False)
    for _ in range(limit):
        res = model.run_pass()
        gap = relative_gap(model, res)
        model.last = res
        model.relative_gap = gap.relative
        conv.relative_gap.append(gap.relative)
        model.datacollector.collect(model)
        bar.update()
        bar.set_postfix(gap=f"{gap.relative:.2e}")
        if gap.relative <= tol:
            conv.converged = True
            break
        target = _biconjugate(model, Point.of_pass(res), past)
        direction = _Direction(model, res, target)
        lam = direction.step()
        past.push(target, lam)
        conv.step.append(lam)
        conv.prob_change.append(direction.move(lam))
        model.prob_change = conv.prob_change[-1]
    bar.close()
    model.iterations = conv.iterations
    model.mode = model.reported_mode()
    conv.seconds = time.perf_counter() - t0
    return conv
