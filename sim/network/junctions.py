"""Junction control on the drive graph: signal stop lines, their timing, and priority junctions.

Called by :mod:`sim.network.load` (this module, like it, imports no osmnx) on the raw
drive graph before simplification (:func:`add_signal_attributes`) and on the simplified graph
after it (:func:`add_priority_delays`). Everything here is a stated rule with a source or the
word "assumption"; :mod:`sim.congestion` turns the attributes into delays.

Signal stop lines (rule)
------------------------
A signalised junction is a *cluster*: OSM nodes tagged ``highway=traffic_signals`` joined to
each other, and to the drive junctions (three or more neighbours), when within
:data:`SIGNAL_CLUSTER_M` of a signal node (single linkage; junction-to-junction links do not
join clusters). Mappers draw one signalised crossing as one node at the junction, as a node on
each stop line, or both; the cluster makes all of these one junction. A raw drive segment
*entering* a cluster (tail outside, head inside) is one signal-controlled approach: its traffic
passes one stop line there, however many signal nodes the cluster holds, and the segments
inside a cluster or leaving it pass none. A lone signal node away from junctions (a mid-block
pedestrian signal) is a cluster of its own, passed once in each direction. The nine nodes of
the Porto Alegre extract with ``traffic_signals:direction`` are treated like the others.
Simplification adds up the stop lines along each edge (``signals``).

Timing (rule)
-------------
Fixed-time, two-stage control timed by Webster (1958): lost time ``L`` = 2 stages x
:data:`LOST_TIME_PER_STAGE_S`, cycle ``C = (1.5 L + 5) / (1 - Y)`` clipped to
[:data:`MIN_CYCLE_S`, :data:`MAX_CYCLE_S`], and effective green shared in proportion to the
critical flow ratios, ``g / C = (1 - L / C) y_a / Y`` with ``Y = y_a + y_x``. ``y_a`` is the
design flow ratio (flow / saturation flow at the peak) of the approach's class and ``y_x`` that
of the highest class crossing it (legs whose bearing differs from the approach's by more than
:data:`CROSS_ANGLE_DEG`), or of a pedestrian stage when no road crosses.
:data:`DESIGN_FLOW_RATIO` is an assumption (no signal plans of Porto Alegre are bundled): it
makes a primary-secondary junction run an 85 s cycle with 51% / 40% green, a
primary-residential one 49 s with 58% / 26%, a primary-primary one the 120 s maximum with 47%
each. Where one simplified edge passes several stop lines it keeps the longest cycle and the
smallest green ratio among them (``cycle_s``, ``green_ratio``).

Priority junctions (rule)
-------------------------
At the head of a simplified edge that is not signalised, an approach of a lower class rank than
the highest-ranked *other* road meeting there (edges at the node other than the approach, its
reverse and edges with the approach's street name) waits :data:`PRIORITY_DELAY_S` of the rank
it enters. Major-street traffic waits nothing, as in HCM 2010's two-way-stop control ("it is
assumed that major-street through vehicles experience zero delay").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from sim.geo import EARTH_RADIUS_M

#: Signal nodes (and junction nodes) this close are one junction. Assumption: mappers place
#: stop-line signal nodes a few metres before the junction node; 25 m covers the stop lines of
#: a four-lane avenue crossing without joining neighbouring blocks (~100 m in Porto Alegre).
SIGNAL_CLUSTER_M = 25.0
#: Lost time per stage, s: start-up ~2 s plus clearance ~2 s (ITDP, BRT Planning Guide 4th ed.,
#: "Intersection and signal control": "start-up and clearance to each phase, each of them
#: being nearly 2 seconds").
LOST_TIME_PER_STAGE_S = 4.0
STAGES = 2
#: Bounds of the fixed-time cycle, s (assumption: the usual practical range of fixed-time
#: plans; Webster's formula is undefined as Y -> 1 and gives impractically short cycles at
#: light junctions).
MIN_CYCLE_S = 40.0
MAX_CYCLE_S = 120.0
#: Legs whose bearing differs from the approach's by more than this cross it (assumption).
CROSS_ANGLE_DEG = 30.0

#: Rank of a class in the junction hierarchy; ``*_link`` ranks as its road. Unlisted: 1.
CLASS_RANK: Mapping[str, int] = MappingProxyType(
    {"motorway": 5, "trunk": 5, "primary": 4, "secondary": 3, "tertiary": 2}
)
#: Design flow ratio y (peak flow / saturation flow) of an approach by rank, and of a
#: pedestrian stage (key 0). Assumption (see the module docstring for the timings it gives).
DESIGN_FLOW_RATIO: Mapping[int, float] = MappingProxyType(
    {5: 0.45, 4: 0.45, 3: 0.35, 2: 0.30, 1: 0.20, 0: 0.20}
)
#: Fixed delay (s) of a minor approach entering a road of this rank at a priority junction.
#: Assumption, within HCM 2010's control-delay bands for two-way-stop-controlled minor
#: approaches (LOS A <= 10 s, B 10-15 s, C 15-25 s): entering an arterial (rank 4-5) at LOS
#: B/C, a secondary street at LOS A/B, a tertiary street at LOS A.
PRIORITY_DELAY_S: Mapping[int, float] = MappingProxyType({5: 15.0, 4: 15.0, 3: 10.0, 2: 6.0})


def class_rank(highway: Any) -> int:
    """Rank of an OSM ``highway`` value (a list: its highest), links as their road."""
    values = highway if isinstance(highway, list | tuple) else [highway]
    return max((CLASS_RANK.get(str(v).removesuffix("_link"), 1) for v in values), default=1)


def webster_timing(
    y_approach: ArrayLike, y_cross: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cycle (s) and effective green ratio of approaches with design flow ratios ``y_approach``
    crossed by ``y_cross`` (two stages, Webster's optimum cycle; see the module docstring)."""
    ya = np.asarray(y_approach, dtype=np.float64)
    yx = np.asarray(y_cross, dtype=np.float64)
    total = np.minimum(ya + yx, 0.95)
    lost = STAGES * LOST_TIME_PER_STAGE_S
    cycle = np.clip((1.5 * lost + 5.0) / (1.0 - total), MIN_CYCLE_S, MAX_CYCLE_S)
    green = (1.0 - lost / cycle) * ya / (ya + yx)
    return cycle, green


