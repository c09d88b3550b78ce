"""Trees of one destination on the block graph (numba only): grow a reverse shortest-path tree
inside one block, accumulate path components along it, push demand back to the roots, and seed
the transit tree with the hops that arrive within walking distance of the destination.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels.day.layout import A_WALK, N_TRANSIT_ATTR
from sim.kernels.dijkstra import _dijkstra


@njit(cache=True, nogil=True)
def _grow(g, weight, lo, hi, root, cutoff, dist, pred, order, hk, hn):
    """Reverse tree to ``root`` inside block nodes [lo, hi); returns the settled count."""
    dist[lo:hi] = np.inf
    if root < 0:
        return 0
    empty = np.zeros(0, np.uint8)
    slots = np.arange(g.rindices.shape[0])
    n_settled, _ = _dijkstra(g.rindptr, g.rindices, slots, weight, root, cutoff, dist, pred,
                             order[lo:hi], hk, hn, empty, 0)  # fmt: skip
    return n_settled


@njit(cache=True, nogil=True)
def _accumulate(order, lo, n_settled, pred, slot_head, attr, c0, nc, acc, root_acc):
    """acc[v, r] = sum of attr[k, c0 + r] over v's tree path to its root (parents first)."""
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
def _push(order, lo, n_settled, pred, slot_head, demand, flow, flow_a, a, flow_b, b, seed_slot,
          seed_egress, egress):  # fmt: skip
    """Push node demands along the tree to the roots (farthest first), adding slot flows
    (``flow``; and ``a`` and ``b`` times them to ``flow_a``/``flow_b`` when those are given).

    At a root the demand goes onto its seed slot (the last hop of a transit trip) if it has one,
    and its weighted egress walk (``seed_egress``) to ``egress[0]``.
    """
    weighted = flow_a.shape[0] > 0
    for i in range(lo + n_settled - 1, lo - 1, -1):
        v = order[i]
        q = demand[v]
        if q != 0.0:
            k = pred[v]
            if k < 0:
                k = seed_slot[v]
                if k >= 0:
                    egress[0] += q * seed_egress[v]
            else:
                demand[slot_head[k]] += q
            if k >= 0:
                flow[k] += q
                if weighted:
                    flow_a[k] += a * q
                    flow_b[k] += b * q
            demand[v] = 0.0


@njit(cache=True, nogil=True)
def _seed(g, weight, attr, dist, egress, ww, seeds, seed_dist, seed_slot, seed_egress,
          root_acc):  # fmt: skip
    """Roots of the transit tree: tails of hops into stops within the egress walk of d.

    A root's search distance is the hop's weight plus the weighted egress walk; its components
    start as the hop's plus the walk. Returns the number of roots.
    """
    n_seeds = 0
    for j in range(g.stop_node.shape[0]):
        walk_s = dist[g.stop_walk[j]]
        if walk_s > egress:
            continue
        s = g.stop_node[j]
        for k in range(g.rindptr[s], g.rindptr[s + 1]):
            if g.is_hop[k] == 0:
                continue
            v = g.rindices[k]
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
            seed_egress[v] = ww * walk_s
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
