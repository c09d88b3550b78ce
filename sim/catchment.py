"""Catchments defined in advance: the households an intervention serves, and those far from it.

Both are fixed before any result is seen, from the intervention and the baseline alone, so a
comparison cannot choose its winners after the fact:

- **Served** households (:data:`WALK_MIN` and the rules below):

  - a new or changed *line* (``cable_line``, ``bus_route``, ``bundled_line``, ``remove_line``):
    homes within :data:`WALK_MIN` minutes' walk of one of its stations, on the walk network
    with its slope-aware times (Tobler's hiking speed up and down the hills: the walk from a
    home up to a station is timed uphill);
  - a *road* (``road_upgrade``: the changed links; ``new_road``: the links into the two
    junctions it joins): households one of whose trips, at the converged baseline, most
    probably goes by car or motorbike on a least-cost route through those links, or by transit
    on a bus that runs on them;
  - a *fare policy*: households of the classes it subsidises, and, when it changes fares, those
    one of whose trips most probably rides transit.

- **Far** households: homes more than :data:`FAR_KM` km in a straight line from every element
  the scenario changes (stations and the line between them, changed road links, the stops of
  changed lines), all of them, with no further filtering. A fare policy changes no place: a
  scenario made only of fare policies has no far households.

- **Control** households: far ones that the scenario does not serve and none of whose trips
  ends within :data:`FAR_KM` km of what it changes. A far home does not make a trip far: a
  trip from the edge of the city to a job beside a widened avenue gains for real.

A scenario's catchment is the union of its interventions'. Households are identified by their
row, which is the same in every scenario of one seed (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from sim import interventions as iv
from sim.network.arrays import Layer, MultimodalNetwork, NodeKind, lines_in_service
from sim.network.build import projector

if TYPE_CHECKING:
    from sim.model import CommuteModel
    from sim.scenario import Scenario

__all__ = [
    "FAR_KM",
    "WALK_MIN",
    "Place",
    "catchments",
    "ends_far",
    "far_mask",
    "places",
    "walk_minutes",
]

#: Walk to a station, minutes: the stated catchment of a line (a 10-minute walk, the distance
#: planners commonly draw around a station; on the hills it is shorter than 800 m uphill).
WALK_MIN = 10.0
#: Straight-line distance from every changed element beyond which a household is "far", km.
FAR_KM = 5.0


@dataclass(frozen=True, eq=False)
class Place:
    """What one intervention changes, and where, in the numbering of the city's own network."""

    name: str
    kind: str
    stations: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    roads: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    #: changed elements as segments ``(lon0, lat0, lon1, lat1)``; a point is a segment of zero
    #: length
    segments: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 4)))
    classes: tuple[int, ...] = ()  # fare policy: subsidised income classes
    fares: bool = False  # fare policy: fares change

    def definition(self, walk_min: float = WALK_MIN) -> str:
        if self.stations.size:
            return (f"homes within {walk_min:g} min walk (slope-aware) of its "
                    f"{np.unique(self.stations).size} stations")  # fmt: skip
        if self.roads.size:
            return (f"households whose baseline car, motorbike or bus route uses its "
                    f"{self.roads.size} links")  # fmt: skip
        parts = []
        if self.classes:
            parts.append(f"households of classes {', '.join(map(str, self.classes))}")
        if self.fares:
            parts.append("households riding transit at the baseline")
        return " and ".join(parts) or "none"


# ------------------------------------------------------------------------------ places
def places(city: MultimodalNetwork, scenario: Scenario,
           baseline: Scenario | None = None) -> list[Place]:  # fmt: skip
    """The place of each intervention of ``scenario`` that its ``baseline`` does not hold.

    ``city`` is the city's own network. Interventions are applied in order, as a run applies
    them, so that lines added by one can be found in the next network; everything is returned
    in the numbering of the baseline's network (the city's with the baseline's interventions),
    on which the baseline model runs. An intervention the baseline also holds (Medellín's
    scenarios all take the later lines out) changes nothing against it and has no place.
    """
    shared = list(baseline.interventions) if baseline is not None else []
    ref = iv.apply(city, tuple(shared)).network if shared else city
    final = iv.apply(city, tuple(scenario.interventions)).network
    # a line changes if it runs in one network and not in the other (added, removed, restored)
    running = {str(n): bool(r) for n, r in zip(ref.lines.name, lines_in_service(ref), strict=True)}
    changed = {str(n) for n, r in zip(final.lines.name, lines_in_service(final), strict=True)
               if running.get(str(n), False) != bool(r)}  # fmt: skip
    out = []
    net = city
    for item in scenario.interventions:
        applied = iv.apply(net, (item,))
        after = applied.network
        if item not in shared:
            segments = _segments(applied.reports[0].get("geometry") or {})
            place = _place(ref, net, after, item, segments, changed)
            if place is not None:
                out.append(place)
        net = after
    return out


