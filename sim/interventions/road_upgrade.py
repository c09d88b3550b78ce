"""The ``road_upgrade`` intervention type: widen or speed up roads the city already has.

Roads are selected by street name, OSM class, box or way id (:func:`select_roads`, which the
catchments use too); their lanes, capacity, saturation flow and free-flow time change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from sim.errors import ScenarioError
from sim.interventions.base import Capex, register
from sim.network.arrays import Layer, MultimodalNetwork


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


@register("road_upgrade", RoadUpgrade)
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
