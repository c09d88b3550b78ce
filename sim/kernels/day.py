"""One pass over destination zones: trees, skims, choices and loads (numba only).

For each destination zone ``d`` (in parallel, in a fixed number of chunks so results do not
depend on the thread count) the kernel grows reverse shortest-path trees to ``d`` (walk once,
car every pass, and one transit tree per routing class), accumulates each tree's path
components (in-vehicle, crowding, wait, walk, fares, boardings, ...), evaluates every trip
bound for ``d`` on its own value of time, sets its choice probabilities and loads them back
onto the trees. Flows go to per-chunk accumulators that the caller sums in chunk order.

Two ways to choose (``Params.dynamic``):

- *logit* (the equilibrium solver): the probabilities are the multinomial logit's on today's
  generalised costs, so no single draw decides anything;
- *dynamic* (day-to-day learning): perceived costs move toward today's by exponential smoothing
  and each trip takes the alternative of best perceived utility plus its persistent Gumbel
  taste (its probabilities are then 0 or 1).

Trips with a fixed alternative (external and commercial traffic) are loaded but do not choose.

Alternatives: 0 walk, 1 transit (the best path that rides at least one vehicle), 2 car,
3 motorbike (on the car tree, with its own time and cost). A transit path is reported by its
main vehicle: 1 bus, 2 metro, 3 cable (see :data:`MODE_NAMES`).

Blocks of the graph (:mod:`sim.network.blocks`): 0 walk, 1 car, 2 transit. The transit tree to
``d`` is grown from *seeds*: every in-vehicle hop arriving at a stop within the egress walking
limit of ``d`` starts the search at its tail, with the hop and the walk from the stop already
counted. So every transit path rides at least one vehicle.

The arguments are a few named tuples of arrays (:class:`Graph`, :class:`Trips`,
:class:`Params`, :class:`State`, :class:`Out`); :mod:`sim.assign` builds and checks them once.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from sim.kernels.dijkstra import _dijkstra, _dijkstra_seeded

N_ALT = 4
ALT_WALK, ALT_TRANSIT, ALT_CAR, ALT_MOTO = range(N_ALT)
N_MODES = 6
WALK, BUS, METRO, CABLE, CAR, MOTO = range(N_MODES)
N_BLOCKS = 3

# columns of the slot-attribute matrix: the transit ones first and together, then the car ones
A_IVT, A_CROWD, A_WAIT, A_WALK, A_FARE, A_XFARE, A_BOARD, A_RAIL, A_CABLE = range(9)
A_LEN, A_MOTO = 9, 10
N_TRANSIT_ATTR = 9
N_ATTR = 11

#: The block graph and where trips end. ``roots[b, d]`` is destination ``d``'s node in block
#: ``b`` (walk, car), -1 where it has none (an external zone has no walk root);
#: ``car_end_s[d]`` is the car's terminal time at ``d`` (parking search and the walk from it)
#: and ``moto_end_s[d]`` the motorbike's; ``zone_node[b, z]`` a zone's node in block ``b``.
Graph = namedtuple(
    "Graph",
    "rindptr rindices slot_head off is_hop stop_node stop_walk roots car_end_s moto_end_s "
    "zone_node",
)
#: Slot weights (seconds): ``street[k]`` for walk and car slots, ``transit[c, k]`` for routing
#: class ``c``; ``attr[k, a]`` the components accumulated along trees (``A_*`` columns).
Costs = namedtuple("Costs", "street transit attr")
#: Trips bound for destination ``d`` are ``order[ptr[d]:ptr[d + 1]]``. Per trip: ``node[b]``
#: its origin in block b (-1 if none), ``access_s`` walk to the car, ``own[:, 0/1]`` car and
#: motorbike available, ``vot`` money per minute, ``fare1``/``fare2`` shares of boarding and
#: transfer fares it pays, ``klass`` its routing class, ``flow`` trips per hour it stands for,
#: ``pce`` car units of its car, ``segment`` (row of ``Params.asc``), ``fixed`` its alternative
#: if it does not choose, else -1.
Trips = namedtuple(
    "Trips", "ptr order node access_s own vot fare1 fare2 klass flow pce segment fixed chunks"
)
#: Behaviour: ``asc[segment, alt]`` minutes; ``scalars`` (``S_*`` rows); ``class_m1/m2`` minutes
#: per unit of money of boarding and transfer fares in each routing class.
Params = namedtuple("Params", "asc scalars class_m1 class_m2 dynamic do_walk")
S_SCALE, S_WWAIT, S_WWALK, S_PEN, S_CARKM, S_MOTOKM, S_CARPARK, S_MOTOPARK = range(8)
S_MAXWALK, S_ALPHA, S_MOTOPCE, S_CUTOFF, S_EGRESS = range(8, 13)
N_SCALARS = 13
#: Carried between passes: ``walk_s`` and ``km_ff`` (the walk, and the road km of the free-flow
#: car path, that money costs are charged on: both written when ``do_walk``, in the first pass,
#: at free flow), ``perceived`` and ``taste`` (dynamic mode only). Charging distance on the
#: free-flow path keeps each alternative's non-route cost fixed while routes shift.
State = namedtuple("State", "walk_s km_ff perceived taste")
#: Written: per trip and alternative ``prob``, ``skim`` (own generalised minutes, inf where
#: unavailable), ``time_s``, ``money``, ``km``; per trip ``route`` (0: the transit path's cost in
#: its class's weights, 1: the car path's time, both minutes), ``main`` (reported transit mode);
#: ``zone_skim[2 + c, z, d]`` minutes (0 walk, 1 car, 2.. transit by class); per chunk and slot
#: ``flow`` (car PCE, transit passengers), ``flow_m1``/``flow_m2`` (passengers x class money
#: weight of boarding / transfer fares); per chunk ``egress``, the transit trips' weighted walks
#: from their last stop (trip-seconds per hour: they are part of a route but not of the graph).
Out = namedtuple(
    "Out", "prob skim time_s money km route main zone_skim flow flow_m1 flow_m2 egress"
)


@njit(cache=True, nogil=True)
def _grow(g, weight, lo, hi, root, cutoff, dist, pred, order, hk, hn):
    """Reverse tree to ``root`` inside block nodes [lo, hi); returns the settled count."""
    dist[lo:hi] = np.inf
    if root < 0:
        return 0
    empty = np.zeros(0, np.uint8)
    slots = np.arange(g.rindices.shape[0])
    n_settled, _ = _dijkstra(g.rindptr, g.rindices, slots, weight, root, cutoff, dist, pred,
                             order[lo:hi], hk, hn, empty, 0)  # fmt: skip
    return n_settled


@njit(cache=True, nogil=True)
def _accumulate(order, lo, n_settled, pred, slot_head, attr, c0, nc, acc, root_acc):
    """acc[v, r] = sum of attr[k, c0 + r] over v's tree path to its root (parents first)."""
    for i in range(lo, lo + n_settled):
        v = order[i]
        k = pred[v]
        if k < 0:
            for r in range(nc):
                acc[v, r] = root_acc[v, r]
            continue
        p = slot_head[k]
        for r in range(nc):
            acc[v, r] = acc[p, r] + attr[k, c0 + r]


