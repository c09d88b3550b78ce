"""The ``cable_line`` intervention type: an aerial cable car through ordered stations.

Stations are given as points, or as names of stops the city bundle already has. The line is
built by :func:`sim.network.cable.cable_line` and snapped to the streets like any other line.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from sim.errors import ScenarioError
from sim.interventions.base import Capex, check_in_bbox, line_geojson, register
from sim.interventions.fare_systems import check_fare, resolve_fare
from sim.network.arrays import MultimodalNetwork
from sim.network.build import add_lines
from sim.network.transit import TransitLine, cable_line


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
        check_fare("cable_line", self.name, self.fare, self.integrated_with)
        if self.dwell_s < 0:
            raise ScenarioError(f"cable_line `{self.name}`: `dwell_s` must be >= 0")

    @property
    def capacity_per_hour(self) -> float:
        """Passengers per hour per direction: cabins an hour times cabin capacity."""
        return 3600.0 / self.cabin_interval_s * self.cabin_capacity


@register("cable_line", CableLine)
def apply_cable_line(net: MultimodalNetwork, c: CableLine) -> tuple[MultimodalNetwork, dict]:
    lon, lat, names = _station_points(net, c)
    system = c.integrated_with or f"cable {c.name}"
    fare = resolve_fare(net, "cable_line", c.name, c.fare, c.integrated_with)
    check_in_bbox(net, lon, lat, f"cable_line `{c.name}`")
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
        "geometry": line_geojson(lon, lat),
        "stations": list(names),
        "snap_m": report["max_snap_m"],
        "length_m": float(lines[0].length_m),
        "ride_min": float(lines[0].travel_time_s / 60),
        "capacity_per_hour": c.capacity_per_hour,
        "fare": fare,
        "station_elevation_m": elev,
    }


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


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split())


def _station_elevation(net: MultimodalNetwork, line: TransitLine) -> list[float | None]:
    li = int(np.flatnonzero(net.lines.name == line.name)[0])
    walk = net.stop_walk[net.stop_line == li]
    return [None if np.isnan(e) else round(float(e), 1) for e in net.elevation[walk]]
