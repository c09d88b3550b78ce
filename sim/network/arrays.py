"""The multimodal network as plain arrays: the form the numba kernels work on.

A :class:`MultimodalNetwork` holds every node (walk, drive, transit stop) and every directed edge
(walk, drive, in-vehicle, boarding, alighting, transfer) of a city in compressed sparse row (CSR)
order: the out-edges of node ``i`` are ``indptr[i]:indptr[i + 1]``. It is built once from the
loaded graphs (see :func:`sim.network.build.build_network`) and never mutated: an intervention
returns a new network with new arrays.

Units: times in seconds, lengths in metres, capacities per hour (passenger-car units on roads,
passengers on transit), money in the city's currency.

Fares, as the kernels read them: a BOARD edge carries the full fare paid boarding from the
street; a TRANSFER edge the integrated transfer fare of its fare system
(:mod:`sim.network.integration`); every other edge 0. PAID_WALK edges carry their walk in
``time_s`` and ``length_m``.

The paid transfer layer of a fare system that integrates (:mod:`sim.network.integration`)::

    line stop --TRANSFER_OFF--> paid node --PAID_WALK--> paid node --TRANSFER--> line stop
                                (its physical stop)      (a stop within the walk limit)

A paid node is one physical stop (the walk node stops snap to) inside one fare system, at one
fare level already paid (and, where bus-to-bus transfers do not integrate, one "arrived by bus"
flag). Riding on after a transfer to a line cheaper than the level paid uses a *fare-level copy*
of that line: stop nodes (``stop_base`` >= 0) and in-vehicle and alighting edges (``edge_base``
>= 0) that duplicate the line's own, so the level paid travels with the rider.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray


class Layer(IntEnum):
    """What an edge is. The kernels select sub-networks by a bit mask of layers."""

    WALK = 0
    DRIVE = 1
    BUS = 2  # in-vehicle, bus (runs on congested roads)
    METRO = 3  # in-vehicle, metro / suburban rail / BRT on own right of way / tram
    CABLE = 4  # in-vehicle, aerial cable car
    BOARD = 5  # walk node -> line stop: wait (headway / 2) and the full fare
    ALIGHT = 6  # line stop -> walk node
    TRANSFER = 7  # paid node -> line stop: wait (headway / 2) and the integrated transfer fare
    TRANSFER_OFF = 8  # line stop -> paid node of its physical stop: time 0, fare 0
    PAID_WALK = 9  # paid node -> paid node (same system, level): walk time and length, fare 0


class NodeKind(IntEnum):
    WALK = 0
    DRIVE = 1
    STOP = 2  # one node per (line, stop in its sequence), and per fare-level copy
    PAID = 3  # a physical stop inside a fare system's paid transfer layer (see the docstring)


class TransitMode(IntEnum):
    BUS = 2
    METRO = 3
    CABLE = 4


def layer_mask(*layers: Layer) -> int:
    """Bit mask selecting the given edge layers."""
    mask = 0
    for layer in layers:
        mask |= 1 << int(layer)
    return mask


WALK_MASK = layer_mask(Layer.WALK)
DRIVE_MASK = layer_mask(Layer.DRIVE)
BUS_MASK = layer_mask(
    Layer.WALK,
    Layer.BUS,
    Layer.BOARD,
    Layer.ALIGHT,
    Layer.TRANSFER,
    Layer.TRANSFER_OFF,
    Layer.PAID_WALK,
)
TRANSIT_MASK = BUS_MASK | layer_mask(Layer.METRO, Layer.CABLE)


@dataclass(frozen=True, eq=False)
class Lines:
    """Transit lines (one row per line *and direction*)."""

    name: NDArray[np.str_]  # e.g. "T1 (to Centro)", "Line K"
    mode: NDArray[np.int8]  # TransitMode
    headway_s: NDArray[np.float64]
    vehicle_capacity: NDArray[np.float64]  # passengers per vehicle (cabin, train, bus)
    fare: NDArray[np.float64]  # paid on boarding from the street
    fare_system: NDArray[np.int32]  # lines of one system transfer paying only a dearer fare
    speed_factor: NDArray[np.float64]  # buses: in-vehicle time / congested car time
    route: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=str))

    @property
    def n(self) -> int:
        return int(self.name.shape[0])

    @property
    def capacity_per_hour(self) -> NDArray[np.float64]:
        """Passengers per hour per direction: vehicles an hour times vehicle capacity."""
        return 3600.0 / self.headway_s * self.vehicle_capacity

    @staticmethod
    def empty() -> Lines:
        return Lines(
            name=np.array([], dtype=str),
            mode=np.zeros(0, np.int8),
            headway_s=np.zeros(0),
            vehicle_capacity=np.zeros(0),
            fare=np.zeros(0),
            fare_system=np.zeros(0, np.int32),
            speed_factor=np.zeros(0),
            route=np.array([], dtype=str),
        )


@dataclass(frozen=True, eq=False)
class MultimodalNetwork:
    """Nodes and directed edges of every mode, in CSR order.

    Edge arrays all have length ``n_edges`` and are ordered by tail node. ``edge_line`` is the
    transit line (row of :attr:`lines`) of in-vehicle, boarding, alighting and transfer edges, and
    -1 elsewhere. ``bus_hop_indptr``/``bus_hop_roads`` map each BUS edge (by its position in
    ``bus_edges``) to the DRIVE edges it runs over, so buses slow down with road congestion.
    """

    # nodes
    x: NDArray[np.float64]  # longitude
    y: NDArray[np.float64]  # latitude
    node_kind: NDArray[np.int8]
    osmid: NDArray[np.int64]  # -1 for stops
    elevation: NDArray[np.float64]  # metres, NaN where unknown
    # edges (CSR)
    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]  # head node of each edge
    tail: NDArray[np.int32]
    layer: NDArray[np.int8]
    time_s: NDArray[np.float64]  # free-flow traversal time (boarding: wait; alighting: 0)
    length_m: NDArray[np.float64]
    capacity: NDArray[np.float64]  # per hour; inf where unconstrained
    fare: NDArray[np.float64]
    edge_line: NDArray[np.int32]
    lanes: NDArray[np.float64]  # drive edges; 0 elsewhere
    highway: NDArray[np.str_]  # OSM highway class of walk/drive edges; "" elsewhere
    name: NDArray[np.str_]  # OSM street name; "" where none
    wayid: NDArray[np.int64]  # OSM way id; -1 where none
    # junction control (drive edges) and fare-level copies; optional for direct construction:
    # a length-0 array is filled with the default of every edge (EDGE_DEFAULTS)
    signals: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    cycle_s: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    green_ratio: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    saturation_flow: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    priority_delay_s: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    # drive edges beside a bus-only way or with a bus lane: 1.0, buses there do not queue
    # behind cars (sim.network.bus_lanes); 0.0 elsewhere
    bus_lane: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    edge_base: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    # transit
    lines: Lines = field(default_factory=Lines.empty)
    stop_line: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    stop_name: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=str))
    stop_node: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    stop_walk: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    stop_base: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    bus_edges: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    bus_hop_indptr: NDArray[np.int64] = field(default_factory=lambda: np.zeros(1, np.int64))
    bus_hop_roads: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    meta: dict = field(default_factory=dict)  # city name, crs, input hash, ...

    def __post_init__(self) -> None:
        n, m = self.n_nodes, self.n_edges
        if self.indptr.shape[0] != n + 1 or self.indptr[-1] != m:
            raise ValueError("indptr does not match node and edge counts")
        for key in _OPTIONAL_EDGE_FIELDS:
            if getattr(self, key).shape[0] == 0 and m > 0:
                default: NDArray[Any] = np.full(m, EDGE_DEFAULTS[key], dtype=_EDGE_DTYPES[key])
                object.__setattr__(self, key, default)
        if self.stop_base.shape[0] != self.stop_node.shape[0]:
            if self.stop_base.shape[0] != 0:
                raise ValueError("`stop_base` must have one value per stop")
            object.__setattr__(self, "stop_base", np.full(self.stop_node.shape[0], -1, np.int64))
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _EDGE_FIELDS and value.shape[0] != m:
                raise ValueError(f"edge array `{f.name}` has length {value.shape[0]}, not {m}")
            if f.name in _NODE_FIELDS and value.shape[0] != n:
                raise ValueError(f"node array `{f.name}` has length {value.shape[0]}, not {n}")

    @property
    def n_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.indices.shape[0])

    def base_edge(self) -> NDArray[np.int64]:
        """Each edge's own id, or for an edge of a fare-level copy the edge it duplicates: the
        vehicle it rides. Loads and congested times of in-vehicle edges go by this id."""
        return np.where(self.edge_base >= 0, self.edge_base, np.arange(self.n_edges))

    def nodes_of(self, kind: NodeKind) -> NDArray[np.int64]:
        return np.flatnonzero(self.node_kind == kind)

    def edges_of(self, *layers: Layer) -> NDArray[np.int64]:
        return np.flatnonzero(np.isin(self.layer, [int(layer) for layer in layers]))

    def with_edges(self, **changes: Any) -> MultimodalNetwork:
        """A copy with some edge arrays replaced (same topology) and its own ``meta`` dict."""
        changes.setdefault("meta", dict(self.meta))
        return replace(self, **changes)

    def summary(self) -> dict[str, object]:
        """Counts per layer and node kind, bbox, lines and stations: what `network info` shows."""
        layers = {lay.name.lower(): int((self.layer == lay).sum()) for lay in Layer}
        kinds = {k.name.lower(): int((self.node_kind == k).sum()) for k in NodeKind}
        modes = {m.name.lower(): int((self.lines.mode == m).sum()) for m in TransitMode}
        street = np.isin(self.node_kind, [NodeKind.WALK, NodeKind.DRIVE])
        return {
            "nodes": kinds,
            "edges": layers,
            "bbox": [
                float(self.x[street].min()),
                float(self.y[street].min()),
                float(self.x[street].max()),
                float(self.y[street].max()),
            ],
            "lines_by_mode": modes,
            "stations": int(np.unique(self.stop_name).shape[0]),
        }


_EDGE_FIELDS = {
    "indices",
    "tail",
    "layer",
    "time_s",
    "length_m",
    "capacity",
    "fare",
    "edge_line",
    "lanes",
    "highway",
    "name",
    "wayid",
    "signals",
    "cycle_s",
    "green_ratio",
    "saturation_flow",
    "priority_delay_s",
    "bus_lane",
    "edge_base",
}
_OPTIONAL_EDGE_FIELDS = ("signals", "cycle_s", "green_ratio", "saturation_flow",
                         "priority_delay_s", "bus_lane", "edge_base")  # fmt: skip
_NODE_FIELDS = {"x", "y", "node_kind", "osmid", "elevation"}


def csr_from_edges(
    n_nodes: int, tail: NDArray[np.integer], head: NDArray[np.integer]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return ``(indptr, order)``: sort edges by tail (stable) into CSR.

    ``order`` permutes edge arrays into CSR order; ``indptr`` delimits each node's out-edges.
    """
    order = np.argsort(tail, kind="stable")
    counts = np.bincount(tail, minlength=n_nodes)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, order.astype(np.int64)


