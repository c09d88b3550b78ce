"""Shortest-path skims: validate and convert once, then run the numba kernels.

:func:`shortest_times` works on any CSR graph; :func:`skim` works on a
:class:`~sim.network.arrays.MultimodalNetwork`, selects a sub-network by a bit mask of layers and
by default searches the reversed graph, giving times *from* every node *to* each source (the
reverse trees from destination zones the model needs). :func:`shortest_tree` and
:func:`skim_tree` return one tree (``dist``, ``pred``, ``order``) for
:mod:`sim.kernels.tree`.

Validation errors are :class:`ValueError` with a one-line message naming the argument in
backticks.
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.kernels.dijkstra import multi_sssp, multi_sssp_targets, sssp
from sim.network.arrays import Layer, MultimodalNetwork, reverse_csr

__all__ = [
    "Tree",
    "reversed_graph",
    "shortest_times",
    "shortest_tree",
    "skim",
    "skim_tree",
]

_INT32_MAX = np.iinfo(np.int32).max


class Tree(NamedTuple):
    """One shortest-path tree.

    ``dist[v]`` is the distance of ``v`` from the root (``inf`` if unreached); ``pred[v]`` the
    edge id that reaches ``v`` (``-1`` at the root and unreached nodes); ``order`` the reached
    nodes, root first, each after its parent. ``reverse`` says whether it grew on the reversed
    graph (then the parent of ``pred[v]`` is its head, else its tail: see
    :mod:`sim.kernels.tree`).
    """

    root: int
    dist: NDArray[np.float64]
    pred: NDArray[np.int64]
    order: NDArray[np.int32]
    reverse: bool


class _Graph(NamedTuple):
    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    eid: NDArray[np.int64]
    weight: NDArray[np.float64]
    allowed: NDArray[np.uint8]

    @property
    def n_nodes(self) -> int:
        return int(self.indptr.shape[0] - 1)


def shortest_times(
    indptr: ArrayLike,
    indices: ArrayLike,
    weight: ArrayLike,
    sources: ArrayLike,
    *,
    allowed: ArrayLike | None = None,
    eid: ArrayLike | None = None,
    cutoff: float = np.inf,
    targets: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Shortest-path distances from each source, in parallel over sources.

    Parameters
    ----------
    indptr, indices
        CSR graph: the out-edges of ``u`` are the slots ``indptr[u]:indptr[u + 1]`` and
        ``indices`` holds their heads.
    weight
        Non-negative cost per edge id (``inf`` means impassable).
    sources
        Root nodes (an int or a 1-D array of ints).
    allowed
        Per edge id, nonzero if the edge may be used; all edges by default.
    eid
        Edge id of each CSR slot, for ``weight`` and ``allowed``; ``arange(len(indices))`` by
        default (pass ``redge`` from :func:`~sim.network.arrays.reverse_csr` for a reversed graph).
    cutoff
        Distances above this are reported as ``inf`` (and the search stops there).
    targets
        If given, only distances to these nodes are returned.

    Returns
    -------
    ndarray of float64
        ``(n_sources, n_nodes)``, or ``(n_sources, n_targets)`` when ``targets`` is given.
    """
    graph = _graph(indptr, indices, weight, allowed, eid)
    src = _nodes(sources, graph.n_nodes, "sources")
    limit = _cutoff(cutoff)
    tgt = None if targets is None else _nodes(targets, graph.n_nodes, "targets")
    # Chunks of sources are handed to threads one at a time: with a cutoff or early stop at the
    # targets, searches differ a lot in cost.
    with numba.parallel_chunksize(1):
        if tgt is None:
            out = np.empty((src.shape[0], graph.n_nodes), np.float64)
            multi_sssp(*graph, src, limit, out)
        else:
            out = np.empty((src.shape[0], tgt.shape[0]), np.float64)
            multi_sssp_targets(*graph, src, tgt, limit, out)
    return out


