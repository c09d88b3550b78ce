"""Fare integration: the paid transfer layer of each fare system (see :mod:`sim.network.arrays`).

Inside a fare system whose rules integrate (:class:`FareRules`), a rider who gets off a line
stays "inside the paid area": the TRANSFER_OFF edge from the line stop leads to the paid node of
its physical stop, PAID_WALK edges lead on foot to the paid nodes of physical stops within the
system's transfer walk limit *along the walk network* (a bounded Dijkstra over the walk layer,
not a straight-line radius), and TRANSFER edges board any line there for its wait and the
integrated transfer fare. Walking farther, or changing to another fare system, goes through the
street: ALIGHT, walk, BOARD, and the full fare again.

Fares. Paid nodes and line stops are kept per *fare level already paid*, the dearest fare of the
system's lines ridden so far (its levels are the distinct fares of its lines, so a uniform-fare
system has one). Boarding line B at level L costs ``max(0, fare_B - L) + top_up_share x fare_B``
and moves the rider to level ``max(L, fare_B)``: whatever the number of legs, a trip pays its
dearest leg plus the stated top-up per transfer. Riding a line cheaper than the level paid uses
a fare-level copy of the line (its stops and edges duplicated, ``stop_base``/``edge_base``
naming the originals), so the level travels with the rider. Where bus-to-bus transfers do not
integrate, paid nodes are also kept per "arrived by bus", and from those only non-bus lines
can be boarded (bus-cable-bus integrates, bus-bus does not).

Time limit, enforced conservatively: a TRANSFER edge into line B exists only if the longest
allowed transfer walk plus B's mean wait (half its headway, uncapped) fits in the system's
window, so every integrated transfer the network offers fits the window whatever the walk.
Not modelled: a limit on integrations a day, and re-boarding the same route (never shorter).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.constants import WALK_SPEED_MPS  # of transfers between lines
from sim.errors import ScenarioError
from sim.network.arrays import (
    Layer,
    MultimodalNetwork,
    NodeKind,
    TransitMode,
    lines_in_service,
)
from sim.network.edit import extend, subset

#: Boarding wait = half the headway, capped (riders of rare services time their arrival); as
#: :data:`sim.network.build.MAX_WAIT_S`.
MAX_WAIT_S = 900.0
_LAYER_OF_PAID = (Layer.TRANSFER, Layer.TRANSFER_OFF, Layer.PAID_WALK)
_SOURCES_PER_CHUNK = 256


@dataclass(frozen=True)
class FareRules:
    """How one fare system integrates transfers (``[[transit.fare_systems]]`` of a city).

    The defaults are Ladera's earlier rule, kept for systems nobody described (an assumption,
    not a city's rule): transfers integrate within 150 m, but not bus to bus.
    """

    integrated: bool = True
    bus_to_bus: bool = False  # whether a bus-to-bus transfer integrates
    transfer_walk_m: float = 150.0  # longest walk between stops of an integrated transfer
    window_min: float = 60.0  # the next line must be boarded within this of alighting
    top_up_share: float = 0.0  # paid at each integrated transfer, share of the boarded fare
    source: str = "assumption: Ladera's default (no rule stated for this fare system)"

    def __post_init__(self) -> None:
        if not (self.transfer_walk_m >= 0 and self.window_min > 0):
            raise ScenarioError("`transfer_walk_m` must be >= 0 and `window_min` > 0")
        if not 0 <= self.top_up_share <= 1:
            raise ScenarioError("`top_up_share` must be in [0, 1]")


def rules_of(net: MultimodalNetwork, system: str) -> FareRules:
    """The integration rules of fare system ``system`` (defaults when none are stated)."""
    stated = net.meta.get("fare_rules", {}).get(system)
    return FareRules(**stated) if stated else FareRules()


def with_fare_rules(net: MultimodalNetwork, rules: dict[str, FareRules]) -> MultimodalNetwork:
    """``net`` with integration rules stated for some fare systems (stored in ``meta``)."""
    stated = dict(net.meta.get("fare_rules", {}))
    stated.update({name: asdict(r) for name, r in rules.items()})
    return net.with_edges(meta={**net.meta, "fare_rules": stated})


def without_paid_layer(net: MultimodalNetwork) -> MultimodalNetwork:
    """``net`` without paid nodes, fare-level copies and their edges."""
    copy_nodes = net.stop_node[net.stop_base >= 0]
    keep_nodes = net.node_kind != NodeKind.PAID
    keep_nodes[copy_nodes] = False
    keep_edges = ~np.isin(net.layer, [int(x) for x in _LAYER_OF_PAID]) & (net.edge_base < 0)
    if keep_nodes.all() and keep_edges.all():
        return net
    return subset(net, keep_nodes, keep_edges)


def with_integration(net: MultimodalNetwork) -> MultimodalNetwork:
    """Rebuild the paid transfer layer of every fare system from the lines and their fares.

    Call it after any change of lines or fares (:func:`sim.network.build.add_lines` and the
    fare interventions do). Lines out of service get no transfer into them.
    """
    net = without_paid_layer(net)
    systems = net.meta.get("fare_systems", {})
    plans = []
    for name, sid in systems.items():
        rules = rules_of(net, name)
        lines = np.flatnonzero(net.lines.fare_system == sid)
        if rules.integrated and lines.size:
            plans.append((rules, lines))
    if not plans:
        return net
    stops = np.unique(np.concatenate([_stop_rows(net, lines) for _, lines in plans]))
    walk = _walk_pairs(
        net, np.unique(net.stop_walk[stops]), max(r.transfer_walk_m for r, _ in plans)
    )
    layer = _Layer(net)
    for rules, lines in plans:
        layer.add_system(rules, lines, walk)
    return layer.apply()


def _stop_rows(net: MultimodalNetwork, lines: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.flatnonzero(np.isin(net.stop_line, lines) & (net.stop_base < 0))


def _walk_pairs(
    net: MultimodalNetwork, sources: NDArray[np.int64], limit_m: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """``(a, b, metres)``: ordered pairs of the given walk nodes (a != b) whose walk-network
    distance is within ``limit_m`` (bounded Dijkstra on the walk layer's lengths)."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if sources.size < 2 or limit_m <= 0:
        return empty
    walk = np.flatnonzero(net.layer == Layer.WALK)
    nodes = np.unique(np.concatenate([net.tail[walk], net.indices[walk], sources]))
    local = np.full(net.n_nodes, -1, np.int64)
    local[nodes] = np.arange(nodes.size)
    u, v, w = local[net.tail[walk]], local[net.indices[walk]], net.length_m[walk]
    order = np.lexsort((w, v, u))  # the shortest of parallel edges first
    u, v, w = u[order], v[order], w[order]
    first = np.ones(u.size, dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    graph = csr_matrix((np.maximum(w[first], 1e-3), (u[first], v[first])),
                       shape=(nodes.size, nodes.size))  # fmt: skip
    src = local[sources]
    is_target = np.zeros(nodes.size, bool)
    is_target[src] = True
    out_a, out_b, out_d = [], [], []
    for chunk in np.array_split(np.arange(src.size), max(1, src.size // _SOURCES_PER_CHUNK)):
        dist = dijkstra(graph, indices=src[chunk], limit=limit_m * (1 + 1e-9))
        rows, cols = np.nonzero(np.isfinite(dist) & is_target[None, :])
        keep = cols != src[chunk][rows]
        out_a.append(sources[chunk][rows[keep]])
        out_b.append(nodes[cols[keep]])
        out_d.append(dist[rows[keep], cols[keep]])
    if not out_a:
        return empty
    return np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_d)


class _Layer:
    """Nodes, edges and stop rows of the paid layers, collected before one :func:`extend`."""

    def __init__(self, net: MultimodalNetwork) -> None:
        self.net = net
        self.n_nodes = net.n_nodes
        self.node_x: list[NDArray] = []
        self.node_y: list[NDArray] = []
        self.node_kind: list[NDArray] = []
        self.edges: dict[str, list[NDArray]] = {
            k: []
            for k in (
                "tail",
                "head",
                "layer",
                "time_s",
                "length_m",
                "capacity",
                "fare",
                "edge_line",
                "edge_base",
            )  # fmt: skip
        }
        self.stops: dict[str, list[NDArray]] = {
            k: [] for k in ("stop_line", "stop_name", "stop_node", "stop_walk", "stop_base")
        }
        self.in_service = lines_in_service(net)
        # each stop row's position along its line: hops in and out of it
        n_stops = net.stop_node.shape[0]
        self.hop_out = np.full(n_stops, -1, np.int64)
        self.hop_in = np.full(n_stops, -1, np.int64)
        row_of_node = np.full(net.n_nodes, -1, np.int64)
        row_of_node[net.stop_node] = np.arange(n_stops)
        hops = np.flatnonzero(np.isin(net.layer, [Layer.BUS, Layer.METRO, Layer.CABLE]))
        hops = hops[net.edge_base[hops] < 0]
        self.hop_out[row_of_node[net.tail[hops]]] = hops
        self.hop_in[row_of_node[net.indices[hops]]] = hops
        alight = np.flatnonzero((net.layer == Layer.ALIGHT) & (net.edge_base < 0))
        self.alight = np.full(n_stops, -1, np.int64)
        self.alight[row_of_node[net.tail[alight]]] = alight

    def _new_nodes(self, x: NDArray, y: NDArray, kind: NodeKind) -> NDArray[np.int64]:
        ids = self.n_nodes + np.arange(x.shape[0])
        self.n_nodes += x.shape[0]
        self.node_x.append(np.asarray(x, float))
        self.node_y.append(np.asarray(y, float))
        self.node_kind.append(np.full(x.shape[0], int(kind), np.int8))
        return ids

    def _edges(self, tail: NDArray, head: NDArray, **values: Any) -> None:
        n = tail.shape[0]
        defaults = {"time_s": 0.0, "length_m": 0.0, "capacity": np.inf, "fare": 0.0,
                    "edge_line": -1, "edge_base": -1}  # fmt: skip
        self.edges["tail"].append(np.asarray(tail, np.int64))
        self.edges["head"].append(np.asarray(head, np.int64))
        for key in self.edges:
            if key in ("tail", "head"):
                continue
            value = values.get(key, defaults.get(key))
            self.edges[key].append(np.broadcast_to(np.asarray(value), (n,)).copy())

    def add_system(
        self,
        rules: FareRules,
        lines: NDArray[np.int64],
        walk: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]],
    ) -> None:
        net = self.net
        fare = net.lines.fare
        levels = np.unique(fare[lines])
        variants = (0,) if rules.bus_to_bus else (0, 1)  # 1: arrived by bus
        rows = _stop_rows(net, lines)
        phys = np.unique(net.stop_walk[rows])
        # paid nodes: one per (physical stop, level, variant)
        shape = (phys.size, levels.size, len(variants))
        paid = self._new_nodes(
            np.repeat(net.x[phys], levels.size * len(variants)),
            np.repeat(net.y[phys], levels.size * len(variants)),
            NodeKind.PAID,
        ).reshape(shape)
        p_of = {int(w): i for i, w in enumerate(phys)}
        # stop rows at each level: the line's own at its fare, copies above it
        at_level: dict[tuple[int, int], int] = {}  # (base stop row, level index) -> stop node
        for r in rows:
            at_level[(int(r), int(np.searchsorted(levels, fare[net.stop_line[r]])))] = int(
                net.stop_node[r]
            )
        wait = np.minimum(net.lines.headway_s / 2.0, MAX_WAIT_S)
        fits = rules.transfer_walk_m / WALK_SPEED_MPS + net.lines.headway_s / 2.0
        boardable = self.in_service & (fits <= 60.0 * rules.window_min)
        for li in lines[boardable[lines]]:
            own = int(np.searchsorted(levels, fare[li]))
            for k in range(own + 1, levels.size):
                self._copy_line(int(li), k, at_level)
        is_bus = net.lines.mode == TransitMode.BUS
        off: list[tuple[int, int, int]] = []  # (stop node, paid node, line)
        on: list[tuple[int, int, float, float, int]] = []  # (paid, stop node, wait, fare, line)
        for (r, k), node in at_level.items():
            li = int(net.stop_line[r])
            p = p_of[int(net.stop_walk[r])]
            if self.hop_in[r] >= 0:  # a transfer starts where a vehicle arrives
                off.append((node, int(paid[p, k, int(is_bus[li] and not rules.bus_to_bus)]), li))
            if self.hop_out[r] < 0 or not boardable[li]:
                continue
            # onto the line's own stops from every level up to its fare; onto a copy at level
            # k (the line is cheaper than what was paid) from level k only
            own = int(np.searchsorted(levels, fare[li]))
            for lev in [k] if k > own else range(own + 1):
                price = max(0.0, fare[li] - levels[lev]) + rules.top_up_share * fare[li]
                for vi, v in enumerate(variants):
                    if not (v == 1 and is_bus[li]):  # bus to bus integrates only if stated
                        on.append((int(paid[p, lev, vi]), node, float(wait[li]), price, li))
        if off:
            t, h, line = (np.array(c) for c in zip(*off, strict=True))
            self._edges(t, h, layer=int(Layer.TRANSFER_OFF), edge_line=line)
        if on:
            t, h, w, price, line = (np.array(c) for c in zip(*on, strict=True))
            self._edges(t, h, layer=int(Layer.TRANSFER), time_s=w, fare=price, edge_line=line)
        self._walk_edges(rules, paid, p_of, walk)

    def _walk_edges(self, rules, paid, p_of, walk) -> None:
        a, b, metres = walk
        ok = metres <= rules.transfer_walk_m
        ia = np.array([p_of.get(int(x), -1) for x in a[ok]], np.int64)
        ib = np.array([p_of.get(int(x), -1) for x in b[ok]], np.int64)
        both = (ia >= 0) & (ib >= 0)
        ia, ib, m = ia[both], ib[both], metres[ok][both]
        for k in range(paid.shape[1]):
            for v in range(paid.shape[2]):
                self._edges(paid[ia, k, v], paid[ib, k, v], layer=int(Layer.PAID_WALK),
                            time_s=m / WALK_SPEED_MPS, length_m=m)  # fmt: skip

    def _copy_line(self, li: int, k: int, at_level: dict[tuple[int, int], int]) -> None:
        """A copy of line ``li`` at fare level index ``k``: stops, hops and alightings."""
        net = self.net
        rows = np.flatnonzero((net.stop_line == li) & (net.stop_base < 0))
        nodes = self._new_nodes(net.x[net.stop_node[rows]], net.y[net.stop_node[rows]],
                                NodeKind.STOP)  # fmt: skip
        node_of = dict(zip(net.stop_node[rows].tolist(), nodes.tolist(), strict=True))
        for r, node in zip(rows.tolist(), nodes.tolist(), strict=True):
            at_level[(r, k)] = node
        hops = self.hop_out[rows]
        hops = hops[hops >= 0]
        alight = self.alight[rows]
        alight = alight[alight >= 0]
        for e in (hops, alight):
            tail = np.array([node_of[int(t)] for t in net.tail[e]], np.int64)
            head = np.array([node_of.get(int(h), int(h)) for h in net.indices[e]], np.int64)
            self._edges(tail, head, layer=net.layer[e], time_s=net.time_s[e],
                        length_m=net.length_m[e], capacity=net.capacity[e],
                        edge_line=net.edge_line[e], edge_base=e)  # fmt: skip
        self.stops["stop_line"].append(net.stop_line[rows])
        self.stops["stop_name"].append(net.stop_name[rows])
        self.stops["stop_node"].append(nodes)
        self.stops["stop_walk"].append(net.stop_walk[rows])
        self.stops["stop_base"].append(rows)

    def apply(self) -> MultimodalNetwork:
        net = self.net
        if not self.edges["tail"]:
            return net
        cols = {k: np.concatenate(v) for k, v in self.edges.items()}
        tail, head = cols.pop("tail"), cols.pop("head")
        stops = {
            k: np.concatenate([getattr(net, k), *v]) if v else getattr(net, k)
            for k, v in self.stops.items()
        }
        new, _ = extend(
            net,
            nodes={
                "x": np.concatenate(self.node_x),
                "y": np.concatenate(self.node_y),
                "node_kind": np.concatenate(self.node_kind),
            },
            tail=tail,
            head=head,
            edges=cols,
            **stops,
        )
        return new
