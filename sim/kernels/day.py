"""One simulated day in one parallel pass over destination zones (numba only).

For each destination zone ``d`` (in parallel, in a fixed number of chunks so results do not
depend on the thread count) the kernel grows reverse shortest-path trees to ``d`` for car, bus
and all-transit, accumulates each tree's path components (in-vehicle, wait, walk, fare, ...),
lets every household working in ``d`` choose a mode by logit on its perceived generalised cost,
and loads the chosen trips back onto the trees (all-or-nothing). Flows go to per-chunk
accumulators that the caller sums in chunk order.

Modes: 0 walk, 1 bus (walk + bus only), 2 rail (any path that rides metro or cable; buses may
feed it), 3 car, 4 motorbike (on the car tree, with its own time and cost).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.kernels.dijkstra import _dijkstra

N_MODES = 5
WALK, BUS, RAIL, CAR, MOTO = 0, 1, 2, 3, 4

# rows of the edge-attribute matrix
A_LEN, A_IVT, A_WAIT, A_WALK, A_FARE, A_BOARD, A_RAIL, A_CABLE, A_MOTO = range(9)
N_ATTR = 9

# rows of the parameter vector
P_SCALE, P_WWAIT, P_WWALK, P_PEN, P_CARKM, P_MOTOKM, P_CARPARK, P_MOTOPARK = range(8)
P_MAXWALK, P_ALPHA, P_MOTOPCE, P_HHFLOW, P_CUTOFF = range(8, 13)
N_PARAM = 13


@njit(cache=True, nogil=True)
def _grow(rindptr, rindices, redge, weight, allowed, source, cutoff, dist, pred, order, hk, hn):
    """Reverse tree to ``source`` in a reused workspace; returns the number of settled nodes."""
    dist[:] = np.inf
    empty = np.zeros(0, np.uint8)
    n_settled, _ = _dijkstra(
        rindptr, rindices, redge, weight, allowed, source, cutoff, dist, pred, order, hk, hn,
        empty, 0,
    )  # fmt: skip
    return n_settled


@njit(cache=True, nogil=True)
def _accumulate(order, n_settled, pred, head, eattr, rows, acc):
    """acc[r, v] = sum of eattr[rows[r]] along v's tree path to the root (parents first)."""
    root = order[0]
    for r in range(rows.shape[0]):
        acc[r, root] = 0.0
    for i in range(1, n_settled):
        v = order[i]
        e = pred[v]
        p = head[e]
        for r in range(rows.shape[0]):
            acc[r, v] = acc[r, p] + eattr[rows[r], e]


