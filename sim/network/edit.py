"""Editing a :class:`~sim.network.arrays.MultimodalNetwork` into a new one: appending nodes and
edges (:func:`extend`) and keeping a subset of them (:func:`subset`). The input is never
modified; stored node and edge ids (stops, bus hops, fare-level copies) follow the edges.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.network.arrays import (
    _EDGE_DTYPES,
    _EDGE_FIELDS,
    _NODE_FIELDS,
    EDGE_DEFAULTS,
    MultimodalNetwork,
    assemble,
)


def extend(
    net: MultimodalNetwork,
    *,
    nodes: dict[str, NDArray] | None = None,
    tail: NDArray[np.integer] | None = None,
    head: NDArray[np.integer] | None = None,
    edges: dict[str, NDArray] | None = None,
    **changes: object,
) -> tuple[MultimodalNetwork, NDArray[np.int64]]:
    """A new network with nodes and edges appended (nothing of ``net`` is modified).

    New nodes get ids ``net.n_nodes ...``; new edges may refer to them. Edges are re-sorted into
    CSR order, and every stored edge id (``bus_edges``, ``bus_hop_roads``) is remapped. Returns
    the network and ``new_id``: the id in the new network of each old edge followed by each
    appended edge. ``bus_edges``/``bus_hop_roads`` passed in ``changes``, and ``edge_base`` of
    appended edges, use that concatenated numbering (old edges, then appended ones) and are
    remapped like the stored ones.
    """
    nodes = nodes or {}
    n_new = int(np.asarray(nodes.get("x", [])).shape[0])
    tail = np.zeros(0, np.int64) if tail is None else np.asarray(tail, np.int64)
    head = np.zeros(0, np.int64) if head is None else np.asarray(head, np.int64)
    edges = edges or {}
    node_cols = {
        "x": np.concatenate([net.x, np.asarray(nodes.get("x", []), float)]),
        "y": np.concatenate([net.y, np.asarray(nodes.get("y", []), float)]),
        "node_kind": np.concatenate([net.node_kind, np.asarray(nodes.get("node_kind", []))]),
        "osmid": np.concatenate([net.osmid, np.full(n_new, -1)]),
        "elevation": np.concatenate([net.elevation, np.full(n_new, np.nan)]),
    }
    all_edges = {}
    for key in _EDGE_DTYPES:
        old = getattr(net, key)
        if key in edges:
            new = np.broadcast_to(np.asarray(edges[key]), tail.shape)
        elif key in EDGE_DEFAULTS:
            new = np.full(tail.shape[0], EDGE_DEFAULTS[key])
        else:
            raise ValueError(f"edge column `{key}` is required for appended edges")
        # text columns widen to the longest value: casting to the old width would cut names
        new = new.astype(str) if old.dtype.kind == "U" else new.astype(old.dtype)
        all_edges[key] = np.concatenate([old, new])
    all_tail = np.concatenate([net.tail.astype(np.int64), tail])
    all_head = np.concatenate([net.indices.astype(np.int64), head])
    keep = {
        f.name: getattr(net, f.name)
        for f in fields(net)
        if f.name not in _EDGE_FIELDS | _NODE_FIELDS | {"indptr", "tail"}
    }
    keep["meta"] = dict(net.meta)  # never shared: the new network's meta is its own
    keep.update(changes)
    new_net, order = assemble(node_cols, all_tail, all_head, all_edges, **keep)
    new_id = np.empty_like(order)
    new_id[order] = np.arange(order.shape[0])
    # stored edge ids (given in the concatenated numbering) follow the edges into CSR order
    base = new_net.edge_base
    remapped: dict[str, Any] = {
        "bus_edges": new_id[new_net.bus_edges],
        "bus_hop_roads": new_id[new_net.bus_hop_roads],
        "edge_base": np.where(base >= 0, new_id[np.maximum(base, 0)], -1),
    }
    return replace(new_net, **remapped), new_id


def subset(
    net: MultimodalNetwork, keep_nodes: NDArray[np.bool_], keep_edges: NDArray[np.bool_]
) -> MultimodalNetwork:
    """A new network with only the kept nodes and edges, renumbered in order.

    Edges touching a dropped node are dropped too; stops (rows of ``stop_*``) whose node is
    dropped go with it. Stored ids are remapped: ``stop_node``, ``stop_walk`` (which must be
    kept), ``bus_edges``/``bus_hop_roads`` (must be kept), ``edge_base`` and ``stop_base``
    (-1 where the original was dropped).
    """
    keep_nodes = np.asarray(keep_nodes, bool)
    keep_edges = np.asarray(keep_edges, bool) & keep_nodes[net.tail] & keep_nodes[net.indices]
    node_id = np.full(net.n_nodes, -1, np.int64)
    node_id[keep_nodes] = np.arange(int(keep_nodes.sum()))
    edge_id = np.full(net.n_edges, -1, np.int64)
    edge_id[keep_edges] = np.arange(int(keep_edges.sum()))
    stops = keep_nodes[net.stop_node]
    stop_id = np.full(net.stop_node.shape[0], -1, np.int64)
    stop_id[stops] = np.arange(int(stops.sum()))
    if (node_id[net.stop_walk[stops]] < 0).any() or (edge_id[net.bus_edges] < 0).any() \
            or (edge_id[net.bus_hop_roads] < 0).any():  # fmt: skip
        raise ValueError("subset would drop a stop's walk node or a bus edge or its roads")
    e = np.flatnonzero(keep_edges)
    base = net.edge_base[e]
    sbase = net.stop_base[stops]
    cols: dict[str, Any] = {f: getattr(net, f)[e] for f in _EDGE_FIELDS - {"indices"}}
    cols["edge_base"] = np.where(base >= 0, edge_id[np.maximum(base, 0)], -1)
    cols["tail"] = node_id[net.tail[e]].astype(np.int32)
    cols["indices"] = node_id[net.indices[e]].astype(np.int32)
    counts = np.bincount(cols["tail"], minlength=int(keep_nodes.sum()))
    indptr = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    return replace(
        net,
        **{f: getattr(net, f)[keep_nodes] for f in _NODE_FIELDS},
        **cols,
        indptr=indptr,
        stop_line=net.stop_line[stops],
        stop_name=net.stop_name[stops],
        stop_node=node_id[net.stop_node[stops]],
        stop_walk=node_id[net.stop_walk[stops]],
        stop_base=np.where(sbase >= 0, stop_id[np.maximum(sbase, 0)], -1),
        bus_edges=edge_id[net.bus_edges],
        bus_hop_roads=edge_id[net.bus_hop_roads],
        meta=dict(net.meta),
    )