@njit(cache=True, nogil=True)
def _push(order, lo, n_settled, pred, slot_head, demand, flow, flow_a, a, flow_b, b, seed_slot,
          seed_egress, egress):  # fmt: skip
    """Push node demands along the tree to the roots (farthest first), adding slot flows
    (``flow``; and ``a`` and ``b`` times them to ``flow_a``/``flow_b`` when those are given).

    At a root the demand goes onto its seed slot (the last hop of a transit trip) if it has one,
    and its weighted egress walk (``seed_egress``) to ``egress[0]``.
    """
    weighted = flow_a.shape[0] > 0
    for i in range(lo + n_settled - 1, lo - 1, -1):
        v = order[i]
        q = demand[v]
        if q != 0.0:
            k = pred[v]
            if k < 0:
                k = seed_slot[v]
                if k >= 0:
                    egress[0] += q * seed_egress[v]
            else:
                demand[slot_head[k]] += q
            if k >= 0:
                flow[k] += q
                if weighted:
                    flow_a[k] += a * q
                    flow_b[k] += b * q
            demand[v] = 0.0


@njit(cache=True, nogil=True)
def _seed(g, weight, attr, dist, egress, ww, seeds, seed_dist, seed_slot, seed_egress,
          root_acc):  # fmt: skip
    """Roots of the transit tree: tails of hops into stops within the egress walk of d.

    A root's search distance is the hop's weight plus the weighted egress walk; its components
    start as the hop's plus the walk. Returns the number of roots.
    """
    n_seeds = 0
    for j in range(g.stop_node.shape[0]):
        walk_s = dist[g.stop_walk[j]]
        if walk_s > egress:
            continue
        s = g.stop_node[j]
        for k in range(g.rindptr[s], g.rindptr[s + 1]):
            if g.is_hop[k] == 0:
                continue
            v = g.rindices[k]
            key = weight[k] + ww * walk_s
            if seed_slot[v] < 0:
                seeds[n_seeds] = v
                seed_dist[n_seeds] = key
                n_seeds += 1
            elif key >= seed_dist[_find(seeds, n_seeds, v)]:
                continue
            else:
                seed_dist[_find(seeds, n_seeds, v)] = key
            seed_slot[v] = k
            seed_egress[v] = ww * walk_s
            for r in range(N_TRANSIT_ATTR):
                root_acc[v, r] = attr[k, r]
            root_acc[v, A_WALK] += walk_s
    return n_seeds