@njit(cache=True, nogil=True)
def _push(order, n_settled, pred, head, demand, flow):
    """Push node demands along the tree to the root (farthest first), adding edge flows."""
    for i in range(n_settled - 1, 0, -1):
        v = order[i]
        q = demand[v]
        if q != 0.0:
            e = pred[v]
            flow[e] += q
            demand[head[e]] += q
            demand[v] = 0.0
    demand[order[0]] = 0.0


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
    rindptr, rindices, redge, head,
    allow, weights, eattr,
    dest_walk, dest_drive, chunk_bounds,
    hh_ptr, hh_order, hh_walk_node, hh_drive_node, hh_access_s, hh_walk_s, hh_own,
    hh_vot, hh_fare_factor, asc, params, uniforms, perceived, do_walk,
    zone_walk_node, zone_drive_node,
    out_mode, out_time, out_cost, out_gen, out_skim, zone_skim, flow_chunks,
):  # fmt: skip
    """Simulate one day; see the module docstring.

    Parameters
    ----------
    rindptr, rindices, redge : reverse CSR of the whole network (in-edges per node).
    head : forward head node of every edge (the parent of a node in a reverse tree).
    allow : uint8[4, E]; rows walk, drive, bus, transit.
    weights : float64[4, E]; path-search weights (seconds) for walk, car, bus, transit.
    eattr : float64[N_ATTR, E]; edge components accumulated along trees.
    dest_walk, dest_drive : root node of each destination zone in the walk / drive layer.
    chunk_bounds : int64[n_chunks + 1]; destination ranges handled by one chunk.
    hh_ptr, hh_order : households working in zone d are ``hh_order[hh_ptr[d]:hh_ptr[d+1]]``.
    hh_own : uint8[H, 2]; owns a car, owns a motorbike.
    hh_walk_s : float64[H]; in/out static walk time to work (written when ``do_walk``).
    perceived : float64[H, N_MODES]; in/out perceived generalised minutes (NaN = none yet).
    uniforms : float64[H]; one U[0, 1) draw per household, drawn by the caller's seeded RNG.
    zone_skim : float32[3, Z, D]; out: walk, transit and car minutes from zone nodes to d.
    flow_chunks : float64[2, n_chunks, E]; out: car PCE flows and transit passenger flows.
    """
    n = rindptr.shape[0] - 1
    n_edges = head.shape[0]
    n_chunks = chunk_bounds.shape[0] - 1
    transit_rows = np.array([A_IVT, A_WAIT, A_WALK, A_FARE, A_BOARD, A_RAIL, A_CABLE])
    car_rows = np.array([A_LEN, A_MOTO])
    cutoff = params[P_CUTOFF]
    for c in prange(n_chunks):
        dist = np.empty((4, n))
        pred = np.empty((4, n), np.int64)
        order = np.empty((4, n), np.int64)
        nset = np.zeros(4, np.int64)
        hk = np.empty(n_edges + 1)
        hn = np.empty(n_edges + 1, np.int32)
        acc_bus = np.zeros((7, n))
        acc_tr = np.zeros((7, n))
        acc_car = np.zeros((2, n))
        demand = np.zeros(n)
        util = np.empty(N_MODES)
        avail = np.zeros(N_MODES, np.bool_)
        skim = np.empty(N_MODES)
        for d in range(chunk_bounds[c], chunk_bounds[c + 1]):
            roots = (dest_walk[d], dest_drive[d], dest_walk[d], dest_walk[d])
            for t in range(4):
                if t == 0 and not do_walk:
                    continue
                nset[t] = _grow(
                    rindptr, rindices, redge, weights[t], allow[t], roots[t], cutoff,
                    dist[t], pred[t], order[t], hk, hn,
                )  # fmt: skip
            _accumulate(order[1], nset[1], pred[1], head, eattr, car_rows, acc_car)
            _accumulate(order[2], nset[2], pred[2], head, eattr, transit_rows, acc_bus)
            _accumulate(order[3], nset[3], pred[3], head, eattr, transit_rows, acc_tr)
            _zone_row(d, dist, acc_tr, acc_bus, do_walk, zone_walk_node, zone_drive_node,
                      zone_skim)  # fmt: skip
            for k in range(hh_ptr[d], hh_ptr[d + 1]):
                h = hh_order[k]
                if do_walk:
                    hh_walk_s[h] = dist[0, hh_walk_node[h]]
                _skims(h, dist, acc_bus, acc_tr, acc_car, hh_walk_node, hh_drive_node,
                       hh_access_s, hh_walk_s, hh_own, hh_vot, hh_fare_factor, params, skim,
                       avail)  # fmt: skip
                alpha = params[P_ALPHA]
                for m in range(N_MODES):
                    if not avail[m]:
                        perceived[h, m] = np.nan
                    elif np.isnan(perceived[h, m]):
                        perceived[h, m] = skim[m]
                    else:
                        perceived[h, m] += alpha * (skim[m] - perceived[h, m])
                    util[m] = params[P_SCALE] * (asc[m] - perceived[h, m])
                    out_skim[h, m] = skim[m] if avail[m] else np.nan
                mode = _choose(util, avail, uniforms[h])
                out_mode[h] = mode
                if mode < 0:
                    out_time[h] = np.nan
                    out_cost[h] = np.nan
                    out_gen[h] = np.nan
                    continue
                out_gen[h] = skim[mode]
                _record(h, mode, dist, acc_bus, acc_tr, acc_car, hh_walk_node, hh_drive_node,
                        hh_access_s, hh_walk_s, hh_fare_factor, params, out_time, out_cost)  # fmt: skip
                q = params[P_HHFLOW]
                if mode == CAR:
                    demand[hh_drive_node[h]] += q
                elif mode == MOTO:
                    demand[hh_drive_node[h]] += q * params[P_MOTOPCE]
            _push(order[1], nset[1], pred[1], head, demand, flow_chunks[0, c])
            for t in (2, 3):
                mode = BUS if t == 2 else RAIL
                for k in range(hh_ptr[d], hh_ptr[d + 1]):
                    h = hh_order[k]
                    if out_mode[h] == mode:
                        demand[hh_walk_node[h]] += params[P_HHFLOW]
                _push(order[t], nset[t], pred[t], head, demand, flow_chunks[1, c])


