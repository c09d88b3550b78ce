"""Transport investments as data: pure functions from network arrays to new network arrays.

Every intervention is a frozen dataclass read from a scenario's ``[[interventions]]`` table
(``type = "cable_line"`` ...). :func:`apply` applies them in order and returns the new network,
the behaviour parameters they change (fare subsidies) and a report per intervention (capital
cost, what was matched or snapped). Nothing of the input network is modified.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.errors import ScenarioError
from sim.network.arrays import (
    Layer,
    MultimodalNetwork,
    NodeKind,
    TransitMode,
    lines_in_service,
)
from sim.network.build import add_lines, haversine_m, projector, with_transfer_fares
from sim.network.edit import extend
from sim.network.road_classes import LANE_CAPACITY_VPH, SATURATION_FLOW_PCU
from sim.network.transit import TransitLine, cable_line

#: OSM class given to new roads: their lanes carry what the loader gives this class
#: (:data:`sim.network.road_classes.LANE_CAPACITY_VPH`).
NEW_ROAD_HIGHWAY = "primary"


@dataclass(frozen=True)
class Capex:
    """Capital cost of an intervention, and what the appraisal needs beside it.

    ``profile``: shares of ``amount`` spent in each construction year (summing to 1; empty =
    all in the first year). ``life_years``: asset life for the straight-line residual value
    (0 = the city's default for the intervention type). ``om_per_year``: operating and
    maintenance cost a year (NaN = the city's default: a cable's per km, else none).
    """

    amount: float = 0.0
    currency: str = ""
    year: int = 0
    source: str = ""
    profile: tuple[float, ...] = ()
    life_years: float = 0.0
    om_per_year: float = math.nan
    om_source: str = ""

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ScenarioError(f"`capex.amount` must be >= 0, not {self.amount}")
        if self.profile and (min(self.profile) < 0 or abs(sum(self.profile) - 1) > 1e-6):
            raise ScenarioError(f"`capex.profile` must be shares >= 0 summing to 1, not "
                                f"{list(self.profile)}")  # fmt: skip
        if len(self.profile) > 20:
            raise ScenarioError("`capex.profile` may span at most 20 construction years")
        if not (math.isfinite(self.life_years) and self.life_years >= 0):
            raise ScenarioError(f"`capex.life_years` must be >= 0, not {self.life_years}")
        if not math.isnan(self.om_per_year) and not (
            math.isfinite(self.om_per_year) and self.om_per_year >= 0
        ):
            raise ScenarioError(f"`capex.om_per_year` must be >= 0, not {self.om_per_year}")


@dataclass(frozen=True)
class CableLine:
    """An aerial cable car (Medellín Metrocable style) through ordered stations.

    ``fare`` is paid on boarding from the street and is required, unless ``integrated_with``
    names a fare system of the network: the cable then joins that system and its fare (left
    out: NaN) defaults to the system's (the fare most of its lines charge, the highest if tied). Inside a system
    a transfer from line A to line B costs ``max(0, fare_B - fare_A)``: a trip pays its
    dearest leg. The defaults give 3,000 passengers per hour and direction (a 10-person cabin
    every 12 s, the rating of Medellín's Line K).
    """

    type: Literal["cable_line"]
    name: str
    stations: tuple[tuple[float, float], ...] = ()  # (lon, lat), in order
    station_names: tuple[str, ...] = ()  # labels, or stops of the bundle when no coordinates
    speed_mps: float = 5.0
    cabin_interval_s: float = 12.0
    cabin_capacity: float = 10.0
    dwell_s: float = 20.0
    fare: float = math.nan  # not given: required unless integrated_with is given
    integrated_with: str | None = None  # fare system it joins (integrated transfers)
    max_snap_m: float = 300.0
    capex: Capex = field(default_factory=Capex)

    def __post_init__(self) -> None:
        n = len(self.stations) or len(self.station_names)
        if n < 2:
            raise ScenarioError(f"cable_line `{self.name}`: needs at least 2 stations, got {n}")
        if self.stations and self.station_names and len(self.station_names) != n:
            raise ScenarioError(f"cable_line `{self.name}`: {n} stations but "
                                f"{len(self.station_names)} station_names")  # fmt: skip
        for key in ("speed_mps", "cabin_interval_s", "cabin_capacity", "max_snap_m"):
            if getattr(self, key) <= 0:
                raise ScenarioError(f"cable_line `{self.name}`: `{key}` must be > 0")
        _check_fare("cable_line", self.name, self.fare, self.integrated_with)
        if self.dwell_s < 0:
            raise ScenarioError(f"cable_line `{self.name}`: `dwell_s` must be >= 0")

    @property
    def capacity_per_hour(self) -> float:
        """Passengers per hour per direction: cabins an hour times cabin capacity."""
        return 3600.0 / self.cabin_interval_s * self.cabin_capacity


@dataclass(frozen=True)
class RoadUpgrade:
    """Widen or speed up existing roads selected by name, class, box or OSM way id."""

    type: Literal["road_upgrade"]
    name: str
    name_pattern: str | None = None  # regular expression on the street name
    highway: tuple[str, ...] = ()  # OSM highway classes
    bbox: tuple[float, ...] = ()  # lon_min, lat_min, lon_max, lat_max
    way_ids: tuple[int, ...] = ()
    add_lanes: float = 0.0  # per direction
    capacity_factor: float = 1.0
    speed_kph: float | None = None  # new free-flow speed
    capex: Capex = field(default_factory=Capex)

    def __post_init__(self) -> None:
        if not (self.name_pattern or self.highway or self.bbox or self.way_ids):
            raise ScenarioError(f"road_upgrade `{self.name}`: give at least one selector "
                                "(name_pattern, highway, bbox, way_ids)")  # fmt: skip
        if self.bbox and len(self.bbox) != 4:
            raise ScenarioError(f"road_upgrade `{self.name}`: `bbox` needs 4 numbers")
        if self.add_lanes < 0 or self.capacity_factor <= 0:
            raise ScenarioError(f"road_upgrade `{self.name}`: `add_lanes` must be >= 0 and "
                                "`capacity_factor` > 0")  # fmt: skip
        if self.speed_kph is not None and self.speed_kph <= 0:
            raise ScenarioError(f"road_upgrade `{self.name}`: `speed_kph` must be > 0")
        if self.name_pattern:
            try:
                re.compile(self.name_pattern)
            except re.error as exc:
                raise ScenarioError(
                    f"road_upgrade `{self.name}`: bad `name_pattern` ({exc})"
                ) from None


@dataclass(frozen=True)
class NewRoad:
    """A new road link between two points (snapped to the nearest drive nodes).

    It is a ``primary`` road: each lane carries what the loader gives existing primaries
    (:data:`sim.network.road_classes.LANE_CAPACITY_VPH`).
    """

    type: Literal["new_road"]
    name: str
    start: tuple[float, float]
    end: tuple[float, float]
    lanes: float = 2.0  # per direction
    speed_kph: float = 50.0
    both_directions: bool = True
    detour: float = 1.1  # road length / straight-line distance
    max_snap_m: float = 300.0
    capex: Capex = field(default_factory=Capex)

    def __post_init__(self) -> None:
        for key in ("lanes", "speed_kph", "max_snap_m"):
            if getattr(self, key) <= 0:
                raise ScenarioError(f"new_road `{self.name}`: `{key}` must be > 0")
        if self.detour < 1:
            raise ScenarioError(f"new_road `{self.name}`: `detour` must be >= 1")


@dataclass(frozen=True)
class BusRoute:
    """A new bus route through ordered stops, running on (congested) roads.

    ``fare`` is required, unless ``integrated_with`` names a fare system of the network: the
    route then joins that system and its fare (left out: NaN) defaults to the system's (the fare most of its
    lines charge, the highest if tied). Otherwise it forms the fare system ``fare_system``
    (default ``"new bus"``). Bus-to-bus transfers are never integrated (paid through the
    street); transfers to other lines of its system cost ``max(0, fare_B - fare_A)``.
    """

    type: Literal["bus_route"]
    name: str
    stops: tuple[tuple[float, float], ...]
    stop_names: tuple[str, ...] = ()
    headway_s: float = 600.0
    speed_factor: float = 1.3  # in-vehicle time / free-flow car time on the same roads
    dwell_s: float = 20.0
    vehicle_capacity: float = 80.0
    fare: float = math.nan  # not given: required unless integrated_with is given
    fare_system: str | None = None  # its own new fare system; default "new bus"
    integrated_with: str | None = None  # an existing fare system it joins
    max_snap_m: float = 300.0
    capex: Capex = field(default_factory=Capex)

    def __post_init__(self) -> None:
        if len(self.stops) < 2:
            raise ScenarioError(f"bus_route `{self.name}`: needs at least 2 stops")
        for key in ("headway_s", "speed_factor", "vehicle_capacity", "max_snap_m"):
            if getattr(self, key) <= 0:
                raise ScenarioError(f"bus_route `{self.name}`: `{key}` must be > 0")
        _check_fare("bus_route", self.name, self.fare, self.integrated_with)
        if self.integrated_with and self.fare_system not in (None, self.integrated_with):
            raise ScenarioError(f"bus_route `{self.name}`: give `integrated_with` (an existing "
                                "fare system) or `fare_system` (a new one), not both")  # fmt: skip


def _check_fare(kind: str, name: str, fare: float, integrated_with: str | None) -> None:
    """``fare`` NaN (the default) means not given: then ``integrated_with`` is required."""
    try:
        value = float(fare)
    except (TypeError, ValueError):
        value = -1.0
    if math.isnan(value) and not integrated_with:
        raise ScenarioError(f"{kind} `{name}`: `fare` is required (a number >= 0) unless "
                            "`integrated_with` names a fare system, whose fare it then takes")  # fmt: skip
    if not math.isnan(value) and not (math.isfinite(value) and value >= 0):
        raise ScenarioError(f"{kind} `{name}`: `fare` must be a number >= 0, not {fare!r}")


@dataclass(frozen=True)
class FarePolicy:
    """Fares by mode and fare subsidies by income class."""

    type: Literal["fare_policy"]
    name: str
    fares: dict[str, float] = field(default_factory=dict)  # bus / metro / cable -> fare
    subsidy: dict[str, float] = field(default_factory=dict)  # income class -> share paid
    capex: Capex = field(default_factory=Capex)
    annual_cost: float = 0.0

    def __post_init__(self) -> None:
        for mode, fare in self.fares.items():
            if mode not in ("bus", "metro", "cable"):
                raise ScenarioError(f"fare_policy `{self.name}`: `fares.{mode}`: modes are "
                                    "bus, metro, cable")  # fmt: skip
            if fare < 0:
                raise ScenarioError(f"fare_policy `{self.name}`: `fares.{mode}` must be >= 0")
        for klass, share in self.subsidy.items():
            if not klass.isdigit() or not 0 <= share <= 1:
                raise ScenarioError(f"fare_policy `{self.name}`: `subsidy.{klass}`: keys are "
                                    "income classes (\"1\", \"2\", ...), values in [0, 1]")  # fmt: skip


@dataclass(frozen=True)
class RemoveLine:
    """Take existing transit lines out of service (e.g. a city before a line was built).

    ``line_pattern`` is a regular expression searched in line names, ignoring case (as road
    ``name_pattern``). A removed line keeps its edges but cannot be boarded.
    """

    type: Literal["remove_line"]
    name: str
    line_pattern: str

    def __post_init__(self) -> None:
        try:
            re.compile(self.line_pattern)
        except re.error as exc:
            raise ScenarioError(f"remove_line `{self.name}`: bad `line_pattern` ({exc})") from None


@dataclass(frozen=True)
class BundledLine:
    """A line the city bundle already has, counted as this scenario's investment.

    The network is unchanged; the line must exist and run (not taken out by an earlier
    ``remove_line``), and its stations, geometry and capital cost are reported (e.g. Medellín's
    Line K against a 2003 baseline that removes it). ``line_pattern`` is a regular expression
    searched in line names, ignoring case.
    """

    type: Literal["bundled_line"]
    name: str
    line_pattern: str
    capex: Capex = field(default_factory=Capex)

    def __post_init__(self) -> None:
        try:
            re.compile(self.line_pattern)
        except re.error as exc:
            raise ScenarioError(f"bundled_line `{self.name}`: bad `line_pattern` ({exc})") from None


Intervention = CableLine | RoadUpgrade | NewRoad | BusRoute | FarePolicy | RemoveLine | BundledLine
KINDS: dict[str, type] = {
    "cable_line": CableLine,
    "road_upgrade": RoadUpgrade,
    "new_road": NewRoad,
    "bus_route": BusRoute,
    "fare_policy": FarePolicy,
    "remove_line": RemoveLine,
    "bundled_line": BundledLine,
}


@dataclass
class Applied:
    """The result of applying interventions."""

    network: MultimodalNetwork
    fare_subsidy: dict[str, float] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)


def apply(net: MultimodalNetwork, interventions: tuple[Intervention, ...]) -> Applied:
    """Apply interventions in order. Raises :class:`ScenarioError` naming the intervention."""
    out = Applied(network=net)
    for item in interventions:
        fn = _APPLY[type(item)]
        out.network, report = fn(out.network, item)
        report = {"type": item.type, "name": item.name, **report}
        capex = getattr(item, "capex", None)
        if capex is not None:
            report["capex"] = capex.amount
            report["capex_currency"] = capex.currency
            report["capex_year"] = capex.year
            report["capex_profile"] = list(capex.profile)
            report["life_years"] = capex.life_years
            report["om_per_year"] = None if math.isnan(capex.om_per_year) else capex.om_per_year
            report["om_source"] = capex.om_source
        if isinstance(item, FarePolicy):
            out.fare_subsidy.update(item.subsidy)
        out.reports.append(report)
    return out


# ------------------------------------------------------------------------------ cable lines
def apply_cable_line(net: MultimodalNetwork, c: CableLine) -> tuple[MultimodalNetwork, dict]:
    lon, lat, names = _station_points(net, c)
    system = c.integrated_with or f"cable {c.name}"
    fare = _resolve_fare(net, "cable_line", c.name, c.fare, c.integrated_with)
    _check_in_bbox(net, lon, lat, f"cable_line `{c.name}`")
    lines = cable_line(
        c.name, lon, lat, stop_names=names, speed_mps=c.speed_mps,
        cabin_interval_s=c.cabin_interval_s, cabin_capacity=c.cabin_capacity, dwell_s=c.dwell_s,
        fare=fare, fare_system=system,
    )  # fmt: skip
    try:
        new, report = add_lines(net, list(lines), max_snap_m=c.max_snap_m, clip=False)
    except ScenarioError:
        raise
    except ValueError as exc:  # DataError from snapping: a scenario problem here
        raise ScenarioError(f"cable_line `{c.name}`: {exc}") from None
    elev = _station_elevation(new, lines[0])
    return new, {
        "geometry": _line(lon, lat),
        "stations": list(names),
        "snap_m": report["max_snap_m"],
        "length_m": float(lines[0].length_m),
        "ride_min": float(lines[0].travel_time_s / 60),
        "capacity_per_hour": c.capacity_per_hour,
        "fare": fare,
        "station_elevation_m": elev,
    }


def system_fare(net: MultimodalNetwork, system: str) -> float:
    """The fare of fare system ``system``: the fare most of its lines charge (the highest of
    equally common ones). ``KeyError`` if the network has no such system."""
    sid = net.meta.get("fare_systems", {})[system]
    fares = net.lines.fare[net.lines.fare_system == sid]
    if fares.size == 0:
        raise KeyError(system)
    values, counts = np.unique(fares, return_counts=True)
    return float(values[counts == counts.max()].max())


def _resolve_fare(
    net: MultimodalNetwork, kind: str, name: str, fare: float, system: str | None
) -> float:
    """The given fare, else the fare of the system it is integrated with (checked to exist)."""
    if system is not None:
        known = net.meta.get("fare_systems", {})
        if system not in known:
            raise ScenarioError(f"{kind} `{name}`: `integrated_with` is {system!r}; fare "
                                f"systems here: {', '.join(known) or 'none'}")  # fmt: skip
        if math.isnan(fare):
            return system_fare(net, system)
    if math.isnan(fare):  # __post_init__ rules this out
        raise ScenarioError(f"{kind} `{name}`: `fare` is required")
    return float(fare)


def _station_points(net: MultimodalNetwork, c: CableLine) -> tuple[NDArray, NDArray, tuple]:
    if c.stations:
        pts = np.asarray(c.stations, float)
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ScenarioError(f"cable_line `{c.name}`: `stations` are [lon, lat] pairs")
        names = c.station_names or tuple(f"{c.name} {i + 1}" for i in range(len(pts)))
        return pts[:, 0], pts[:, 1], tuple(names)
    lon, lat = [], []
    folded = np.array([_fold(s) for s in net.stop_name])
    for name in c.station_names:
        hit = np.flatnonzero(folded == _fold(name))
        if hit.size == 0:
            raise ScenarioError(f"cable_line `{c.name}`: no stop named {name!r} in the network")
        walk = net.stop_walk[hit[0]]
        lon.append(net.x[walk])
        lat.append(net.y[walk])
    return np.asarray(lon), np.asarray(lat), tuple(c.station_names)


def _line(lon: NDArray, lat: NDArray) -> dict[str, Any]:
    """A GeoJSON LineString through the given points."""
    coords = [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]
    return {"type": "LineString", "coordinates": coords}


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split())


def _check_in_bbox(net: MultimodalNetwork, lon: NDArray, lat: NDArray, what: str) -> None:
    street = np.isin(net.node_kind, [NodeKind.WALK, NodeKind.DRIVE])
    x0, x1 = net.x[street].min(), net.x[street].max()
    y0, y1 = net.y[street].min(), net.y[street].max()
    bad = ~((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ScenarioError(f"{what}: point {i + 1} ({lon[i]:.5f}, {lat[i]:.5f}) is outside the "
                            f"city (lon {x0:.4f}..{x1:.4f}, lat {y0:.4f}..{y1:.4f})")  # fmt: skip


def _station_elevation(net: MultimodalNetwork, line: TransitLine) -> list[float | None]:
    li = int(np.flatnonzero(net.lines.name == line.name)[0])
    walk = net.stop_walk[net.stop_line == li]
    return [None if np.isnan(e) else round(float(e), 1) for e in net.elevation[walk]]


# ------------------------------------------------------------------------------ roads
def select_roads(net: MultimodalNetwork, u: RoadUpgrade) -> NDArray[np.int64]:
    """Drive edges matched by every selector given (selectors combine with AND)."""
    keep = net.layer == Layer.DRIVE
    if u.name_pattern:
        rx = re.compile(u.name_pattern, re.IGNORECASE)
        names = np.unique(net.name[keep])
        matched = [n for n in names if n and rx.search(n)]
        keep &= np.isin(net.name, matched)
    if u.highway:
        keep &= np.isin(net.highway, list(u.highway))
    if u.bbox:
        x0, y0, x1, y1 = u.bbox
        mx = (net.x[net.tail] + net.x[net.indices]) / 2
        my = (net.y[net.tail] + net.y[net.indices]) / 2
        keep &= (mx >= x0) & (mx <= x1) & (my >= y0) & (my <= y1)
    if u.way_ids:
        keep &= np.isin(net.wayid, list(u.way_ids))
    return np.flatnonzero(keep)


def apply_road_upgrade(net: MultimodalNetwork, u: RoadUpgrade) -> tuple[MultimodalNetwork, dict]:
    edges = select_roads(net, u)
    if edges.size == 0:
        raise ScenarioError(f"road_upgrade `{u.name}`: the selector matches no road")
    lanes = net.lanes.copy()
    capacity = net.capacity.copy()
    time_s = net.time_s.copy()
    per_lane = capacity[edges] / np.maximum(lanes[edges], 1.0)
    lanes[edges] = np.maximum(lanes[edges], 1.0) + u.add_lanes
    capacity[edges] = per_lane * lanes[edges] * u.capacity_factor
    if u.speed_kph is not None:
        time_s[edges] = net.length_m[edges] / (u.speed_kph / 3.6)
    # a signal approach carries lanes x saturation flow x g/C (sim.congestion): added lanes
    # raise it through `lanes`, and the capacity factor scales the saturation flow too
    saturation = net.saturation_flow.copy()
    saturation[edges] = saturation[edges] * u.capacity_factor
    new = net.with_edges(lanes=lanes, capacity=capacity, time_s=time_s, saturation_flow=saturation)
    km = float(net.length_m[edges].sum() / 1000)
    gain = float((capacity[edges] - net.capacity[edges]).sum() / max(net.capacity[edges].sum(), 1))
    names = sorted({n for n in net.name[edges] if n})
    segments = [[[float(net.x[net.tail[e]]), float(net.y[net.tail[e]])],
                 [float(net.x[net.indices[e]]), float(net.y[net.indices[e]])]] for e in edges]  # fmt: skip
    return new, {"edges": int(edges.size), "directed_km": km, "capacity_gain": gain,
                 "streets": names[:20],
                 "geometry": {"type": "MultiLineString", "coordinates": segments}}  # fmt: skip


def apply_new_road(net: MultimodalNetwork, r: NewRoad) -> tuple[MultimodalNetwork, dict]:
    pts = np.array([r.start, r.end], float)
    _check_in_bbox(net, pts[:, 0], pts[:, 1], f"new_road `{r.name}`")
    drive = net.nodes_of(NodeKind.DRIVE)
    project = projector(net)
    dist, idx = cKDTree(project(net.x[drive], net.y[drive])).query(project(pts[:, 0], pts[:, 1]))
    if (dist > r.max_snap_m).any():
        raise ScenarioError(f"new_road `{r.name}`: an end is {dist.max():.0f} m from the nearest "
                            f"road; at most {r.max_snap_m:.0f} m allowed")  # fmt: skip
    a, b = drive[idx]
    if a == b:
        raise ScenarioError(f"new_road `{r.name}`: both ends snap to the same road node")
    length = float(haversine_m(net.x[a], net.y[a], net.x[b], net.y[b])) * r.detour
    tails, heads = ([a, b], [b, a]) if r.both_directions else ([a], [b])
    edges: dict[str, Any] = {
        "layer": int(Layer.DRIVE),
        "time_s": length / (r.speed_kph / 3.6),
        "length_m": length,
        "lanes": r.lanes,
        "capacity": r.lanes * LANE_CAPACITY_VPH[NEW_ROAD_HIGHWAY],
        "saturation_flow": SATURATION_FLOW_PCU,  # no signals or priority delay: a free link
        "highway": NEW_ROAD_HIGHWAY,
        "name": r.name,
    }
    new, _ = extend(net, tail=np.array(tails), head=np.array(heads), edges=edges)
    return new, {"length_m": length, "snap_m": float(dist.max()),
                 "geometry": _line(net.x[[a, b]], net.y[[a, b]])}  # fmt: skip


# ------------------------------------------------------------------------------ buses, fares
def apply_bus_route(net: MultimodalNetwork, b: BusRoute) -> tuple[MultimodalNetwork, dict]:
    pts = np.asarray(b.stops, float)
    _check_in_bbox(net, pts[:, 0], pts[:, 1], f"bus_route `{b.name}`")
    names = b.stop_names or tuple(f"{b.name} {i + 1}" for i in range(len(pts)))
    if len(names) != len(pts):
        raise ScenarioError(f"bus_route `{b.name}`: {len(pts)} stops but {len(names)} names")
    fare = _resolve_fare(net, "bus_route", b.name, b.fare, b.integrated_with)
    system = b.integrated_with or b.fare_system or "new bus"
    lines = []
    for suffix, sl in ((" →", slice(None)), (" ←", slice(None, None, -1))):
        lines.append(TransitLine(
            name=b.name + suffix, route_id=b.name, mode=TransitMode.BUS,
            stop_ids=tuple(names[sl]), stop_names=tuple(names[sl]), lon=pts[sl, 0],
            lat=pts[sl, 1], run_time_s=np.ones(len(pts) - 1), headway_s=b.headway_s,
            vehicle_capacity=b.vehicle_capacity, fare=fare, fare_system=system,
        ))  # fmt: skip
    try:
        new, report = add_lines(net, lines, max_snap_m=b.max_snap_m, clip=False)
    except ValueError as exc:
        raise ScenarioError(f"bus_route `{b.name}`: {exc}") from None
    # run time: speed factor x free-flow car time on the mapped roads, plus the dwell
    time_s = new.time_s.copy()
    first = new.bus_edges.size - 2 * (len(pts) - 1)
    for k in range(first, new.bus_edges.size):
        roads = new.bus_hop_roads[new.bus_hop_indptr[k] : new.bus_hop_indptr[k + 1]]
        e = new.bus_edges[k]
        free = new.time_s[roads].sum() if roads.size else new.length_m[e] / (25 / 3.6)
        time_s[e] = b.speed_factor * free + b.dwell_s
    new = new.with_edges(time_s=time_s)
    return new, {"stops": len(pts), "snap_m": report["max_snap_m"], "fare": fare,
                 "geometry": _line(pts[:, 0], pts[:, 1])}  # fmt: skip


def apply_fare_policy(net: MultimodalNetwork, f: FarePolicy) -> tuple[MultimodalNetwork, dict]:
    codes = {"bus": TransitMode.BUS, "metro": TransitMode.METRO, "cable": TransitMode.CABLE}
    fares = net.lines.fare.copy()
    for mode, fare in f.fares.items():
        fares[net.lines.mode == codes[mode]] = fare
    board = net.layer == Layer.BOARD
    edge_fare = net.fare.copy()
    edge_fare[board] = fares[net.edge_line[board]]
    new = replace(net.with_edges(fare=edge_fare), lines=replace(net.lines, fare=fares))
    # transfer fares are differences of line fares: derive them from the new fares
    return with_transfer_fares(new), {"fares": dict(f.fares), "subsidy": dict(f.subsidy)}


def match_lines(net: MultimodalNetwork, pattern: str) -> NDArray[np.int64]:
    """Lines (rows of ``net.lines``) whose name matches regular expression ``pattern``,
    searched anywhere in the name and ignoring case (like road ``name_pattern``)."""
    rx = re.compile(pattern, re.IGNORECASE)
    return np.flatnonzero([bool(rx.search(str(n))) for n in net.lines.name]).astype(np.int64)


def apply_remove_line(net: MultimodalNetwork, r: RemoveLine) -> tuple[MultimodalNetwork, dict]:
    hit = match_lines(net, r.line_pattern)
    if hit.size == 0:
        raise ScenarioError(f"remove_line `{r.name}`: `line_pattern` {r.line_pattern!r} matches "
                            "no line")  # fmt: skip
    # nobody can board a removed line; its other edges stay (unreachable) so ids stay stable
    time_s = net.time_s.copy()
    time_s[(net.layer == Layer.BOARD) & np.isin(net.edge_line, hit)] = np.inf
    time_s[(net.layer == Layer.TRANSFER) & np.isin(net.edge_line, hit)] = np.inf
    return net.with_edges(time_s=time_s), {"lines": [str(n) for n in net.lines.name[hit]]}


def apply_bundled_line(net: MultimodalNetwork, b: BundledLine) -> tuple[MultimodalNetwork, dict]:
    hit = match_lines(net, b.line_pattern)
    if hit.size == 0:
        raise ScenarioError(f"bundled_line `{b.name}`: `line_pattern` {b.line_pattern!r} matches "
                            "no line of the city")  # fmt: skip
    running = lines_in_service(net)[hit]
    if not running.any():
        names = ", ".join(str(n) for n in net.lines.name[hit[:3]]) + (", ..." * (hit.size > 3))
        raise ScenarioError(f"bundled_line `{b.name}`: `line_pattern` {b.line_pattern!r} matches "
                            f"only lines out of service ({names}): an earlier remove_line took "
                            "them out")  # fmt: skip
    hit = hit[running]
    walk = net.stop_walk[net.stop_line == hit[0]]
    return net, {
        "lines": [str(n) for n in net.lines.name[hit]],
        "stations": [str(n) for n in net.stop_name[net.stop_line == hit[0]]],
        "geometry": _line(net.x[walk], net.y[walk]),
    }


_APPLY: dict[type, Callable[[MultimodalNetwork, Any], tuple[MultimodalNetwork, dict]]] = {
    CableLine: apply_cable_line,
    RoadUpgrade: apply_road_upgrade,
    NewRoad: apply_new_road,
    BusRoute: apply_bus_route,
    FarePolicy: apply_fare_policy,
    RemoveLine: apply_remove_line,
    BundledLine: apply_bundled_line,
}
