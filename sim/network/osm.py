"""OpenStreetMap through osmnx: the only module in Ladera that imports osmnx.

Everything osmnx does for Ladera is here: reading an extract (:func:`read_osm`), downloading
one (:func:`fetch_streets`, needs internet), simplifying a filtered graph (:func:`simplify`),
imputing speeds and travel times (:func:`add_speeds_and_times`) and sampling an elevation raster
(:func:`add_elevation`). :mod:`sim.network.load` runs them in order with the filters and
attributes of the modules that need no osmnx.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax import SAXException

import networkx as nx
import numpy as np
import osmnx as ox
from osmnx._errors import InsufficientResponseError

from sim.errors import DataError, NetworkNotAvailableError, where
from sim.network.edge_attributes import normalise_edges
from sim.network.osm_filters import USEFUL_TAGS_WAY
from sim.network.road_classes import DEFAULT_SPEEDS_KPH
from sim.rundir.atomic import atomic_file

#: A node carrying this attribute is always an endpoint of simplification. OSM nodes never
#: have it; builders of other graphs set it on places that must stay nodes (zone centres and
#: stations reached by connectors, see sim.network.city_streets).
KEEP_NODE_ATTR = "ladera_keep"

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
    "osmid": list,  # reduced by normalise_edges, the same way for merged and single edges
    "highway": list,
    "name": list,
}


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
# What osmnx computes on a filtered graph
# --------------------------------------------------------------------------------------------


def simplify(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    # remove_rings=False: after taking the largest component, a ring *is* the whole network
    S = ox.simplify_graph(
        G, node_attrs_include=[KEEP_NODE_ATTR], edge_attr_aggs=_EDGE_AGGS, remove_rings=False
    )
    normalise_edges(S)
    return S


def add_speeds_and_times(G: nx.MultiDiGraph) -> None:
    """Speed of each segment: osmnx imputation (maxspeed, else mean of the class), else
    :data:`DEFAULT_SPEEDS_KPH`; then osmnx's travel time of each segment at that speed."""
    sentinel = -1.0  # osmnx's fallback for classes without any maxspeed: marks them for us
    ox.routing.add_edge_speeds(G, fallback=sentinel)
    for _, _, d in G.edges(data=True):
        speed = d["speed_kph"]
        if not (math.isfinite(speed) and speed > 0):
            hwy = str(d.get("highway"))
            d["speed_kph"] = DEFAULT_SPEEDS_KPH.get(hwy, DEFAULT_SPEEDS_KPH["other"])
    ox.routing.add_edge_travel_times(G)


def check_raster(path: Path) -> Path:
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


def add_elevation(G: nx.MultiDiGraph, raster: Path | None) -> None:
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