def _place(base: MultimodalNetwork, before: MultimodalNetwork, after: MultimodalNetwork,
           item: Any, segments: NDArray[np.float64], changed: set[str]) -> Place | None:  # fmt: skip
    """The place of ``item`` in ``base``'s numbering; ``None`` when it changes nothing against
    the baseline (a line it touches runs, or not, in both)."""
    name, kind = item.name, item.type
    if isinstance(item, iv.CableLine | iv.BusRoute | iv.BundledLine | iv.RemoveLine):
        if isinstance(item, iv.CableLine | iv.BusRoute):
            lines = np.arange(before.lines.n, after.lines.n)
        else:
            lines = iv.match_lines(before, item.line_pattern)
        lines = lines[np.isin(after.lines.name[lines].astype(str), list(changed))]
        if lines.size == 0:
            return None
        stops = _line_stops(base, after, lines)
        if isinstance(item, iv.RemoveLine):  # its report draws nothing: the stops are the place
            segments = np.zeros((0, 4))
        return Place(name, kind, stations=stops, segments=_points_too(segments, base, stops))
    if isinstance(item, iv.RoadUpgrade):
        return Place(name, kind, roads=iv.select_roads(base, item), segments=segments)
    if isinstance(item, iv.NewRoad):
        ends = _nodes_at(base, segments[:, :2].tolist() + segments[:, 2:].tolist(),
                         NodeKind.DRIVE)  # fmt: skip
        roads = np.flatnonzero((base.layer == Layer.DRIVE) & np.isin(base.indices, ends))
        return Place(name, kind, roads=roads, segments=segments)
    if isinstance(item, iv.FarePolicy):
        classes = tuple(sorted(int(k) for k, share in item.subsidy.items() if share > 0))
        return Place(name, kind, classes=classes, fares=bool(item.fares))
    raise TypeError(f"no catchment rule for {kind}")  # a new intervention type needs one


def _line_stops(base: MultimodalNetwork, net: MultimodalNetwork,
                lines: NDArray[np.int64]) -> NDArray[np.int64]:  # fmt: skip
    """The walk nodes (in ``base``) where the stops of ``lines`` of ``net`` meet the street."""
    walk = np.unique(net.stop_walk[np.isin(net.stop_line, lines)])
    return _nodes_at(base, np.column_stack([net.x[walk], net.y[walk]]).tolist(), NodeKind.WALK)


def _nodes_at(net: MultimodalNetwork, lonlat: list[list[float]],
              kind: NodeKind) -> NDArray[np.int64]:  # fmt: skip
    """The nodes of ``kind`` of ``net`` nearest the given points (interventions add nodes and
    renumber them; the streets' own nodes keep their coordinates)."""
    if not lonlat:
        return np.zeros(0, np.int64)
    nodes = net.nodes_of(kind)
    project = projector(net)
    pts = np.asarray(lonlat, float)
    _, idx = cKDTree(project(net.x[nodes], net.y[nodes])).query(project(pts[:, 0], pts[:, 1]))
    return np.unique(nodes[idx]).astype(np.int64)


