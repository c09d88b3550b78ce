"""One simulated day in one parallel pass over destination zones (numba only).

For each destination zone ``d`` (in parallel, in a fixed number of chunks so results do not
depend on the thread count) the kernel grows reverse shortest-path trees to ``d`` for car, bus
and all-transit, accumulates each tree's path components (in-vehicle, wait, walk, fare, ...),
lets every household working in ``d`` choose a mode by logit on its perceived generalised cost,
and loads the chosen trips back onto the trees (all-or-nothing). Flows go to per-chunk
accumulators that the caller sums in chunk order.

Alternatives (what households choose between): 0 walk, 1 transit (the best path that rides at
least one vehicle: bus, metro or cable, with walking and transfers), 2 car, 3 motorbike (on the
car tree, with its own time and cost). Reported modes split transit by its main vehicle:
0 walk, 1 bus, 2 metro, 3 cable, 4 car, 5 motorbike.

Blocks of the graph (see :mod:`sim.network.blocks`): 0 walk, 1 car, 2 transit (walk, boarding,
in-vehicle, alighting and transfer links). The transit tree to ``d`` is grown from *seeds*: every
in-vehicle hop arriving at a stop within the egress walking limit of ``d`` starts the search at
its tail, with the hop and the walk from the stop already counted. So every transit path rides
at least one vehicle, and a trip may still change vehicles through the street (alight, walk,
board again).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.kernels.dijkstra import _dijkstra, _dijkstra_seeded

N_ALT = 4
ALT_WALK, ALT_TRANSIT, ALT_CAR, ALT_MOTO = 0, 1, 2, 3
N_MODES = 6
WALK, BUS, METRO, CABLE, CAR, MOTO = 0, 1, 2, 3, 4, 5
N_BLOCKS = 3

# columns of the slot-attribute matrix: the transit ones first and together, then the car ones
A_IVT, A_WAIT, A_WALK, A_FARE, A_BOARD, A_RAIL, A_CABLE, A_LEN, A_MOTO = range(9)
N_ATTR = 9
N_TRANSIT_ATTR = 7

# rows of the parameter vector
P_SCALE, P_WWAIT, P_WWALK, P_PEN, P_CARKM, P_MOTOKM, P_CARPARK, P_MOTOPARK = range(8)
P_MAXWALK, P_ALPHA, P_MOTOPCE, P_HHFLOW, P_CUTOFF, P_EGRESS = range(8, 14)
N_PARAM = 14


@njit(cache=True, nogil=True)
def _grow(rindptr, rindices, slots, weight, lo, hi, root, cutoff, dist, pred, order, hk, hn):
    """Reverse tree to ``root`` inside block nodes [lo, hi); returns the settled count.

    Settled nodes are written to ``order[lo:]``; ``pred[v]`` is the slot leaving ``v``.
    """
    dist[lo:hi] = np.inf
    empty = np.zeros(0, np.uint8)
    n_settled, _ = _dijkstra(
        rindptr, rindices, slots, weight, root, cutoff, dist, pred, order[lo:hi],
        hk, hn, empty, 0,
    )  # fmt: skip
    return n_settled


@njit(cache=True, nogil=True)
def _accumulate(order, lo, n_settled, pred, slot_head, attr, c0, nc, acc, root_acc):
    """acc[v, r] = sum of attr[k, c0 + r] over v's tree path to its root (parents first).

    A root (``pred == -1``) starts from ``root_acc[v]``. Node-major ``acc`` and slot-major
    ``attr`` keep each step to two cache lines.
    """
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
def _push(order, lo, n_settled, pred, slot_head, demand, flow, seed_slot):
    """Push node demands along the tree to the roots (farthest first), adding slot flows.

    At a root the demand goes onto its seed slot (the last hop of a transit trip) if it has one.
    """
    for i in range(lo + n_settled - 1, lo - 1, -1):
        v = order[i]
        q = demand[v]
        if q != 0.0:
            k = pred[v]
            if k >= 0:
                flow[k] += q
                demand[slot_head[k]] += q
            elif seed_slot[v] >= 0:
                flow[seed_slot[v]] += q
            demand[v] = 0.0


@njit(cache=True, nogil=True)
def _choose(util, avail, taste):
    """The available alternative of highest utility plus taste; -1 if none is available.

    With ``taste`` drawn from the standard Gumbel distribution the choice probabilities are the
    multinomial logit's, ``exp(util_a) / sum_b exp(util_b)`` over available alternatives.
    """
    best = -1
    best_u = -np.inf
    for m in range(util.shape[0]):
        if avail[m] and util[m] + taste[m] > best_u:
            best_u = util[m] + taste[m]
            best = m
    return best


@njit(cache=True, parallel=True)
def simulate_day(
    rindptr, rindices, slot_head, weight, attr, off, is_hop, stop_node, stop_walk,
    roots, chunk_bounds,
    hh_ptr, hh_order, hh_node, hh_access_s, hh_walk_s, hh_own,
    hh_vot, hh_fare_factor, asc, params, taste, perceived, do_walk, zone_node,
    out_mode, out_time, out_cost, out_km, out_gen, out_skim, zone_skim, flow_chunks,
):  # fmt: skip
    """Simulate one day on a block graph (:mod:`sim.network.blocks`); see the module docstring.

    Parameters
    ----------
    rindptr, rindices, slot_head : the block graph (blocks 0 walk, 1 car, 2 transit).
    weight : float64[S]; path-search weight (seconds) of every slot, each block its own mode's.
    attr : float64[S, N_ATTR]; slot components accumulated along trees.
    off : int64[4]; block node offsets.
    is_hop : uint8[S]; 1 for in-vehicle slots of the transit block.
    stop_node, stop_walk : int64[n_stops]; each stop in the transit block, and the walk-block
        node it alights to.
    roots : int64[2, D]; node of each destination zone in the walk and car blocks.
    chunk_bounds : int64[n_chunks + 1]; destination ranges handled by one chunk.
    hh_ptr, hh_order : households working in zone d are ``hh_order[hh_ptr[d]:hh_ptr[d+1]]``.
    hh_node : int64[3, H]; each household's home node in each block.
    hh_own : uint8[H, 2]; owns a car, owns a motorbike.
    hh_walk_s : float64[H]; in/out static walk time to work (written when ``do_walk``).
    asc : float64[N_ALT]; alternative-specific constants, minutes.
    perceived : float64[H, N_ALT]; in/out perceived generalised minutes (NaN = none yet).
    taste : float64[H, N_ALT]; each household's persistent Gumbel taste for each alternative,
        drawn by the caller's seeded RNG.
    zone_node : int64[3, Z]; each zone's node in each block.
    out_mode : int8[H]; out: reported mode (0 walk ... 5 motorbike), -1 if none is possible.
    out_time, out_cost, out_km : float64[H]; out: door-to-door seconds, money, and km driven on
        roads (car or motorbike; 0 by walk and transit) of the chosen trip; NaN with no trip.
    out_gen : float64[H]; out: generalised minutes of the chosen trip (its constant excluded).
    out_skim : float64[H, N_ALT]; out: today's generalised minutes by alternative.
    zone_skim : float32[3, Z, D]; out: walk, transit and car minutes from zones to d.
    flow_chunks : float64[n_chunks, S]; out: car PCE (car block) and passengers (transit).
    """
    n = rindptr.shape[0] - 1
    n_slots = rindices.shape[0]
    n_chunks = chunk_bounds.shape[0] - 1
    cutoff = params[P_CUTOFF]
    egress = params[P_EGRESS]
    slots = np.arange(n_slots)
    for c in prange(n_chunks):
        dist = np.empty(n)
        pred = np.empty(n, np.int64)
        order = np.empty(n, np.int64)
        nset = np.zeros(N_BLOCKS, np.int64)
        hk = np.empty(n_slots + 1)
        hn = np.empty(n_slots + 1, np.int32)
        acc = np.zeros((n, N_TRANSIT_ATTR))
        root_acc = np.zeros((n, N_TRANSIT_ATTR))
        seed_slot = np.full(n, -1, np.int64)
        seeds = np.empty(n, np.int64)
        seed_dist = np.empty(n)
        demand = np.zeros(n)
        util = np.empty(N_ALT)
        avail = np.zeros(N_ALT, np.bool_)
        skim = np.empty(N_ALT)
        for d in range(chunk_bounds[c], chunk_bounds[c + 1]):
            # walk: the full tree once (static, no cutoff: everyone can walk), then only as far
            # as egress walks go
            nset[0] = _grow(rindptr, rindices, slots, weight, off[0], off[1], roots[0, d],
                            np.inf if do_walk else egress, dist, pred, order, hk, hn)  # fmt: skip
            nset[1] = _grow(rindptr, rindices, slots, weight, off[1], off[2], roots[1, d],
                            cutoff, dist, pred, order, hk, hn)  # fmt: skip
            n_seeds = _seed(rindptr, rindices, weight, attr, is_hop, stop_node, stop_walk, dist,
                            egress, params[P_WWALK], seeds, seed_dist, seed_slot, root_acc)  # fmt: skip
            dist[off[2] : off[3]] = np.inf
            nset[2], _ = _dijkstra_seeded(
                rindptr, rindices, slots, weight, seeds[:n_seeds], seed_dist[:n_seeds], cutoff,
                dist, pred, order[off[2] : off[3]], hk, hn,
            )  # fmt: skip
            _accumulate(order, off[1], nset[1], pred, slot_head, attr, A_LEN, 2, acc, root_acc)
            _accumulate(order, off[2], nset[2], pred, slot_head, attr, 0, N_TRANSIT_ATTR, acc,
                        root_acc)  # fmt: skip
            _zone_row(d, dist, acc, do_walk, zone_node, zone_skim)
            for k in range(hh_ptr[d], hh_ptr[d + 1]):
                h = hh_order[k]
                if do_walk:
                    hh_walk_s[h] = dist[hh_node[0, h]]
                _skims(h, dist, acc, hh_node, hh_access_s, hh_walk_s, hh_own, hh_vot,
                       hh_fare_factor, params, skim, avail)  # fmt: skip
                alpha = params[P_ALPHA]
                for a in range(N_ALT):
                    if not avail[a]:
                        perceived[h, a] = np.nan
                    elif np.isnan(perceived[h, a]):
                        perceived[h, a] = skim[a]
                    else:
                        perceived[h, a] += alpha * (skim[a] - perceived[h, a])
                    util[a] = params[P_SCALE] * (asc[a] - perceived[h, a])
                    out_skim[h, a] = skim[a] if avail[a] else np.nan
                alt = _choose(util, avail, taste[h])
                if alt < 0:
                    out_mode[h] = -1
                    out_time[h] = np.nan
                    out_cost[h] = np.nan
                    out_km[h] = np.nan
                    out_gen[h] = np.nan
                    continue
                out_gen[h] = skim[alt]
                out_mode[h] = _record(h, alt, dist, acc, hh_node, hh_access_s, hh_walk_s,
                                      hh_fare_factor, params, out_time, out_cost, out_km)  # fmt: skip
                q = params[P_HHFLOW]
                if alt == ALT_CAR:
                    demand[hh_node[1, h]] += q
                elif alt == ALT_MOTO:
                    demand[hh_node[1, h]] += q * params[P_MOTOPCE]
                elif alt == ALT_TRANSIT:
                    demand[hh_node[2, h]] += q
            for b in range(1, N_BLOCKS):
                _push(order, off[b], nset[b], pred, slot_head, demand, flow_chunks[c], seed_slot)
            for i in range(n_seeds):
                seed_slot[seeds[i]] = -1


@njit(cache=True, nogil=True)
def _seed(rindptr, rindices, weight, attr, is_hop, stop_node, stop_walk, dist, egress, ww,
          seeds, seed_dist, seed_slot, root_acc):  # fmt: skip
    """Roots of the transit tree: tails of hops into stops within the egress walk of d.

    A root's search distance is the hop's weight plus the weighted egress walk; its components
    start as the hop's plus the walk. Returns the number of roots.
    """
    n_seeds = 0
    for j in range(stop_node.shape[0]):
        walk_s = dist[stop_walk[j]]
        if walk_s > egress:
            continue
        s = stop_node[j]
        for k in range(rindptr[s], rindptr[s + 1]):
            if is_hop[k] == 0:
                continue
            v = rindices[k]
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


@njit(cache=True, nogil=True)
def _skims(h, dist, acc, node, access_s, walk_s, own, vot, fare_factor, params, skim, avail):
    """Today's generalised minutes by alternative for household h, and which it can use."""
    ww, wwait, pen = params[P_WWALK], params[P_WWAIT], params[P_PEN]
    skim[ALT_WALK] = ww * walk_s[h] / 60.0
    avail[ALT_WALK] = walk_s[h] <= params[P_MAXWALK]
    # acc rows (transit block): 0 ivt, 1 wait, 2 walk, 3 fare, 4 boardings, 5 rail ivt, 6 cable
    v = node[2, h]
    avail[ALT_TRANSIT] = v >= 0 and dist[v] < np.inf
    if avail[ALT_TRANSIT]:
        minutes = (acc[v, 0] + wwait * acc[v, 1] + ww * acc[v, 2] + pen * acc[v, 4]) / 60.0
        skim[ALT_TRANSIT] = minutes + acc[v, 3] * fare_factor[h] / vot[h]
    else:
        skim[ALT_TRANSIT] = np.inf
    r = node[1, h]
    car_ok = r >= 0 and dist[r] < np.inf
    avail[ALT_CAR] = car_ok and own[h, 0] != 0
    avail[ALT_MOTO] = car_ok and own[h, 1] != 0
    if not car_ok:
        skim[ALT_CAR] = np.inf
        skim[ALT_MOTO] = np.inf
    else:
        _car_skims(h, r, dist, acc, access_s, vot, params, skim)
    # nobody stays home: with nothing else, a household walks however far it is
    if not (avail[ALT_TRANSIT] or avail[ALT_CAR] or avail[ALT_MOTO]):
        avail[ALT_WALK] = walk_s[h] < np.inf