@njit(cache=True, nogil=True)
def _skims(h, dist, acc_bus, acc_tr, acc_car, walk_node, drive_node, access_s, walk_s, own, vot,
           fare_factor, params, skim, avail):  # fmt: skip
    """Today's generalised minutes by mode for household h, and which modes it can use."""
    w = walk_node[h]
    r = drive_node[h]
    ww, wwait, pen = params[P_WWALK], params[P_WWAIT], params[P_PEN]
    skim[WALK] = ww * walk_s[h] / 60.0
    avail[WALK] = walk_s[h] <= params[P_MAXWALK]
    for m, acc in ((BUS, acc_bus), (RAIL, acc_tr)):
        # acc rows: 0 ivt, 1 wait, 2 walk, 3 fare, 4 boardings, 5 rail ivt, 6 cable ivt.
        # A bus path must ride a bus, a rail path must ride metro or cable.
        rides = acc[0, w] if m == BUS else acc[5, w]
        ok = dist[2 if m == BUS else 3, w] < np.inf and rides > 0.0
        avail[m] = ok
        if ok:
            minutes = (acc[0, w] + wwait * acc[1, w] + ww * acc[2, w] + pen * acc[4, w]) / 60.0
            skim[m] = minutes + acc[3, w] * fare_factor[h] / vot[h] / 60.0
        else:
            skim[m] = np.inf
    car_ok = dist[1, r] < np.inf
    km = acc_car[0, r] / 1000.0
    avail[CAR] = car_ok and own[h, 0] != 0
    avail[MOTO] = car_ok and own[h, 1] != 0
    access = ww * access_s[h] / 60.0
    car_cost = km * params[P_CARKM] + params[P_CARPARK]
    moto_cost = km * params[P_MOTOKM] + params[P_MOTOPARK]
    skim[CAR] = (dist[1, r] / 60.0 + access + car_cost / vot[h] / 60.0) if car_ok else np.inf
    skim[MOTO] = (acc_car[1, r] / 60.0 + access + moto_cost / vot[h] / 60.0) if car_ok else np.inf


@njit(cache=True, nogil=True)
def _record(h, mode, dist, acc_bus, acc_tr, acc_car, walk_node, drive_node, access_s, walk_s,
            fare_factor, params, out_time, out_cost):  # fmt: skip
    """Door-to-door seconds and money of the chosen trip."""
    w = walk_node[h]
    r = drive_node[h]
    if mode == WALK:
        out_time[h] = walk_s[h]
        out_cost[h] = 0.0
    elif mode in (BUS, RAIL):
        acc = acc_bus if mode == BUS else acc_tr
        out_time[h] = acc[0, w] + acc[1, w] + acc[2, w]
        out_cost[h] = acc[3, w] * fare_factor[h]
    else:
        km = acc_car[0, r] / 1000.0
        if mode == CAR:
            out_time[h] = dist[1, r] + access_s[h]
            out_cost[h] = km * params[P_CARKM] + params[P_CARPARK]
        else:
            out_time[h] = acc_car[1, r] + access_s[h]
            out_cost[h] = km * params[P_MOTOKM] + params[P_MOTOPARK]


@njit(cache=True, nogil=True)
def _zone_row(d, dist, acc_tr, acc_bus, do_walk, zone_walk, zone_drive, zone_skim):
    """Minutes from each zone's nodes to destination d: walk (static), best transit, car."""
    for z in range(zone_walk.shape[0]):
        w = zone_walk[z]
        if do_walk:
            zone_skim[0, z, d] = dist[0, w] / 60.0
        best = np.inf
        if dist[3, w] < np.inf and acc_tr[0, w] > 0.0:
            best = (acc_tr[0, w] + acc_tr[1, w] + acc_tr[2, w]) / 60.0
        if dist[2, w] < np.inf and acc_bus[0, w] > 0.0:
            best = min(best, (acc_bus[0, w] + acc_bus[1, w] + acc_bus[2, w]) / 60.0)
        zone_skim[1, z, d] = best
        zone_skim[2, z, d] = dist[1, zone_drive[z]] / 60.0
