"""Columns: compact shortest-path trees kept between passes, and the gradient-projection
direction on them (numba only).

A *group* of destination ``d`` is its car trips (group 0, the car block) or its transit trips
of one routing class (group ``1 + k``, the transit block with class ``k``'s weights). A
*column* of a group is the part of one reverse shortest-path tree to ``d`` that the group's
trips use: the nodes on the paths from their origins to the root, in root-first order, each
with the slot leading to its parent (``-1`` at a root; transit roots carry their seed hop and
weighted egress walk). Each trip keeps a flow on each column of its groups; link flows are
those flows pushed along the columns.

:func:`grow_columns` regrows the trees of a pass (same weights, hence the same trees) and
writes each group's column into a flat buffer sized from the previous call (a group that does
not fit is counted, and a second call regrows the destinations of those that did not).
:func:`master` evaluates every column's path cost and its derivative for every trip and returns
the gradient-projection direction (in three phases, each shared among numba's threads: the
columns of each destination and group, sized so the threads finish together; the trips'
directions; the push of the car columns beside that of the transit columns, which run on
other links; the results do not depend on the number of threads): per trip, flow moves from dearer columns to the cheapest in
proportion to their cost difference over the sum of the derivatives of the links one path
uses and the other does not (a Newton step, Jayakrishnan et al. 1994), and the mode
probabilities move toward the logit of the cheapest columns' costs; the link-flow direction is
the column-flow direction pushed along the columns.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.kernels.day.layout import (
    N_TRANSIT_ATTR,
    S_CUTOFF,
    S_EGRESS,
    S_WWALK,
)
from sim.kernels.day.trees import _grow, _seed
from sim.kernels.dijkstra import _dijkstra_seeded
from sim.kernels.push import group_members, push_destination
from sim.kernels.shift import _cheapest, _extra, _trip_direction


@njit(cache=True, nogil=True)
def _emit(order, lo, n_settled, pred, slot_head, origins, mark, seed_slot, seed_egress,
          cap, out_node, out_slot, out_seed, out_egress, at, dist):  # fmt: skip
    """Mark the ancestors of the reached ``origins`` and emit them in settle (root-first)
    order, writing the first ``cap`` of them at ``at``; returns how many there are."""
    for o in origins:
        v = o
        if dist[v] == np.inf:  # not reached by this tree: its pred is stale
            continue
        while v >= 0 and mark[v] == 0:
            mark[v] = 1
            k = pred[v]
            v = slot_head[k] if k >= 0 else -1
    count = 0
    for i in range(lo, lo + n_settled):
        v = order[i]
        if mark[v] == 0:
            continue
        mark[v] = 0
        if count < cap:
            out_node[at + count] = v
            out_slot[at + count] = pred[v]
            out_seed[at + count] = seed_slot[v] if pred[v] < 0 else -1
            out_egress[at + count] = seed_egress[v] if pred[v] < 0 else 0.0
        count += 1
    return count


@njit(cache=True, parallel=True)
def grow_columns(g, costs, trips, p, origins_ptr, origins, todo, sizes, cap, start, out_node,
                 out_slot, out_seed, out_egress):  # fmt: skip
    """Regrow the car tree and transit trees (one per class) of each destination ``d`` with
    ``todo[d]`` and write the column of every group at ``start[d, grp]``, at most
    ``cap[d, grp]`` entries of it; ``sizes[d, grp]`` is its full size (larger than ``cap`` when
    it did not fit; left as it is for the destinations not to do). ``origins`` of group ``grp``
    of ``d`` are ``origins[origins_ptr[d, grp]:origins_ptr[d, grp + 1]]`` (block nodes; the
    pointer array is flat over ``d * n_groups + grp``)."""
    n = g.rindptr.shape[0] - 1
    n_slots = g.rindices.shape[0]
    n_chunks = trips.chunks.shape[0] - 1
    n_class = costs.transit.shape[0]
    n_groups = 1 + n_class
    cutoff = p.scalars[S_CUTOFF]
    off = g.off
    for c in prange(n_chunks):
        dist = np.empty(n)
        pred = np.empty(n, np.int64)
        order = np.empty(n, np.int64)
        hk = np.empty(n_slots + 1)
        hn = np.empty(n_slots + 1, np.int32)
        mark = np.zeros(n, np.uint8)
        root_acc = np.zeros((n, N_TRANSIT_ATTR))
        seed_slot = np.full(n, -1, np.int64)
        seed_egress = np.zeros(n)
        seeds = np.empty(n, np.int64)
        seed_dist = np.empty(n)
        no_seed = np.full(n, -1, np.int64)
        for d in range(trips.chunks[c], trips.chunks[c + 1]):
            if not todo[d]:
                continue
            base = d * n_groups
            _grow(g, costs.street, off[0], off[1], g.roots[0, d], s_egress(p), dist, pred, order,
                  hk, hn)  # fmt: skip
            walk_ok = g.roots[0, d] >= 0
            nc = _grow(g, costs.street, off[1], off[2], g.roots[1, d], cutoff, dist, pred, order,
                       hk, hn)  # fmt: skip
            org = origins[origins_ptr[base] : origins_ptr[base + 1]]
            sizes[d, 0] = _emit(order, off[1], nc, pred, g.slot_head, org, mark, no_seed,
                                seed_egress, cap[d, 0], out_node, out_slot, out_seed, out_egress,
                                start[d, 0], dist)  # fmt: skip
            for k in range(n_class):
                org = origins[origins_ptr[base + 1 + k] : origins_ptr[base + 2 + k]]
                if not walk_ok or org.shape[0] == 0:
                    sizes[d, 1 + k] = 0
                    continue
                w = costs.transit[k]
                ns = _seed(g, w, costs.attr, dist, p.scalars[S_EGRESS], p.scalars[S_WWALK],
                           seeds, seed_dist, seed_slot, seed_egress, root_acc)  # fmt: skip
                dist[off[2] : off[3]] = np.inf
                nt, _ = _dijkstra_seeded(g.rindptr, g.rindices, np.arange(n_slots), w,
                                         seeds[:ns], seed_dist[:ns], cutoff, dist, pred,
                                         order[off[2] : off[3]], hk, hn)  # fmt: skip
                sizes[d, 1 + k] = _emit(order, off[2], nt, pred, g.slot_head, org, mark,
                                        seed_slot, seed_egress, cap[d, 1 + k], out_node, out_slot,
                                        out_seed, out_egress, start[d, 1 + k], dist)  # fmt: skip
                for j in range(ns):
                    seed_slot[seeds[j]] = -1


@njit(cache=True, nogil=True)
def s_egress(p):
    return p.scalars[S_EGRESS]


@njit(cache=True, nogil=True)
def _path_costs(col_lo, col_hi, node, slot, seed, egress, weight, slope, static, slot_head,
                cost, der, extra, stamp, tag):  # fmt: skip
    """Cost (seconds), derivative sum and sums of the two ``static`` slot attributes of the
    path from every node of one column to its root: a root costs its seed hop and egress walk
    (transit) or nothing (car). Nodes written are stamped with ``tag``."""
    for i in range(col_lo, col_hi):
        v = node[i]
        stamp[v] = tag
        k = slot[i]
        if k >= 0:
            u = slot_head[k]
            cost[v] = cost[u] + weight[k]
            der[v] = der[u] + slope[k]
            extra[0, v] = extra[0, u] + static[0, k]
            extra[1, v] = extra[1, u] + static[1, k]
        elif seed[i] >= 0:
            cost[v] = weight[seed[i]] + egress[i]
            der[v] = slope[seed[i]]
            extra[0, v] = static[0, seed[i]]
            extra[1, v] = static[1, seed[i]]
        else:
            cost[v] = 0.0
            der[v] = 0.0
            extra[0, v] = 0.0
            extra[1, v] = 0.0


@njit(cache=True, parallel=True)
def master(g, costs, slope, static, share, trips, p, nonroute, cols, col_start, col_len,
           n_cols, fcol, prob, shares_only, ccost, cder, cextra, cskim, dprob, dfcol, dflow,
           dm1, dm2, degress, block, n_blocks, org, n_threads):  # fmt: skip
    """The gradient-projection direction of every trip (see the module docstring).

    ``cols`` = (node, slot, seed, egress) flat column buffers; column ``j`` of group ``grp`` of
    destination ``d`` spans ``col_start[d, grp, j]`` for ``col_len[d, grp, j]`` entries
    (``n_cols[d, grp]`` columns). ``fcol[h, s, j]``: flow of trip ``h`` on column ``j`` of its
    car group (``s`` 0) or its transit group (``s`` 1). ``nonroute[h, a]``: minutes of
    alternative ``a`` that do not depend on the route (held fixed between passes). ``static``:
    per slot, the free-flow seconds of car slots (row 0) and the boarding and transfer fares
    of transit slots (rows 0 and 1); ``share``: the share of road delay a motorbike suffers.
    Writes the columns' costs and derivative sums at each trip's origin (``ccost``, ``cder``,
    minutes), their route-dependent choice minutes beyond the routing cost (``cextra``: a car
    column's free-flow minutes, a transit column's fares at the trip's own money weights less
    its class's), each trip's generalised minutes by alternative on its cheapest columns
    (``cskim``: the costs it chooses on), ``dprob``, ``dfcol`` and the per-chunk link-flow
    directions ``dflow``/``dm1``/``dm2``/``degress``. With ``shares_only`` the mode probabilities stay (``dprob`` = 0). With
    ``block`` >= 0 only the chunks ``c`` with ``c * n_blocks // n_chunks == block`` are visited
    (a Gauss-Seidel sweep moves one block of destinations at a time); the other trips' rows
    and chunks' flows are left as they are. ``org`` = (origins, origins_ptr, oidx): each
    group's origin nodes and each trip's index among its groups' (:class:`sim.columns.Columns`);
    ``n_threads``: numba's threads (the work is shared among them by size).
    """
    n = g.rindptr.shape[0] - 1
    n_chunks = trips.chunks.shape[0] - 1
    n_groups = 1 + costs.transit.shape[0]
    c_lo, c_hi = 0, n_chunks
    if block >= 0:  # a block's chunks are contiguous
        c_lo, c_hi = n_chunks, 0
        for c in range(n_chunks):
            if c * n_blocks // n_chunks == block:
                c_lo, c_hi = min(c_lo, c), c + 1
    if c_hi <= c_lo:
        return
    d_lo, d_hi = trips.chunks[c_lo], trips.chunks[c_hi]
    # 1. each (destination, group)'s columns at its trips' origins, the items shared among
    # the threads by their sizes (each thread has its own scratch, so the results do not
    # depend on who computes what)
    n_work = min(n_threads, (d_hi - d_lo) * n_groups)
    owner = _share_items(d_lo, d_hi, n_groups, trips, n_cols, col_len, n_work)
    for w in prange(n_work):
        cost = np.empty(n)
        der = np.empty(n)
        extra = np.empty((2, n))
        stamp = np.full(n, -1, np.int64)
        par = np.empty((fcol.shape[2], n), np.int64)  # each column's parent slot of a node
        mark = np.full(slope.shape[0], -1, np.int64)
        memb = np.empty(trips.order.shape[0], np.int64)
        tags = np.zeros(2, np.int64)
        for it in range(owner.shape[0]):
            if owner[it] == w:
                _group_costs(d_lo + it // n_groups, it % n_groups, g, costs, slope, static,
                             trips, p, cols, col_start, col_len, n_cols, fcol, ccost, cder,
                             cextra, org, cost, der, extra, stamp, par, mark, memb,
                             tags)  # fmt: skip
    # 2. each trip's direction, the trips split evenly
    t_lo, t_hi = trips.ptr[d_lo], trips.ptr[d_hi]
    for w in prange(n_work):
        i0, i1 = t_lo + (t_hi - t_lo) * w // n_work, t_lo + (t_hi - t_lo) * (w + 1) // n_work
        d = d_lo
        for i in range(i0, i1):
            while i >= trips.ptr[d + 1]:
                d += 1
            _trip_direction(trips, p, share, nonroute, n_cols, d, trips.order[i], fcol, prob,
                            shares_only, ccost, cder, cextra, cskim, dprob, dfcol)  # fmt: skip
    # 3. the direction pushed onto the links: the car group's and the transit groups' paths
    # run on separate slots, so they are pushed side by side
    for task in prange(2 * (c_hi - c_lo)):
        c = c_lo + task // 2
        g_lo, g_hi = (0, 1) if task % 2 == 0 else (1, n_groups)
        demand = np.zeros(n)
        memb = np.empty(trips.order.shape[0], np.int64)
        for d in range(trips.chunks[c], trips.chunks[c + 1]):
            push_destination(d, trips, g_lo, g_hi, cols, col_start, col_len, n_cols, dfcol,
                             g.slot_head, demand, dflow[c], dm1[c], dm2[c], p.class_m1,
                             p.class_m2, degress[c : c + 1], org, memb)  # fmt: skip


@njit(cache=True, nogil=True)
def _share_items(d_lo, d_hi, n_groups, trips, n_cols, col_len, n_work):
    """The worker of each (destination, group) item, ``(d - d_lo) * n_groups + grp``: the
    largest first, each to the least loaded worker (an item's size: its columns' entries and
    its destination's trips times its columns)."""
    n_items = (d_hi - d_lo) * n_groups
    size = np.zeros(n_items)
    for it in range(n_items):
        d, grp = d_lo + it // n_groups, it % n_groups
        m = n_cols[d, grp]
        size[it] = col_len[d, grp, :m].sum() + 4.0 * m * (trips.ptr[d + 1] - trips.ptr[d])
    owner = np.zeros(n_items, np.int64)
    load = np.zeros(max(n_work, 1))
    for it in np.argsort(-size, kind="mergesort"):
        w = np.argmin(load)
        owner[it] = w
        load[w] += size[it]
    return owner


@njit(cache=True, nogil=True)
def _group_costs(d, grp, g, costs, slope, static, trips, p, cols, col_start, col_len, n_cols,
                 fcol, ccost, cder, cextra, org, cost, der, extra, stamp, par, mark, memb,
                 tags):  # fmt: skip
    """Write the costs of every column of group ``grp`` of destination ``d`` at each of its
    trips' origins into ``ccost``, ``cder`` and ``cextra``, and each trip's Newton curvature
    (:func:`_own_curvature`). The column's cost, derivative and static sums are read at the
    group's origins first, so each trip's row is written once (trips lie scattered in
    memory). ``cost`` .. ``memb`` are scratch; ``tags`` the last tags of ``stamp`` and
    ``mark``."""
    node, slot, seed, egress = cols
    origins, origins_ptr, oidx = org
    n_groups = 1 + costs.transit.shape[0]
    weight = costs.street if grp == 0 else costs.transit[grp - 1]
    gs = 0 if grp == 0 else 1
    row = 1 if grp == 0 else 2
    mc = n_cols[d, grp]
    m = group_members(trips, d, grp, memb)
    if m == 0 or mc == 0:
        return
    o_lo = origins_ptr[d * n_groups + grp]
    n_org = origins_ptr[d * n_groups + grp + 1] - o_lo
    at = np.zeros((mc, n_org), np.bool_)
    val = np.empty((4, mc, n_org))
    for j in range(mc):
        a0 = col_start[d, grp, j]
        tags[0] += 1
        _path_costs(a0, a0 + col_len[d, grp, j], node, slot, seed, egress, weight, slope, static,
                    g.slot_head, cost, der, extra, stamp, tags[0])  # fmt: skip
        _parents(a0, a0 + col_len[d, grp, j], node, slot, seed, par[j])
        for o in range(n_org):
            v = origins[o_lo + o]
            if stamp[v] == tags[0]:  # the column reaches the origin
                at[j, o] = True
                val[0, j, o] = cost[v] / 60.0
                val[1, j, o] = der[v] / 60.0
                val[2, j, o] = extra[0, v]
                val[3, j, o] = extra[1, v]
    for i in range(m):
        h = memb[i]
        o = oidx[h, gs]
        for j in range(mc):
            ok = at[j, o]
            ccost[h, gs, j] = val[0, j, o] if ok else np.inf
            cder[h, gs, j] = val[1, j, o] if ok else 0.0
            cextra[h, gs, j] = _extra(trips, p, h, grp, val[2, j, o], val[3, j, o]) if ok else 0.0
        tags[1] = _own_curvature(h, gs, mc, trips.node[row, h], par, g.slot_head, slope, fcol,
                                 ccost, cder, mark, tags[1])  # fmt: skip


@njit(cache=True, nogil=True)
def _parents(col_lo, col_hi, node, slot, seed, par):
    """Write each node of one column's parent slot into ``par``: the slot to its parent, or at
    a root ``-2 - seed slot`` (transit) or ``-1`` (car)."""
    for i in range(col_lo, col_hi):
        k = slot[i]
        par[node[i]] = k if k >= 0 else (-2 - seed[i] if seed[i] >= 0 else -1)


@njit(cache=True, nogil=True)
def _own_curvature(h, s, m, origin, par, slot_head, slope, fcol, ccost, cder, mark, tag):
    """Make the Newton curvature of trip ``h``'s shift from each used column to its cheapest
    the sum over the links of one path and not the other (Jayakrishnan et al., 1994): links
    both paths use do not change the trip's cost difference. ``cder[h, s, j]`` becomes the
    derivative sum of column ``j`` less twice that of the links it shares with the cheapest
    (whose own sum stays, so the two add to the symmetric difference's). Returns the last tag
    of ``mark``, a per-slot scratch array."""
    if m < 2:
        return tag
    best = _cheapest(ccost, h, s, m)
    if not np.isfinite(ccost[h, s, best]):
        return tag
    tag += 1
    v = origin
    while True:  # mark the cheapest column's path
        k = par[best, v]
        if k >= 0:
            mark[k] = tag
            v = slot_head[k]
            continue
        if k <= -2:
            mark[-2 - k] = tag
        break
    for j in range(m):
        if j == best or fcol[h, s, j] <= 0.0 or not np.isfinite(ccost[h, s, j]):
            continue
        shared = 0.0
        v = origin
        while True:
            k = par[j, v]
            if k >= 0:
                if mark[k] == tag:
                    shared += slope[k]
                v = slot_head[k]
                continue
            if k <= -2 and mark[-2 - k] == tag:
                shared += slope[-2 - k]
            break
        cder[h, s, j] = max(cder[h, s, j] - 2.0 * shared / 60.0, -cder[h, s, best])
    return tag
