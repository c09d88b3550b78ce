"""A city's streets from its own data, when no OpenStreetMap extract is at hand (Medellín).

:func:`city_street_graph` builds the raw street graph (every vertex a node, one edge per
consecutive pair, OSM-style tags) that :func:`sim.network.load.prepare_street_graphs` turns
into walk and drive graphs, exactly as it does for an OSM extract:

1. the detailed centre lines (:mod:`sim.network.streets_geojson`), classed by name and by the
   bus routes that use them (:mod:`sim.network.street_classes`), expressway carriageways one way;
2. the bus-route skeleton where the centre lines do not reach (:mod:`sim.network.skeleton`);
3. connectors to the zone centres and stations that neither reaches.

``G.graph["street_report"]`` counts what each step did. :func:`city_bus_lines` turns the
bundled bus routes into transit lines (:mod:`sim.network.bus_routes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.city import City
from sim.errors import DataError
from sim.network.osm import KEEP_NODE_ATTR
from sim.network.skeleton import CONNECTOR_TAGS, Pieces, bus_skeleton, connectors
from sim.network.street_classes import (
    EXPRESSWAY_CLASS,
    EXPRESSWAY_MAXSPEED,
    carriageway_direction,
    count_routes_along,
    is_expressway,
    normalise_name,
    street_class,
)
from sim.network.streets_geojson import Centrelines, node_segments, read_centrelines

#: Classes a car may use (the drive filter of :mod:`sim.network.osm_filters` keeps these).
DRIVABLE = frozenset({"trunk", "primary", "secondary", "tertiary", "residential"})
#: A station within this distance of a drivable street is entered from the street beside it.
ACCESS_M = 100.0
#: A bus stop farther than this from every junction keeps the road point nearest it as a node.
STOP_NODE_M = 150.0
_SKELETON_ID = 10_000_000  # way ids: detailed segments 1.., skeleton and connectors above
_CONNECTOR_ID = 20_000_000


def city_street_graph(city: City) -> nx.MultiDiGraph:
    """The raw street graph of ``city`` from its centre lines, bus routes, zones and stations."""
    spec = city.streets.centrelines
    if spec is None:
        raise DataError(f"{city.folder}/city.toml: `streets.centrelines` is not set")
    crs = city.metric_crs
    lines = read_centrelines([city.path(f) for f in spec.files], crs)
    routes = _route_parts(city, crs)
    counts = count_routes_along(lines.geometry, [g for _, g in routes])
    classes = [
        street_class(n, k, c) for n, k, c in zip(lines.name, lines.kind, counts, strict=True)
    ]
    noded = node_segments(lines, snap_m=spec.snap_m)
    pieces, oneway = _centreline_pieces(lines, noded.coords, noded.levels, classes, counts)
    report: dict[str, Any] = {"centreline_segments": lines.n, **noded.report,
                              "oneway_carriageways": oneway}  # fmt: skip
    if spec.skeleton and routes:
        join_xy, join_bus = _join_points(pieces)
        detailed = [shapely.LineString(c) for c in noded.coords]
        skel, info = bus_skeleton([g for _, g in routes], [r for r, _ in routes], detailed,
                                  join_xy, join_bus)  # fmt: skip
        _extend(pieces, skel, _SKELETON_ID)
        report.update(info)
    keep = np.empty((0, 2))
    if spec.connect:
        points, names, station = _reach_points(city, crs)
        access = _add_access_points(pieces, points[station])
        report["station_access_points"] = len(access)
        connected = _connected_xy(pieces, _topology(pieces, access))
        conn, far = connectors(points, connected)
        _extend(pieces, conn, _CONNECTOR_ID)
        report["connectors"] = len(conn.coords)
        report["connected_places"] = [names[i] for i in np.flatnonzero(far)]
        # the node nearest each place already reached stays a node through simplification
        keep = np.vstack([access, connected[cKDTree(connected).query(points[~far])[1]]])
    if city.transit.bus_routes is not None:
        stops = _lonely_stops(city, pieces, _topology(pieces, keep), crs)
        report["bus_stop_nodes"] = len(stops)
        keep = np.vstack([keep, stops])
    G = _graph(pieces, _topology(pieces, keep), crs, keep)
    G.graph["street_report"] = report
    return G


def _centreline_pieces(
    lines: Centrelines, coords: list[NDArray], levels: list[NDArray], classes: list[str],
    counts: NDArray,
) -> tuple[Pieces, int]:  # fmt: skip
    """Noded centre lines as pieces with their tags; expressway carriageways one way."""
    direction = np.zeros(lines.n, np.int8)
    is_express = np.array([is_expressway(n) for n in lines.name], bool)
    express = np.flatnonzero(is_express)
    direction[express] = carriageway_direction(lines.geometry[express], list(lines.name[express]))
    pieces = Pieces()
    for i, (xy, lev) in enumerate(zip(coords, levels, strict=True)):
        tags = {"highway": classes[i], "name": normalise_name(lines.name[i]), "osmid": i + 1,
                "bus_routes": int(counts[i])}  # fmt: skip
        if is_express[i]:
            tags["maxspeed"] = EXPRESSWAY_MAXSPEED
        if direction[i]:
            xy, lev = (xy, lev) if direction[i] > 0 else (xy[::-1], lev[::-1])
            tags["oneway"] = True
        pieces.add(xy, tags)
        pieces.levels[-1] = lev
    return pieces, int((direction != 0).sum())


def _route_parts(city: City, crs: str) -> list[tuple[str, shapely.LineString]]:
    """Peak bus-route geometry (one entry per drawn part) in ``crs``; none without routes."""
    spec = city.transit.bus_routes
    if spec is None:
        return []
    from pyproj import Transformer

    from sim.network.bus_routes import read_bus_routes

    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    out = []
    for r in read_bus_routes(city.path(spec.file)):
        if r.runs_in_peak:
            for part in r.parts:
                xy = np.column_stack(fwd.transform(part[:, 0], part[:, 1]))
                out.append((f"{r.code}#{r.object_id}", shapely.LineString(xy)))
    return out


def _join_points(pieces: Pieces) -> tuple[NDArray, NDArray]:
    """Level-0 vertices of drivable detailed streets, and whether buses use their street."""
    xy, bus = [], []
    for coords, levels, tags in zip(pieces.coords, pieces.levels, pieces.tags, strict=True):
        if tags["highway"] in DRIVABLE:
            keep = levels == 0
            xy.append(coords[keep])
            bus.append(np.full(int(keep.sum()), tags.get("bus_routes", 0) > 0))
    if not xy:
        return np.empty((0, 2)), np.empty(0, bool)
    return np.vstack(xy), np.concatenate(bus)


def _extend(pieces: Pieces, more: Pieces, first_id: int) -> None:
    start = len([t for t in pieces.tags if int(t.get("osmid", 0)) >= first_id])
    for k, (xy, levels, tags) in enumerate(zip(more.coords, more.levels, more.tags, strict=True)):
        pieces.coords.append(xy)
        pieces.levels.append(levels)
        pieces.tags.append({**tags, "osmid": first_id + start + k})


@dataclass
class _Topology:
    """Pieces as a graph: node coordinates (metric) and edges (ids, length, piece)."""

    xy: NDArray[np.float64]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    length: NDArray[np.float64]
    piece: NDArray[np.int64]


def _topology(pieces: Pieces, keep: NDArray | None = None) -> _Topology:
    """One node per coordinate (to the centimetre) and level. Vertices that only shape one
    piece are dropped (their length is kept), as osmnx would merge them, unless they are at
    ``keep`` (metric, level 0)."""
    sizes = np.array([len(c) for c in pieces.coords])
    xy = np.vstack(pieces.coords)
    keys = np.column_stack([np.round(xy * 100).astype(np.int64),
                            np.concatenate(pieces.levels).astype(np.int64)])  # fmt: skip
    _, first, node = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    node = node.reshape(-1)
    piece = np.repeat(np.arange(len(sizes)), sizes)
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    step[starts] = 0.0
    cum = np.cumsum(step)
    drawn = np.add.reduceat(step, starts)  # drawn length of each piece
    given = np.array([float(t.get("length", np.nan)) for t in pieces.tags])
    scale = np.where(np.isfinite(given) & (drawn > 0), given / np.where(drawn > 0, drawn, 1), 1.0)
    kept = np.bincount(node)[node] >= 2
    kept[starts] = True
    kept[starts + sizes - 1] = True
    if keep is not None and len(keep):
        wanted = {(int(x), int(y), 0) for x, y in np.round(np.asarray(keep) * 100)}
        kept |= np.array([tuple(k) in wanted for k in keys.tolist()])
    at = np.flatnonzero(kept)
    a, b = at[:-1], at[1:]
    same = (piece[a] == piece[b]) & (node[a] != node[b])
    a, b = a[same], b[same]
    return _Topology(xy[first], node[a], node[b], (cum[b] - cum[a]) * scale[piece[a]], piece[a])


def _graph(pieces: Pieces, top: _Topology, crs: str, keep: NDArray) -> nx.MultiDiGraph:
    """The raw street graph: OSM-style tags, both directions unless one way. Connector ends and
    the nodes at ``keep`` (metric) are marked to survive simplification."""
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        top.xy[:, 0], top.xy[:, 1]
    )
    G = nx.MultiDiGraph(crs="EPSG:4326", simplified=False)
    G.add_nodes_from((i + 1, {"x": float(lon[i]), "y": float(lat[i])}) for i in range(len(lon)))
    connector = np.array([t.get("name") == CONNECTOR_TAGS["name"] for t in pieces.tags])
    ends = np.r_[top.tail, top.head][connector[np.r_[top.piece, top.piece]]]
    if len(keep):
        ends = np.r_[ends, cKDTree(top.xy).query(keep)[1]]
    for n in np.unique(ends).tolist():
        G.nodes[n + 1][KEEP_NODE_ATTR] = True  # a zone centre or station stays a node
    base = [{k: v for k, v in t.items() if k not in ("length", "bus_routes", "oneway")}
            for t in pieces.tags]  # fmt: skip
    oneway = [bool(t.get("oneway", False)) for t in pieces.tags]
    edges = []
    for u, v, length, k in zip(top.tail.tolist(), top.head.tolist(), top.length.tolist(),
                               top.piece.tolist(), strict=True):  # fmt: skip
        edges.append((u + 1, v + 1, {**base[k], "length": length, "oneway": oneway[k],
                                     "reversed": False}))  # fmt: skip
        if not oneway[k]:
            edges.append((v + 1, u + 1, {**base[k], "length": length, "oneway": False,
                                         "reversed": True}))  # fmt: skip
    G.add_edges_from(edges)
    return G


def _connected_xy(pieces: Pieces, top: _Topology) -> NDArray[np.float64]:
    """Metric coordinates of the nodes of the largest strongly connected drivable part."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    cls = np.array([t["highway"] for t in pieces.tags])[top.piece]
    one = np.array([bool(t.get("oneway", False)) for t in pieces.tags])[top.piece]
    drive = np.isin(cls, sorted(DRIVABLE))
    tail = np.r_[top.tail[drive], top.head[drive & ~one]]
    head = np.r_[top.head[drive], top.tail[drive & ~one]]
    if tail.size == 0:
        return np.empty((0, 2))
    n = len(top.xy)
    graph = coo_matrix((np.ones(tail.size), (tail, head)), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=True, connection="strong")
    used = np.unique(np.r_[tail, head])
    biggest = np.bincount(label[used]).argmax()
    return top.xy[used[label[used] == biggest]]