def reverse_csr(
    indptr: NDArray[np.int64], indices: NDArray[np.int32], n_nodes: int
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int64]]:
    """Transpose a CSR graph.

    Returns ``(rindptr, rindices, redge)``: in-edges of node ``j`` are
    ``rindptr[j]:rindptr[j + 1]``, ``rindices`` holds their tails and ``redge`` their ids in the
    forward arrays, so edge attributes are read as ``attr[redge[k]]``.
    """
    tail = np.repeat(np.arange(n_nodes, dtype=np.int32), np.diff(indptr))
    rindptr, order = csr_from_edges(n_nodes, indices, tail)
    return rindptr, tail[order].astype(np.int32), order


EDGE_DEFAULTS: dict[str, object] = {
    "capacity": np.inf,
    "fare": 0.0,
    "edge_line": -1,
    "lanes": 0.0,
    "highway": "",
    "name": "",
    "wayid": -1,
    "length_m": 0.0,
    "signals": 0.0,
    "cycle_s": 0.0,
    "green_ratio": 1.0,
    "saturation_flow": 0.0,
    "priority_delay_s": 0.0,
    "bus_lane": 0.0,
    "edge_base": -1,
}
_EDGE_DTYPES = {
    "layer": np.int8,
    "time_s": np.float64,
    "length_m": np.float64,
    "capacity": np.float64,
    "fare": np.float64,
    "edge_line": np.int32,
    "lanes": np.float64,
    "highway": str,
    "name": str,
    "wayid": np.int64,
    "signals": np.float64,
    "cycle_s": np.float64,
    "green_ratio": np.float64,
    "saturation_flow": np.float64,
    "priority_delay_s": np.float64,
    "bus_lane": np.float64,
    "edge_base": np.int64,
}


