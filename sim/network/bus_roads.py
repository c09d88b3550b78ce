"""The roads a bus runs on: each bus hop mapped onto the drive edges of its fastest road path.

Buses share the roads with cars, so a bus hop feels the congestion of the drive edges it runs
over. :func:`sim.network.build.add_lines` calls :func:`map_bus_hops` for the hops of the bus
lines it adds; the network keeps the mapping CSR-style (``bus_edges``, ``bus_hop_indptr``,
``bus_hop_roads``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.network.arrays import Layer, MultimodalNetwork, NodeKind


def map_bus_hops(
    net: MultimodalNetwork, bus: NDArray[np.int64], project: Callable[[NDArray, NDArray], NDArray]
) -> MultimodalNetwork:
    """Append, for each given BUS edge, the drive edges of the fastest free-flow road path.

    ``project`` maps lon/lat to metres (:func:`sim.network.build.projector` of ``net``); bus
    stops are matched to the nearest drive nodes with it."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    if bus.size == 0:
        return net
    drive_nodes = net.nodes_of(NodeKind.DRIVE)
    local = np.full(net.n_nodes, -1, np.int64)
    local[drive_nodes] = np.arange(drive_nodes.size)
    drive_e = np.flatnonzero(net.layer == Layer.DRIVE)
    # the fastest of parallel edges: sort by time descending so the fastest is written last
    drive_e = drive_e[np.argsort(-net.time_s[drive_e], kind="stable")]
    u, v = local[net.tail[drive_e]], local[net.indices[drive_e]]
    edge_of = dict(zip(zip(u.tolist(), v.tolist(), strict=True), drive_e.tolist(), strict=True))
    keys = np.array(list(edge_of.keys()), np.int64).reshape(-1, 2)
    eids = np.array(list(edge_of.values()), np.int64)
    graph = csr_matrix((np.maximum(net.time_s[eids], 1e-6), (keys[:, 0], keys[:, 1])),
                       shape=(drive_nodes.size, drive_nodes.size))  # fmt: skip
    tree = cKDTree(project(net.x[drive_nodes], net.y[drive_nodes]))
    src = tree.query(project(net.x[net.tail[bus]], net.y[net.tail[bus]]))[1]
    dst = tree.query(project(net.x[net.indices[bus]], net.y[net.indices[bus]]))[1]
    paths: list[list[int]] = [[] for _ in bus]
    sources = np.unique(src)
    for chunk in np.array_split(sources, max(1, sources.size // 256)):
        _, pred = dijkstra(graph, indices=chunk, return_predecessors=True)
        row = {int(s): i for i, s in enumerate(chunk)}
        for k in np.flatnonzero(np.isin(src, chunk)):
            paths[k] = _trace(pred[row[int(src[k])]], int(src[k]), int(dst[k]), edge_of)
    counts = np.array([len(p) for p in paths], np.int64)
    indptr = np.concatenate([net.bus_hop_indptr, net.bus_hop_indptr[-1] + np.cumsum(counts)])
    roads = np.fromiter((e for p in paths for e in p), np.int64, int(counts.sum()))
    return replace(
        net,
        bus_edges=np.concatenate([net.bus_edges, bus]),
        bus_hop_indptr=indptr,
        bus_hop_roads=np.concatenate([net.bus_hop_roads, roads]),
    )


def _trace(pred: NDArray, s: int, t: int, edge_of: dict[tuple[int, int], int]) -> list[int]:
    """Edge ids of the path s -> t from a predecessor row (empty if unreachable)."""
    path, v = [], t
    while v != s:
        u = int(pred[v])
        if u < 0:
            return []
        path.append(edge_of[(u, v)])
        v = u
    return path[::-1]
