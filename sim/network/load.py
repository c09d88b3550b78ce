"""Street networks from OpenStreetMap: the pipeline from an extract to walk and drive graphs.

The pipeline, for a bundled extract (the module doing each step in brackets)::

    read_osm(path)          raw, unsimplified, directed graph of every OSM way (oneway respected)
                            [sim.network.osm]
      -> filter_graph       keep what osmnx's own "walk" / "drive" network types would download
                            [sim.network.osm_filters]
      -> largest strongly connected component
      -> per-segment attributes (drive: lanes, capacity, speed, travel time; walk: steps length)
                            [sim.network.edge_attributes, sim.network.osm]
      -> simplify           (after filtering, so a filtered-out way never splits or joins a street)
                            [sim.network.osm]
      -> elevation and grade (optional raster), walking speeds and times
                            [sim.network.osm, sim.network.walking]

:func:`street_graphs` runs all of it and returns ``(walk, drive)``. Only
:mod:`sim.network.osm` imports osmnx; its :func:`~sim.network.osm.fetch_streets` is for users
with internet: it downloads an unsimplified network once and saves GraphML that
:func:`~sim.network.osm.read_osm` reads back.

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
``oneway`` (bool; always False on walk edges) and the other OSM tags of
:data:`~sim.network.osm_filters.USEFUL_TAGS_WAY`
stay as osmnx leaves them (a list where a simplified edge spans several values); walk edges drop
the lane and maxspeed tags, which only the drive graph interprets.

Node attributes: ``x`` (longitude), ``y`` (latitude), ``street_count``, ``elevation`` (metres, NaN
where unknown).

Both graphs are plain :class:`networkx.MultiDiGraph` objects holding only ints, floats, strings,
bools, tuples, lists and shapely geometries, so they pickle (for worker processes and caches).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from sim.errors import DataError, where
from sim.network import junctions
from sim.network.edge_attributes import add_lanes_and_capacity
from sim.network.osm import add_elevation, add_speeds_and_times, check_raster, read_osm, simplify
from sim.network.osm_filters import filter_graph
from sim.network.road_classes import SATURATION_FLOW_PCU
from sim.network.walking import add_walk_times

_DRIVE_ONLY_TAGS = ("lanes", "lanes:forward", "lanes:backward", "maxspeed")


def street_graphs(
    osm_path: Path | str, *, elevation_path: Path | str | None = None
) -> tuple[nx.MultiDiGraph, nx.MultiDiGraph]:
    """Walk and drive graphs of an OSM extract, ready for :mod:`sim.network.build`.

    Parameters
    ----------
    osm_path
        OSM XML or GraphML, as for :func:`sim.network.osm.read_osm`.
    elevation_path
        Optional elevation raster (GeoTIFF, metres, EPSG:4326). Without it every grade is NaN
        and walking speed is the flat :data:`sim.network.walking.WALK_SPEED_FLAT_KPH`.

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
    raster = None if elevation_path is None else check_raster(Path(elevation_path))
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


def _walk_graph(G: nx.MultiDiGraph, raster: Path | None) -> nx.MultiDiGraph:
    W = _largest_scc(filter_graph(G, "walk"), "walk")
    for _, _, d in W.edges(data=True):
        # measured before simplification: a merged edge may be part stairs, part footway
        d["steps_length"] = d["length"] if d.get("highway") == "steps" else 0.0
    W = simplify(W)
    for _, _, d in W.edges(data=True):
        for key in _DRIVE_ONLY_TAGS:
            d.pop(key, None)  # lane tags mean something only on drive edges (numeric there)
    add_elevation(W, raster)
    add_walk_times(W)
    return W


def _drive_graph(G: nx.MultiDiGraph, raster: Path | None) -> nx.MultiDiGraph:
    D = _largest_scc(filter_graph(G, "drive"), "drive")
    # per segment, where highway, lanes and maxspeed are single tag values; simplification then
    # adds up travel times and keeps the bottleneck lanes and capacity
    add_lanes_and_capacity(D)
    add_speeds_and_times(D)
    junctions.add_signal_attributes(D)
    D = simplify(D)
    junctions.add_priority_delays(D)
    for _, _, d in D.edges(data=True):
        d["saturation_flow"] = SATURATION_FLOW_PCU
        if d["travel_time"] > 0:
            d["speed_kph"] = 3.6 * d["length"] / d["travel_time"]
    add_elevation(D, raster)
    return D
