"""The ``new_road`` intervention type: a new road link between two points.

The ends snap to the nearest drive nodes; the link is a ``primary`` road
(:data:`NEW_ROAD_HIGHWAY`) with no signal or priority delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.spatial import cKDTree

from sim.errors import ScenarioError
from sim.geo import road_haversine_m
from sim.interventions.base import Capex, check_in_bbox, line_geojson, register
from sim.network.arrays import Layer, MultimodalNetwork, NodeKind
from sim.network.build import projector
from sim.network.edit import extend
from sim.network.road_classes import LANE_CAPACITY_VPH, SATURATION_FLOW_PCU

#: OSM class given to new roads: their lanes carry what the loader gives this class
#: (:data:`sim.network.road_classes.LANE_CAPACITY_VPH`).
NEW_ROAD_HIGHWAY = "primary"


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


@register("new_road", NewRoad)
def apply_new_road(net: MultimodalNetwork, r: NewRoad) -> tuple[MultimodalNetwork, dict]:
    pts = np.array([r.start, r.end], float)
    check_in_bbox(net, pts[:, 0], pts[:, 1], f"new_road `{r.name}`")
    drive = net.nodes_of(NodeKind.DRIVE)
    project = projector(net)
    dist, idx = cKDTree(project(net.x[drive], net.y[drive])).query(project(pts[:, 0], pts[:, 1]))
    if (dist > r.max_snap_m).any():
        raise ScenarioError(f"new_road `{r.name}`: an end is {dist.max():.0f} m from the nearest "
                            f"road; at most {r.max_snap_m:.0f} m allowed")  # fmt: skip
    a, b = drive[idx]
    if a == b:
        raise ScenarioError(f"new_road `{r.name}`: both ends snap to the same road node")
    length = float(road_haversine_m(net.x[a], net.y[a], net.x[b], net.y[b])) * r.detour
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
                 "geometry": line_geojson(net.x[[a, b]], net.y[[a, b]])}  # fmt: skip
