"""Column flows pushed onto links (numba only): a trip's flow, or its change, on each column
of its groups, accumulated at its origin and carried along the column to the root. The
gradient-projection direction (:func:`sim.kernels.columns.master`) pushes column-flow changes;
a warm start (:func:`sim.kernels.paths.load_columns`) pushes the column flows themselves.
"""

from __future__ import annotations

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
def push_destination(d, trips, n_class, cols, col_start, col_len, n_cols, f, slot_head, demand,
                     flow, m1, m2, class_m1, class_m2, egress):  # fmt: skip
    """Push ``f[h, s, j]`` (trip ``h``'s flow on column ``j`` of its car group, ``s`` 0, or its
    transit group, ``s`` 1) of every trip to destination ``d`` along its columns: slot flows
    into ``flow``, boardings and transfers at each class's money weights into ``m1`` and
    ``m2``, weighted egress walks into ``egress[0]``. ``demand`` is zero on entry and exit."""
    node, slot, seed, egr = cols
    lo, hi = trips.ptr[d], trips.ptr[d + 1]
    for grp in range(1 + n_class):
        gs = 0 if grp == 0 else 1
        row = 1 if grp == 0 else 2
        a = class_m1[grp - 1] if grp > 0 else 0.0
        b = class_m2[grp - 1] if grp > 0 else 0.0
        for j in range(n_cols[d, grp]):
            moved = False
            for i in range(lo, hi):
                h = trips.order[i]
                if _in_group(trips, h, grp) and f[h, gs, j] != 0.0:
                    demand[trips.node[row, h]] += f[h, gs, j]
                    moved = True
            if moved:
                a0 = col_start[d, grp, j]
                _push_column(a0, a0 + col_len[d, grp, j], node, slot, seed, egr, slot_head,
                             demand, flow, m1, a, m2, b, egress)  # fmt: skip
