"""The transit line record, :class:`TransitLine`, and what the line readers share.

A :class:`TransitLine` is one line in one direction: the stops in order, the in-vehicle time
between consecutive stops, the peak headway, the vehicle capacity and the fare. The readers
(:mod:`~sim.network.transit.gtfs`, :mod:`~sim.network.transit.official` and
:mod:`~sim.network.transit.cable`) make them; nothing here builds a graph. Also here, because
more than one reader needs them: the great-circle distance, stop ids from names, and the two
directions of a line from its stations in order, a cruise speed and a dwell.

Units: seconds, metres, passengers, the city's currency.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.errors import ScenarioError
from sim.geo import haversine_m
from sim.network.arrays import TransitMode


@dataclass(frozen=True, eq=False)
class TransitLine:
    """One transit line in one direction.

    ``run_time_s[i]`` is the in-vehicle time from departing stop ``i`` to departing stop
    ``i + 1`` (so it includes the dwell at stop ``i + 1``); the last entry ends on arrival at the
    terminal. ``hop_length_m`` is the distance between consecutive stops (along the line where
    the source has a geometry, else great-circle); it is computed when not given.
    """

    name: str  # e.g. "T1 → CENTRO"; unique per line and direction
    route_id: str
    mode: TransitMode
    stop_ids: tuple[str, ...]
    stop_names: tuple[str, ...]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    run_time_s: NDArray[np.float64]
    headway_s: float
    vehicle_capacity: float
    fare: float
    fare_system: str
    hop_length_m: NDArray[np.float64] | None = field(default=None)

    def __post_init__(self) -> None:
        n = len(self.stop_ids)
        if n < 2:
            raise ScenarioError(f"line `{self.name}`: needs at least 2 stops, got {n}")
        for name in ("lon", "lat"):
            _set_array(self, name, getattr(self, name), n)
        _set_array(self, "run_time_s", self.run_time_s, n - 1)
        hops = self.hop_length_m
        if hops is None:
            hops = haversine_m(self.lon[:-1], self.lat[:-1], self.lon[1:], self.lat[1:])
        _set_array(self, "hop_length_m", hops, n - 1)
        object.__setattr__(self, "mode", TransitMode(self.mode))
        self._check_values(n)

    def _check_values(self, n: int) -> None:
        if len(self.stop_names) != n:
            raise ScenarioError(f"line `{self.name}`: {len(self.stop_names)} stop names, {n} stops")
        if not (np.all(np.isfinite(self.lon)) and np.all(np.isfinite(self.lat))):
            raise ScenarioError(f"line `{self.name}`: `lon`/`lat` must be finite")
        if not (np.all(np.isfinite(self.run_time_s)) and np.all(self.run_time_s >= 0)):
            raise ScenarioError(f"line `{self.name}`: `run_time_s` must be finite and >= 0")
        for name in ("headway_s", "vehicle_capacity"):
            if not np.isfinite(getattr(self, name)) or getattr(self, name) <= 0:
                raise ScenarioError(f"line `{self.name}`: `{name}` must be > 0")
        if not np.isfinite(self.fare) or self.fare < 0:
            raise ScenarioError(f"line `{self.name}`: `fare` must be >= 0")

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def travel_time_s(self) -> float:
        """In-vehicle time from the first to the last stop."""
        return float(self.run_time_s.sum())

    @property
    def length_m(self) -> float:
        """Sum of :attr:`hop_length_m`."""
        hops = self.hop_length_m
        return float(hops.sum()) if hops is not None else 0.0

    @property
    def capacity_per_hour(self) -> float:
        """Passengers per hour in this direction: vehicles an hour times vehicle capacity."""
        return 3600.0 / self.headway_s * self.vehicle_capacity


def _set_array(line: TransitLine, name: str, value: ArrayLike, n: int) -> None:
    arr = np.array(value, dtype=np.float64).reshape(-1)
    if arr.shape[0] != n:
        raise ScenarioError(f"line `{line.name}`: `{name}` has {arr.shape[0]} values, not {n}")
    arr.flags.writeable = False
    object.__setattr__(line, name, arr)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _run_times(hop_m: NDArray[np.float64], speed_mps: float, dwell_s: float) -> NDArray:
    """Cruise time of each hop plus the dwell at the intermediate station it arrives at."""
    run = np.asarray(hop_m, dtype=np.float64) / speed_mps
    run[:-1] += dwell_s
    return run


def _both_directions(
    label: str,
    common: dict[str, Any],
    stations: pd.DataFrame,
    hop_m: NDArray,
    speed: float,
    dwell: float,
) -> list[TransitLine]:
    """The two directions of a line, given its stations in order and the hop lengths."""
    out = []
    for st, hops in ((stations, hop_m), (stations.iloc[::-1], hop_m[::-1])):
        names = tuple(str(n) for n in st["name"])
        out.append(
            TransitLine(
                name=f"{label} → {names[-1]}",
                stop_ids=tuple(str(i) for i in st["stop_id"]),
                stop_names=names,
                lon=st["lon"].to_numpy(),
                lat=st["lat"].to_numpy(),
                run_time_s=_run_times(hops, speed, dwell),
                hop_length_m=np.array(hops, dtype=np.float64),
                **common,
            )
        )
    return out
