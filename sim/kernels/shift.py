"""A trip's gradient-projection direction on its columns (numba only; :mod:`sim.kernels.columns`
evaluates the columns): its generalised minutes by alternative on its cheapest columns, its
target mode probabilities (their logit) and the Newton shift of its route shares toward the
cheapest column.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.day.layout import (
    ALT_CAR,
    ALT_MOTO,
    ALT_TRANSIT,
    ALT_WALK,
    N_ALT,
    S_MOTOPCE,
    S_SCALE,
)

#: A trip's share of a column below which the shift takes it all (the block sweeps here, the
#: road sweeps in :mod:`sim.kernels.roads`).
MIN_SHARE = 1e-4


@njit(cache=True, nogil=True)
def _cheapest(ccost, h, s, m):
    best = 0
    for j in range(1, m):
        if ccost[h, s, j] < ccost[h, s, best]:
            best = j
    return best


@njit(cache=True, nogil=True)
def _extra(trips, p, h, grp, e0, e1):
    """A column's route-dependent choice minutes beyond its routing cost for trip ``h``: for a
    car column (``grp`` 0) its free-flow minutes (``e0`` seconds); for a transit column its
    boarding and transfer fares (``e0``, ``e1``) at the trip's own money weights (``fare1 /
    vot``, ``fare2 / vot``) less those of the class it is routed with."""
    if grp == 0:
        return e0 / 60.0
    k = grp - 1
    own1 = trips.fare1[h] / trips.vot[h]
    own2 = trips.fare2[h] / trips.vot[h]
    return (own1 - p.class_m1[k]) * e0 + (own2 - p.class_m2[k]) * e1


@njit(cache=True, nogil=True)
def _trip_direction(trips, p, share, nonroute, n_cols, d, h, fcol, prob, shares_only, ccost,
                    cder, cextra, cskim, dprob, dfcol):  # fmt: skip
    """Generalised minutes by alternative on the cheapest columns, as a pass charges them (a
    motorbike ``share`` of the car's delay, transit fares at the trip's own money weights);
    target mode probabilities (their logit) and target column flows (a Newton shift of route
    shares toward the cheapest column, times the target demand)."""
    s = p.scalars
    mc = n_cols[d, 0] if trips.node[1, h] >= 0 else 0
    mt = n_cols[d, 1 + trips.klass[h]] if trips.node[2, h] >= 0 else 0
    jc = _cheapest(ccost, h, 0, mc) if mc > 0 else -1
    jt = _cheapest(ccost, h, 1, mt) if mt > 0 else -1
    for a in range(N_ALT):
        dprob[h, a] = 0.0
    target = np.empty(N_ALT)
    for a in range(N_ALT):
        target[a] = prob[h, a]
    cost = np.full(N_ALT, np.inf)
    cost[ALT_WALK] = nonroute[h, ALT_WALK]
    if jt >= 0:
        cost[ALT_TRANSIT] = nonroute[h, ALT_TRANSIT] + ccost[h, 1, jt] + cextra[h, 1, jt]
    if jc >= 0:
        t, free = ccost[h, 0, jc], cextra[h, 0, jc]
        cost[ALT_CAR] = nonroute[h, ALT_CAR] + trips.pce[h] * t
        cost[ALT_MOTO] = nonroute[h, ALT_MOTO] + free + share * (t - free)
    for a in range(N_ALT):
        cskim[h, a] = cost[a]
    if trips.fixed[h] < 0 and not shares_only:
        seg = trips.segment[h]
        top = -np.inf
        for a in range(N_ALT):
            if np.isfinite(cost[a]):
                top = max(top, s[S_SCALE] * (p.asc[seg, a] - cost[a]))
        if top > -np.inf:
            total = 0.0
            for a in range(N_ALT):
                target[a] = 0.0
                if np.isfinite(cost[a]):
                    target[a] = np.exp(s[S_SCALE] * (p.asc[seg, a] - cost[a]) - top)
                    total += target[a]
            for a in range(N_ALT):
                target[a] /= total
                dprob[h, a] = target[a] - prob[h, a]
    q = trips.flow[h]
    car = q * (trips.pce[h] * target[ALT_CAR] + s[S_MOTOPCE] * target[ALT_MOTO])
    _shift(h, 0, mc, jc, car, fcol, ccost, cder, dfcol)
    _shift(h, 1, mt, jt, q * target[ALT_TRANSIT], fcol, ccost, cder, dfcol)


@njit(cache=True, nogil=True)
def _shift(h, s, m, best, demand, fcol, ccost, cder, dfcol):
    """Column flows of trip ``h`` (group slot ``s``) moved toward column ``best``, scaled to the
    target ``demand``; writes the difference to ``dfcol``."""
    if m == 0:
        return
    now = 0.0
    for j in range(m):
        now += fcol[h, s, j]
    if now <= 0.0:
        for j in range(m):
            dfcol[h, s, j] = demand if j == best else 0.0
        return
    moved = 0.0
    for j in range(m):
        dfcol[h, s, j] = fcol[h, s, j] / now  # the share, for now
    for j in range(m):
        if j == best or dfcol[h, s, j] <= 0.0:
            continue
        gap = ccost[h, s, j] - ccost[h, s, best]
        # derivative sums are of slopes times the links' flows: the change in cost when every
        # trip on the links moves the same share of its flow (as they all do at once), over
        # the links of one path and not the other (see :func:`_own_curvature`)
        curv = cder[h, s, j] + cder[h, s, best]
        step = dfcol[h, s, j] if curv <= 0.0 else min(dfcol[h, s, j], gap / curv)
        if dfcol[h, s, j] - step < MIN_SHARE:  # a sliver left behind: take it all, and the
            step = dfcol[h, s, j]  # column can be dropped once nobody uses it
        dfcol[h, s, j] -= step
        moved += step
    dfcol[h, s, best] += moved
    for j in range(m):
        dfcol[h, s, j] = demand * dfcol[h, s, j] - fcol[h, s, j]
