"""Street edge attributes that need no osmnx: drive lanes and capacity, plain simplified tags.

Before simplification, :func:`add_lanes_and_capacity` gives each drive segment its lanes per
direction (from the OSM lane tags, else the class default) and its mid-block capacity, using the
tables of :mod:`sim.network.road_classes`. After simplification, :func:`normalise_edges` turns the
lists osmnx leaves on merged edges into plain ``osmid``, ``osmids``, ``highway`` and ``name``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import networkx as nx

from sim.network.road_classes import DEFAULT_LANES, LANE_CAPACITY_VPH

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

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _main_highway(values: list[str]) -> str:
    """Most common class; ties go to the more important one, so both directions agree."""
    counts = Counter(str(v) for v in values)
    return min(counts, key=lambda h: (-counts[h], _HIGHWAY_RANK.get(h, len(_HIGHWAY_RANK)), h))


def normalise_edges(G: nx.MultiDiGraph) -> None:
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


def add_lanes_and_capacity(G: nx.MultiDiGraph) -> None:
    for _, _, d in G.edges(data=True):
        lanes = _lanes_per_direction(d)
        per_lane = LANE_CAPACITY_VPH.get(str(d.get("highway")), LANE_CAPACITY_VPH["other"])
        d["lanes"] = lanes
        d["capacity"] = lanes * per_lane
