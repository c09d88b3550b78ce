"""Passes over a shortest-path tree from :func:`sim.kernels.dijkstra.sssp` (numba).

A tree is ``(order, n_settled, pred)``: ``order[:n_settled]`` lists the reached nodes with the
root first and every node after its parent; ``pred[v]`` is the edge id that reaches ``v`` (``-1``
at the root). The kernels also need ``parent_of_edge``: for an edge id, the endpoint that is
nearer the root. Which endpoint that is depends on the direction the tree grew in:

- **Forward tree from an origin** ``s`` (``sssp`` on the forward CSR, ``eid = arange``):
  ``pred[v]`` is an edge ``u -> v`` and the parent is its *tail*, so pass the tail of each edge
  (``network.tail``).
- **Reverse tree to a destination** ``d`` (``sssp`` on ``reverse_csr``, ``eid = redge``):
  ``pred[v]`` is a forward edge ``v -> u`` toward ``d`` and the parent is its *head*, so pass the
  forward head of each edge id (``network.indices``; forward slots are edge ids).

Example, a path ``0 -> 1 -> 2`` (edges 0 and 1, weights 5 and 7), reverse tree to node 2::

    rindptr, rindices, redge = reverse_csr(indptr, indices, 3)
    n = sssp(rindptr, rindices, redge, w, ok, 2, np.inf, dist, pred, order)
    # order[:n] = [2, 1, 0]; pred = [0, 1, -1]; dist = [12, 7, 0]
    accumulate(order, n, pred, indices, w, out)  # out = [12, 7, 0] == dist
    load_tree(order, n, pred, indices, np.array([3.0, 1.0, 0.0]), flow)  # flow = [3, 4]
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def accumulate(order, n_settled, pred, parent_of_edge, edge_attr, out):
    """Sum ``edge_attr`` along each settled node's tree path to the root.

    Parameters
    ----------
    order, n_settled, pred
        The tree, as returned by :func:`sim.kernels.dijkstra.sssp`.
    parent_of_edge : int[n_edges]
        Endpoint of each edge nearer the root: tails for a forward tree, heads for a reverse
        tree (see the module docstring).
    edge_attr : float64[n_edges]
        Value per edge id (length, fare, free-flow time, ...).
    out : float64[n_nodes]
        Out: ``out[root] = 0`` and, for each settled node, the sum of ``edge_attr`` over its tree
        path. Entries of unsettled nodes are left untouched.
    """
    for k in range(n_settled):
        v = order[k]
        e = pred[v]
        if e < 0:
            out[v] = 0.0
        else:
            out[v] = out[parent_of_edge[e]] + edge_attr[e]


@njit(cache=True, nogil=True)
def load_tree(order, n_settled, pred, parent_of_edge, demand_at_node, edge_flow_out):
    """All-or-nothing loading: route each settled node's demand along its tree path to the root.

    Nodes are visited in reverse settled order (farthest first), so each node's flow already
    includes everything from its subtree when it is passed to its parent edge.

    Parameters
    ----------
    order, n_settled, pred, parent_of_edge
        The tree, as for :func:`accumulate`.
    demand_at_node : float64[n_nodes]
        Trips between each node and the root (for a reverse tree to destination ``d``: trips from
        each origin to ``d``). Demand at the root and at unsettled nodes is not loaded.
    edge_flow_out : float64[n_edges]
        In/out: the flow on each tree edge is *added*, so the trees of many roots can load into
        one array.

    Returns
    -------
    float
        Demand loaded, i.e. the flow arriving at the root: the sum of ``demand_at_node`` over
        settled nodes other than the root.
    """
    flow = np.empty(demand_at_node.shape[0], np.float64)
    for k in range(n_settled):
        v = order[k]
        flow[v] = demand_at_node[v]
    loaded = 0.0
    for k in range(n_settled - 1, -1, -1):
        v = order[k]
        e = pred[v]
        if e < 0:
            continue  # the root
        edge_flow_out[e] += flow[v]
        parent = parent_of_edge[e]
        flow[parent] += flow[v]
        if pred[parent] < 0:
            loaded += flow[v]
    return loaded