def assemble(
    nodes: dict[str, NDArray],
    tail: NDArray[np.integer],
    head: NDArray[np.integer],
    edges: dict[str, NDArray],
    **extras: object,
) -> tuple[MultimodalNetwork, NDArray[np.int64]]:
    """Sort edges into CSR and build a network; missing edge columns take their defaults.

    ``nodes`` needs ``x``, ``y``, ``node_kind`` (``osmid`` and ``elevation`` default to -1 and
    NaN). Returns the network and ``order``, the permutation from the given edge order to CSR
    order (so edge ``order[k]`` of the input is edge ``k`` of the network).
    """
    n = int(np.asarray(nodes["x"]).shape[0])
    tail = np.asarray(tail, np.int64)
    head = np.asarray(head, np.int64)
    indptr, order = csr_from_edges(n, tail, head)
    cols: dict[str, NDArray] = {}
    for key, dtype in _EDGE_DTYPES.items():
        if key in edges:
            value = np.asarray(edges[key])
        elif key in EDGE_DEFAULTS:
            value = np.full(tail.shape[0], EDGE_DEFAULTS[key])
        else:
            raise ValueError(f"edge column `{key}` is required")
        cols[key] = np.broadcast_to(value, tail.shape).astype(dtype)[order]
    node_cols = {
        "x": np.asarray(nodes["x"], np.float64),
        "y": np.asarray(nodes["y"], np.float64),
        "node_kind": np.asarray(nodes["node_kind"], np.int8),
        "osmid": np.asarray(nodes.get("osmid", np.full(n, -1)), np.int64),
        "elevation": np.asarray(nodes.get("elevation", np.full(n, np.nan)), np.float64),
    }
    kwargs: dict[str, Any] = {**node_cols, **cols, **extras}
    kwargs.update(indptr=indptr, indices=head[order].astype(np.int32),
                  tail=tail[order].astype(np.int32))  # fmt: skip
    return MultimodalNetwork(**kwargs), order


def lines_in_service(net: MultimodalNetwork) -> NDArray[np.bool_]:
    """Whether each line (row of ``net.lines``) runs: it has at least one boarding edge with a
    finite time.

    ``remove_line`` takes a line out of service by making its boarding (and transfer-in) times
    infinite while keeping its edges, so edge ids stay stable; such a line, or one without any
    boarding edge, is ``False``. Use it to skip removed lines, e.g. the buses of a removed line
    must not load the roads.
    """
    board = np.flatnonzero(net.layer == Layer.BOARD)
    out = np.zeros(net.lines.n, dtype=np.bool_)
    np.logical_or.at(out, net.edge_line[board], np.isfinite(net.time_s[board]))
    return out
