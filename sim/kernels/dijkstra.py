"""Dijkstra shortest-path kernels on CSR graphs (numba, no Python objects).

Graph convention shared by every kernel here:

- ``indptr`` (int64, ``n + 1``) and ``indices`` (int32, heads) give the out-edges of node ``u``
  as CSR slots ``indptr[u]:indptr[u + 1]``.
- ``eid`` (int64, one per slot) is the *edge id* of each slot; edge attributes are indexed by
  edge id. For a forward graph ``eid`` is ``arange(n_edges)``; for the graph transposed by
  :func:`sim.network.arrays.reverse_csr` it is ``redge``.
- ``weight`` (float64, ``>= 0``, ``inf`` allowed) and ``allowed`` (uint8, nonzero = usable) are
  indexed by edge id.

The kernels trust their inputs: :mod:`sim.routing` validates and converts once, then calls them.
The heap is 4-ary with lazy deletion: a node is pushed again whenever its tentative distance
strictly improves and stale entries are skipped on pop. Each slot is relaxed at most once (when
its tail is settled), so ``n_edges + 1`` heap entries always suffice. Ties between equal
distances are broken the same way on every run, so trees are deterministic.

Nodes farther than ``cutoff`` are never pushed: they are not settled and keep ``inf``. A node at
exactly ``cutoff`` is settled (the same convention as ``scipy.sparse.csgraph.dijkstra(limit=)``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_MAX_CHUNKS = 64


@njit(cache=True, nogil=True, inline="always")
def _sift_up(hkey, hnode, i, key, node):
    while i > 0:
        parent = (i - 1) >> 2
        if hkey[parent] <= key:
            break
        hkey[i] = hkey[parent]
        hnode[i] = hnode[parent]
        i = parent
    hkey[i] = key
    hnode[i] = node


@njit(cache=True, nogil=True, inline="always")
def _sift_down(hkey, hnode, size, i, key, node):
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        best = first
        best_key = hkey[first]
        for j in range(first + 1, min(first + 4, size)):
            if hkey[j] < best_key:
                best_key = hkey[j]
                best = j
        if best_key >= key:
            break
        hkey[i] = best_key
        hnode[i] = hnode[best]
        i = best
    hkey[i] = key
    hnode[i] = node


@njit(cache=True, nogil=True)
def slot_weights(eid, weight, allowed, out):
    """Write the weight of each CSR slot to ``out``: ``weight[eid[k]]``, or ``inf`` if disallowed.

    The search loop then reads one contiguous array instead of three gathers per edge.
    """
    for k in range(eid.shape[0]):
        e = eid[k]
        out[k] = weight[e] if allowed[e] != 0 else np.inf


@njit(cache=True, nogil=True)
def _dijkstra(
    indptr,
    indices,
    eid,
    wslot,
    source,
    cutoff,
    dist,
    pred,
    order,
    hkey,
    hnode,
    is_target,
    n_targets,
):
    """Core loop on slot weights (see :func:`slot_weights`); :mod:`sim.kernels.day` calls it too.

    ``dist`` must be ``inf`` everywhere on entry; ``pred`` is written, never read, and may be
    empty (as may ``order``) when only distances are wanted. The heap is
    4-ary with lazy deletion, and the root entry is not popped until the node's edges are
    scanned: the first improved neighbour replaces it (one sift instead of a pop and a push).

    Stops early once ``n_targets`` nodes with ``is_target[v] != 0`` are settled (pass
    ``n_targets <= 0`` to run to exhaustion). Returns ``(n_settled, heap_size)``: the first
    ``n_settled`` entries of ``order`` and the first ``heap_size`` entries of ``hnode`` together
    hold every node whose ``dist`` was touched, so a caller can reset a reused workspace cheaply.
    """
    dist[source] = 0.0
    if pred.shape[0] != 0:
        pred[source] = -1
    hkey[0] = 0.0
    hnode[0] = source
    return _search(indptr, indices, eid, wslot, 1, cutoff, dist, pred, order, hkey, hnode,
                   is_target, n_targets)  # fmt: skip


@njit(cache=True, nogil=True)
def _dijkstra_seeded(
    indptr, indices, eid, wslot, seeds, seed_dist, cutoff, dist, pred, order, hkey, hnode
):
    """:func:`_dijkstra` from several roots at once, root ``seeds[i]`` starting at
    ``seed_dist[i]`` (a multi-source search; roots keep ``pred == -1`` unless improved)."""
    size = 0
    for i in range(seeds.shape[0]):
        v = seeds[i]
        if seed_dist[i] < dist[v] and seed_dist[i] <= cutoff:
            dist[v] = seed_dist[i]
            pred[v] = -1
            _sift_up(hkey, hnode, size, seed_dist[i], v)
            size += 1
    no_targets = np.zeros(0, np.uint8)
    return _search(indptr, indices, eid, wslot, size, cutoff, dist, pred, order, hkey, hnode,
                   no_targets, 0)  # fmt: skip


@njit(cache=True, nogil=True)
def _search(indptr, indices, eid, wslot, size, cutoff, dist, pred, order, hkey, hnode, is_target,
            n_targets):  # fmt: skip
    """The settle-and-relax loop over a heap already holding ``size`` entries.

    An empty ``pred`` or ``order`` is not written: a search for distances alone skips a store
    per settled node and per improved edge, which is a tenth of its time.
    """
    n_settled = 0
    left = n_targets
    keep_order = order.shape[0] != 0
    keep_pred = pred.shape[0] != 0
    while size > 0:
        d = hkey[0]
        u = hnode[0]
        root_reused = False
        if d <= dist[u]:  # otherwise a stale entry: u was reached more cheaply since this push
            if keep_order:
                order[n_settled] = u
            n_settled += 1
            if left > 0 and is_target[u] != 0:
                left -= 1
                if left == 0:
                    break
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                nd = d + wslot[k]
                if nd < dist[v] and nd <= cutoff:
                    dist[v] = nd
                    if keep_pred:
                        pred[v] = eid[k]
                    if root_reused:
                        _sift_up(hkey, hnode, size, nd, v)
                        size += 1
                    else:  # nd >= d, so the new entry can take the root's place
                        _sift_down(hkey, hnode, size, 0, nd, v)
                        root_reused = True
        if not root_reused:
            size -= 1
            if size > 0:
                _sift_down(hkey, hnode, size, 0, hkey[size], hnode[size])
    return n_settled, size


@njit(cache=True, nogil=True)
def sssp(indptr, indices, eid, weight, allowed, source, cutoff, dist, pred, order):
    """Single-source shortest paths from ``source``.

    Parameters
    ----------
    indptr, indices, eid, weight, allowed
        The graph, as described in the module docstring.
    source : int
        Root node.
    cutoff : float
        Nodes farther than this are left unreached (``inf``); use ``np.inf`` for no limit.
    dist : float64[n_nodes]
        Out: distance from ``source``; ``inf`` where unreached or beyond ``cutoff``.
    pred : int64[n_nodes]
        Out: *edge id* (``eid`` of the slot) of the last edge on the shortest path to each node;
        ``-1`` for ``source`` and unreached nodes.
    order : int32 or int64[n_nodes]
        Out: nodes in the order they were settled (non-decreasing ``dist``); only the first
        ``n_settled`` entries are written. ``order[0] == source``, and every node comes after the
        tail of its ``pred`` edge, so a forward pass over ``order`` visits parents first.

    Returns
    -------
    int
        ``n_settled``, the number of reached nodes.
    """
    n = indptr.shape[0] - 1
    for v in range(n):
        dist[v] = np.inf
        pred[v] = -1
    m = indices.shape[0]
    wslot = np.empty(m, np.float64)
    slot_weights(eid, weight, allowed, wslot)
    hkey = np.empty(m + 1, np.float64)
    hnode = np.empty(m + 1, np.int32)
    no_targets = np.zeros(0, np.uint8)
    n_settled, _ = _dijkstra(
        indptr, indices, eid, wslot, source, cutoff, dist, pred, order, hkey, hnode, no_targets, 0
    )
    return n_settled


@njit(cache=True, nogil=True)
def _chunks(n_items):
    """Bounds of at most ``_MAX_CHUNKS`` chunks of a parallel loop over ``n_items``.

    Each chunk allocates one workspace and reuses it; there are enough chunks for threads to
    balance out when the caller hands them out dynamically (``numba.parallel_chunksize(1)``).
    """
    n_chunks = min(n_items, _MAX_CHUNKS)
    bounds = np.zeros(n_chunks + 1, np.int64)
    if n_chunks == 0:
        return bounds
    for c in range(n_chunks + 1):
        bounds[c] = (c * n_items) // n_chunks
    return bounds


@njit(cache=True, nogil=True, parallel=True)
def multi_sssp(indptr, indices, eid, weight, allowed, sources, cutoff, dist_out):
    """Distances from many sources, in parallel over sources.

    Parameters
    ----------
    indptr, indices, eid, weight, allowed, cutoff
        As for :func:`sssp`.
    sources : int64[n_sources]
        Roots, one per row of ``dist_out``.
    dist_out : float64[n_sources, n_nodes]
        Out: ``dist_out[i]`` is what :func:`sssp` writes to ``dist`` for ``sources[i]``.
    """
    m = indices.shape[0]
    wslot = np.empty(m, np.float64)
    slot_weights(eid, weight, allowed, wslot)
    bounds = _chunks(sources.shape[0])
    no_targets = np.zeros(0, np.uint8)
    no_pred = np.empty(0, np.int64)  # distances alone: no tree is recorded
    no_order = np.empty(0, np.int32)
    for c in prange(bounds.shape[0] - 1):
        hkey = np.empty(m + 1, np.float64)
        hnode = np.empty(m + 1, np.int32)
        for i in range(bounds[c], bounds[c + 1]):
            dist = dist_out[i]
            dist[:] = np.inf
            _dijkstra(
                indptr, indices, eid, wslot, sources[i], cutoff, dist, no_pred, no_order, hkey,
                hnode, no_targets, 0,
            )  # fmt: skip


@njit(cache=True, nogil=True, parallel=True)
def multi_sssp_targets(indptr, indices, eid, weight, allowed, sources, targets, cutoff, out):
    """Distances from many sources to a few targets, in parallel over sources.

    Memory stays ``O(n_sources * n_targets)`` plus one workspace per chunk, and each search stops
    as soon as every target is settled.

    Parameters
    ----------
    indptr, indices, eid, weight, allowed, cutoff
        As for :func:`sssp`.
    sources : int64[n_sources]
        Roots, one per row of ``out``.
    targets : int64[n_targets]
        Nodes whose distances are recorded; duplicates are allowed.
    out : float64[n_sources, n_targets]
        Out: ``out[i, j]`` is the distance from ``sources[i]`` to ``targets[j]`` (``inf`` if
        unreached or beyond ``cutoff``).
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    is_target = np.zeros(n, np.uint8)
    for t in targets:
        is_target[t] = 1
    n_targets = 0
    for v in range(n):
        n_targets += is_target[v]
    wslot = np.empty(m, np.float64)
    slot_weights(eid, weight, allowed, wslot)
    bounds = _chunks(sources.shape[0])
    no_pred = np.empty(0, np.int64)
    for c in prange(bounds.shape[0] - 1):
        dist = np.full(n, np.inf)
        order = np.empty(n, np.int32)
        hkey = np.empty(m + 1, np.float64)
        hnode = np.empty(m + 1, np.int32)
        for i in range(bounds[c], bounds[c + 1]):
            n_settled, size = _dijkstra(
                indptr, indices, eid, wslot, sources[i], cutoff, dist, no_pred, order, hkey,
                hnode, is_target, n_targets,
            )  # fmt: skip
            for j in range(targets.shape[0]):
                out[i, j] = dist[targets[j]]
            # Reset only what this search touched: settled nodes and those still queued.
            for k in range(n_settled):
                dist[order[k]] = np.inf
            for k in range(size):
                dist[hnode[k]] = np.inf
