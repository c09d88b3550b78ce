"""The combined mode and route choice equilibrium and its solver (the gap: :mod:`sim.gap`).

**The problem.** Each trip ``i`` (``w_i`` trips an hour) chooses among its alternatives ``a``
by multinomial logit on generalised costs ``C_ia`` (scale ``theta``, constants ``asc_a``); each
alternative's route is a least-cost path (Wardrop) on a network whose costs rise with flows
(roads by BPR, buses with the roads they run on, lines with crowding). At equilibrium the mode
probabilities are the logit of the costs the flows they load produce, and every used route is a
least-cost one.

**The solver** is column generation with gradient projection (Jayakrishnan et al., 1994;
Bar-Gera, 2002). Each iteration grows shortest-path trees at the current costs and keeps them
as columns (:mod:`sim.columns`); a trip's flow on columns whose paths from its origin are equal
is merged onto one, and columns nobody uses are dropped. Then the trips move in a Gauss-Seidel
sweep by blocks of destinations: each block's trips shift flow from dearer columns to their
cheapest (Newton-scaled by the slopes of the links one path uses and the other does not) and
their mode probabilities toward the logit of the cheapest columns,
with an exact line search on the block's step; link costs are updated before the next block
moves. A Jacobi step of every trip at once (``blocks=1``) stalls near a gap of 3e-3 on Porto
Alegre: one line search for all trips is held back by the few that share crowded links.
Before them, road sweeps (:mod:`sim.kernels.roads`) move each trip's car flow by its own
Newton step, trip by trip, the road times updated as it moves. A trip chooses on its cheapest
columns charged as a full pass charges its paths (a motorbike its share of the car's delay,
transit fares at the trip's own money weights); only minutes no route changes are held from
the first pass, so the full pass that confirms the gap measures what the columns measure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.errors import ScenarioError
from sim.gap import Gap, gap_of, relative_gap, route_costs
from sim.kernels import day as K
from sim.line_search import Direction, Point
from sim.solver_settings import (
    CURVATURE,
    ROAD_SWEEPS,
    SLOPE_FLOOR,
    SWEEPS,
    WARM_MIN_SHARE,
    default_blocks,
)
from sim.warm import WarmState, adopt, capture

if TYPE_CHECKING:
    from sim.assign import EdgeState, PassResult
    from sim.columns import Columns
    from sim.model import CommuteModel

STARTS = ("empty", "aon")


@dataclass
class Convergence:
    """How a solve went: one entry per iteration."""

    relative_gap: list[float] = field(default_factory=list)
    step: list[float] = field(default_factory=list)
    prob_change: list[float] = field(default_factory=list)
    seconds: float = 0.0
    converged: bool = False
    tolerance: float = 0.0
    final_gap: float = float("nan")  # the gap of the point the model ends at
    warm_from: int = 0  # iterations of the point it started from (another scenario's)
    warm_start: dict = field(default_factory=dict)  # what the warm start carried over
    averaged: int = 0  # the last points whose mean the model ends at (0: the last alone)

    @property
    def iterations(self) -> int:
        return len(self.relative_gap)


def nonroute_costs(model: CommuteModel, res: PassResult, columns: Columns, kcosts: K.Costs,
                   params: K.Params) -> NDArray[np.float64]:  # fmt: skip
    """Each trip's minutes of each alternative that do not depend on its route (access walks,
    parking, running costs): the pass's generalised minutes ``res`` less what the columns
    charge for the route (:func:`sim.kernels.columns.master`), the columns being the trees of
    the pass's costs ``kcosts`` (so each trip's cheapest column is the pass's path); inf where
    unavailable."""
    nothing = np.zeros((model.trips.n, K.N_ALT))
    dirn = columns.direction(kcosts, np.zeros(model.blocks.n_slots), params, nothing,
                             model.prob, shares_only=True)  # fmt: skip
    route = columns.choice_costs.copy()
    columns.clear(dirn)
    skim = res.out.skim
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(skim) & np.isfinite(route), skim - route, np.inf)


def _first_columns(model: CommuteModel, first: PassResult, kfirst: K.Costs, params: K.Params,
                   iterations: int) -> tuple[Columns, NDArray[np.float64]]:  # fmt: skip
    """The first pass's trees as columns (``kfirst``: its costs), every trip's flow on them by
    the pass's probabilities, and the trips' non-route minutes (:func:`nonroute_costs`); room
    for the trees of a solve of ``iterations`` iterations (:func:`sim.columns.room_for`)."""
    from sim.columns import Columns, room_for

    columns = Columns(model, room_for(iterations))
    columns.add(kfirst, params)
    columns.start_from(first.out.prob)
    return columns, nonroute_costs(model, first, columns, kfirst, params)


def _held(model: CommuteModel, columns: Columns, rows: NDArray[np.int64] | None
          ) -> NDArray[np.float64]:  # fmt: skip
    """Each trip's choice minutes by alternative beside what its flow loads on the network at
    the last direction's costs (held during a line search: a motorbike's share of the car's
    delay, transit fares at the trip's own money weights and the non-route minutes); of
    ``rows`` only (inf elsewhere), or of every trip with None."""
    r = slice(None) if rows is None else rows
    skim = columns.choice_costs[r]
    load = route_costs(columns.last_least(r), skim, model.params.moto_pce, model.trips.pce[r])
    held = np.full(columns.choice_costs.shape, np.inf)
    with np.errstate(invalid="ignore"):
        held[r] = np.where(np.isfinite(skim), skim - load, np.inf)
    return held


def _start(model: CommuteModel, start: str) -> PassResult:
    """Load the first point: the logit split (``empty``) or every trip's single best
    alternative (``aon``) at free-flow costs, all or nothing. Returns the free-flow pass."""
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
    return res


def solve(
    model: CommuteModel,
    *,
    tol: float | None = None,
    max_iterations: int | None = None,
    start: str = "empty",
    progress: bool = False,
    blocks: int | None = None,
    sweeps: int = SWEEPS,
    curvature: float = CURVATURE,
    road_sweeps: int = ROAD_SWEEPS,
    warm: WarmState | None = None,
    hand_over: int | None = None,
    average: int | None = None,
) -> Convergence:
    """Iterate until the relative gap is below ``tol`` (default ``params.gap_tolerance``) or
    ``max_iterations`` (default ``params.max_iterations``) iterations have run.

    Each iteration grows shortest-path trees at the current costs and keeps them as new
    columns; the columns' costs at every trip's origin give the least route costs, hence the
    gap (route costs that do not depend on the route, such as access walks and parking, are
    held from the first pass, where they are computed once). Then ``road_sweeps`` sweeps move
    car route shares alone, trip by trip, each trip by its own Newton step. Then ``sweeps``
    sweeps of gradient-projection steps on the kept columns, block by block of destinations
    (``blocks``, default :func:`default_blocks`; 1 moves every trip at once), each with an
    exact line search, alternate between moving mode probabilities and route shares together
    and route shares alone: flows move between a trip's routes in proportion to their cost
    differences (Newton-scaled, with ``curvature`` of the link-wide slope), and its mode
    probabilities toward the logit of its cheapest routes. When the columns' gap is below
    ``tol`` a full pass confirms it. The model ends at the last point with ``model.last`` the
    pass at its costs (so every per-trip output is evaluated at the returned flows) and
    ``model.relative_gap`` its gap.

    ``hand_over`` = k keeps the point after k iterations (or the last, if it stops before) as
    ``model.warm_state`` (:mod:`sim.warm`) and goes on from it as a warm start does; ``warm``
    starts from such a point of another scenario of the same seed, and the solve then stops at
    the same iteration count as the one that handed it over (``max_iterations`` counts the
    iterations both had). Both then take the same path from the same point: a solve that went
    on with its own columns ends elsewhere (on Porto Alegre, seed 42, the households far from
    the cable differed by 0.008 min a trip between the two paths of the baseline).

    ``average`` = k > 0 (default ``params.average_share`` x ``max_iterations``) runs every
    iteration and ends at the mean of the points its last k iterations moved to (flows and
    probabilities; a convex combination of points is a point), its gap then measured by a full
    pass. Near the solver's floor the last points wander around the equilibrium, so where a
    run stops decides part of what it reports; the mean does not depend on that, and every
    run of a comparison ends the same way.
    """
    from tqdm.auto import tqdm

    tol = model.params.gap_tolerance if tol is None else tol
    blocks = default_blocks(model.trips.n) if blocks is None else blocks
    limit = model.params.max_iterations if max_iterations is None else max_iterations
    if average is None:
        average = int(limit * model.params.average_share)
    t0 = time.perf_counter()
    conv = Convergence(tolerance=tol)
    first = _start(model, start)
    params = model._params(dynamic=False)
    zero = np.zeros(model.network.n_edges)
    kfirst = model.costs.kernel_costs(model.costs.state(zero, zero), model.classes)
    columns, nonroute = _first_columns(model, first, kfirst, params, limit)
    done = 0
    if warm is not None:
        conv.warm_start = adopt(model, columns, warm)
        # a point that did not carry over (new fares, other routing classes) is a start, not
        # a head start: the run then takes every iteration
        if conv.warm_start["flow_share"] >= WARM_MIN_SHARE:
            done = conv.warm_from = warm.iteration
    model.warm_from = done
    model.averaged = 0
    model.warm_state = None
    bar = tqdm(total=limit, desc="equilibrium", unit="it", disable=not progress, leave=False,
               initial=done)  # fmt: skip
    gap = None
    mean: Point | None = None
    for it in range(done, max(limit, done + 1)):
        if it == hand_over:
            # the point goes on from where its scenarios start, by the path they take (new
            # columns adopting it), so what they share cancels in their differences
            columns.prune()
            model.warm_state = capture(model, columns, it)
            columns, _ = _first_columns(model, first, kfirst, params, limit)
            adopt(model, columns, model.warm_state)
        kcosts = _kernel_costs(model)
        columns.prune()
        columns.add(kcosts, params)
        dirn = columns.direction(kcosts, curvature * _slot_slopes(model), params, nonroute,
                                 model.prob, shares_only=False)  # fmt: skip
        gap = _column_gap(model, columns.last_costs, columns.choice_costs)
        if gap.relative <= tol and not average:  # a full pass confirms it (columns may miss
            # a better route); a solve that averages runs every iteration
            res = model.run_pass()
            gap = relative_gap(model, res)
            model.last = res
        _record(model, conv, gap, bar)
        if gap.relative <= tol and not average:
            conv.converged = True
            break
        change = 0.0
        if road_sweeps > 0 and columns.shift_roads(road_sweeps) > 0 and blocks == 1:
            columns.clear(dirn)  # the roads moved: the first step needs a new direction
            dirn = _direction(model, columns, kcosts, nonroute, params, curvature, False, -1, 1)
        elif blocks > 1:
            columns.clear(dirn)  # the gap's full direction; the sweeps move block by block
        for k in range(sweeps):
            for b in range(blocks):
                if k > 0 or blocks > 1:
                    dirn = _direction(model, columns, kcosts, nonroute, params, curvature,
                                      k % 2 == 1, b if blocks > 1 else -1, blocks)  # fmt: skip
                lam, moved = _move(model, columns, dirn)
                conv.step.append(lam)
                change = max(change, moved)
        conv.prob_change.append(change)
        model.prob_change = change
        if average and it >= limit - average:
            k = it - (limit - average) + 1  # the k-th point of the mean
            here = Point.of_model(model)
            mean = here if mean is None else mean.mix(here, 1.0 - 1.0 / k)
            conv.averaged = k
    bar.close()
    if hand_over is not None and model.warm_state is None:  # stopped before: hand the last
        columns.prune()
        model.warm_state = capture(model, columns, conv.iterations + done)
    if not conv.converged and mean is not None:
        mean.put(model)  # the mean of the last points, a point of the problem too
        model.averaged = conv.averaged
    if not conv.converged:
        res = model.run_pass()
        model.last = res
        model.relative_gap = relative_gap(model, res).relative
        # the last moves may have brought the point itself within the tolerance
        conv.converged = model.relative_gap <= tol
    conv.final_gap = model.relative_gap
    model.iterations = conv.iterations + done
    model.mode = model.reported_mode()
    conv.seconds = time.perf_counter() - t0
    return conv


def _direction(model: CommuteModel, columns, kcosts: K.Costs, nonroute: NDArray[np.float64],
               params: K.Params, curvature: float, shares_only: bool, block: int,
               n_blocks: int):  # fmt: skip
    """The direction of a step (one block's, with ``block`` >= 0) at the model's flows."""
    state = model.costs.state(model.car_flow, model.transit_flow)
    weights = model.costs.slot_weights(state, model.classes)
    return columns.direction(
        K.Costs(*weights, kcosts.attr),  # the direction reads only the weights
        curvature * _slot_slopes(model, state), params, nonroute, model.prob,
        shares_only=shares_only, block=block, n_blocks=n_blocks,
    )  # fmt: skip


def _record(model: CommuteModel, conv: Convergence, gap: Gap, bar) -> None:
    model.relative_gap = gap.relative
    conv.relative_gap.append(gap.relative)
    model.datacollector.collect(model)
    bar.update()
    bar.set_postfix(gap=f"{gap.relative:.2e}")


def _column_gap(model: CommuteModel, ccost: NDArray[np.float64],
                skim: NDArray[np.float64]) -> Gap:  # fmt: skip
    """The gap from the columns' costs at every trip's origin (minutes; ``ccost[h, 0]`` one
    car unit, ``ccost[h, 1]`` transit) and every trip's generalised minutes by alternative on
    its cheapest columns (``skim``, :attr:`sim.columns.Columns.choice_costs`)."""
    return gap_of(model, ccost.min(axis=2)[:, ::-1], skim)  # kernel order: 0 transit, 1 car


def _kernel_costs(model: CommuteModel) -> K.Costs:
    state = model.costs.state(model.car_flow, model.transit_flow)
    return model.costs.kernel_costs(state, model.classes)


def _slot_slopes(model: CommuteModel, state: EdgeState | None = None) -> NDArray[np.float64]:
    """Each slot's delay slope times its edge's flow (seconds): how much its cost rises when
    every trip on it moves the same share of its flow there. Roads' delay functions, in-vehicle
    crowding and the wait of riders failing to board; a link with little flow counts
    :data:`SLOPE_FLOOR` (``state``: the edge state at the model's flows, if known)."""
    costs = model.costs
    edge = np.zeros(model.network.n_edges)
    edge[costs.drive] = costs.road_slopes(model.car_flow) * np.maximum(
        model.car_flow[costs.drive], SLOPE_FLOOR
    )
    iv, slope = costs.transit_slopes(model.car_flow, model.transit_flow, state)
    crowd = costs.crowding
    seg = crowd.segment_loads(model.transit_flow)
    edge[iv] = slope * np.maximum(seg[costs.base_edge[iv]], SLOPE_FLOOR)
    # riders who fail to board wait longer as the segment they join fills
    joined = np.where(crowd.joins >= 0, seg[np.maximum(crowd.joins, 0)], 0.0)
    dwait = crowd.boarding_wait(model.transit_flow)[1]
    edge[crowd.boarding] += model.params.wait_weight * dwait * np.maximum(joined, SLOPE_FLOOR)
    return edge[model.blocks.slot_edge]


def _move(model: CommuteModel, columns: Columns, dirn) -> tuple[float, float]:
    """The line search along a gradient-projection direction, and the move (of the
    direction's rows only, when it has them)."""
    d = Point(dirn.car, dirn.transit, dirn.m1, dirn.m2, dirn.egress, dirn.prob)
    seg = Direction(model, d, _held(model, columns, dirn.rows), block=dirn.rows)
    rows = slice(None) if dirn.rows is None else dirn.rows
    f, df = columns.fcol[rows], dirn.fcol[rows]
    lam = seg.step()
    moved = seg.move(lam)
    f += lam * df
    np.maximum(f, 0.0, out=f)
    columns.fcol[rows] = f
    columns.clear(dirn)
    return lam, moved
