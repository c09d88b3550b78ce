"""A segment from the solver's current point and the exact line search along it
(:mod:`sim.equilibrium`): the objective's directional derivative with link costs held diagonal
and non-route choice costs held at their last values, zeroed by regula falsi."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.numeric import dot

if TYPE_CHECKING:
    from sim.assign import PassResult
    from sim.model import CommuteModel


def _dot(flow: NDArray[np.float64], cost: NDArray[np.float64]) -> float:
    """Sum of flow x cost over edges that carry flow (an unusable edge, of infinite cost,
    carries none)."""
    used = flow != 0
    return dot(flow[used], cost[used])


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

    def put(self, m: CommuteModel) -> None:
        """Set the model's flows and probabilities to this point (:meth:`of_model`'s inverse)."""
        m.car_flow, m.transit_flow, m.m1_flow, m.m2_flow = self.car, self.transit, self.m1, self.m2
        m.egress, m.prob = self.egress, self.prob

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


class Direction:
    """A segment from the current point, and the objective's directional derivative along it
    (link costs held diagonal; non-route choice costs held at their last values)."""

    def __init__(self, model: CommuteModel, d: Point, held: NDArray[np.float64],
                 block: NDArray[np.int64] | None = None) -> None:  # fmt: skip
        """``held``: each trip's choice minutes by alternative beside what its flow loads on
        the network, held along the segment. ``block``: the only trips whose probabilities
        ``d`` may change (a block's step), or None for any; a block's step then reads and
        moves only its rows, with the same result."""
        self.model = model
        self.d = d
        self.block = block
        p = model.params
        if block is None:
            ch = model.trips.chooses
            self.rows = np.flatnonzero(ch & (np.abs(d.prob).max(axis=1) > 0))
        else:
            ch = model.trips.chooses[block]
            self.rows = np.sort(block[ch & (np.abs(d.prob[block]).max(axis=1) > 0)])
        lin = held[self.rows]
        self.lin = np.where(np.isfinite(lin), lin, 0.0) - p.asc_vector()[None, :]
        self.w = model.trips.flow[self.rows]
        costs = model.costs
        self.fixed = _dot(d.m1, costs.fare_board) + _dot(d.m2, costs.fare_transfer) + d.egress
        dr = costs.drive
        self.car_at = dr[d.car[dr] != 0]  # the edges whose flow the segment changes
        self.transit_at = np.flatnonzero(d.transit)

    def derivative(self, lam: float) -> float:
        m, costs, p, d = self.model, self.model.costs, self.model.params, self.d
        state = costs.state(m.car_flow + lam * d.car, m.transit_flow + lam * d.transit)
        ca, ta = self.car_at, self.transit_at
        value = dot(d.car[ca], state.time_s[ca]) / 60.0
        value += dot(d.transit[ta], costs.transit_time(state)[ta]) / 60.0 + self.fixed
        if self.rows.size:
            dp = d.prob[self.rows]
            pr = m.prob[self.rows] + lam * dp
            log = np.log(np.maximum(pr, 1e-300))
            terms = np.where(dp != 0, dp * (self.lin + log / p.scale), 0.0)
            value += dot(self.w, terms.sum(axis=1))
        return value

    def step(self, tol: float = 1e-4, iterations: int = 40) -> float:
        """The step in (0, 1] where the derivative changes sign (1 if it never does), by the
        Illinois variant of regula falsi: the derivative is monotone on the segment, so the
        bracket always holds the root and shrinks to ``tol``."""
        hi_v = self.derivative(1.0)
        if hi_v <= 0:
            return 1.0
        lo_v = self.derivative(0.0)
        if lo_v >= 0:
            return 1e-9
        lo, hi, side = 0.0, 1.0, 0
        for _ in range(iterations):
            mid = (lo * hi_v - hi * lo_v) / (hi_v - lo_v)
            v = self.derivative(mid)
            if v > 0:
                hi, hi_v = mid, v
                if side == 1:
                    lo_v *= 0.5
                side = 1
            else:
                lo, lo_v = mid, v
                if side == -1:
                    hi_v *= 0.5
                side = -1
            if hi - lo <= tol * max(hi, 1e-3) or v == 0:
                break
        return max(0.5 * (lo + hi), 1e-9)

    def move(self, lam: float) -> float:
        """Move the model ``lam`` of the way; returns the largest change in a probability."""
        m, d = self.model, self.d
        m.car_flow = m.car_flow + lam * d.car
        m.transit_flow = m.transit_flow + lam * d.transit
        m.m1_flow = m.m1_flow + lam * d.m1
        m.m2_flow = m.m2_flow + lam * d.m2
        m.egress = m.egress + lam * d.egress
        if self.block is None:
            m.prob = m.prob + lam * d.prob
            return float(lam * np.abs(d.prob).max()) if d.prob.size else 0.0
        prob = m.prob.copy()  # a new array, as above: a caller may hold the old one
        prob[self.block] += lam * d.prob[self.block]
        m.prob = prob
        return float(lam * np.abs(d.prob[self.block]).max()) if self.block.size else 0.0
