"""Warm starts: a solved scenario's columns and choices carried onto another scenario's network.

Two scenarios of one seed hold the same trips, and an intervention changes a few links, so the
baseline's point near its equilibrium is near the scenario's too. ``ladera compare`` starts
each scenario there (:func:`sim.equilibrium.solve`, ``warm``): the baseline hands over its point
a few iterations before its last, and the scenario runs as many iterations from it as the
baseline runs after it. On Porto Alegre's baseline (20,000 households, seed 42, load 2-3) the
Morro da Cruz cable run from the baseline's 12th iteration reaches, after 4 iterations in 57 s,
a relative gap of 2.2e-3, where a run from empty roads reaches 1.8e-3 after 16 in 148 s.

It saves time; it does not make differences cleaner. The households more than 5 km from the
cable change their expected cost by -0.022 min a trip (standard deviation over trips 0.37)
from the warm start and by -0.009 (0.36) from empty roads: four iterations are enough for the
two runs' solver errors to part, so what they share does not cancel (only a tighter gap would).

:func:`capture` writes the state in terms that do not depend on the network's numbering
(every column's links as network edges, every trip's flows on them and mode probabilities);
:func:`adopt` maps it onto a model of the other scenario: network edges by what they are (layer,
line, end points, length, fare; the k-th of equal edges to the k-th), trips by household,
segment, destination, routing class and origins. A column that uses a link the other network
lacks, or a trip that is not in both, keeps the cold start's free-flow column.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.kernels import paths as KP

if TYPE_CHECKING:
    from sim.columns import Columns
    from sim.model import CommuteModel
    from sim.network.arrays import MultimodalNetwork


@dataclass(frozen=True, eq=False)
class WarmState:
    """A solved model's point: columns in network terms, trips' flows on them, probabilities."""

    iteration: int  # iterations the state has had
    keys: tuple  # every network edge's key (:func:`edge_keys`)
    tail: NDArray[np.int64]  # every network edge's end nodes
    head: NDArray[np.int64]
    n_nodes: int
    node: NDArray[np.int64]  # column entries: global node
    edge: NDArray[np.int64]  # edge to the parent (-1 at a root)
    seed: NDArray[np.int64]  # a transit root's seed edge (-1 elsewhere)
    egress: NDArray[np.float64]  # a transit root's weighted egress walk
    block: NDArray[np.int64]  # the block of each entry's node (and of its parent link)
    seed_block: NDArray[np.int64]  # the block of a root's seed link
    col_start: NDArray[np.int64]  # (dest, group, column)
    col_len: NDArray[np.int64]
    n_cols: NDArray[np.int64]  # (dest, group)
    fcol: NDArray[np.float64]  # (trip, 2, column)
    prob: NDArray[np.float64]  # (trip, alternative)
    trip_key: NDArray[np.int64]  # (trip, 6): household, segment, destination, class, origins


def edge_keys(net: MultimodalNetwork) -> list[tuple]:
    """What each edge is, whatever its number: layer, line name, end points (kind and place),
    length and fare; equal keys (parallel streets) are told apart by their order."""
    names = net.lines.name
    line = [str(names[i]) if i >= 0 else "" for i in net.edge_line.tolist()]
    t, h = net.tail, net.indices
    raw = zip(net.layer.tolist(), line, net.node_kind[t].tolist(), net.node_kind[h].tolist(),
              np.round(net.x[t], 7).tolist(), np.round(net.y[t], 7).tolist(),
              np.round(net.x[h], 7).tolist(), np.round(net.y[h], 7).tolist(),
              np.round(net.length_m, 2).tolist(), np.round(net.fare, 4).tolist(), strict=True)  # fmt: skip
    seen: dict[tuple, int] = defaultdict(int)
    out = []
    for k in raw:
        out.append((*k, seen[k]))
        seen[k] += 1
    return out


def edge_map(keys_from: tuple | list, net_to: MultimodalNetwork) -> NDArray[np.int64]:
    """The edge of ``net_to`` that each edge of ``keys_from`` is (-1 where it has none)."""
    where = {k: i for i, k in enumerate(edge_keys(net_to))}
    return np.array([where.get(k, -1) for k in keys_from], np.int64)


def capture(model: CommuteModel, columns: Columns, iteration: int) -> WarmState:
    """The model's current point (after :meth:`Columns.prune`, so no unused column travels)."""
    bg = model.blocks
    node, slot, seed, egress = columns.cols
    block = np.searchsorted(bg.off, node, side="right") - 1
    seed_block = np.searchsorted(bg.slot_off, seed, side="right") - 1
    net = model.network
    return WarmState(
        iteration=iteration,
        keys=tuple(edge_keys(net)),
        tail=net.tail.astype(np.int64),
        head=net.indices.astype(np.int64),
        n_nodes=net.n_nodes,
        node=bg.nodes[node],
        edge=np.where(slot >= 0, bg.slot_edge[np.maximum(slot, 0)], -1),
        seed=np.where(seed >= 0, bg.slot_edge[np.maximum(seed, 0)], -1),
        egress=np.array(egress, np.float64),
        block=block,
        seed_block=seed_block,
        col_start=columns.col_start.copy(),
        col_len=columns.col_len.copy(),
        n_cols=columns.n_cols.copy(),
        fcol=columns.fcol.copy(),
        prob=model.prob.copy(),
        trip_key=_trip_keys(model),
    )


