"""Mode sub-networks packed side by side for the numba day: the "block graph".

Each search the day runs (walk, car, bus, transit) only ever touches the edges of its own mode
layers. Giving each its own compact copy, with nodes renumbered in a space-filling (Morton)
order and edges in reverse-CSR slots, makes the kernels read memory sequentially: no layer
masks, no edge-id indirection, and neighbouring nodes close together in memory. The blocks are
stacked into one graph whose node ranges are disjoint, so one ``dist``/``pred`` array serves
all four trees of a destination at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.network.arrays import MultimodalNetwork

BLOCK_NAMES = ("walk", "car", "transit")


@dataclass(frozen=True, eq=False)
class BlockGraph:
    """Stacked reverse CSR of several layer-masked sub-networks.

    Node ``off[b] + i`` is the ``i``-th node of block ``b`` (global id ``nodes[off[b] + i]``).
    Slot ``k`` is an in-edge of node ``slot_head[k]`` coming from node ``rindices[k]``; its
    network edge is ``slot_edge[k]``. A tree grown from a root over these slots is a reverse
    tree: ``pred[v]`` is the slot leaving ``v`` toward the root, whose head is the parent.
    """

    rindptr: NDArray[np.int64]
    rindices: NDArray[np.int32]
    slot_edge: NDArray[np.int64]
    slot_head: NDArray[np.int64]
    nodes: NDArray[np.int64]
    off: NDArray[np.int64]  # block node offsets, len n_blocks + 1
    slot_off: NDArray[np.int64]  # block slot offsets, len n_blocks + 1
    local: NDArray[np.int64]  # (n_blocks, n_global): block node of each global node, or -1

    @property
    def n_nodes(self) -> int:
        return int(self.nodes.shape[0])

    @property
    def n_slots(self) -> int:
        return int(self.rindices.shape[0])

    def to_block(self, block: int, global_nodes: NDArray[np.integer]) -> NDArray[np.int64]:
        """Block node ids of global nodes (-1 where a node is not in the block)."""
        return self.local[block][np.asarray(global_nodes, np.int64)]

    def gather(self, values: NDArray[Any]) -> NDArray[Any]:
        """Per-edge values (last axis = network edges) in slot order."""
        return np.ascontiguousarray(values[..., self.slot_edge])

    def scatter(self, slot_values: NDArray[np.float64], n_edges: int) -> NDArray[np.float64]:
        """Sum per-slot values back onto network edges."""
        out = np.bincount(self.slot_edge, weights=slot_values, minlength=n_edges)
        return out.astype(np.float64, copy=False)


def morton_order(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
    """Permutation sorting points along a Z-order curve (16 bits per axis)."""

    def spread(v: NDArray[np.uint64]) -> NDArray[np.uint64]:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    def quantise(v: NDArray[np.float64]) -> NDArray[np.uint64]:
        span = max(float(v.max() - v.min()), 1e-12) if v.size else 1.0
        return ((v - (v.min() if v.size else 0.0)) / span * 65535).astype(np.uint64)

    code = spread(quantise(x)) | (spread(quantise(y)) << np.uint64(1))
    return np.argsort(code, kind="stable")


def block_graph(net: MultimodalNetwork, masks: tuple[int, ...]) -> BlockGraph:
    """Stack the sub-networks selected by each layer bit mask (see :mod:`sim.network.arrays`)."""
    bits = np.left_shift(1, net.layer.astype(np.int64))
    parts = []
    for mask in masks:
        edges = np.flatnonzero(bits & mask)
        parts.append((net.tail[edges], net.indices[edges], edges))
    return _stack(net, parts)


def _stack(net: MultimodalNetwork, parts) -> BlockGraph:
    n = net.n_nodes
    nodes_all, off, slot_off = [], [0], [0]
    rind, counts_all, sedge, shead = [], [], [], []
    local = np.full((len(parts), n), -1, np.int64)
    for b, (tail, head, ids) in enumerate(parts):
        members = np.unique(np.concatenate([tail, head]))
        members = members[morton_order(net.x[members], net.y[members])]
        local[b, members] = off[-1] + np.arange(members.size)
        lt, lh = local[b, tail], local[b, head]
        order = np.lexsort((lt, lh))  # slots grouped by head (reverse CSR)
        rind.append(lt[order])
        sedge.append(ids[order])
        shead.append(lh[order])
        counts_all.append(np.bincount(lh - off[-1], minlength=members.size))
        nodes_all.append(members)
        off.append(off[-1] + members.size)
        slot_off.append(slot_off[-1] + ids.size)
    counts = np.concatenate(counts_all)
    rindptr = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=rindptr[1:])
    return BlockGraph(
        rindptr=rindptr,
        rindices=np.concatenate(rind).astype(np.int32),
        slot_edge=np.concatenate(sedge).astype(np.int64),
        slot_head=np.concatenate(shead).astype(np.int64),
        nodes=np.concatenate(nodes_all).astype(np.int64),
        off=np.asarray(off, np.int64),
        slot_off=np.asarray(slot_off, np.int64),
        local=local,
    )