def _segments(geometry: dict[str, Any]) -> NDArray[np.float64]:
    """A GeoJSON LineString, MultiLineString or Point as segments (lon0, lat0, lon1, lat1)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    lines = {"LineString": [coords], "MultiLineString": coords, "Point": [[coords, coords]]}
    parts = []
    for line in lines.get(str(kind)) or []:
        xy = np.asarray(line, float).reshape(-1, 2)
        if len(xy) == 1:
            xy = np.vstack([xy, xy])
        parts.append(np.column_stack([xy[:-1], xy[1:]]))
    return np.vstack(parts) if parts else np.zeros((0, 4))


def _points_too(segments: NDArray[np.float64], net: MultimodalNetwork,
                stops: NDArray[np.int64]) -> NDArray[np.float64]:  # fmt: skip
    """The segments and the stations themselves (a line without a drawn geometry)."""
    points = np.column_stack([net.x[stops], net.y[stops], net.x[stops], net.y[stops]])
    return np.vstack([segments, points])


# ------------------------------------------------------------------------------ served
def walk_minutes(net: MultimodalNetwork, homes: NDArray[np.int64], stations: NDArray[np.int64],
                 limit_min: float = WALK_MIN) -> NDArray[np.float64]:  # fmt: skip
    """Minutes' walk from each home node to the nearest station node, on the walk layer's
    directed (slope-aware) times; ``inf`` beyond ``limit_min``.

    The search runs backwards from the stations on the reversed walk graph, so each time is the
    walk *to* the station (uphill where the station is above the home).
    """
    homes = np.asarray(homes, np.int64)
    if stations.size == 0:
        return np.full(homes.shape, np.inf)
    walk = np.flatnonzero(net.layer == Layer.WALK)
    tail, head, t = net.tail[walk], net.indices[walk], net.time_s[walk]
    order = np.lexsort((t, head, tail))  # parallel edges: keep the quickest
    tail, head, t = tail[order], head[order], t[order]
    first = np.ones(order.size, bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    n = net.n_nodes
    # reversed: an edge u -> v becomes v -> u, so distances from the stations are walks to them;
    # a zero time is stored as a tiny one (a sparse matrix drops explicit zeros)
    rev = csr_matrix((np.maximum(t[first], 1e-9), (head[first], tail[first])), shape=(n, n))
    seconds = dijkstra(rev, directed=True, indices=np.unique(stations), min_only=True,
                       limit=60.0 * limit_min)  # fmt: skip
    return np.asarray(seconds, float)[homes] / 60.0


def trips_on_roads(model: CommuteModel, roads: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Trips whose most probable alternative at the model's (converged) state uses ``roads``:
    by car or motorbike on its least-cost route through one of them, or by transit on a bus hop
    that runs on one of them.

    One extra pass of the day kernel at the model's costs, with the car path's length replaced
    by a count of marked links and the cable marker by marked bus hops: the kernel adds both up
    along each trip's own tree path (the trees, and so the routes, are those of the state).
    """
    from sim.assign import new_out, run_pass
    from sim.kernels import day as K

    net, costs = model.network, model.costs
    car = np.zeros(net.n_edges)
    car[roads] = 1000.0  # metres: the kernel reports km, so one marked link reads 1
    hops = np.zeros(net.n_edges)
    if net.bus_edges.size:
        on = np.isin(net.bus_hop_roads, roads)
        k = np.repeat(np.arange(net.bus_edges.size), np.diff(net.bus_hop_indptr))
        marked = net.bus_edges[np.unique(k[on])]
        hops[np.isin(costs.base_edge, marked)] = 1.0  # fare-level copies ride their base hop
    kcosts = costs.kernel_costs(costs.state(model.car_flow, model.transit_flow), model.classes)
    attr = kcosts.attr.copy()
    attr[:, K.A_LEN] = model.blocks.gather(car)
    attr[:, K.A_CABLE] = model.blocks.gather(hops)
    kcosts = K.Costs(kcosts.street, kcosts.transit, np.ascontiguousarray(attr))
    tr = model.trips
    out = new_out(tr.n, model.zones.n, model.dest.n, model.classes.n, model.blocks.n_slots)
    state = K.State(model.walk_s.copy(), model.km_ff.copy(), model.perceived.copy(), model.taste)
    params = model._params(dynamic=False)  # the model's own kernel parameters
    res = run_pass(model.graph, kcosts, model.ktrips, params, state, out, model.blocks,
                   net.n_edges)  # fmt: skip
    chosen = model.prob.sum(axis=1) > 0
    alt = np.argmax(model.prob, axis=1)
    by_road = np.isin(alt, [K.ALT_CAR, K.ALT_MOTO]) & (
        np.nan_to_num(res.out.km[:, K.ALT_CAR]) > 0.5
    )
    by_bus = (alt == K.ALT_TRANSIT) & (res.out.main == K.CABLE)
    return chosen & (by_road | by_bus)


def _per_household(model: CommuteModel, trips: NDArray[np.bool_]) -> NDArray[np.bool_]:
    tr = model.trips
    own = (tr.household >= 0) & trips
    out = np.zeros(model.households.n, bool)
    out[tr.household[own]] = True
    return out


def served(model: CommuteModel, place: Place, walk_min: float = WALK_MIN) -> NDArray[np.bool_]:
    """The households ``place`` serves (module docstring), on the baseline ``model``."""
    hh = model.households
    if place.stations.size:
        return walk_minutes(model.network, hh.home_node, place.stations, walk_min) <= walk_min
    if place.roads.size:
        return _per_household(model, trips_on_roads(model, place.roads))
    out = np.isin(hh.income_class, list(place.classes))
    if place.fares:
        from sim.kernels import day as K

        transit = (np.argmax(model.prob, axis=1) == K.ALT_TRANSIT) & (model.prob.sum(axis=1) > 0)
        out |= _per_household(model, transit)
    return out


