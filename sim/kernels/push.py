"""Column flows pushed onto links (numba only): a trip's flow, or its change, on each column
of its groups, accumulated at its origin and carried along the column to the root. The
gradient-projection direction (:func:`sim.kernels.columns.master`) pushes column-flow changes;
a warm start (:func:`sim.kernels.paths.load_columns`) pushes the column flows themselves.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _push_column(col_lo, col_hi, node, slot, seed, egress, slot_head, demand, flow, fa, a, fb,
                 b, eg):  # fmt: skip
    """Push node demands along one column to its root (leaves first), adding slot flows."""
    for i in range(col_hi - 1, col_lo - 1, -1):
        v = node[i]
        q = demand[v]
        if q == 0.0:
            continue
        k = slot[i]
        if k >= 0:
            demand[slot_head[k]] += q
        else:
            k = seed[i]
            if k >= 0:
                eg[0] += q * egress[i]
        if k >= 0:
            flow[k] += q
            if fa.shape[0] > 0:
                fa[k] += a * q
                fb[k] += b * q
        demand[v] = 0.0


@njit(cache=True, nogil=True)
def _in_group(trips, h, grp):
    if grp == 0:
        return trips.node[1, h] >= 0
    return trips.node[2, h] >= 0 and trips.klass[h] == grp - 1


@njit(cache=True, nogil=True)
def group_members(trips, d, grp, memb):
    """Write the trips to destination ``d`` of group ``grp`` into ``memb`` (in the
    destination's order); returns how many there are."""
    m = 0
    for i in range(trips.ptr[d], trips.ptr[d + 1]):
        h = trips.order[i]
        if _in_group(trips, h, grp):
            memb[m] = h
            m += 1
    return m


@njit(cache=True, nogil=True)
def push_destination(d, trips, g_lo, g_hi, cols, col_start, col_len, n_cols, f, slot_head,
                     demand, flow, m1, m2, class_m1, class_m2, egress, org, memb):  # fmt: skip
    """Push ``f[h, s, j]`` (trip ``h``'s flow on column ``j`` of its car group, ``s`` 0, or its
    transit group, ``s`` 1) of every trip to destination ``d`` along the columns of its groups
    ``g_lo`` to ``g_hi`` - 1 (0: the car, 1 + k: transit class k): slot flows
    into ``flow``, boardings and transfers at each class's money weights into ``m1`` and
    ``m2``, weighted egress walks into ``egress[0]``. ``demand`` is zero on entry and exit.
    ``org`` = (origins, origins_ptr, oidx): each group's origin nodes and each trip's index in
    its groups' (:class:`sim.columns.Columns`); ``memb`` a scratch array of a trip per trip.
    Each trip's row of ``f`` is read once (it is summed by origin first), since trips of a
    destination lie scattered in memory."""
    node, slot, seed, egr = cols
    origins, origins_ptr, oidx = org
    n_groups = n_cols.shape[1]
    for grp in range(g_lo, g_hi):
        mc = n_cols[d, grp]
        if mc == 0:
            continue
        gs = 0 if grp == 0 else 1
        a = class_m1[grp - 1] if grp > 0 else 0.0
        b = class_m2[grp - 1] if grp > 0 else 0.0
        o_lo = origins_ptr[d * n_groups + grp]
        n_org = origins_ptr[d * n_groups + grp + 1] - o_lo
        by_origin = np.zeros((mc, n_org))
        moved = np.zeros(mc, np.bool_)
        for i in range(group_members(trips, d, grp, memb)):
            h = memb[i]
            o = oidx[h, gs]
            for j in range(mc):
                q = f[h, gs, j]
                if q != 0.0:
                    by_origin[j, o] += q
                    moved[j] = True
        for j in range(mc):
            if moved[j]:
                for o in range(n_org):
                    demand[origins[o_lo + o]] += by_origin[j, o]
                a0 = col_start[d, grp, j]
                _push_column(a0, a0 + col_len[d, grp, j], node, slot, seed, egr, slot_head,
                             demand, flow, m1, a, m2, b, egress)  # fmt: skip
