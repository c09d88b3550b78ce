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

Blocks of the graph (see :mod:`sim.network.blocks`): 0 walk, 1 car, 2 transit (two-level).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.kernels.dijkstra import _dijkstra

N_ALT = 4
ALT_WALK, ALT_TRANSIT, ALT_CAR, ALT_MOTO = 0, 1, 2, 3
N_MODES = 6
WALK, BUS, METRO, CABLE, CAR, MOTO = 0, 1, 2, 3, 4, 5
N_BLOCKS = 3

# rows of the edge-attribute matrix
A_LEN, A_IVT, A_WAIT, A_WALK, A_FARE, A_BOARD, A_RAIL, A_CABLE, A_MOTO = range(9)
N_ATTR = 9

# rows of the parameter vector
P_SCALE, P_WWAIT, P_WWALK, P_PEN, P_CARKM, P_MOTOKM, P_CARPARK, P_MOTOPARK = range(8)
P_MAXWALK, P_ALPHA, P_MOTOPCE, P_HHFLOW, P_CUTOFF = range(8, 13)
N_PARAM = 13


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
def _accumulate(order, lo, n_settled, pred, slot_head, attr, rows, acc):
    """acc[r, v] = sum of attr[rows[r]] over v's tree path to the root (parents first)."""
    root = order[lo]
    for r in range(rows.shape[0]):
        acc[r, root] = 0.0
    for i in range(lo + 1, lo + n_settled):
        v = order[i]
        k = pred[v]
        p = slot_head[k]
        for r in range(rows.shape[0]):
            acc[r, v] = acc[r, p] + attr[rows[r], k]


@njit(cache=True, nogil=True)
def _push(order, lo, n_settled, pred, slot_head, demand, flow):
    """Push node demands along the tree to the root (farthest first), adding slot flows."""
    for i in range(lo + n_settled - 1, lo, -1):
        v = order[i]
        q = demand[v]
        if q != 0.0:
            k = pred[v]
            flow[k] += q
            demand[slot_head[k]] += q
            demand[v] = 0.0
    demand[order[lo]] = 0.0


@njit(cache=True, nogil=True)
def _choose(util, avail, u):
    """Logit draw: index of the chosen alternative given one uniform ``u`` in [0, 1)."""
    best = -np.inf
    for m in range(util.shape[0]):
        if avail[m] and util[m] > best:
            best = util[m]
    if best == -np.inf:
        return -1
    total = 0.0
    expu = np.zeros(util.shape[0])
    for m in range(util.shape[0]):
        if avail[m]:
            expu[m] = np.exp(util[m] - best)
            total += expu[m]
    target = u * total
    cum = 0.0
    last = -1
    for m in range(util.shape[0]):
        if avail[m]:
            cum += expu[m]
            last = m
            if target < cum:
                return m
    return last