# ------------------------------------------------------------------------------ far
def distances_m(net: MultimodalNetwork, lon: NDArray[np.float64], lat: NDArray[np.float64],
                segments: NDArray[np.float64]) -> NDArray[np.float64]:  # fmt: skip
    """Straight-line metres from each point to the nearest segment (a local equirectangular
    projection around the city's centre: exact to a few metres across a city)."""
    project = projector(net)
    p = project(lon, lat)
    if segments.shape[0] == 0:
        return np.full(p.shape[0], np.inf)
    a = project(segments[:, 0], segments[:, 1])
    b = project(segments[:, 2], segments[:, 3])
    out = np.full(p.shape[0], np.inf)
    ab = b - a
    length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    for start in range(0, p.shape[0], 2048):  # bounded memory: points x segments per chunk
        q = p[start : start + 2048, None, :]
        s = np.clip(((q - a) * ab).sum(axis=2) / length2, 0.0, 1.0)
        d2 = ((q - (a + s[..., None] * ab)) ** 2).sum(axis=2)
        out[start : start + 2048] = np.sqrt(d2.min(axis=1))
    return out


def far_mask(net: MultimodalNetwork, homes: NDArray[np.int64], segments: NDArray[np.float64],
             far_km: float = FAR_KM) -> NDArray[np.bool_]:  # fmt: skip
    """Homes more than ``far_km`` km from every segment; none when there is no segment."""
    if segments.shape[0] == 0:
        return np.zeros(len(homes), bool)
    nodes, inverse = np.unique(np.asarray(homes, np.int64), return_inverse=True)
    d = distances_m(net, net.x[nodes], net.y[nodes], segments)
    return (d > 1000.0 * far_km)[inverse]


# ------------------------------------------------------------------------------ all
def catchments(model: CommuteModel, by_scenario: dict[str, list[Place]], *,
               walk_min: float = WALK_MIN,
               far_km: float = FAR_KM) -> dict[str, dict[str, NDArray[np.bool_]]]:  # fmt: skip
    """Each scenario's served and far households on the baseline ``model`` (one seed).

    Returns ``{scenario: {"served": mask, "far": mask, "control": mask,
    "served:<intervention>": mask}}``, one entry per household row. The *control* households
    are the far ones that it does not serve and none of whose trips ends within ``far_km`` of
    what it changes: only they should see nothing at equilibrium. A far home is not enough. On
    Porto Alegre (seed 42) the road upgrade's far households that it does not serve gain 0.27
    min a trip, all of it on trips that end within 5 km of the widened avenues (0.47-0.67 min);
    their trips that end farther move by 0.01 min, the solver's error.
    """
    homes = model.households.home_node
    out: dict[str, dict[str, NDArray[np.bool_]]] = {}
    for name, items in by_scenario.items():
        masks = {f"served:{p.name}": served(model, p, walk_min) for p in items}
        union = np.zeros(model.households.n, bool)
        for mask in masks.values():
            union |= mask
        segments = np.vstack([p.segments for p in items]) if items else np.zeros((0, 4))
        far = far_mask(model.network, homes, segments, far_km)
        control = far & ~union & ends_far(model, segments, far_km)
        out[name] = {"served": union, "far": far, "control": control, **masks}
    return out


def ends_far(model: CommuteModel, segments: NDArray[np.float64],
             far_km: float = FAR_KM) -> NDArray[np.bool_]:  # fmt: skip
    """Households none of whose trips ends within ``far_km`` km of a segment (a household
    with no trip counts as far); none when there is no segment."""
    n = model.households.n
    if segments.shape[0] == 0:
        return np.zeros(n, bool)
    tr = model.trips
    mine = tr.household >= 0
    ends = model.dest.walk_node[tr.dest[mine]]
    near = ~far_mask(model.network, ends, segments, far_km)
    out = np.ones(n, bool)
    out[tr.household[mine][near]] = False
    return out


def definitions(by_scenario: dict[str, list[Place]], *, walk_min: float = WALK_MIN,
                far_km: float = FAR_KM) -> dict[str, dict[str, Any]]:  # fmt: skip
    """The words of each scenario's catchment, for reports and ``summary.json``."""
    out = {}
    for name, items in by_scenario.items():
        located = any(p.segments.shape[0] for p in items)
        out[name] = {
            "served": "; ".join(f"{p.name}: {p.definition(walk_min)}" for p in items) or "none",
            "far": (f"homes more than {far_km:g} km in a straight line from every element the "
                    "scenario changes" if located else "none: the scenario changes no place"),
            "control": ("far households that it does not serve (for a road: whose baseline "
                        "routes do not use its links) and none of whose trips ends within "
                        f"{far_km:g} km of what it changes, which should see nothing at "
                        "equilibrium" if located else "none: the scenario changes no place"),
            "walk_min": walk_min,
            "far_km": far_km,
        }  # fmt: skip
    return out


@dataclass
class Catchments:
    """The catchments of a comparison: per seed, ``{scenario name: {group: household mask}}``
    (:func:`catchments`), and their definitions in words; :func:`sim.report.compare` reports
    their results (:mod:`sim.report.seeds`), :mod:`sim.compare_seeds` makes them."""

    masks: list[dict[str, dict[str, NDArray[np.bool_]]]]
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
