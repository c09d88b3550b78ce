"""Skims and choices of one destination's trips (numba only): each trip's own generalised
minutes, time, money and km by alternative, its choice probabilities (logit, day-to-day best
response, or a fixed alternative), and the zone-to-destination skims.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.day.layout import (
    A_BOARD,
    A_CABLE,
    A_CROWD,
    A_FARE,
    A_IVT,
    A_RAIL,
    A_WAIT,
    A_WALK,
    A_XFARE,
    ALT_CAR,
    ALT_MOTO,
    ALT_TRANSIT,
    ALT_WALK,
    BUS,
    CABLE,
    METRO,
    N_ALT,
    S_ALPHA,
    S_CARKM,
    S_CARPARK,
    S_MAXWALK,
    S_MOTOKM,
    S_MOTOPARK,
    S_PEN,
    S_SCALE,
    S_WMODE,
    S_WWAIT,
    S_WWALK,
    Z_CAR_KM,
    Z_FARE,
    Z_MOTO_MIN,
    Z_TRANSIT_MIN,
    Z_XFARE,
)


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
    out.skim[h, ALT_WALK] = s[S_WMODE] * walk_s / 60.0
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
def _zone_car(g, d, dist, acc, zone_skim, parts):
    for z in range(g.zone_node.shape[1]):
        r = g.zone_node[1, z]
        ok = r >= 0 and dist[r] < np.inf
        zone_skim[1, z, d] = (dist[r] + g.car_end_s[d]) / 60.0 if ok else np.inf
        parts[Z_CAR_KM, z, d] = acc[r, 0] / 1000.0 if ok else np.inf
        parts[Z_MOTO_MIN, z, d] = (acc[r, 1] + g.moto_end_s[d]) / 60.0 if ok else np.inf


@njit(cache=True, nogil=True)
def _zone_transit(g, p, d, k, dist, acc, zone_skim, parts):
    """Zone minutes on class k's transit tree; on the first class's, also its generalised parts."""
    s = p.scalars
    for z in range(g.zone_node.shape[1]):
        v = g.zone_node[2, z]
        if v < 0 or dist[v] == np.inf:
            zone_skim[2 + k, z, d] = np.inf
            if k == 0:
                parts[Z_TRANSIT_MIN : Z_XFARE + 1, z, d] = np.inf
            continue
        zone_skim[2 + k, z, d] = (acc[v, A_IVT] + acc[v, A_WAIT] + acc[v, A_WALK]) / 60.0
        if k == 0:
            weighted = (acc[v, A_IVT] + acc[v, A_CROWD] + s[S_WWAIT] * acc[v, A_WAIT]
                        + s[S_WWALK] * acc[v, A_WALK] + s[S_PEN] * acc[v, A_BOARD])  # fmt: skip
            parts[Z_TRANSIT_MIN, z, d] = weighted / 60.0
            parts[Z_FARE, z, d] = acc[v, A_FARE]
            parts[Z_XFARE, z, d] = acc[v, A_XFARE]
