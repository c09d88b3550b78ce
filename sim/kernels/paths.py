"""Equal paths among a group's columns (numba only): a trip's flow on two columns whose paths
from its origin are the same is merged onto one (:meth:`sim.columns.Columns.prune`), so link
flows do not move and columns nobody uses can be dropped. Paths are compared by a 64-bit
fingerprint built root-first along each column, as :func:`sim.kernels.columns._path_costs`
builds costs. :func:`load_columns` gives the link flows of column flows set from outside (a
warm start, :mod:`sim.warm`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.kernels.push import _in_group, push_destination

#: Multipliers of the path fingerprint (splitmix64's constants).
_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xBF58476D1CE4E5B9)


@njit(cache=True, nogil=True)
def _fingerprints(col_lo, col_hi, node, slot, seed, slot_head, mark, stamp, tag):
    """A 64-bit fingerprint of the path from every node of one column to its root (equal paths,
    equal fingerprints; unequal ones collide with probability about 2**-64)."""
    for i in range(col_lo, col_hi):
        v = node[i]
        stamp[v] = tag
        k = slot[i]
        if k >= 0:
            base = mark[slot_head[k]]
        else:
            base = np.uint64(v) * _MIX_B
            k = seed[i]
        x = (base ^ np.uint64(k + 2)) * _MIX_A
        mark[v] = x ^ (x >> np.uint64(31))


@njit(cache=True, parallel=True)
def merge_equal_paths(g, trips, cols, col_start, col_len, n_cols, fcol, n_class):
    """Move each trip's flow from every column whose path from the trip's origin equals that of
    a lower-numbered column of its group onto that column. Link flows do not change (the paths
    are the same); columns left without flow can then be dropped. Returns the flow moved."""
    n = g.rindptr.shape[0] - 1
    n_chunks = trips.chunks.shape[0] - 1
    node, slot, seed, _ = cols
    moved = np.zeros(n_chunks)
    for c in prange(n_chunks):
        mark = np.zeros(n, np.uint64)
        stamp = np.full(n, -1, np.int64)
        tag = 0
        for d in range(trips.chunks[c], trips.chunks[c + 1]):
            lo, hi = trips.ptr[d], trips.ptr[d + 1]
            for grp in range(1 + n_class):
                m = n_cols[d, grp]
                if m < 2:
                    continue
                gs = 0 if grp == 0 else 1
                row = 1 if grp == 0 else 2
                prints = np.zeros((hi - lo, m), np.uint64)
                seen = np.zeros((hi - lo, m), np.bool_)
                for j in range(m):
                    a0 = col_start[d, grp, j]
                    tag += 1
                    _fingerprints(a0, a0 + col_len[d, grp, j], node, slot, seed, g.slot_head,
                                  mark, stamp, tag)  # fmt: skip
                    for i in range(lo, hi):
                        h = trips.order[i]
                        if _in_group(trips, h, grp):
                            v = trips.node[row, h]
                            if stamp[v] == tag:
                                prints[i - lo, j] = mark[v]
                                seen[i - lo, j] = True
                for i in range(lo, hi):
                    h = trips.order[i]
                    if not _in_group(trips, h, grp):
                        continue
                    for j in range(1, m):
                        if fcol[h, gs, j] == 0.0 or not seen[i - lo, j]:
                            continue
                        for k in range(j):
                            if seen[i - lo, k] and prints[i - lo, k] == prints[i - lo, j]:
                                fcol[h, gs, k] += fcol[h, gs, j]
                                moved[c] += fcol[h, gs, j]
                                fcol[h, gs, j] = 0.0
                                break
    return moved.sum()


@njit(cache=True, parallel=True)
def load_columns(g, trips, cols, col_start, col_len, n_cols, fcol, class_m1, class_m2, flow, m1,
                 m2, egress, org):  # fmt: skip
    """Push every trip's column flows along its columns: per chunk of destinations the slot
    flows (``flow[c]``), the boarding and transfer money weights (``m1[c]``, ``m2[c]``, per
    routing class) and the weighted egress walk (``egress[c]``, seconds). Arrays are zeroed
    first; the link flows of a state set column by column (a warm start)."""
    n = g.rindptr.shape[0] - 1
    n_chunks = trips.chunks.shape[0] - 1
    n_class = class_m1.shape[0]
    for c in prange(n_chunks):
        flow[c, :] = 0.0
        m1[c, :] = 0.0
        m2[c, :] = 0.0
        egress[c] = 0.0
        demand = np.zeros(n)
        memb = np.empty(trips.order.shape[0], np.int64)
        for d in range(trips.chunks[c], trips.chunks[c + 1]):
            push_destination(d, trips, 0, 1 + n_class, cols, col_start, col_len, n_cols, fcol,
                             g.slot_head, demand, flow[c], m1[c], m2[c], class_m1, class_m2,
                             egress[c : c + 1], org, memb)  # fmt: skip