def shortest_tree(
    indptr: ArrayLike,
    indices: ArrayLike,
    weight: ArrayLike,
    source: int,
    *,
    allowed: ArrayLike | None = None,
    eid: ArrayLike | None = None,
    cutoff: float = np.inf,
    reverse: bool = False,
) -> Tree:
    """The shortest-path tree from one source; arguments as for :func:`shortest_times`.

    ``reverse`` only labels the result (set it when the CSR given is a reversed graph).
    """
    graph = _graph(indptr, indices, weight, allowed, eid)
    return _tree(graph, source, _cutoff(cutoff), reverse)


def reversed_graph(
    network: MultimodalNetwork,
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int64]]:
    """``reverse_csr`` of the network, computed once per network object and cached."""
    cached = _REVERSED.get(network)
    if cached is None:
        rindptr, rindices, redge = reverse_csr(network.indptr, network.indices, network.n_nodes)
        cached = (
            np.ascontiguousarray(rindptr, np.int64),
            np.ascontiguousarray(rindices, np.int32),
            np.ascontiguousarray(redge, np.int64),
        )
        _REVERSED[network] = cached
    return cached


def skim(
    network: MultimodalNetwork,
    weight: ArrayLike,
    sources: ArrayLike,
    *,
    mask: int,
    reverse: bool = True,
    cutoff: float = np.inf,
    targets: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Skim a network on the layers in ``mask``.

    Parameters
    ----------
    network
        The multimodal network.
    weight
        Cost per edge id (seconds or generalised cost), length ``network.n_edges``.
    sources
        Root nodes. With ``reverse=True`` they are destinations.
    mask
        Bit mask of :class:`~sim.network.arrays.Layer` values (bit ``i`` set allows layer ``i``),
        e.g. :data:`~sim.network.arrays.WALK_MASK`.
    reverse
        Search the reversed graph, so ``out[i, v]`` is the cost *from* ``v`` *to* ``sources[i]``;
        with ``False`` it is the cost from ``sources[i]`` to ``v``.
    cutoff, targets
        As for :func:`shortest_times` (with ``reverse=True`` targets are origins).

    Returns
    -------
    ndarray of float64
        ``(n_sources, n_nodes)``, or ``(n_sources, n_targets)`` when ``targets`` is given.
    """
    indptr, indices, eid = _network_csr(network, reverse)
    return shortest_times(
        indptr,
        indices,
        weight,
        sources,
        allowed=_layer_allowed(network, mask),
        eid=eid,
        cutoff=cutoff,
        targets=targets,
    )


def skim_tree(
    network: MultimodalNetwork,
    weight: ArrayLike,
    source: int,
    *,
    mask: int,
    reverse: bool = True,
    cutoff: float = np.inf,
) -> Tree:
    """One tree on the layers in ``mask``; with ``reverse=True`` a tree *to* ``source``.

    For a reverse tree pass ``network.indices`` as ``parent_of_edge`` to :mod:`sim.kernels.tree`,
    for a forward tree ``network.tail``.
    """
    indptr, indices, eid = _network_csr(network, reverse)
    graph = _graph(indptr, indices, weight, _layer_allowed(network, mask), eid)
    return _tree(graph, source, _cutoff(cutoff), reverse)


# --- private --------------------------------------------------------------------------------

_REVERSED: weakref.WeakKeyDictionary[MultimodalNetwork, tuple] = weakref.WeakKeyDictionary()


def _network_csr(
    network: MultimodalNetwork, reverse: bool
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int64] | None]:
    if not isinstance(network, MultimodalNetwork):
        raise ValueError(f"`network` must be a MultimodalNetwork, not {type(network).__name__}")
    if reverse:
        return reversed_graph(network)
    return network.indptr, network.indices, None


def _layer_allowed(network: MultimodalNetwork, mask: int) -> NDArray[np.uint8]:
    top = 1 << len(Layer)
    if isinstance(mask, bool) or not isinstance(mask, int | np.integer) or not 0 <= mask < top:
        raise ValueError(f"`mask` must be a bit mask of layers in [0, {top}), got {mask!r}")
    layer = np.asarray(network.layer).astype(np.int64)
    return ((int(mask) >> layer) & 1).astype(np.uint8)


def _graph(
    indptr: ArrayLike,
    indices: ArrayLike,
    weight: ArrayLike,
    allowed: ArrayLike | None,
    eid: ArrayLike | None,
) -> _Graph:
    ptr = _int_array(indptr, "indptr")
    if ptr.shape[0] < 1 or ptr[0] != 0 or np.any(np.diff(ptr) < 0):
        raise ValueError("`indptr` must start at 0 and be non-decreasing")
    n = ptr.shape[0] - 1
    if n > _INT32_MAX:
        raise ValueError(f"`indptr` describes {n} nodes, more than int32 can index")
    heads = _int_array(indices, "indices")
    m = heads.shape[0]
    if ptr[-1] != m:
        raise ValueError(f"`indptr` ends at {ptr[-1]} but `indices` has length {m}")
    if m and (heads.min() < 0 or heads.max() >= n):
        raise ValueError(f"`indices` must lie in [0, {n})")
    w = np.asarray(weight)
    if w.ndim != 1 or not (np.issubdtype(w.dtype, np.number) and not np.iscomplexobj(w)):
        raise ValueError("`weight` must be a 1-D array of real numbers")
    w = np.ascontiguousarray(w, np.float64)
    if np.isnan(w).any():
        raise ValueError("`weight` contains NaN")
    if (w < 0).any():
        raise ValueError(f"`weight` must be non-negative, min is {w.min()}")
    n_ids = w.shape[0]
    if eid is None:
        if n_ids != m:
            raise ValueError(f"`weight` has length {n_ids}, not {m} (the number of edges)")
        ids = np.arange(m, dtype=np.int64)
    else:
        ids = _int_array(eid, "eid")
        if ids.shape[0] != m:
            raise ValueError(f"`eid` has length {ids.shape[0]}, not {m} (the number of edges)")
        if m and (ids.min() < 0 or ids.max() >= n_ids):
            raise ValueError(f"`eid` must lie in [0, {n_ids}) (the length of `weight`)")
    if allowed is None:
        ok = np.ones(n_ids, np.uint8)
    else:
        a = np.asarray(allowed)
        if a.ndim != 1 or a.shape[0] != n_ids:
            raise ValueError(f"`allowed` must be 1-D of length {n_ids}, got shape {a.shape}")
        if not (a.dtype == np.bool_ or np.issubdtype(a.dtype, np.integer)):
            raise ValueError(f"`allowed` must be boolean or integer, not {a.dtype}")
        ok = np.ascontiguousarray(a != 0, np.uint8)
    return _Graph(ptr, np.ascontiguousarray(heads, np.int32), ids, w, ok)


def _int_array(values: ArrayLike, name: str) -> NDArray[np.int64]:
    a = np.asarray(values)
    if a.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"`{name}` must hold integers, not {a.dtype}")
    return np.ascontiguousarray(a, np.int64)


def _nodes(values: ArrayLike, n: int, name: str) -> NDArray[np.int64]:
    a = np.asarray(values)
    if a.ndim == 0:
        a = a.reshape(1)
    nodes = _int_array(a, name)
    if nodes.size and (nodes.min() < 0 or nodes.max() >= n):
        raise ValueError(f"`{name}` must be node numbers in [0, {n})")
    return nodes


def _cutoff(cutoff: float) -> float:
    try:
        value = float(cutoff)
    except (TypeError, ValueError):
        raise ValueError(f"`cutoff` must be a number, got {cutoff!r}") from None
    if not value >= 0:
        raise ValueError(f"`cutoff` must be >= 0, got {cutoff!r}")
    return value


def _tree(graph: _Graph, source: int, cutoff: float, reverse: bool) -> Tree:
    root = _nodes(source, graph.n_nodes, "source")
    if root.shape[0] != 1:
        raise ValueError("`source` must be a single node")
    n = graph.n_nodes
    dist = np.empty(n, np.float64)
    pred = np.empty(n, np.int64)
    order = np.empty(n, np.int32)
    n_settled = sssp(*graph, int(root[0]), cutoff, dist, pred, order)
    return Tree(int(root[0]), dist, pred, order[:n_settled].copy(), reverse)