def adopt(model: CommuteModel, columns: Columns, state: WarmState) -> dict[str, float]:
    """Put the captured point onto ``model`` (whose columns hold the cold start: one free-flow
    column a group, every trip's flow on it): the mapped columns are appended to each group,
    the trips found in both take their flows and probabilities, and the model's link flows are
    loaded from the columns. Returns counts of what was carried over and what was not."""
    net, bg = model.network, model.blocks
    emap = edge_map(state.keys, net)
    nmap = _node_map(state, emap, net)
    slot_of = _slot_lookup(bg, net.n_edges)
    ok_node = nmap[state.node] >= 0
    block = state.block
    g_node = np.where(ok_node, nmap[state.node], 0)
    local = np.where(ok_node, bg.local[block, g_node], -1)
    e2 = np.where(state.edge >= 0, emap[np.maximum(state.edge, 0)], -1)
    slot = np.where(e2 >= 0, slot_of[block, np.maximum(e2, 0)], -1)
    s2 = np.where(state.seed >= 0, emap[np.maximum(state.seed, 0)], -1)
    seed = np.where(s2 >= 0, slot_of[np.maximum(state.seed_block, 0), np.maximum(s2, 0)], -1)
    # an entry maps when its node does and its links do (a root has no parent link)
    good = (local >= 0) & ((state.edge < 0) | (slot >= 0)) & ((state.seed < 0) | (seed >= 0))
    rows = _trip_rows(model, state, nmap)
    kept = 0
    ns_d, ns_g = columns.n_cols.shape
    same_shape = state.n_cols.shape == (ns_d, ns_g)
    for d in range(ns_d if same_shape else 0):
        for grp in range(ns_g):
            s = 0 if grp == 0 else 1
            trips = columns._rows(d, grp)
            mine = rows[trips]
            found = mine >= 0
            cols = columns.parts[d][grp]
            for j in range(int(state.n_cols[d, grp])):
                if len(cols) >= columns.max_columns:
                    break
                a, n = state.col_start[d, grp, j], state.col_len[d, grp, j]
                if n == 0 or not good[a : a + n].all():
                    continue
                if not found.any() or not (state.fcol[mine[found], s, j] > 0).any():
                    continue
                cols.append((local[a : a + n].copy(), slot[a : a + n].copy(),
                             seed[a : a + n].copy(), state.egress[a : a + n].copy()))  # fmt: skip
                columns.fcol[trips[found], s, len(cols) - 1] = state.fcol[mine[found], s, j]
                kept += 1
    # what a trip's mapped columns do not carry stays on its free-flow column, scaled to its
    # warm probabilities below
    matched = np.flatnonzero(rows >= 0)
    carried = float(columns.fcol[matched, :, 1:].sum())  # the mapped columns (0: free flow)
    _rescale_cold(columns, matched, state.prob[rows[matched]])
    model.prob[matched] = state.prob[rows[matched]]
    columns._pack()
    load(model, columns)
    total = float(state.fcol.sum())
    return {
        "columns": kept,
        "trips": int(matched.size),
        "trips_new": int(model.trips.n - matched.size),
        "flow_share": carried / total if total > 0 else 0.0,  # of the point's column flow
    }


