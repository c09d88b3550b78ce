"""Road route shares moved trip by trip (numba only): the equilibrium solver's road sweep.

The road part of the equilibrium is a separable problem: a drive edge's time depends on its
own flow only (:class:`sim.congestion.RoadCosts`). Path-based gradient projection
(Jayakrishnan et al., 1994, "A faster path-based algorithm for traffic assignment", TRR 1443)
moves one origin-destination pair at a time and updates the link costs before the next one
moves. The block sweeps of :mod:`sim.equilibrium` move thousands of trips with one line
search, held back by the few that share a crowded link; :func:`road_sweep` moves each trip's
car flow between its columns with the exact Newton step of that trip alone, then updates the
times of the links it changed, one trip after another. Mode probabilities and transit stay
as they are.

:func:`edge_time` is :meth:`sim.congestion.RoadCosts.times` and ``.marginal`` of one edge (BPR
running time, HCM 2010 signal delay, fixed priority delay), for flows in PCE an hour.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.shift import MIN_SHARE


@njit(cache=True, nogil=True)
def edge_time(i, v, road):
    """Time (s) and its derivative (s per PCE an hour) of drive edge ``i`` at flow ``v``.

    ``road`` rows: t0, mid-block capacity, signal stop lines, signal capacity, green ratio,
    cycle (s), priority delay (s); then ``road[7, 0:4]`` = alpha, beta, period (h), 8 k I."""
    v = max(v, 0.0)
    t0, cap, n_sig = road[0, i], road[1, i], road[2, i]
    alpha, beta, period, ki8 = road[7, 0], road[7, 1], road[7, 2], road[7, 3]
    r = v / cap
    t = t0 * (1.0 + alpha * r**beta) + road[6, i]
    dt = t0 * alpha * beta * v ** (beta - 1.0) / cap**beta
    if n_sig > 0.0:
        c, g, cycle = road[3, i], road[4, i], road[5, i]
        x = v / c
        xm = min(x, 1.0)
        a = 0.5 * cycle * (1.0 - g) ** 2
        d1 = a / (1.0 - xm * g)
        dd1 = a * g / (1.0 - xm * g) ** 2 if x < 1.0 else 0.0
        m = ki8 / (c * period)
        u = x - 1.0
        root = np.sqrt(u * u + m * x)
        d2 = 900.0 * period * (u + root)
        dd2 = 900.0 * period * (1.0 + (u + 0.5 * m) / max(root, 1e-12))
        t += n_sig * (d1 + d2)
        dt += n_sig * (dd1 + dd2) / c
    return t, dt


@njit(cache=True, nogil=True)
def _walk(par, j, origin, lo, slot_head, slot_drive, t, dt, const, mark, tag, shared_tag):
    """Cost (s) and derivative sum of column ``j``'s path from ``origin`` (a car-block node);
    with ``tag`` > 0 its slots are marked, with ``shared_tag`` > 0 the derivative sum of its
    slots marked ``shared_tag`` comes back too."""
    cost, der, shared = 0.0, 0.0, 0.0
    v = origin
    while True:
        k = par[j, v - lo]
        if k < 0:
            break
        i = slot_drive[k]
        if i >= 0:
            cost += t[i]
            der += dt[i]
            if shared_tag > 0 and mark[k] == shared_tag:
                shared += dt[i]
        else:
            cost += const[k]
        if tag > 0:
            mark[k] = tag
        v = slot_head[k]
    return cost, der, shared


@njit(cache=True, nogil=True)
def _load(par, j, origin, lo, slot_head, slot_drive, q, v, t, dt, road, dflow):
    """Add ``q`` PCE an hour along column ``j``'s path from ``origin`` and update its links."""
    x = origin
    while True:
        k = par[j, x - lo]
        if k < 0:
            break
        i = slot_drive[k]
        if i >= 0:
            v[i] += q
            dflow[i] += q
            t[i], dt[i] = edge_time(i, v[i], road)
        x = slot_head[k]


@njit(cache=True, nogil=True)
def road_sweep(trips, cols, col_start, col_len, n_cols, fcol, slot_head, slot_drive, const, lo,
               n_block, road, v, dflow, passes):  # fmt: skip
    """``passes`` sweeps over every destination and its car trips: each trip's car flow on a
    dearer column moves toward its cheapest by the Newton step of the pair (the cost difference
    over the derivatives of the links one path uses and the other does not), links updated at
    once. ``v`` (PCE an hour, buses included) and ``fcol[:, 0, :]`` move; ``dflow`` gathers the
    change of every drive edge. ``slot_drive[k]``: drive edge of car slot ``k``, or -1 for a
    slot of constant time ``const[k]``; car-block nodes are ``lo .. lo + n_block``. Returns the
    flow moved (PCE an hour)."""
    node, slot, _, _ = cols
    n_dest = n_cols.shape[0]
    m_max = fcol.shape[2]
    par = np.full((m_max, n_block), -1, np.int64)
    seen = np.full((m_max, n_block), -1, np.int64)
    mark = np.zeros(slot_head.shape[0], np.int64)
    tag = 0
    t = np.empty(v.shape[0])
    dt = np.empty(v.shape[0])
    for i in range(v.shape[0]):
        t[i], dt[i] = edge_time(i, v[i], road)
    cost = np.empty(m_max)
    moved = 0.0
    for _ in range(passes):
        for d in range(n_dest):
            m = n_cols[d, 0]
            if m < 2:
                continue
            for j in range(m):
                a0 = col_start[d, 0, j]
                for a in range(a0, a0 + col_len[d, 0, j]):
                    x = node[a] - lo
                    par[j, x] = slot[a]
                    seen[j, x] = d
            for a in range(trips.ptr[d], trips.ptr[d + 1]):
                h = trips.order[a]
                o = trips.node[1, h]
                if o < 0:
                    continue
                total, used = 0.0, 0
                for j in range(m):
                    if fcol[h, 0, j] > 0.0:
                        total += fcol[h, 0, j]
                        used += 1
                if total <= 0.0:
                    continue
                best = -1
                for j in range(m):
                    cost[j] = np.inf
                    if seen[j, o - lo] == d:
                        cost[j] = _walk(par, j, o, lo, slot_head, slot_drive, t, dt, const, mark,
                                        0, 0)[0]  # fmt: skip
                        if best < 0 or cost[j] < cost[best]:
                            best = j
                if best < 0 or (used == 1 and fcol[h, 0, best] > 0.0):
                    continue
                for j in range(m):
                    f = fcol[h, 0, j]
                    if j == best or f <= 0.0 or not np.isfinite(cost[j]):
                        continue
                    tag += 1
                    cb, db, _ = _walk(par, best, o, lo, slot_head, slot_drive, t, dt, const, mark,
                                      tag, 0)  # fmt: skip
                    cj, dj, shared = _walk(par, j, o, lo, slot_head, slot_drive, t, dt, const,
                                           mark, 0, tag)  # fmt: skip
                    gap = cj - cb
                    if gap <= 0.0:
                        continue
                    curv = db + dj - 2.0 * shared
                    step = f if curv <= 0.0 else min(f, gap / curv)
                    if f - step < MIN_SHARE * total:
                        step = f
                    _load(par, j, o, lo, slot_head, slot_drive, -step, v, t, dt, road, dflow)
                    _load(par, best, o, lo, slot_head, slot_drive, step, v, t, dt, road, dflow)
                    fcol[h, 0, j] = f - step
                    fcol[h, 0, best] += step
                    moved += step
    return moved