@njit(cache=True, parallel=True)
def simulate_day(
    rindptr, rindices, slot_head, weight, attr, off,
    roots, chunk_bounds,
    hh_ptr, hh_order, hh_node, hh_access_s, hh_walk_s, hh_own,
    hh_vot, hh_fare_factor, asc, params, uniforms, perceived, do_walk, zone_node,
    out_mode, out_time, out_cost, out_gen, out_skim, zone_skim, flow_chunks,
):  # fmt: skip
    """Simulate one day on a block graph (:mod:`sim.network.blocks`); see the module docstring.

    Parameters
    ----------
    rindptr, rindices, slot_head : the block graph (blocks 0 walk, 1 car, 2 transit).
    weight : float64[S]; path-search weight (seconds) of every slot, each block its own mode's.
    attr : float64[N_ATTR, S]; slot components accumulated along trees.
    off : int64[4]; block node offsets.
    roots : int64[3, D]; block node of each destination zone (transit: egress copy).
    chunk_bounds : int64[n_chunks + 1]; destination ranges handled by one chunk.
    hh_ptr, hh_order : households working in zone d are ``hh_order[hh_ptr[d]:hh_ptr[d+1]]``.
    hh_node : int64[3, H]; each household's home node in each block (transit: access copy).
    hh_own : uint8[H, 2]; owns a car, owns a motorbike.
    hh_walk_s : float64[H]; in/out static walk time to work (written when ``do_walk``).
    asc : float64[N_ALT]; alternative-specific constants, minutes.
    perceived : float64[H, N_ALT]; in/out perceived generalised minutes (NaN = none yet).
    uniforms : float64[H]; one U[0, 1) draw per household, drawn by the caller's seeded RNG.
    zone_node : int64[3, Z]; each zone's node in each block (transit: access copy).
    out_mode : int8[H]; out: reported mode (0 walk ... 5 motorbike), -1 if none is possible.
    out_skim : float64[H, N_ALT]; out: today's generalised minutes by alternative.
    zone_skim : float32[3, Z, D]; out: walk, transit and car minutes from zones to d.
    flow_chunks : float64[n_chunks, S]; out: car PCE (car block) and passengers (transit).
    """
    n = rindptr.shape[0] - 1
    n_slots = rindices.shape[0]
    n_chunks = chunk_bounds.shape[0] - 1
    transit_rows = np.array([A_IVT, A_WAIT, A_WALK, A_FARE, A_BOARD, A_RAIL, A_CABLE])
    car_rows = np.array([A_LEN, A_MOTO])
    cutoff = params[P_CUTOFF]
    slots = np.arange(n_slots)
    for c in prange(n_chunks):
        dist = np.empty(n)
        pred = np.empty(n, np.int64)
        order = np.empty(n, np.int64)
        nset = np.zeros(N_BLOCKS, np.int64)
        hk = np.empty(n_slots + 1)
        hn = np.empty(n_slots + 1, np.int32)
        acc = np.zeros((7, n))
        demand = np.zeros(n)
        util = np.empty(N_ALT)
        avail = np.zeros(N_ALT, np.bool_)
        skim = np.empty(N_ALT)
        for d in range(chunk_bounds[c], chunk_bounds[c + 1]):
            for b in range(N_BLOCKS):
                if b == 0 and not do_walk:
                    continue
                nset[b] = _grow(
                    rindptr, rindices, slots, weight, off[b], off[b + 1], roots[b, d],
                    cutoff, dist, pred, order, hk, hn,
                )  # fmt: skip
            _accumulate(order, off[1], nset[1], pred, slot_head, attr, car_rows, acc)
            _accumulate(order, off[2], nset[2], pred, slot_head, attr, transit_rows, acc)
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
                alt = _choose(util, avail, uniforms[h])
                if alt < 0:
                    out_mode[h] = -1
                    out_time[h] = np.nan
                    out_cost[h] = np.nan
                    out_gen[h] = np.nan
                    continue
                out_gen[h] = skim[alt]
                out_mode[h] = _record(h, alt, dist, acc, hh_node, hh_access_s, hh_walk_s,
                                      hh_fare_factor, params, out_time, out_cost)  # fmt: skip
                q = params[P_HHFLOW]
                if alt == ALT_CAR:
                    demand[hh_node[1, h]] += q
                elif alt == ALT_MOTO:
                    demand[hh_node[1, h]] += q * params[P_MOTOPCE]
                elif alt == ALT_TRANSIT:
                    demand[hh_node[2, h]] += q
            for b in range(1, N_BLOCKS):
                _push(order, off[b], nset[b], pred, slot_head, demand, flow_chunks[c])


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
        minutes = (acc[0, v] + wwait * acc[1, v] + ww * acc[2, v] + pen * acc[4, v]) / 60.0
        skim[ALT_TRANSIT] = minutes + acc[3, v] * fare_factor[h] / vot[h] / 60.0
    else:
        skim[ALT_TRANSIT] = np.inf
    r = node[1, h]
    car_ok = r >= 0 and dist[r] < np.inf
    avail[ALT_CAR] = car_ok and own[h, 0] != 0
    avail[ALT_MOTO] = car_ok and own[h, 1] != 0
    if not car_ok:
        skim[ALT_CAR] = np.inf
        skim[ALT_MOTO] = np.inf
        return
    # acc rows (car block): 0 length, 1 motorbike time
    km = acc[0, r] / 1000.0
    access = ww * access_s[h] / 60.0
    car_cost = km * params[P_CARKM] + params[P_CARPARK]
    moto_cost = km * params[P_MOTOKM] + params[P_MOTOPARK]
    skim[ALT_CAR] = dist[r] / 60.0 + access + car_cost / vot[h] / 60.0
    skim[ALT_MOTO] = acc[1, r] / 60.0 + access + moto_cost / vot[h] / 60.0


@njit(cache=True, nogil=True)
def _record(h, alt, dist, acc, node, access_s, walk_s, fare_factor, params, out_time, out_cost):
    """Door-to-door seconds and money of the chosen trip; returns the reported mode."""
    if alt == ALT_WALK:
        out_time[h] = walk_s[h]
        out_cost[h] = 0.0
        return WALK
    if alt == ALT_TRANSIT:
        v = node[2, h]
        out_time[h] = acc[0, v] + acc[1, v] + acc[2, v]
        out_cost[h] = acc[3, v] * fare_factor[h]
        if acc[6, v] > 0.0:
            return CABLE
        return METRO if acc[5, v] > 0.0 else BUS
    r = node[1, h]
    km = acc[0, r] / 1000.0
    if alt == ALT_CAR:
        out_time[h] = dist[r] + access_s[h]
        out_cost[h] = km * params[P_CARKM] + params[P_CARPARK]
        return CAR
    out_time[h] = acc[1, r] + access_s[h]
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
            zone_skim[1, z, d] = (acc[0, v] + acc[1, v] + acc[2, v]) / 60.0
        else:
            zone_skim[1, z, d] = np.inf
        r = zone_node[1, z]
        zone_skim[2, z, d] = dist[r] / 60.0 if r >= 0 else np.inf