@njit(cache=True, nogil=True)
def _car_skims(h, r, dist, acc, access_s, vot, params, skim):
    ww = params[P_WWALK]
    # acc rows (car block): 0 length, 1 motorbike time
    km = acc[r, 0] / 1000.0
    access = ww * access_s[h] / 60.0
    car_cost = km * params[P_CARKM] + params[P_CARPARK]
    moto_cost = km * params[P_MOTOKM] + params[P_MOTOPARK]
    skim[ALT_CAR] = dist[r] / 60.0 + access + car_cost / vot[h]
    skim[ALT_MOTO] = acc[r, 1] / 60.0 + access + moto_cost / vot[h]


@njit(cache=True, nogil=True)
def _record(h, alt, dist, acc, node, access_s, walk_s, fare_factor, params, out_time, out_cost,
            out_km):  # fmt: skip
    """Door-to-door seconds, money and km driven of the chosen trip; returns the reported mode."""
    out_km[h] = 0.0
    if alt == ALT_WALK:
        out_time[h] = walk_s[h]
        out_cost[h] = 0.0
        return WALK
    if alt == ALT_TRANSIT:
        v = node[2, h]
        out_time[h] = acc[v, 0] + acc[v, 1] + acc[v, 2]
        out_cost[h] = acc[v, 3] * fare_factor[h]
        if acc[v, 6] > 0.0:
            return CABLE
        return METRO if acc[v, 5] > 0.0 else BUS
    r = node[1, h]
    km = acc[r, 0] / 1000.0
    out_km[h] = km
    if alt == ALT_CAR:
        out_time[h] = dist[r] + access_s[h]
        out_cost[h] = km * params[P_CARKM] + params[P_CARPARK]
        return CAR
    out_time[h] = acc[r, 1] + access_s[h]
    out_cost[h] = km * params[P_MOTOKM] + params[P_MOTOPARK]
    return MOTO


@njit(cache=True, nogil=True)
def _zone_row(d, dist, acc, do_walk, zone_node, zone_skim):
    """Minutes from each zone's nodes to destination d: walk (static), transit, car."""
    for z in range(zone_node.shape[1]):
        w = zone_node[0, z]
        if do_walk:
            zone_skim[0, z, d] = dist[w] / 60.0 if w >= 0 else np.inf
        v = zone_node[2, z]
        if v >= 0 and dist[v] < np.inf:
            zone_skim[1, z, d] = (acc[v, 0] + acc[v, 1] + acc[v, 2]) / 60.0
        else:
            zone_skim[1, z, d] = np.inf
        r = zone_node[1, z]
        zone_skim[2, z, d] = dist[r] / 60.0 if r >= 0 else np.inf