def _add_access_points(pieces: Pieces, points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Split the nearest drivable street (not an expressway) within :data:`ACCESS_M` of each
    point at the point's foot: a station is entered from the street beside it, not from the
    nearest junction. Returns the new vertices (metric)."""
    cand = [k for k, t in enumerate(pieces.tags)
            if t["highway"] in DRIVABLE - {EXPRESSWAY_CLASS}]  # fmt: skip
    if not cand or len(points) == 0:
        return np.empty((0, 2))
    geoms = np.array([shapely.LineString(pieces.coords[k]) for k in cand], dtype=object)
    pts = shapely.points(points)
    which, hit = shapely.STRtree(geoms).query_nearest(pts, max_distance=ACCESS_M, all_matches=False)
    out = []
    for w, h in zip(which.tolist(), hit.tolist(), strict=True):
        k, line = cand[h], geoms[h]
        at = line.project(pts[w])
        foot = np.asarray(line.interpolate(at).coords[0])
        xy = pieces.coords[k]
        cum = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
        j = int(np.searchsorted(cum, at))
        if j < len(xy) and np.hypot(*(xy[j] - foot)) < 0.01:
            foot = xy[j]
        elif j > 0 and np.hypot(*(xy[j - 1] - foot)) < 0.01:
            foot = xy[j - 1]
        else:
            pieces.coords[k] = np.insert(xy, j, foot, axis=0)
            pieces.levels[k] = np.insert(pieces.levels[k], j, 0)
        out.append(foot)
    return np.array(out).reshape(-1, 2)


def _lonely_stops(city: City, pieces: Pieces, top: _Topology, crs: str) -> NDArray[np.float64]:
    """Vertices to keep as nodes for bus stops with no junction within :data:`STOP_NODE_M`:
    simplification keeps only junctions, and a stop on a long road without any (a bus route
    into the hills) would otherwise be farther from every node than a stop may snap."""
    from pyproj import Transformer

    lines = city_bus_lines(city)
    if not lines:
        return np.empty((0, 2))
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lon = np.concatenate([ln.lon for ln in lines])
    lat = np.concatenate([ln.lat for ln in lines])
    stops = np.column_stack(fwd.transform(lon, lat))
    pairs = np.unique(np.sort(np.column_stack([top.tail, top.head]), axis=1), axis=0)
    degree = np.bincount(pairs.ravel(), minlength=len(top.xy))
    junction = top.xy[degree != 2]
    far = cKDTree(junction).query(stops)[0] > STOP_NODE_M
    if not far.any():
        return np.empty((0, 2))
    return top.xy[np.unique(cKDTree(top.xy).query(stops[far])[1])]


def _reach_points(city: City, crs: str) -> tuple[NDArray[np.float64], list[str], NDArray]:
    """Zone centres and transit stations (metric), names for the report, which are stations."""
    from pyproj import Transformer

    from sim.zones import load_zones

    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    zones = load_zones(city)
    zx, zy = fwd.transform(zones.lon, zones.lat)
    sxy, snames = station_points(city, crs)
    names = [f"zone {z}" for z in zones.name] + [f"station {s}" for s in snames]
    station = np.r_[np.zeros(zones.n, bool), np.ones(len(snames), bool)]
    return np.vstack([np.column_stack([zx, zy]), sxy]), names, station


def station_points(city: City, crs: str) -> tuple[NDArray[np.float64], list[str]]:
    """Every station of the city's line files, in ``crs``, with its name."""
    import geopandas as gpd

    xy, names = [], []
    for spec in city.transit.line_files:
        gdf = gpd.read_file(city.path(spec.stations)).to_crs(crs)
        pts = gdf.geometry.representative_point()
        xy.append(np.column_stack([pts.x, pts.y]))
        names += [str(n) for n in gdf.get("nombre", [""] * len(gdf))]
    return (np.vstack(xy) if xy else np.empty((0, 2))), names


def city_bus_lines(city: City) -> list:
    """The city's bundled bus routes as transit lines (empty without ``transit.bus_routes``)."""
    from sim.network.bus_routes import BusService, bus_lines, read_bus_routes
    from sim.network.transit.official import _station_name

    spec = city.transit.bus_routes
    if spec is None:
        return []
    service = BusService(
        stop_spacing_m=spec.stop_spacing_m, station_stop_m=spec.station_stop_m,
        headway_s=spec.headway_s, vehicle_capacity=spec.vehicle_capacity,
        speed_mps=spec.speed_mps, dwell_s=spec.dwell_s, fare=spec.fare,
        fare_system=spec.fare_system, integrated_kinds=spec.integrated_kinds,
        integrated_fare=spec.integrated_fare, integrated_fare_system=spec.integrated_fare_system,
    )  # fmt: skip
    xy, names = station_points(city, city.metric_crs)
    return bus_lines(read_bus_routes(city.path(spec.file)), service, xy,
                     [_station_name(n) for n in names], crs=city.metric_crs)  # fmt: skip
