"""The ``bus_route`` intervention type: a new bus route through ordered stops.

It runs both ways on the (congested) roads between its stops: a hop's time is a factor times
the free-flow car time on the roads it maps to, plus the dwell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from sim.errors import ScenarioError
from sim.interventions.base import Capex, check_in_bbox, line_geojson, register
from sim.interventions.fare_systems import check_fare, resolve_fare
from sim.network.arrays import MultimodalNetwork, TransitMode
from sim.network.build import add_lines
from sim.network.transit import TransitLine


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
        check_fare("bus_route", self.name, self.fare, self.integrated_with)
        if self.integrated_with and self.fare_system not in (None, self.integrated_with):
            raise ScenarioError(f"bus_route `{self.name}`: give `integrated_with` (an existing "
                                "fare system) or `fare_system` (a new one), not both")  # fmt: skip


@register("bus_route", BusRoute)
def apply_bus_route(net: MultimodalNetwork, b: BusRoute) -> tuple[MultimodalNetwork, dict]:
    pts = np.asarray(b.stops, float)
    check_in_bbox(net, pts[:, 0], pts[:, 1], f"bus_route `{b.name}`")
    names = b.stop_names or tuple(f"{b.name} {i + 1}" for i in range(len(pts)))
    if len(names) != len(pts):
        raise ScenarioError(f"bus_route `{b.name}`: {len(pts)} stops but {len(names)} names")
    fare = resolve_fare(net, "bus_route", b.name, b.fare, b.integrated_with)
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
                 "geometry": line_geojson(pts[:, 0], pts[:, 1])}  # fmt: skip
