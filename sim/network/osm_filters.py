"""Which OSM ways the walk and drive networks keep: osmnx's own filters, without osmnx.

The rules are osmnx 2.1's Overpass filters (``osmnx._overpass._get_network_filter``), clause by
clause. Each rule is ``(key, pattern)``: pattern None means the key must be present; otherwise
the way is dropped when its value *contains* a match, because Overpass's ``!~`` is an unanchored
regex (e.g. "motor" also drops "motorway_link"). A way without the key passes a ``!~`` clause.
tests/test_network_load.py checks these against the filter strings of the installed osmnx.

:func:`filter_graph` applies them to the raw graph of :func:`sim.network.osm.read_osm`;
:data:`USEFUL_TAGS_WAY` are the way tags the reader keeps on edges.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

import networkx as nx

NetworkType = Literal["walk", "drive"]

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
