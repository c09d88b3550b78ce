"""Street networks from OpenStreetMap: the only module in Ladera that imports osmnx.

The pipeline, for a bundled extract::

    read_osm(path)          raw, unsimplified, directed graph of every OSM way (oneway respected)
      -> filter_graph       keep what osmnx's own "walk" / "drive" network types would download
      -> largest strongly connected component
      -> per-segment attributes (drive: lanes, capacity, speed, travel time; walk: steps length)
      -> ox.simplify_graph  (after filtering, so a filtered-out way never splits or joins a street)
      -> elevation and grade (optional raster), walking speeds and times

:func:`street_graphs` runs all of it and returns ``(walk, drive)``. :func:`fetch_streets` is for
users with internet: it downloads an unsimplified network once and saves GraphML that
:func:`read_osm` reads back.

Edge attributes produced by :func:`street_graphs` (both graphs unless noted)
-------------------------------------------------------------------------------
``length``          metres (great-circle, summed along the simplified edge)
``osmid``           int, the smallest OSM way id along the edge
``osmids``          tuple[int, ...], every OSM way id along the edge, sorted
``highway``         str, the most common OSM class along the edge (ties: the more important class)
``name``            str, the distinct street names along the edge, sorted, joined by "; "; "" if none
``grade``           signed rise over run in the edge's direction; NaN without (usable) elevation
``geometry``        shapely LineString (simplified edges only, as osmnx does)
walk:  ``steps_length`` (m of stairs), ``walk_speed_kph`` (km/h, effective), ``walk_time`` (s)
drive: ``speed_kph`` (km/h, effective = length / travel_time), ``travel_time`` (s, summed over
the segments, each at its own speed), ``lanes`` (per direction, float, the bottleneck along the
edge), ``capacity`` (mid-block, passenger-car units per hour, the bottleneck along the edge),
``saturation_flow`` (pcu per hour of green and lane at its signals), and from
:mod:`sim.network.junctions`: ``signals`` (signal stop lines passed), ``cycle_s`` and
``green_ratio`` (their timing; 0 and 1 without signals), ``priority_delay_s`` (fixed wait of a
minor approach at the priority junction at its head)
``oneway`` (bool; always False on walk edges) and the other OSM tags of :data:`USEFUL_TAGS_WAY`
stay as osmnx leaves them (a list where a simplified edge spans several values); walk edges drop
the lane and maxspeed tags, which only the drive graph interprets.

Node attributes: ``x`` (longitude), ``y`` (latitude), ``street_count``, ``elevation`` (metres, NaN
where unknown).

Both graphs are plain :class:`networkx.MultiDiGraph` objects holding only ints, floats, strings,
bools, tuples, lists and shapely geometries, so they pickle (for worker processes and caches).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from xml.sax import SAXException

import networkx as nx
import numpy as np
import osmnx as ox
from numpy.typing import ArrayLike, NDArray
from osmnx._errors import InsufficientResponseError

from sim.errors import DataError, NetworkNotAvailableError, where
from sim.network import junctions
from sim.network.road_classes import (  # noqa: F401  (re-exported: the loader's tables)
    DEFAULT_LANES,
    DEFAULT_SPEEDS_KPH,
    LANE_CAPACITY_VPH,
    SATURATION_FLOW_PCU,
)
from sim.rundir.atomic import atomic_file

NetworkType = Literal["walk", "drive"]

# --------------------------------------------------------------------------------------------
# Filters: osmnx 2.1's Overpass filters (osmnx._overpass._get_network_filter), clause by clause.
# Each rule is (key, pattern): pattern None means the key must be present; otherwise the way is
# dropped when its value *contains* a match, because Overpass's `!~` is an unanchored regex
# (e.g. "motor" also drops "motorway_link"). A way without the key passes a `!~` clause.
# tests/test_network_load.py checks these against the filter strings of the installed osmnx.
# --------------------------------------------------------------------------------------------
_FILTER_RULES: Mapping[str, tuple[tuple[str, str | None], ...]] = MappingProxyType(
    {
        "walk": (
            ("highway", None),
            ("area", "yes"),
            ("access", "private"),
            (
                "highway",
                "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|"
                "proposed|raceway|razed|rest_area|services",
            ),
            ("foot", "no"),
            ("service", "private"),
            ("sidewalk", "separate"),
            ("sidewalk:both", "separate"),
            ("sidewalk:left", "separate"),
            ("sidewalk:right", "separate"),
        ),
        "drive": (
            ("highway", None),
            ("area", "yes"),
            ("access", "private"),
            (
                "highway",
                "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|"
                "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|"
                "rest_area|service|services|steps|track",
            ),
            ("motor_vehicle", "no"),
            ("motorcar", "no"),
            ("service", "alley|driveway|emergency_access|parking|parking_aisle|private"),
        ),
    }
)
_COMPILED_RULES = MappingProxyType(
    {
        network: tuple((key, None if pat is None else re.compile(pat)) for key, pat in rules)
        for network, rules in _FILTER_RULES.items()
    }
)

#: OSM way tags kept on edges: what the filters test, what oneway handling reads (oneway,
#: junction), and what speeds, capacities and reports use. Sidewalk and directional lane tags
#: are added to the list in our brief because osmnx's walk filter and our lane counts read them.
USEFUL_TAGS_WAY: tuple[str, ...] = tuple(
    sorted(
        {key for rules in _FILTER_RULES.values() for key, _ in rules}
        | {"oneway", "junction", "lanes", "lanes:forward", "lanes:backward", "maxspeed"}
        | {"name", "bridge", "tunnel", "width"}
    )
)

#: Walking speed on flat ground (km/h), also used everywhere when there is no elevation raster.
WALK_SPEED_FLAT_KPH = 5.0
#: Tobler's hiking function reaches its maximum at this (downhill) grade.
TOBLER_PEAK_GRADE = -0.05
#: Grades steeper than this are clipped before Tobler: on short edges a 30 m DEM produces
#: spurious slopes, and no street in the bundled cities is steeper than ~35 %.
MAX_WALK_GRADE = 0.4
#: Stairs: horizontal speed = this factor x the flat walking speed, whatever the DEM says,
#: because steps exist precisely to make a steep rise walkable (the DEM grade of a stair edge is
#: not the slope of its treads).
STEPS_SPEED_FACTOR = 0.5

#: A node carrying this attribute is always an endpoint of simplification. OSM nodes never
#: have it; builders of other graphs set it on places that must stay nodes (zone centres and
#: stations reached by connectors, see sim.network.city_streets).
KEEP_NODE_ATTR = "ladera_keep"

# Importance order used to break ties when a simplified edge spans several highway classes.
_HIGHWAY_ORDER = [
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "road",
    "service",
    "pedestrian",
    "footway",
    "path",
    "steps",
    "track",
    "cycleway",
    "bridleway",
    "corridor",
]
_HIGHWAY_RANK = {hwy: i for i, hwy in enumerate(_HIGHWAY_ORDER)}

# Per-segment attributes that simplification must add up or reduce instead of listing.
_EDGE_AGGS: dict[str, Any] = {
    "length": sum,
    "travel_time": sum,
    "steps_length": sum,
    "lanes": min,  # bottleneck
    "capacity": min,  # bottleneck
    "signals": sum,  # stop lines passed (sim.network.junctions)
    "cycle_s": max,  # the longest cycle and the smallest green share along the edge
    "green_ratio": min,
    "speed_kph": min,  # replaced by length / travel_time after simplification
    "oneway": any,
    "reversed": any,
    "osmid": list,  # reduced by _normalise_edges, the same way for merged and single edges
    "highway": list,
    "name": list,
}

_DRIVE_ONLY_TAGS = ("lanes", "lanes:forward", "lanes:backward", "maxspeed")

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@contextmanager
def _useful_tags() -> Iterator[None]:
    """Temporarily set osmnx's way tags: osmnx settings are global and other code may use them."""
    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = list(USEFUL_TAGS_WAY)
    try:
        yield
    finally:
        ox.settings.useful_tags_way = saved


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def read_osm(path: Path | str) -> nx.MultiDiGraph:
    """Read every OSM way of an extract as a raw, unsimplified, directed graph.

    Parameters
    ----------
    path
        OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``) or GraphML saved by :func:`fetch_streets`.

    Returns
    -------
    networkx.MultiDiGraph
        One edge per consecutive node pair of each way, carrying the tags in
        :data:`USEFUL_TAGS_WAY`, ``osmid`` (way id), ``length`` (m), ``oneway`` (bool) and
        ``reversed``. Oneway ways (``oneway=yes/-1``, roundabouts) run in their legal direction
        only, so the graph is the drive truth; :func:`filter_graph` adds the reverse of oneway
        edges for walking. ``G.graph["source"]`` is the path, for error messages.

    Raises
    ------
    DataError
        If the file is missing, unreadable, or has no way tagged ``highway``.

    Notes
    -----
    Parsed with ``bidirectional=False``: osmnx's ``bidirectional=True`` overwrites each way's
    ``oneway`` with False, which would make the oneway rules of the drive graph unrecoverable.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(where(path, "file not found"))
    G = _read_graphml(path) if path.suffix.lower() == ".graphml" else _read_xml(path)
    if not any("highway" in data for _, _, data in G.edges(data=True)):
        raise DataError(where(path, "no OSM way tagged `highway` (is this a street extract?)"))
    G.graph["source"] = str(path)
    return G


def _read_xml(path: Path) -> nx.MultiDiGraph:
    try:
        with _useful_tags():
            return ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
    except InsufficientResponseError as exc:
        raise DataError(where(path, "contains no OSM nodes or ways")) from exc
    except (OSError, EOFError, ET.ParseError, SAXException, ValueError, KeyError, TypeError) as exc:
        # Corrupt archives (OSError, EOFError), broken XML (ParseError, SAXException), elements
        # with bad or missing attributes (ValueError, KeyError, TypeError), and ways that
        # reference nodes missing from the file (ValueError from osmnx's edge lengths).
        msg = f"not a readable OSM XML file ({_one_line(exc)})"
        raise DataError(where(path, msg)) from exc


def _read_graphml(path: Path) -> nx.MultiDiGraph:
    try:
        G = ox.load_graphml(path)
    except (OSError, ET.ParseError, nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        raise DataError(where(path, f"not a readable GraphML file ({_one_line(exc)})")) from exc
    if G.graph.get("simplified"):
        # simplified edges hold lists of tags that the filters cannot judge
        raise DataError(where(path, "graph is simplified; save it with simplify=False"))
    return G


# --------------------------------------------------------------------------------------------
# Filtering
# --------------------------------------------------------------------------------------------


def _passes(tags: Mapping[str, Any], rules: tuple[tuple[str, re.Pattern[str] | None], ...]) -> bool:
    for key, pattern in rules:
        value = tags.get(key)
        if pattern is None:
            if value is None:
                return False
        elif value is not None and pattern.search(str(value)):
            return False
    return True


def filter_graph(G: nx.MultiDiGraph, network_type: NetworkType) -> nx.MultiDiGraph:
    """Keep the edges osmnx's ``walk`` or ``drive`` network type would download.

    Parameters
    ----------
    G
        Raw graph from :func:`read_osm` (unsimplified). It is not modified.
    network_type
        ``"walk"`` or ``"drive"``.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph without isolated nodes. ``drive`` keeps the oneway directions of ``G``;
        ``walk`` has both directions of every walkable way (as osmnx's bidirectional walk
        network) and ``oneway`` False on every edge.

    Raises
    ------
    ValueError
        If `network_type` is unknown or `G` is simplified.
    """
    if network_type not in _COMPILED_RULES:
        raise ValueError(f"`network_type` must be 'walk' or 'drive', not {network_type!r}")
    if G.graph.get("simplified"):
        raise ValueError("`G` is simplified: filter the raw graph, then simplify")
    rules = _COMPILED_RULES[network_type]
    edges = [(u, v, dict(d)) for u, v, d in G.edges(data=True) if _passes(d, rules)]
    if network_type == "walk":
        edges = _both_directions(edges)
    H = nx.MultiDiGraph(**G.graph)
    used = {u for u, _, _ in edges} | {v for _, v, _ in edges}
    H.add_nodes_from((n, dict(d)) for n, d in G.nodes(data=True) if n in used)
    H.add_edges_from(edges)
    return H


def _both_directions(
    edges: list[tuple[Any, Any, dict[str, Any]]],
) -> list[tuple[Any, Any, dict[str, Any]]]:
    """Add the reverse of each oneway edge: pedestrians walk both ways of a oneway street."""
    out = []
    for u, v, d in edges:
        if d.get("oneway") is True:
            back = dict(d, oneway=False, reversed=not d.get("reversed", False))
            out.append((v, u, back))
        d["oneway"] = False
        out.append((u, v, d))
    return out


# --------------------------------------------------------------------------------------------
# Street graphs
# --------------------------------------------------------------------------------------------


def street_graphs(
    osm_path: Path | str, *, elevation_path: Path | str | None = None
) -> tuple[nx.MultiDiGraph, nx.MultiDiGraph]:
    """Walk and drive graphs of an OSM extract, ready for :mod:`sim.network.build`.

    Parameters
    ----------
    osm_path
        OSM XML or GraphML, as for :func:`read_osm`.
    elevation_path
        Optional elevation raster (GeoTIFF, metres, EPSG:4326). Without it every grade is NaN
        and walking speed is the flat :data:`WALK_SPEED_FLAT_KPH`.

    Returns
    -------
    walk, drive
        Largest strongly connected components, simplified, with the attributes listed in the
        module docstring.

    Raises
    ------
    DataError
        If a file is missing or unreadable, or a network type has no edges.
    """
    return prepare_street_graphs(read_osm(osm_path), elevation_path=elevation_path)


def prepare_street_graphs(
    G: nx.MultiDiGraph, *, elevation_path: Path | str | None = None
) -> tuple[nx.MultiDiGraph, nx.MultiDiGraph]:
    """:func:`street_graphs` on an already parsed raw graph (parse once, build many times).

    `G` is not modified.
    """
    raster = None if elevation_path is None else _check_raster(Path(elevation_path))
    walk = _walk_graph(G, raster)
    drive = _drive_graph(G, raster)
    return walk, drive


def _largest_scc(G: nx.MultiDiGraph, network_type: str) -> nx.MultiDiGraph:
    if G.number_of_edges() == 0:
        source = G.graph.get("source", "graph")
        raise DataError(where(source, f"no {network_type} streets after filtering"))
    # in place on our own copy: osmnx's largest_component rebuilds the graph from a view (slow)
    largest = max(nx.strongly_connected_components(G), key=len)
    G.remove_nodes_from([n for n in G if n not in largest])
    return G


def _simplify(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    # remove_rings=False: after taking the largest component, a ring *is* the whole network
    S = ox.simplify_graph(
        G, node_attrs_include=[KEEP_NODE_ATTR], edge_attr_aggs=_EDGE_AGGS, remove_rings=False
    )
    _normalise_edges(S)
    return S


def _walk_graph(G: nx.MultiDiGraph, raster: Path | None) -> nx.MultiDiGraph:
    W = _largest_scc(filter_graph(G, "walk"), "walk")
    for _, _, d in W.edges(data=True):
        # measured before simplification: a merged edge may be part stairs, part footway
        d["steps_length"] = d["length"] if d.get("highway") == "steps" else 0.0
    W = _simplify(W)
    for _, _, d in W.edges(data=True):
        for key in _DRIVE_ONLY_TAGS:
            d.pop(key, None)  # lane tags mean something only on drive edges (numeric there)
    _add_elevation(W, raster)
    _add_walk_times(W)
    return W


def _drive_graph(G: nx.MultiDiGraph, raster: Path | None) -> nx.MultiDiGraph:
    D = _largest_scc(filter_graph(G, "drive"), "drive")
    # per segment, where highway, lanes and maxspeed are single tag values; simplification then
    # adds up travel times and keeps the bottleneck lanes and capacity
    _add_lanes_and_capacity(D)
    _add_speeds(D)
    ox.routing.add_edge_travel_times(D)
    junctions.add_signal_attributes(D)
    D = _simplify(D)
    junctions.add_priority_delays(D)
    for _, _, d in D.edges(data=True):
        d["saturation_flow"] = SATURATION_FLOW_PCU
        if d["travel_time"] > 0:
            d["speed_kph"] = 3.6 * d["length"] / d["travel_time"]
    _add_elevation(D, raster)
    return D


# --- normalising simplified attributes ------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _main_highway(values: list[str]) -> str:
    """Most common class; ties go to the more important one, so both directions agree."""
    counts = Counter(str(v) for v in values)
    return min(counts, key=lambda h: (-counts[h], _HIGHWAY_RANK.get(h, len(_HIGHWAY_RANK)), h))


def _normalise_edges(G: nx.MultiDiGraph) -> None:
    """Plain scalars for osmid, highway and name; symmetric rules, independent of path order."""
    for _, _, d in G.edges(data=True):
        ids = tuple(sorted({int(i) for i in _as_list(d.get("osmid"))}))
        d["osmids"] = ids
        d["osmid"] = ids[0]
        d["highway"] = _main_highway(_as_list(d.get("highway")))
        names = sorted({str(n) for n in _as_list(d.get("name")) if str(n).strip()})
        d["name"] = "; ".join(names)
        for key in (
            "length",
            "travel_time",
            "speed_kph",
            "steps_length",
            "signals",
            "cycle_s",
            "green_ratio",
        ):
            if key in d:
                d[key] = float(d[key])  # numpy scalars from osmnx's sums, for plain output


# --- drive ----------------------------------------------------------------------------------


def _parse_lanes(value: Any) -> float | None:
    """Smallest number in a lanes tag ("2", "2;3", "1.5"); None when absent or unusable."""
    numbers = [float(x) for x in _NUMBER.findall(str(value))] if value is not None else []
    numbers = [x for x in numbers if x > 0]
    return min(numbers) if numbers else None


def _lanes_per_direction(d: Mapping[str, Any]) -> float:
    total = _parse_lanes(d.get("lanes"))
    if d.get("oneway"):
        lanes = total
    else:
        # osmnx marks the edge against the way's node order as reversed: OSM's "backward"
        directional = _parse_lanes(
            d.get("lanes:backward" if d.get("reversed") else "lanes:forward")
        )
        lanes = directional if directional is not None else (None if total is None else total / 2)
    if lanes is None:
        return DEFAULT_LANES.get(str(d.get("highway")), DEFAULT_LANES["other"])
    return max(1.0, lanes)  # a narrow two-way street still carries traffic each way


def _add_lanes_and_capacity(G: nx.MultiDiGraph) -> None:
    for _, _, d in G.edges(data=True):
        lanes = _lanes_per_direction(d)
        per_lane = LANE_CAPACITY_VPH.get(str(d.get("highway")), LANE_CAPACITY_VPH["other"])
        d["lanes"] = lanes
        d["capacity"] = lanes * per_lane


def _add_speeds(G: nx.MultiDiGraph) -> None:
    """osmnx imputation (maxspeed, else mean of the class), else :data:`DEFAULT_SPEEDS_KPH`."""
    sentinel = -1.0  # osmnx's fallback for classes without any maxspeed: marks them for us
    ox.routing.add_edge_speeds(G, fallback=sentinel)
    for _, _, d in G.edges(data=True):
        speed = d["speed_kph"]
        if not (math.isfinite(speed) and speed > 0):
            hwy = str(d.get("highway"))
            d["speed_kph"] = DEFAULT_SPEEDS_KPH.get(hwy, DEFAULT_SPEEDS_KPH["other"])


# --- elevation and walking ------------------------------------------------------------------


def _check_raster(path: Path) -> Path:
    import rasterio  # heavy; only needed with elevation

    if not path.is_file():
        raise DataError(where(path, "file not found"))
    try:
        with rasterio.open(path) as raster:
            epsg = raster.crs.to_epsg() if raster.crs else None
    except rasterio.errors.RasterioError as exc:
        raise DataError(where(path, f"not a readable raster ({_one_line(exc)})")) from exc
    if epsg != 4326:
        # osmnx samples the raster at node lon/lat without reprojecting
        raise DataError(where(path, f"raster CRS must be EPSG:4326 (lon/lat), not {epsg}"))
    return path


def _add_elevation(G: nx.MultiDiGraph, raster: Path | None) -> None:
    if raster is None:
        nx.set_node_attributes(G, math.nan, "elevation")
        nx.set_edge_attributes(G, math.nan, "grade")
        return
    import rasterio

    ox.elevation.add_node_elevations_raster(G, raster, cpus=1)
    with rasterio.open(raster) as src:
        left, bottom, right, top = src.bounds
    for _, d in G.nodes(data=True):
        # rasterio returns 0 (not nodata) outside the raster: unknown, not sea level
        if not (left <= d["x"] <= right and bottom <= d["y"] <= top):
            d["elevation"] = math.nan
    with np.errstate(divide="ignore", invalid="ignore"):  # zero-length edges
        ox.elevation.add_edge_grades(G, add_absolute=False)
    for _, _, d in G.edges(data=True):
        d["grade"] = float(d["grade"]) if math.isfinite(d["grade"]) else math.nan


def tobler_walk_speed_kph(grade: ArrayLike) -> NDArray[np.float64]:
    """Walking speed (km/h) on a signed grade (rise over run), after Tobler (1993).

    Tobler's hiking function ``6 exp(-3.5 |g + 0.05|)`` peaks at 6 km/h going gently downhill
    (g = -5 %) and gives 5.04 km/h on the flat. We rescale it by 5 / 5.04 so flat ground gives
    exactly :data:`WALK_SPEED_FLAT_KPH`, the speed used without elevation: a flat city then
    gets the same times with or without a raster. Grades are clipped to
    ±:data:`MAX_WALK_GRADE`; NaN (unknown) grades count as flat.
    """
    g = np.clip(
        np.nan_to_num(np.asarray(grade, dtype=float), nan=0.0), -MAX_WALK_GRADE, MAX_WALK_GRADE
    )
    excess = np.abs(g - TOBLER_PEAK_GRADE) - abs(TOBLER_PEAK_GRADE)
    return WALK_SPEED_FLAT_KPH * np.exp(-3.5 * excess)


def _add_walk_times(G: nx.MultiDiGraph) -> None:
    steps_kph = STEPS_SPEED_FACTOR * WALK_SPEED_FLAT_KPH
    for _, _, d in G.edges(data=True):
        ground_kph = float(tobler_walk_speed_kph(d["grade"]))
        stairs = min(d["steps_length"], d["length"])
        seconds = 3.6 * ((d["length"] - stairs) / ground_kph + stairs / steps_kph)
        d["walk_time"] = float(seconds)
        d["walk_speed_kph"] = float(3.6 * d["length"] / seconds) if seconds > 0 else ground_kph


# --------------------------------------------------------------------------------------------
# Download (needs internet; never called by the tests)
# --------------------------------------------------------------------------------------------


def fetch_streets(polygon_path: Path | str, out_path: Path | str) -> Path:
    """Download every street inside a boundary polygon and save it as GraphML.

    Parameters
    ----------
    polygon_path
        GeoJSON (or any file geopandas reads) with the boundary polygon(s); all features are
        merged. A file without a CRS is taken as EPSG:4326.
    out_path
        Where to save; must end in ``.graphml``. Written to a temporary file in the same folder
        and moved into place, so a failed or interrupted download never leaves a partial file.

    Returns
    -------
    pathlib.Path
        `out_path`, readable by :func:`read_osm`.

    Raises
    ------
    DataError
        If the polygon file is unusable or holds no streets.
    NetworkNotAvailableError
        If the Overpass API cannot be reached.
    """
    out_path = Path(out_path)
    if out_path.suffix.lower() != ".graphml":
        raise DataError(where(out_path, "must end in .graphml so read_osm can read it back"))
    polygon = _read_polygon(Path(polygon_path))
    try:
        with _useful_tags():
            # "all" is not a bidirectional network type: oneway stays as in read_osm's XML graphs
            G = ox.graph_from_polygon(polygon, network_type="all", simplify=False, retain_all=True)
    except InsufficientResponseError as exc:
        raise DataError(where(polygon_path, "no streets inside the polygon")) from exc
    except OSError as exc:  # requests' connection errors are OSErrors
        msg = f"could not download streets ({_one_line(exc)})"
        raise NetworkNotAvailableError(where(polygon_path, msg)) from exc
    _save_atomically(G, out_path)
    return out_path


def _read_polygon(path: Path) -> Any:
    import geopandas as gpd

    if not path.is_file():
        raise DataError(where(path, "file not found"))
    try:
        gdf = gpd.read_file(path)
    except (OSError, ValueError, RuntimeError) as exc:  # pyogrio's errors are RuntimeErrors
        raise DataError(where(path, f"not a readable vector file ({_one_line(exc)})")) from exc
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    geoms = gdf.to_crs(4326).geometry
    polygon = geoms.union_all() if hasattr(geoms, "union_all") else geoms.unary_union
    if polygon is None or polygon.is_empty or polygon.geom_type not in {"Polygon", "MultiPolygon"}:
        raise DataError(where(path, "holds no polygon"))
    return polygon


def _save_atomically(G: nx.MultiDiGraph, out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(out_path) as tmp:
        ox.save_graphml(G, tmp)