def _rescale_cold(columns: Columns, trips: NDArray[np.int64], prob: NDArray[np.float64]) -> None:
    """Make each matched trip's column flows sum to what its warm probabilities load: the
    free-flow column takes the rest (never below zero; columns scale down if they overshoot)."""
    want = columns.loads(prob, trips)
    f = columns.fcol[trips]
    f[:, :, 0] = 0.0
    warm = f.sum(axis=2)
    over = warm > want
    scale = np.where(over & (warm > 0), want / np.where(warm > 0, warm, 1.0), 1.0)
    f *= scale[:, :, None]
    f[:, :, 0] = np.maximum(want - f.sum(axis=2), 0.0)  # 0 for a group the trip lacks
    columns.fcol[trips] = f


def _node_map(
    state: WarmState, emap: NDArray[np.int64], net: MultimodalNetwork
) -> NDArray[np.int64]:
    """Each global node of the captured network, through the edges that map (-1: none, or
    where its edges disagree)."""
    out = np.full(state.n_nodes, -1, np.int64)
    ok = emap >= 0
    src = np.concatenate([state.tail[ok], state.head[ok]])
    dst = np.concatenate([net.tail[emap[ok]], net.indices[emap[ok]]]).astype(np.int64)
    out[src] = dst
    bad = np.zeros(state.n_nodes, np.bool_)
    bad[src[out[src] != dst]] = True
    out[bad] = -1
    return out


def _slot_lookup(bg, n_edges: int) -> NDArray[np.int64]:
    """``[block, edge]``: the slot of a network edge in a block (-1 where it is not there)."""
    n_blocks = bg.off.size - 1
    out = np.full((n_blocks, n_edges), -1, np.int64)
    for b in range(n_blocks):
        lo, hi = bg.slot_off[b], bg.slot_off[b + 1]
        out[b, bg.slot_edge[lo:hi]] = np.arange(lo, hi)
    return out


def _trip_rows(model: CommuteModel, state: WarmState, nmap: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each trip's row in the captured state (-1 when it is not there): the same household,
    segment, destination, routing class and origins (the k-th of equal keys to the k-th)."""
    key = state.trip_key.copy()
    for c in (4, 5):  # origins through the node map (-1 stays: no origin; -2: lost)
        mapped = nmap[np.maximum(key[:, c], 0)]
        key[:, c] = np.where(key[:, c] < 0, -1, np.where(mapped >= 0, mapped, -2))
    rows: dict[tuple, int] = {}
    for i, k in enumerate(_numbered(key)):
        rows[k] = i
    mine = _numbered(_trip_keys(model))
    return np.array([rows.get(k, -1) for k in mine], np.int64)


def _numbered(keys: NDArray[np.int64]) -> list[tuple]:
    seen: dict[tuple, int] = defaultdict(int)
    out = []
    for k in map(tuple, keys.tolist()):
        out.append((*k, seen[k]))
        seen[k] += 1
    return out


def _trip_keys(model: CommuteModel) -> NDArray[np.int64]:
    tr = model.trips
    return np.stack([tr.household, tr.segment.astype(np.int64), tr.dest.astype(np.int64),
                     model.ktrips.klass.astype(np.int64), tr.walk_node, tr.drive_node], axis=1)  # fmt: skip


def load(model: CommuteModel, columns: Columns) -> None:
    """Set the model's link flows to those the columns' flows load."""
    from sim.assign import N_CHUNKS

    bg, p = model.blocks, model._params(dynamic=False)
    n_s = bg.n_slots
    flow = np.zeros((N_CHUNKS, n_s))
    m1 = np.zeros_like(flow)
    m2 = np.zeros_like(flow)
    egress = np.zeros(N_CHUNKS)
    KP.load_columns(model.graph, model.ktrips, columns.cols, columns.col_start, columns.col_len,
                    columns.n_cols, columns.fcol, p.class_m1, p.class_m2, flow, m1, m2, egress,
                    columns.org)  # fmt: skip
    slot = flow.sum(axis=0)
    car = np.zeros(n_s)
    car[bg.slot_off[1] : bg.slot_off[2]] = slot[bg.slot_off[1] : bg.slot_off[2]]
    e = model.network.n_edges
    model.car_flow = bg.scatter(car, e)
    model.transit_flow = bg.scatter(slot - car, e)
    model.m1_flow = bg.scatter(m1.sum(axis=0), e)
    model.m2_flow = bg.scatter(m2.sum(axis=0), e)
    model.egress = float(egress.sum()) / 60.0