@njit(cache=True, nogil=True)
def _find(items, n, value):
    for i in range(n):
        if items[i] == value:
            return i
    return -1


@njit(cache=True, parallel=True)
def run_pass(g, costs, trips, p, state, out):
    """One pass over every destination zone; see the module docstring."""
    n = g.rindptr.shape[0] - 1
    n_slots = g.rindices.shape[0]
    n_chunks = trips.chunks.shape[0] - 1
    n_class = costs.transit.shape[0]
    cutoff = p.scalars[S_CUTOFF]
    off = g.off
    for c in prange(n_chunks):
        dist = np.empty(n)
        pred = np.empty(n, np.int64)
        order = np.empty(n, np.int64)
        hk = np.empty(n_slots + 1)
        hn = np.empty(n_slots + 1, np.int32)
        acc = np.zeros((n, N_TRANSIT_ATTR))
        root_acc = np.zeros((n, N_TRANSIT_ATTR))
        seed_slot = np.full(n, -1, np.int64)
        seed_egress = np.zeros(n)
        seeds = np.empty(n, np.int64)
        seed_dist = np.empty(n)
        demand = np.zeros(n)
        none = np.zeros(0)
        for d in range(trips.chunks[c], trips.chunks[c + 1]):
            _destination(g, costs, trips, p, state, out, c, d, n_class, cutoff, off, dist, pred,
                         order, hk, hn, acc, root_acc, seed_slot, seed_egress, seeds, seed_dist,
                         demand, none)  # fmt: skip


@njit(cache=True, nogil=True)
def _destination(g, costs, trips, p, state, out, c, d, n_class, cutoff, off, dist, pred, order,
                 hk, hn, acc, root_acc, seed_slot, seed_egress, seeds, seed_dist, demand,
                 none):  # fmt: skip
    """Every tree, skim, choice and load of destination ``d``."""
    s = p.scalars
    has_walk = g.roots[0, d] >= 0
    # walk: the full tree once (static: everyone can walk), later only as far as egress walks go
    _grow(g, costs.street, off[0], off[1], g.roots[0, d],
                   np.inf if p.do_walk else s[S_EGRESS], dist, pred, order, hk, hn)  # fmt: skip
    n_car = _grow(g, costs.street, off[1], off[2], g.roots[1, d], cutoff, dist, pred, order, hk,
                  hn)  # fmt: skip
    _accumulate(order, off[1], n_car, pred, g.slot_head, costs.attr, A_LEN, 2, acc, root_acc)
    lo, hi = trips.ptr[d], trips.ptr[d + 1]
    if p.do_walk:
        for i in range(lo, hi):
            h = trips.order[i]
            v = trips.node[0, h]
            state.walk_s[h] = dist[v] if v >= 0 and has_walk else np.inf
            r = trips.node[1, h]
            state.km_ff[h] = acc[r, 0] / 1000.0 if r >= 0 and dist[r] < np.inf else np.nan
        _zone_walk(g, d, dist, has_walk, out.zone_skim)
    _zone_car(g, d, dist, out.zone_skim)
    for i in range(lo, hi):
        h = trips.order[i]
        _road_skims(g, trips, p, state, out, h, d, dist, acc)
    # one transit tree per routing class; trips of that class choose, and load it, in turn
    for k in range(n_class):
        weight = costs.transit[k]
        n_tr = 0
        n_seeds = 0
        if has_walk:
            n_seeds = _seed(g, weight, costs.attr, dist, s[S_EGRESS], s[S_WWALK], seeds,
                            seed_dist, seed_slot, seed_egress, root_acc)  # fmt: skip
            dist[off[2] : off[3]] = np.inf
            n_tr, _ = _dijkstra_seeded(g.rindptr, g.rindices, np.arange(g.rindices.shape[0]),
                                       weight, seeds[:n_seeds], seed_dist[:n_seeds], cutoff,
                                       dist, pred, order[off[2] : off[3]], hk, hn)  # fmt: skip
            _accumulate(order, off[2], n_tr, pred, g.slot_head, costs.attr, 0, N_TRANSIT_ATTR,
                        acc, root_acc)  # fmt: skip
        else:
            dist[off[2] : off[3]] = np.inf
        _zone_transit(g, d, k, dist, acc, out.zone_skim)
        for i in range(lo, hi):
            h = trips.order[i]
            if trips.klass[h] != k:
                continue
            _transit_skim(trips, p, out, h, dist, acc)
            _choose(trips, p, state, out, h, d)
            q = trips.flow[h]
            if trips.node[1, h] >= 0:
                road = trips.pce[h] * out.prob[h, ALT_CAR] + s[S_MOTOPCE] * out.prob[h, ALT_MOTO]
                demand[trips.node[1, h]] += q * road
            if trips.node[2, h] >= 0:
                demand[trips.node[2, h]] += q * out.prob[h, ALT_TRANSIT]
        _push(order, off[2], n_tr, pred, g.slot_head, demand, out.flow[c], out.flow_m1[c],
              p.class_m1[k], out.flow_m2[c], p.class_m2[k], seed_slot, seed_egress,
              out.egress[c : c + 1])  # fmt: skip
        for j in range(n_seeds):
            seed_slot[seeds[j]] = -1
    _push(order, off[1], n_car, pred, g.slot_head, demand, out.flow[c], none, 0.0, none, 0.0,
          seed_slot, seed_egress, none)  # fmt: skip