def _metres(G: nx.MultiDiGraph, nodes: list[Any]) -> NDArray[np.float64]:
    lon = np.array([G.nodes[n]["x"] for n in nodes], dtype=np.float64)
    lat = np.array([G.nodes[n]["y"] for n in nodes], dtype=np.float64)
    lat0 = float(np.median(lat)) if lat.size else 0.0
    k = np.pi / 180.0 * EARTH_RADIUS_M
    return np.column_stack((lon * k * np.cos(np.radians(lat0)), lat * k))


def signal_clusters(G: nx.MultiDiGraph) -> dict[Any, int]:
    """Cluster id of every node of a signalised junction (see the module docstring)."""
    signals = [n for n, d in G.nodes(data=True) if d.get("highway") == "traffic_signals"]
    if not signals:
        return {}
    junctions = [n for n in G if n not in set(signals) and len(set(nx.all_neighbors(G, n))) >= 3]
    nodes = signals + junctions
    pairs = cKDTree(_metres(G, nodes)).query_pairs(SIGNAL_CLUSTER_M, output_type="ndarray")
    pairs = pairs[(pairs[:, 0] < len(signals)) | (pairs[:, 1] < len(signals))]
    n = len(nodes)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    keep = np.zeros(n, dtype=bool)
    keep[: len(signals)] = True
    keep[pairs.reshape(-1)] = True  # junctions joined to a signal node
    return {nodes[i]: int(label[i]) for i in np.flatnonzero(keep)}


def _bearing(G: nx.MultiDiGraph, u: Any, v: Any) -> float:
    """Bearing (degrees, 0-360) from node u to node v, locally flat."""
    du, dv = G.nodes[u], G.nodes[v]
    dx = (dv["x"] - du["x"]) * np.cos(np.radians(du["y"]))
    return float(np.degrees(np.arctan2(dx, dv["y"] - du["y"])) % 360.0)


def _axis_gap(a: float, b: float) -> float:
    """Angle between two bearings as lines (0-90 degrees): opposite directions are parallel."""
    d = abs(a - b) % 180.0
    return min(d, 180.0 - d)


def add_signal_attributes(G: nx.MultiDiGraph) -> int:
    """Set ``signals``, ``cycle_s`` and ``green_ratio`` on every edge of a raw (unsimplified)
    drive graph, in place; returns the number of signal-controlled approaches.

    An approach (a segment entering a signal cluster) gets 1 stop line and its Webster timing;
    every other segment 0, a cycle of 0 and a green ratio of 1, so that simplification can sum
    the first and take the largest and smallest of the others.
    """
    cluster = signal_clusters(G)
    legs: dict[int, list[tuple[float, int]]] = {}  # cluster -> (bearing away, rank) per leg
    for u, v, d in G.edges(data=True):
        cu, cv = cluster.get(u), cluster.get(v)
        if cu == cv:
            continue
        rank = class_rank(d.get("highway"))
        if cu is not None:
            legs.setdefault(cu, []).append((_bearing(G, u, v), rank))
        if cv is not None:
            legs.setdefault(cv, []).append((_bearing(G, v, u), rank))
    approaches = 0
    for u, v, d in G.edges(data=True):
        d["signals"], d["cycle_s"], d["green_ratio"] = 0.0, 0.0, 1.0
        c = cluster.get(v)
        if c is None or cluster.get(u) == c:
            continue
        heading = _bearing(G, u, v)
        cross = [r for b, r in legs.get(c, []) if _axis_gap(b, heading) > CROSS_ANGLE_DEG]
        y_cross = DESIGN_FLOW_RATIO[max(cross, default=0)]
        cycle, green = webster_timing(DESIGN_FLOW_RATIO[class_rank(d.get("highway"))], y_cross)
        d["signals"], d["cycle_s"], d["green_ratio"] = 1.0, float(cycle), float(green)
        approaches += 1
    for n in G:
        G.nodes[n]["signal_cluster"] = cluster.get(n, -1)
    G.graph["signal_clusters"] = len(set(cluster.values()))
    G.graph["signal_approaches"] = approaches
    return approaches


def _names(value: Any) -> set[str]:
    """Street names of an edge: a list, or names joined by "; " (simplified edges)."""
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    return {part for n in items if n is not None for part in str(n).split("; ") if part.strip()}


def add_priority_delays(G: nx.MultiDiGraph) -> None:
    """Set ``priority_delay_s`` on every edge of a simplified drive graph, in place (see the
    module docstring); edges whose head belongs to a signal cluster get 0."""
    for u, v, d in G.edges(data=True):
        d["priority_delay_s"] = 0.0
        if G.nodes[v].get("signal_cluster", -1) >= 0:
            continue
        own_rank = class_rank(d.get("highway"))
        own_names = _names(d.get("name"))
        other = 0
        for a, b, e in [*G.in_edges(v, data=True), *G.out_edges(v, data=True)]:
            if {a, b} == {u, v} or (own_names and own_names & _names(e.get("name"))):
                continue
            other = max(other, class_rank(e.get("highway")))
        if other > own_rank:
            d["priority_delay_s"] = PRIORITY_DELAY_S.get(other, 0.0)
