"""A new aerial cable car as two :class:`~sim.network.transit.TransitLine` directions.

The third source of transit lines, beside GTFS feeds and official layers: a scenario names the
stations of a cable car that does not exist yet, and :func:`cable_line` times it from the
distances between them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.errors import ScenarioError
from sim.geo import haversine_m
from sim.network.arrays import TransitMode
from sim.network.transit.line import TransitLine, _both_directions, _slug


def cable_line(
    name: str,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    stop_names: Sequence[str],
    speed_mps: float = 5.0,
    cabin_interval_s: float = 12.0,
    cabin_capacity: float = 10,
    dwell_s: float = 20.0,
    fare: float,
    fare_system: str,
) -> tuple[TransitLine, TransitLine]:
    """Both directions of an aerial cable car through the given stations, in order.

    Run time of a hop = great-circle distance / ``speed_mps`` + ``dwell_s`` at the station it
    arrives at (a detachable cabin slows to walking pace through a station). The headway is the
    cabin interval, so the capacity is ``3600 / cabin_interval_s * cabin_capacity`` passengers
    an hour in each direction (3,000 with the defaults: Line K's rating).

    Raises
    ------
    ScenarioError
        Fewer than two stations, coordinates or names of different lengths, coordinates out of
        range, two consecutive stations at the same place, a speed, interval or capacity that is
        not positive, a negative dwell or fare; the message names the field.
    """
    lon_a, lat_a = _station_coords(lon, lat, stop_names)
    _check_cable_numbers(speed_mps, cabin_interval_s, cabin_capacity, dwell_s, fare)
    if not str(name).strip():
        raise ScenarioError("`name` of a cable line must not be empty")
    hops = haversine_m(lon_a[:-1], lat_a[:-1], lon_a[1:], lat_a[1:])
    if np.any(hops < 1.0):
        i = int(np.argmax(hops < 1.0))
        raise ScenarioError(
            f"`lon`/`lat`: stations {stop_names[i]!r} and {stop_names[i + 1]!r} are at the same "
            "place"
        )
    prefix = _slug(str(name)) or "cable"
    stations = pd.DataFrame(
        {
            "name": [str(n) for n in stop_names],
            "stop_id": [f"{prefix}:{_slug(str(n)) or i}" for i, n in enumerate(stop_names)],
            "lon": lon_a,
            "lat": lat_a,
        }
    )
    common = {
        "route_id": str(name),
        "mode": TransitMode.CABLE,
        "headway_s": float(cabin_interval_s),
        "vehicle_capacity": float(cabin_capacity),
        "fare": float(fare),
        "fare_system": str(fare_system),
    }
    first, back = _both_directions(str(name), common, stations, hops, speed_mps, dwell_s)
    return first, back


def _station_coords(
    lon: ArrayLike, lat: ArrayLike, stop_names: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    try:
        lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
        lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ScenarioError("`lon`/`lat` must be numbers in degrees") from None
    if lon_a.size < 2:
        raise ScenarioError(
            f"`lon`/`lat`: a cable line needs at least 2 stations, got {lon_a.size}"
        )
    if lat_a.size != lon_a.size or len(stop_names) != lon_a.size:
        raise ScenarioError(
            f"`stop_names`: {len(stop_names)} names for {lon_a.size} longitudes and "
            f"{lat_a.size} latitudes; give one of each per station"
        )
    if not (np.all(np.abs(lon_a) <= 180) and np.all(np.abs(lat_a) <= 90)):
        raise ScenarioError("`lon`/`lat` must be degrees: |lon| <= 180, |lat| <= 90")
    return lon_a, lat_a


def _check_cable_numbers(
    speed_mps: float, cabin_interval_s: float, cabin_capacity: float, dwell_s: float, fare: float
) -> None:
    for field_name, value, ok in (
        ("speed_mps", speed_mps, lambda v: v > 0),
        ("cabin_interval_s", cabin_interval_s, lambda v: v > 0),
        ("cabin_capacity", cabin_capacity, lambda v: v > 0),
        ("dwell_s", dwell_s, lambda v: v >= 0),
        ("fare", fare, lambda v: v >= 0),
    ):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ScenarioError(f"`{field_name}` must be a number, got {value!r}") from None
        if not (np.isfinite(number) and ok(number)):
            bound = ">= 0" if field_name in ("dwell_s", "fare") else "> 0"
            raise ScenarioError(f"`{field_name}` must be {bound}, got {value!r}")