@njit(cache=True, nogil=True)
def _road_skims(g, trips, p, state, out, h, d, dist, acc):
    """Walk, car and motorbike: own generalised minutes, time, money and km of trip h."""
    s = p.scalars
    ww = s[S_WWALK]
    r = trips.node[1, h]
    ok = r >= 0 and dist[r] < np.inf
    out.route[h, 1] = dist[r] / 60.0 if ok else np.inf
    if not ok:
        for a in (ALT_CAR, ALT_MOTO):
            out.skim[h, a] = np.inf
            out.time_s[h, a] = np.nan
            out.money[h, a] = np.nan
            out.km[h, a] = np.nan
        return
    km = acc[r, 0] / 1000.0
    km_ff = state.km_ff[h]
    vot = trips.vot[h]
    access = trips.access_s[h]
    car_t = dist[r] + access + g.car_end_s[d]
    moto_t = acc[r, 1] + access + g.moto_end_s[d]
    car_m = km_ff * s[S_CARKM] + s[S_CARPARK]
    moto_m = km_ff * s[S_MOTOKM] + s[S_MOTOPARK]
    out.time_s[h, ALT_CAR] = car_t
    out.time_s[h, ALT_MOTO] = moto_t
    out.money[h, ALT_CAR] = car_m
    out.money[h, ALT_MOTO] = moto_m
    out.km[h, ALT_CAR] = km
    out.km[h, ALT_MOTO] = km
    out.skim[h, ALT_CAR] = (dist[r] + ww * (access + g.car_end_s[d])) / 60.0 + car_m / vot
    out.skim[h, ALT_MOTO] = (acc[r, 1] + ww * (access + g.moto_end_s[d])) / 60.0 + moto_m / vot


@njit(cache=True, nogil=True)
def _transit_skim(trips, p, out, h, dist, acc):
    """Transit on trip h's class tree: own generalised minutes, time, money, main vehicle."""
    s = p.scalars
    v = trips.node[2, h]
    if v < 0 or dist[v] == np.inf:
        out.skim[h, ALT_TRANSIT] = np.inf
        out.time_s[h, ALT_TRANSIT] = np.nan
        out.money[h, ALT_TRANSIT] = np.nan
        out.route[h, 0] = np.inf
        out.main[h] = -1
        return
    money = trips.fare1[h] * acc[v, A_FARE] + trips.fare2[h] * acc[v, A_XFARE]
    minutes = (acc[v, A_IVT] + acc[v, A_CROWD] + s[S_WWAIT] * acc[v, A_WAIT]
               + s[S_WWALK] * acc[v, A_WALK] + s[S_PEN] * acc[v, A_BOARD]) / 60.0  # fmt: skip
    out.skim[h, ALT_TRANSIT] = minutes + money / trips.vot[h]
    out.time_s[h, ALT_TRANSIT] = acc[v, A_IVT] + acc[v, A_WAIT] + acc[v, A_WALK]
    out.money[h, ALT_TRANSIT] = money
    out.km[h, ALT_TRANSIT] = 0.0
    out.route[h, 0] = dist[v] / 60.0
    if acc[v, A_CABLE] > 0.0:
        out.main[h] = CABLE
    elif acc[v, A_RAIL] > 0.0:
        out.main[h] = METRO
    else:
        out.main[h] = BUS


@njit(cache=True, nogil=True)
def _choose(trips, p, state, out, h, d):
    """Availability, then probabilities: logit, dynamic best response, or a fixed alternative."""
    s = p.scalars
    walk_s = state.walk_s[h]
    out.skim[h, ALT_WALK] = s[S_WWALK] * walk_s / 60.0
    out.time_s[h, ALT_WALK] = walk_s if walk_s < np.inf else np.nan
    out.money[h, ALT_WALK] = 0.0 if walk_s < np.inf else np.nan
    out.km[h, ALT_WALK] = 0.0
    avail = np.zeros(N_ALT, np.bool_)
    avail[ALT_WALK] = walk_s <= s[S_MAXWALK]
    avail[ALT_TRANSIT] = out.skim[h, ALT_TRANSIT] < np.inf
    avail[ALT_CAR] = trips.own[h, 0] != 0 and out.skim[h, ALT_CAR] < np.inf
    avail[ALT_MOTO] = trips.own[h, 1] != 0 and out.skim[h, ALT_MOTO] < np.inf
    if not (avail[ALT_TRANSIT] or avail[ALT_CAR] or avail[ALT_MOTO]):
        avail[ALT_WALK] = walk_s < np.inf  # nobody stays home: with nothing else, one walks
    for a in range(N_ALT):
        out.prob[h, a] = 0.0
        if not avail[a]:
            out.skim[h, a] = np.inf
    fixed = trips.fixed[h]
    if fixed >= 0:
        if out.skim[h, fixed] < np.inf:
            out.prob[h, fixed] = 1.0
        return
    seg = trips.segment[h]
    scale = s[S_SCALE]
    if p.dynamic:
        best, best_u = -1, -np.inf
        for a in range(N_ALT):
            if not avail[a]:
                state.perceived[h, a] = np.nan
                continue
            if np.isnan(state.perceived[h, a]):
                state.perceived[h, a] = out.skim[h, a]
            else:
                state.perceived[h, a] += s[S_ALPHA] * (out.skim[h, a] - state.perceived[h, a])
            u = scale * (p.asc[seg, a] - state.perceived[h, a]) + state.taste[h, a]
            if u > best_u:
                best, best_u = a, u
        if best >= 0:
            out.prob[h, best] = 1.0
        return
    top = -np.inf
    for a in range(N_ALT):
        if avail[a]:
            top = max(top, scale * (p.asc[seg, a] - out.skim[h, a]))
    if top == -np.inf:
        return
    total = 0.0
    for a in range(N_ALT):
        if avail[a]:
            out.prob[h, a] = np.exp(scale * (p.asc[seg, a] - out.skim[h, a]) - top)
            total += out.prob[h, a]
    for a in range(N_ALT):
        out.prob[h, a] /= total


@njit(cache=True, nogil=True)
def _zone_walk(g, d, dist, has_walk, zone_skim):
    for z in range(g.zone_node.shape[1]):
        w = g.zone_node[0, z]
        zone_skim[0, z, d] = dist[w] / 60.0 if w >= 0 and has_walk else np.inf


@njit(cache=True, nogil=True)
def _zone_car(g, d, dist, zone_skim):
    for z in range(g.zone_node.shape[1]):
        r = g.zone_node[1, z]
        zone_skim[1, z, d] = (dist[r] + g.car_end_s[d]) / 60.0 if r >= 0 else np.inf


@njit(cache=True, nogil=True)
def _zone_transit(g, d, k, dist, acc, zone_skim):
    for z in range(g.zone_node.shape[1]):
        v = g.zone_node[2, z]
        if v >= 0 and dist[v] < np.inf:
            zone_skim[2 + k, z, d] = (acc[v, A_IVT] + acc[v, A_WAIT] + acc[v, A_WALK]) / 60.0
        else:
            zone_skim[2 + k, z, d] = np.inf
