"""Transit lines as plain data: GTFS feeds, official line geometries and user-defined cable cars.

Every reader returns :class:`TransitLine` objects, one per line *and direction*: the stops in
order, the in-vehicle time between consecutive stops, the peak headway, the vehicle capacity and
the fare. Nothing here builds a graph; :mod:`sim.network.build` snaps the stops to the street
network and turns the lines into CSR arrays.

Three sources:

- :func:`read_gtfs` reads a GTFS feed (zip or folder): the busiest weekday, one line per route and
  direction from its most common stop pattern, headways from the departures in the peak window,
  and run times with the blank times of non-timepoint stops interpolated by distance.
- :func:`read_line_geojson` reads an official line layer plus a station layer (Medellín's open
  data): stations are ordered along the line geometry and run times come from the distance along
  the line, a cruise speed and a dwell per station, with documented defaults per kind of line.
- :func:`sim.network.cable.cable_line` makes the two directions of a new aerial cable car from
  station coordinates.

Units: seconds, metres, passengers, the city's currency.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from sim.errors import DataError, ScenarioError, where
from sim.geo import haversine_m
from sim.network.arrays import TransitMode

log = logging.getLogger(__name__)

#: Passengers per vehicle when a feed or a caller does not say. Bus: 80, the ABNT NBR
#: 15570:2011 "padron" class ("ônibus padron: até 80 passageiros", seated plus 6 standing per
#: m2; Portal do Trânsito, "Qual é o limite de passageiros em ônibus urbanos?"), the size of
#: Porto Alegre's 13.2 m buses "com capacidade entre 40 a 46 pessoas sentadas" (EPTC via
#: busologiamundial, June 2011); an 18 m articulated bus carries more, but GTFS feeds do not say
#: which trips run one. Metro: a 4-car suburban train, Trensurb's "228 pessoas sentadas e 853
#: em pé, totalizando 1.081 passageiros considerando 5,4 pessoas em pé por m²" (TheCityFix
#: Brasil, 3 Nov 2014), rounded. Cable: a 10-passenger detachable gondola cabin (Teleférico de
#: Santo Domingo: "215 cabinas de 10 pasajeros sentados", dominicanaexterior.com).
DEFAULT_VEHICLE_CAPACITY: dict[TransitMode, float] = {
    TransitMode.BUS: 80.0,
    TransitMode.METRO: 1080.0,
    TransitMode.CABLE: 10.0,
}


# --------------------------------------------------------------------------------------------
# The line record
# --------------------------------------------------------------------------------------------


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


def _unique_names(lines: list[TransitLine], tags: Sequence[str]) -> list[TransitLine]:
    """Disambiguate equal names with each line's tag, then with a counter."""
    counts = pd.Series([ln.name for ln in lines]).value_counts()
    seen: dict[str, int] = {}
    out = []
    for ln, tag in zip(lines, tags, strict=True):
        name = f"{ln.name} [{tag}]" if counts.get(ln.name, 0) > 1 else ln.name
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} #{seen[name]}"
        out.append(ln if name == ln.name else replace(ln, name=name))
    return out


# --------------------------------------------------------------------------------------------
# GTFS
# --------------------------------------------------------------------------------------------

_GTFS_REQUIRED: dict[str, tuple[str, ...]] = {
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "fare_attributes.txt": ("fare_id", "price"),
}
_SEP = "\x1f"  # joins the stop ids of a trip into one pattern key
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def route_type_mode(route_type: int) -> TransitMode | None:
    """Ladera mode of a GTFS ``route_type`` (basic or extended); ``None`` when unsupported.

    Rail, tram, funicular, monorail, cable tram and ferries run on their own right of way and
    become METRO; aerial lifts CABLE; buses, coaches and trolleybuses BUS. ``224`` (not in the
    extended list, but used for Porto Alegre's Aeromóvel people mover) is METRO.
    """
    basic = {0: "M", 1: "M", 2: "M", 4: "M", 5: "M", 7: "M", 12: "M", 6: "C", 3: "B", 11: "B"}
    if route_type in basic:
        code = basic[route_type]
    elif route_type == 224:
        code = "M"
    else:
        code = _extended_route_type(route_type)
    return {"M": TransitMode.METRO, "C": TransitMode.CABLE, "B": TransitMode.BUS}.get(code)


def _extended_route_type(route_type: int) -> str:
    hundreds = route_type // 100
    if hundreds in (1, 4, 9, 10, 12, 14):  # rail, urban rail, tram, water, ferry, funicular
        return "M"
    if hundreds in (2, 7, 8):  # coach, bus, trolleybus
        return "B"
    if hundreds == 13:  # aerial lift
        return "C"
    return ""


@dataclass(frozen=True)
class GtfsReport:
    """What :func:`read_gtfs` kept and dropped, for logs and the network summary."""

    path: str
    service_date: str  # the weekday read, YYYY-MM-DD
    peak: tuple[str, str]  # the window the headways come from
    peak_fallback: bool  # True when the requested window had no departures at all
    trips_on_day: int
    departures_in_peak: int
    lines: int
    dropped_no_peak: tuple[str, ...]  # "route_id/direction" with no departure in the peak
    dropped_route_type: tuple[str, ...]  # route ids of unsupported route types
    dropped_trips_untimed: int  # trips without a first or last time
    headways_capped: int  # lines whose headway was capped at `max_headway_s`
    frequency_factor: float = 1.0  # every headway of the window was divided by this


class _Feed:
    """A GTFS feed in a zip file or a folder; tables come back as string DataFrames."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise DataError(f"{where(self.path)}: file not found; expected a GTFS .zip")
        self._zip: zipfile.ZipFile | None = None
        if self.path.is_dir():
            self.names = {p.name: p.name for p in self.path.iterdir()}
            return
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError):
            raise DataError(
                f"{where(self.path)}: not a zip archive; a GTFS feed is a .zip of .txt tables"
            ) from None
        self.names = {Path(n).name: n for n in self._zip.namelist() if not n.endswith("/")}

    def has(self, name: str) -> bool:
        return name in self.names

    def _open(self, name: str) -> IO[bytes]:
        if self._zip is None:
            return (self.path / name).open("rb")
        return self._zip.open(self.names[name])

    def maybe(self, name: str) -> pd.DataFrame | None:
        """Read ``name`` if the feed has it."""
        return self.table(name) if self.has(name) else None

    def table(self, name: str) -> pd.DataFrame:
        """Read ``name``, checking its required columns; a missing file is an error."""
        required = _GTFS_REQUIRED.get(name, ())
        if not self.has(name):
            raise DataError(
                f"{where(self.path, name)} missing; a GTFS feed needs {name} with columns "
                f"{', '.join(required)}"
            )
        df = self._read_csv(name)
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise DataError(
                f"{where(self.path, name)}: column `{missing[0]}` missing; required columns: "
                f"{', '.join(required)}"
            )
        return df

    def _read_csv(self, name: str) -> pd.DataFrame:
        try:
            with self._open(name) as fh:
                df = pd.read_csv(
                    fh,
                    dtype=str,
                    keep_default_na=False,
                    encoding="utf-8-sig",
                    skipinitialspace=True,
                )
        except (ValueError, UnicodeDecodeError, OSError, zipfile.BadZipFile) as exc:
            msg = " ".join(str(exc).split())
            raise DataError(f"{where(self.path, name)}: cannot be read as CSV ({msg})") from None
        df.columns = [str(c).strip() for c in df.columns]
        return df

    def numbers(self, df: pd.DataFrame, name: str, column: str) -> NDArray[np.float64]:
        """A numeric column; blanks are NaN, anything else unparsable is an error."""
        text = df[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & (text != "")
        if bad.any():
            raise DataError(
                f"{where(self.path, name)}: column `{column}` holds {text[bad].iloc[0]!r}; "
                "a number is required"
            )
        return values.to_numpy(dtype=np.float64)

    def times(self, df: pd.DataFrame, name: str, column: str) -> NDArray[np.float64]:
        """Seconds after midnight of an ``H:MM:SS`` column (hours may pass 24); blanks are NaN."""
        codes, uniques = pd.factorize(df[column].str.strip())
        text = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        parts = text.str.extract(r"^(\d{1,3}):(\d{2}):(\d{2})$").astype(float)
        secs = (parts[0] * 3600 + parts[1] * 60 + parts[2]).to_numpy()
        bad = np.isnan(secs) & (text != "").to_numpy()
        if bad.any():
            raise DataError(
                f"{where(self.path, name)}: column `{column}` holds {text[bad].iloc[0]!r}; "
                "times must be HH:MM:SS"
            )
        return secs[codes]


def _seconds(text: str, argument: str) -> float:
    match = re.fullmatch(r"(\d{1,3}):(\d{2}):(\d{2})", text.strip())
    if match is None:
        raise ScenarioError(f"`{argument}` holds {text!r}; times must be HH:MM:SS")
    h, m, s = (int(g) for g in match.groups())
    return float(h * 3600 + m * 60 + s)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


# -- service day --------------------------------------------------------------------------------


def _service_day(feed: _Feed, trips: pd.DataFrame) -> tuple[pd.Timestamp, set[str]]:
    """The weekday (Mon-Fri) date with the most trips, and the services running on it."""
    cal = feed.maybe("calendar.txt")
    exc = feed.maybe("calendar_dates.txt")
    if cal is None and exc is None:
        raise DataError(
            f"{where(feed.path, 'calendar.txt')} missing; a GTFS feed needs calendar.txt or "
            "calendar_dates.txt"
        )
    cal = cal if cal is not None else pd.DataFrame(columns=_GTFS_REQUIRED["calendar.txt"])
    exc = exc if exc is not None else pd.DataFrame(columns=_GTFS_REQUIRED["calendar_dates.txt"])
    services = pd.Index(pd.unique(pd.concat([cal["service_id"], exc["service_id"]])))
    dates = _candidate_dates(feed, cal, exc)
    active = _active_matrix(feed, cal, exc, services, dates)
    per_service = trips["service_id"].value_counts().reindex(services, fill_value=0).to_numpy()
    counts = per_service @ active
    if counts.size == 0 or counts.max() == 0:
        raise DataError(f"{where(feed.path, 'calendar.txt')}: no trips run on any weekday")
    best = int(np.argmax(counts))  # first maximum: the earliest of equally busy days
    return dates[best], set(services[active[:, best]])


def _dates(feed: _Feed, df: pd.DataFrame, name: str, column: str) -> pd.DatetimeIndex:
    parsed = pd.to_datetime(df[column].str.strip(), format="%Y%m%d", errors="coerce")
    if parsed.isna().any():
        bad = df[column][parsed.isna()].iloc[0]
        raise DataError(
            f"{where(feed.path, name)}: column `{column}` holds {bad!r}; dates must be YYYYMMDD"
        )
    return pd.DatetimeIndex(parsed)


def _candidate_dates(feed: _Feed, cal: pd.DataFrame, exc: pd.DataFrame) -> pd.DatetimeIndex:
    """Weekdays from the first calendar start to the last calendar end, plus exception dates."""
    extra = _dates(feed, exc, "calendar_dates.txt", "date")
    if len(cal):
        start = _dates(feed, cal, "calendar.txt", "start_date").min()
        end = _dates(feed, cal, "calendar.txt", "end_date").max()
        extra = extra.union(pd.date_range(start, end))
    days = pd.DatetimeIndex(extra.unique()).sort_values()
    return days[days.day_of_week < 5]


def _active_matrix(
    feed: _Feed,
    cal: pd.DataFrame,
    exc: pd.DataFrame,
    services: pd.Index,
    dates: pd.DatetimeIndex,
) -> NDArray[np.bool_]:
    """``active[s, d]``: service ``s`` runs on date ``d`` (calendar, then exceptions)."""
    active = np.zeros((len(services), len(dates)), dtype=bool)
    if len(cal):
        rows = services.get_indexer(cal["service_id"])
        start = _dates(feed, cal, "calendar.txt", "start_date").values
        end = _dates(feed, cal, "calendar.txt", "end_date").values
        flags = np.column_stack([cal[d].str.strip() == "1" for d in _WEEKDAYS])
        d = dates.values
        runs = (start[:, None] <= d) & (d <= end[:, None]) & flags[:, dates.day_of_week]
        np.logical_or.at(active, rows, runs)
    if len(exc):
        cols = dates.get_indexer(_dates(feed, exc, "calendar_dates.txt", "date"))
        rows = services.get_indexer(exc["service_id"])
        kind = exc["exception_type"].str.strip().to_numpy()
        ok = cols >= 0
        active[rows[ok & (kind == "1")], cols[ok & (kind == "1")]] = True
        active[rows[ok & (kind == "2")], cols[ok & (kind == "2")]] = False
    return active


# -- trips, times and patterns ------------------------------------------------------------------


def _stops(feed: _Feed) -> pd.DataFrame:
    stops = feed.table("stops.txt")
    out = pd.DataFrame(
        {
            "lon": feed.numbers(stops, "stops.txt", "stop_lon"),
            "lat": feed.numbers(stops, "stops.txt", "stop_lat"),
            "name": (stops["stop_name"] if "stop_name" in stops else stops["stop_id"]).to_numpy(),
        },
        index=pd.Index(stops["stop_id"].str.strip(), name="stop_id"),
    )
    return out[~out.index.duplicated()]


def _stop_times(feed: _Feed, trip_ids: pd.Index, stops: pd.DataFrame) -> pd.DataFrame:
    """Stop times of the given trips, sorted by trip and sequence, times in seconds."""
    name = "stop_times.txt"
    raw = feed.table(name)
    raw = raw[raw["trip_id"].isin(trip_ids)]
    seq = feed.numbers(raw, name, "stop_sequence")
    if np.isnan(seq).any():
        raise DataError(f"{where(feed.path, name)}: column `stop_sequence` has blank values")
    st = pd.DataFrame(
        {
            "trip_id": raw["trip_id"].to_numpy(),
            "stop_id": raw["stop_id"].str.strip().to_numpy(),
            "seq": seq,
            "arr": feed.times(raw, name, "arrival_time"),
            "dep": feed.times(raw, name, "departure_time"),
        }
    )
    if "shape_dist_traveled" in raw:
        st["sdt"] = feed.numbers(raw, name, "shape_dist_traveled")
    unknown = ~st["stop_id"].isin(stops.index)
    if unknown.any():
        bad = st["stop_id"][unknown].iloc[0]
        raise DataError(f"{where(feed.path, name)}: stop_id {bad!r} is not in stops.txt")
    # A timepoint may give only one of its two times.
    st["arr"] = st["arr"].fillna(st["dep"])
    st["dep"] = st["dep"].fillna(st["arr"])
    st = st.sort_values(["trip_id", "seq"], kind="stable", ignore_index=True)
    st["lon"] = stops["lon"].reindex(st["stop_id"]).to_numpy()
    st["lat"] = stops["lat"].reindex(st["stop_id"]).to_numpy()
    nowhere = st["lon"].isna() | st["lat"].isna()
    if nowhere.any():
        bad = st["stop_id"][nowhere].iloc[0]
        raise DataError(
            f"{where(feed.path, 'stops.txt')}: stop {bad!r} is served but has no stop_lat/stop_lon"
        )
    return st


def _departures(feed: _Feed, st: pd.DataFrame) -> pd.DataFrame:
    """One row per vehicle departure from the first stop: ``trip_id``, ``t`` (seconds)."""
    first = st.groupby("trip_id", sort=False).head(1)
    deps = pd.DataFrame({"trip_id": first["trip_id"].to_numpy(), "t": first["dep"].to_numpy()})
    freq = feed.maybe("frequencies.txt")
    if freq is None:
        return deps
    freq = freq[freq["trip_id"].isin(deps["trip_id"])]
    start = feed.times(freq, "frequencies.txt", "start_time")
    end = feed.times(freq, "frequencies.txt", "end_time")
    step = feed.numbers(freq, "frequencies.txt", "headway_secs")
    if not (np.all(step > 0) and np.all(end > start)):
        raise DataError(
            f"{where(feed.path, 'frequencies.txt')}: needs headway_secs > 0 and "
            "end_time > start_time"
        )
    count = np.ceil((end - start) / step).astype(np.int64)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    expanded = pd.DataFrame(
        {
            "trip_id": np.repeat(freq["trip_id"].to_numpy(), count),
            "t": np.repeat(start, count) + k * np.repeat(step, count),
        }
    )
    return pd.concat([deps[~deps["trip_id"].isin(freq["trip_id"])], expanded], ignore_index=True)


def _peak_window(t: NDArray[np.float64], peak: tuple[str, str]) -> tuple[float, float, bool]:
    """``(start, end, fallback)``: the requested window, or the busiest one of the same length
    when no vehicle at all departs in the requested one (a feed cut to a few hours of service).
    """
    t0, t1 = _seconds(peak[0], "peak"), _seconds(peak[1], "peak")
    if t1 <= t0:
        raise ScenarioError(f"`peak` must end after it starts, got {peak[0]}-{peak[1]}")
    if ((t >= t0) & (t < t1)).any() or t.size == 0:
        return t0, t1, False
    ts = np.sort(t)
    counts = np.searchsorted(ts, ts + (t1 - t0), side="left") - np.arange(ts.size)
    start = float(ts[int(np.argmax(counts))])
    return start, start + (t1 - t0), True


def _patterns(st: pd.DataFrame) -> pd.Series:
    """Stop pattern of each trip as one string (stop ids joined by :data:`_SEP`), by trip id."""
    trip = st["trip_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])
    ends = np.r_[starts[1:], trip.size]
    ids = st["stop_id"].tolist()
    keys = [_SEP.join(ids[a:b]) for a, b in zip(starts, ends, strict=True)]
    return pd.Series(keys, index=trip[starts], dtype=object)


def _trip_table(st: pd.DataFrame, deps: pd.DataFrame, window: tuple[float, float]) -> pd.DataFrame:
    """Per trip: stop pattern, departures on the day and in the window."""
    pattern = _patterns(st)
    in_peak = (deps["t"] >= window[0]) & (deps["t"] < window[1])
    n_day = deps.groupby("trip_id").size()
    n_peak = in_peak.groupby(deps["trip_id"]).sum()
    out = pd.DataFrame({"pattern": pattern})
    out["n_day"] = n_day.reindex(out.index, fill_value=0).to_numpy()
    out["n_peak"] = n_peak.reindex(out.index, fill_value=0).to_numpy()
    return out


def _timed_trips(st: pd.DataFrame) -> pd.Index:
    """Trips whose first and last stops both have a time (GTFS requires it)."""
    heads = st.groupby("trip_id", sort=False).head(1)
    tails = st.groupby("trip_id", sort=False).tail(1)
    ok = heads["dep"].notna().to_numpy() & tails["arr"].notna().to_numpy()
    return pd.Index(heads["trip_id"].to_numpy()[ok])


def _directions(trips: pd.DataFrame, st: pd.DataFrame) -> pd.Series:
    """Direction of each trip: ``direction_id`` where the feed gives it for the whole route,
    else inferred: trips visiting the stops of the route's busiest pattern in its order are "0",
    the others "1".
    """
    given = trips["direction_id"].str.strip()
    infer = given.eq("").groupby(trips["route_id"]).transform("any")
    if not infer.any():
        return given
    sub = trips[infer]
    busiest = (
        sub.groupby(["route_id", "pattern"])["n_day"]
        .sum()
        .reset_index()
        .sort_values(["route_id", "n_day", "pattern"], ascending=[True, False, True])
        .drop_duplicates("route_id")
    )
    ref = busiest.assign(stop_id=busiest["pattern"].str.split(_SEP)).explode("stop_id")
    ref["pos"] = ref.groupby("route_id").cumcount()
    ref = ref.drop_duplicates(["route_id", "stop_id"])[["route_id", "stop_id", "pos"]]
    rows = st.loc[st["trip_id"].isin(sub.index), ["trip_id", "stop_id"]]
    rows["r"] = rows.groupby("trip_id").cumcount().astype(float)
    rows["route_id"] = sub["route_id"].reindex(rows["trip_id"]).to_numpy()
    rows = rows.merge(ref, on=["route_id", "stop_id"], how="inner")
    rows["rp"] = rows["r"] * rows["pos"]
    m = rows.groupby("trip_id")[["r", "pos", "rp"]].mean()
    forward = (m["rp"] - m["r"] * m["pos"]) > 0  # same order as the reference pattern
    inferred = np.where(forward.reindex(sub.index, fill_value=False), "0", "1")
    out = given.copy()
    out[infer] = inferred
    return out


def _choose_lines(trips: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Per (route, direction) with peak departures: the most used pattern in the peak and the
    number of peak departures over all patterns. Also the "route/direction" keys dropped.
    """
    key = ["route_id", "direction"]
    total = trips.groupby(key)["n_peak"].sum()
    dropped = [f"{r}/{d}" for r, d in total.index[total.to_numpy() == 0]]
    by_pattern = trips[trips["n_peak"] > 0].groupby([*key, "pattern"])["n_peak"].sum()
    best = (
        by_pattern.reset_index()
        .assign(n_stops=lambda df: df["pattern"].str.count(_SEP) + 1)
        .sort_values(
            [*key, "n_peak", "n_stops", "pattern"], ascending=[True, True, False, False, True]
        )
        .drop_duplicates(key)
        .drop(columns=["n_peak", "n_stops"])
    )
    best["n_peak"] = total.reindex(pd.MultiIndex.from_frame(best[key])).to_numpy()
    return best.reset_index(drop=True), dropped


def _interpolate(st: pd.DataFrame) -> pd.DataFrame:
    """Fill blank times of non-timepoint stops linearly in distance between timepoints.

    Distance is ``shape_dist_traveled`` for trips that give it at every stop, else the
    cumulative great-circle distance between consecutive stops; where two timepoints are at the
    same distance the stop count is used instead.
    """
    st = st.copy()
    g = st.groupby("trip_id", sort=False)
    hop = haversine_m(g["lon"].shift(), g["lat"].shift(), st["lon"], st["lat"])
    st["dist"] = pd.Series(np.nan_to_num(hop), index=st.index).groupby(st["trip_id"]).cumsum()
    if "sdt" in st:
        full = st["sdt"].notna().groupby(st["trip_id"]).transform("all")
        st.loc[full, "dist"] = st.loc[full, "sdt"]
    st["i"] = g.cumcount().astype(float)
    timed = st["arr"].notna()
    anchors = st[["dep", "arr", "dist", "i"]].where(timed)
    prev = anchors[["dep", "dist", "i"]].groupby(st["trip_id"]).ffill()
    nxt = anchors[["arr", "dist", "i"]].groupby(st["trip_id"]).bfill()
    span_d = nxt["dist"] - prev["dist"]
    frac = np.where(
        span_d > 0,
        (st["dist"] - prev["dist"]) / span_d.where(span_d > 0),
        (st["i"] - prev["i"]) / (nxt["i"] - prev["i"]),
    )
    t = prev["dep"] + np.clip(frac, 0.0, 1.0) * (nxt["arr"] - prev["dep"])
    st["arr"] = st["arr"].where(timed, t)
    st["dep"] = st["dep"].where(timed, t)
    return st


def _hop_times(st: pd.DataFrame) -> pd.DataFrame:
    """Per trip and hop ``k`` (stop k -> k+1): departure-to-departure time, the last hop ending
    on arrival at the terminal."""
    g = st.groupby("trip_id", sort=False)
    last = g.cumcount(ascending=False) == 0
    t = st["dep"].where(~last, st["arr"])
    run = t.groupby(st["trip_id"]).shift(-1) - st["dep"]
    out = pd.DataFrame({"trip_id": st["trip_id"], "k": g.cumcount(), "run": run})
    return out[~last.to_numpy()]


# -- assembling the lines -----------------------------------------------------------------------


def _feed_fare(feed: _Feed, fare: float | None) -> float:
    """The feed's fare when it has exactly one price, else ``fare``."""
    table = feed.maybe("fare_attributes.txt")
    prices = (
        np.unique(feed.numbers(table, "fare_attributes.txt", "price"))
        if table is not None
        else np.zeros(0)
    )
    prices = prices[np.isfinite(prices)]
    if prices.size == 1:
        if fare is not None and fare != prices[0]:
            log.info(
                "%s: fare_attributes.txt fare %s used instead of %s", feed.path, prices[0], fare
            )
        return float(prices[0])
    if fare is None:
        raise DataError(
            f"{where(feed.path, 'fare_attributes.txt')}: {prices.size} distinct fares, need one; "
            "pass `fare`"
        )
    return float(fare)


def _route_modes(
    feed: _Feed, routes: pd.DataFrame, mode: TransitMode | None
) -> tuple[pd.Series, list[str]]:
    """Mode per route id (unsupported route types left out) and the dropped route ids."""
    ids = routes["route_id"].to_numpy()
    if mode is not None:
        return pd.Series([TransitMode(mode)] * len(ids), index=ids, dtype=object), []
    types = feed.numbers(routes, "routes.txt", "route_type")
    modes = [route_type_mode(int(t)) if np.isfinite(t) else None for t in types]
    series = pd.Series(modes, index=ids, dtype=object)
    dropped = sorted(series.index[series.isna()].astype(str))
    return series.dropna(), dropped


def _route_labels(routes: pd.DataFrame) -> pd.Series:
    label = routes["route_id"].copy()
    for column in ("route_long_name", "route_short_name"):
        if column in routes:
            text = routes[column].str.strip()
            label = text.where(text != "", label)
    return pd.Series(label.to_numpy(), index=routes["route_id"].to_numpy())


def _headsigns(trips: pd.DataFrame, chosen: pd.DataFrame) -> pd.Series:
    """Most common non-blank headsign per chosen (route, direction, pattern); '' if none."""
    if "trip_headsign" not in trips:
        return pd.Series("", index=chosen.index)
    key = ["route_id", "direction", "pattern"]
    sub = trips[trips["trip_headsign"].str.strip() != ""]
    top = sub.groupby(key)["trip_headsign"].agg(lambda s: s.str.strip().value_counts().index[0])
    return top.reindex(pd.MultiIndex.from_frame(chosen[key])).fillna("").set_axis(chosen.index)


@dataclass(frozen=True)
class _GtfsOptions:
    fare: float
    fare_system: str
    vehicle_capacity: float | Mapping[str, float] | None
    window: tuple[float, float]
    max_headway_s: float
    frequency_factor: float = 1.0

    def capacity(self, route_id: str, mode: TransitMode) -> float:
        cap = self.vehicle_capacity
        if isinstance(cap, Mapping):
            cap = cap.get(route_id)
        return float(cap) if cap is not None else DEFAULT_VEHICLE_CAPACITY[mode]


def _build_lines(
    chosen: pd.DataFrame,
    runs: pd.DataFrame,
    stops: pd.DataFrame,
    info: pd.DataFrame,  # label and mode per route id
    opts: _GtfsOptions,
) -> list[TransitLine]:
    pos = {stop_id: i for i, stop_id in enumerate(stops.index.tolist())}
    lon, lat, names = (stops[c].to_numpy() for c in ("lon", "lat", "name"))
    lines = []
    for row in chosen.itertuples():
        stop_ids = tuple(row.pattern.split(_SEP))
        at = np.array([pos[s] for s in stop_ids])
        route = info.loc[row.route_id]
        stop_names = tuple(str(n) for n in names[at])
        lines.append(
            TransitLine(
                name=f"{route['label']} → {row.headsign or stop_names[-1]}",
                route_id=str(row.route_id),
                mode=route["mode"],
                stop_ids=stop_ids,
                stop_names=stop_names,
                lon=lon[at],
                lat=lat[at],
                run_time_s=runs.loc[row.Index].to_numpy()[: len(stop_ids) - 1],
                headway_s=min(
                    (opts.window[1] - opts.window[0]) / row.n_peak / opts.frequency_factor,
                    opts.max_headway_s,
                ),
                vehicle_capacity=opts.capacity(str(row.route_id), route["mode"]),
                fare=opts.fare,
                fare_system=opts.fare_system,
            )
        )
    tags = [f"{r}/{d}" for r, d in zip(chosen["route_id"], chosen["direction"], strict=True)]
    return _unique_names(lines, tags)


def _median_runs(st: pd.DataFrame, trips: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Median hop times over the peak trips of each chosen pattern: rows = ``chosen`` index,
    columns = hop number (NaN past a line's last hop)."""
    key = ["route_id", "direction", "pattern"]
    line_of = trips[trips["n_peak"] > 0].reset_index().merge(chosen.reset_index(), on=key)
    line_of = line_of.set_index("trip_id")["index"]
    sub = st[st["trip_id"].isin(line_of.index)]
    hops = _hop_times(_interpolate(sub))
    hops["line"] = line_of.reindex(hops["trip_id"]).to_numpy()
    med = hops.groupby(["line", "k"])["run"].median().clip(lower=0.0)
    return med.unstack("k")


@dataclass
class _DayTrips:
    """The trips of the chosen service day, with their stop times."""

    day: pd.Timestamp
    trips: pd.DataFrame  # index trip_id
    st: pd.DataFrame
    stops: pd.DataFrame
    modes: pd.Series
    dropped_types: list[str]
    untimed: int


def _day_trips(feed: _Feed, mode: TransitMode | None) -> _DayTrips:
    routes, trips = feed.table("routes.txt"), feed.table("trips.txt")
    stops = _stops(feed)
    day, services = _service_day(feed, trips)
    trips = trips[trips["service_id"].isin(services)].drop_duplicates("trip_id")
    modes, dropped_types = _route_modes(feed, routes, mode)
    trips = trips[trips["route_id"].isin(modes.index)].set_index("trip_id")
    st = _stop_times(feed, trips.index, stops)
    timed = _timed_trips(st)
    untimed = st["trip_id"].nunique() - len(timed)
    st = st[st["trip_id"].isin(timed)].reset_index(drop=True)
    info = pd.DataFrame({"label": _route_labels(routes), "mode": modes}).dropna()
    return _DayTrips(day, trips, st, stops, info, dropped_types, untimed)


def read_gtfs_with_report(
    path: str | Path,
    *,
    fare: float | None = None,
    fare_system: str | None = None,
    mode: TransitMode | None = None,
    vehicle_capacity: float | Mapping[str, float] | None = None,
    peak: tuple[str, str] = ("07:00:00", "09:00:00"),
    max_headway_s: float = 3600.0,
    peak_frequency_factor: float = 1.0,
) -> tuple[list[TransitLine], GtfsReport]:
    """:func:`read_gtfs`, also returning a :class:`GtfsReport` of what was kept and dropped."""
    if max_headway_s <= 0:
        raise ScenarioError("`max_headway_s` must be > 0")
    if not peak_frequency_factor > 0:
        raise ScenarioError("`peak_frequency_factor` must be > 0")
    feed = _Feed(path)
    data = _day_trips(feed, mode)
    deps = _departures(feed, data.st)
    start, end, fallback = _peak_window(deps["t"].to_numpy(), peak)
    trips = data.trips.loc[pd.unique(data.st["trip_id"])]
    trips = trips.join(_trip_table(data.st, deps, (start, end)))
    if "direction_id" not in trips:
        trips["direction_id"] = ""
    trips["direction"] = _directions(trips, data.st)
    chosen, dropped_peak = _choose_lines(trips)
    chosen["headsign"] = _headsigns(trips, chosen)
    opts = _GtfsOptions(
        fare=_feed_fare(feed, fare),
        fare_system=fare_system or feed.path.stem,
        vehicle_capacity=vehicle_capacity,
        window=(start, end),
        max_headway_s=float(max_headway_s),
        frequency_factor=float(peak_frequency_factor),
    )
    runs = _median_runs(data.st, trips, chosen)
    lines = _build_lines(chosen, runs, data.stops, data.modes, opts)
    report = GtfsReport(
        path=str(feed.path),
        service_date=data.day.strftime("%Y-%m-%d"),
        peak=(_clock(start), _clock(end)),
        peak_fallback=fallback,
        trips_on_day=int(trips["n_day"].gt(0).sum()),
        departures_in_peak=int(trips["n_peak"].sum()),
        lines=len(lines),
        dropped_no_peak=tuple(dropped_peak),
        dropped_route_type=tuple(data.dropped_types),
        dropped_trips_untimed=int(data.untimed),
        headways_capped=sum(ln.headway_s >= max_headway_s for ln in lines),
        frequency_factor=float(peak_frequency_factor),
    )
    _log_report(report)
    return lines, report


def _log_report(report: GtfsReport) -> None:
    if report.peak_fallback:
        log.warning(
            "%s: no departure in the requested peak; using the busiest window %s-%s",
            report.path,
            *report.peak,
        )
    log.info(
        "%s: %s, peak %s-%s: %d lines kept, %d route-directions without peak service dropped, "
        "%d routes of unsupported type dropped, %d untimed trips dropped, %d headways capped",
        report.path,
        report.service_date,
        *report.peak,
        report.lines,
        len(report.dropped_no_peak),
        len(report.dropped_route_type),
        report.dropped_trips_untimed,
        report.headways_capped,
    )


def read_gtfs(
    path: str | Path,
    *,
    fare: float | None = None,
    fare_system: str | None = None,
    mode: TransitMode | None = None,
    vehicle_capacity: float | Mapping[str, float] | None = None,
    peak: tuple[str, str] = ("07:00:00", "09:00:00"),
    max_headway_s: float = 3600.0,
    peak_frequency_factor: float = 1.0,
) -> list[TransitLine]:
    """Read the lines of a GTFS feed, one per route and direction.

    Parameters
    ----------
    path
        A GTFS ``.zip`` (or a folder of its ``.txt`` tables).
    fare
        Fare per boarding, used unless ``fare_attributes.txt`` holds exactly one price.
    fare_system
        Lines of one fare system transfer without paying again; default: the file stem.
    mode
        Force one mode for every route; default: from ``route_type`` (:func:`route_type_mode`).
    vehicle_capacity
        Passengers per vehicle, one number or a mapping ``route_id -> capacity``; default
        :data:`DEFAULT_VEHICLE_CAPACITY` by mode.
    peak
        ``(start, end)`` as ``HH:MM:SS``. Headway = window length / departures of the route and
        direction (all its stop patterns) in the window. When no vehicle of the whole feed
        departs in it (a feed cut to a few hours), the busiest window of the same length is used
        and a warning logged.
    max_headway_s
        Upper bound of a line's headway (one bus in a two-hour peak does not mean a one-hour
        wait to board it).
    peak_frequency_factor
        Divides every headway measured in the window (before the cap): the rule that turns a
        feed holding only off-peak trips into peak service. 1 for a feed with peak trips.

    Returns
    -------
    list[TransitLine]
        Lines of the busiest weekday of the calendar (ties: the earliest date), each following
        the stop pattern most used in the peak; its run times are the medians over that
        pattern's peak trips, blank times interpolated by distance. Route-directions with no
        departure in the peak are dropped; :func:`read_gtfs_with_report` says which.

    Raises
    ------
    DataError
        The file is missing, not a zip, or lacks a required table or column.
    """
    lines, _ = read_gtfs_with_report(
        path,
        fare=fare,
        fare_system=fare_system,
        mode=mode,
        vehicle_capacity=vehicle_capacity,
        peak=peak,
        max_headway_s=max_headway_s,
        peak_frequency_factor=peak_frequency_factor,
    )
    return lines


# --------------------------------------------------------------------------------------------
# Official line geometries + station points (Medellín open data)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineKind:
    """Defaults for one kind of line of an official line layer."""

    label: str
    mode: TransitMode
    speed_mps: float  # cruise speed between stations
    dwell_s: float  # time stopped at each intermediate station
    headway_s: float  # peak
    vehicle_capacity: float  # passengers per train, bus or cabin


#: Defaults per kind of line, Medellín orders of magnitude (override per line or kind).
#: Metro: ~11 m/s between stations and 30 s dwell give ~31 km/h commercial speed on Line A
#: (25 km, 21 stations, ~48 min end to end); ~4 min peak headway; 6-car trains (two 3-car
#: units) of ~1,200 passengers. Metrocable: detachable gondolas at 5 m/s, slowed to walking pace
#: through stations (~20 s), a 10-passenger cabin every 12 s = 3,000 passengers/h/direction
#: (the rating of the systems, e.g. Line K). Tranvía de Ayacucho: ~6 m/s with 20 s
#: stops, ~6 min headway, ~300-passenger rubber-tyred trams. Metroplús: articulated buses of
#: ~160 passengers, ~6 m/s between stops (partly in mixed traffic, hence BUS), 20 s stops,
#: ~5 min headway. These are assumptions, not timetable values.
LINE_KINDS: dict[str, LineKind] = {
    "metro": LineKind("Metro", TransitMode.METRO, 11.0, 30.0, 240.0, 1200.0),
    "cable": LineKind("Metrocable", TransitMode.CABLE, 5.0, 20.0, 12.0, 10.0),
    "tram": LineKind("Tranvía", TransitMode.METRO, 6.0, 20.0, 360.0, 300.0),
    "brt": LineKind("Metroplús", TransitMode.BUS, 6.0, 20.0, 300.0, 160.0),
}
#: ``tipo`` of the official layer.
_TIPO_KIND = {1: "metro", 2: "cable", 3: "brt", 4: "tram"}
#: ``estado`` of a line in operation; other values (4 and 5: the planned Avenida 80 corridor)
#: are skipped unless ``include_planned``.
_ESTADO_OPERATING = 1
#: Station-to-station distance along streets over the straight line where a geometry cannot be
#: followed (circuity of urban streets, ~1.2).
_CIRCUITY = 1.2

_LINE_FIELDS = ("linea", "tipo")
_STATION_FIELDS = ("nombre", "linea")


def _read_layer(path: str | Path, required: tuple[str, ...]) -> Any:
    import geopandas as gpd  # heavy; only the geometry readers need it

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{where(path)}: file not found; expected a GeoJSON layer")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises many types; all mean "unreadable"
        msg = " ".join(str(exc).split())
        raise DataError(f"{where(path)}: cannot be read as a vector layer ({msg})") from None
    missing = [f for f in required if f not in gdf.columns]
    if missing:
        raise DataError(
            f"{where(path)}: field `{missing[0]}` missing; required fields: {', '.join(required)}"
        )
    if gdf.crs is None:
        raise DataError(f"{where(path)}: no coordinate reference system; one is required")
    return gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]


def _line_code(text: object) -> str:
    """``"Línea K"`` -> ``"K"``; other codes pass through stripped."""
    return re.sub(r"^\s*l[ií]nea\s+", "", str(text).strip(), flags=re.IGNORECASE).strip()


def _station_name(text: object) -> str:
    """``"Estación Acevedo (Línea K)"`` -> ``"Acevedo"``."""
    name = re.sub(r"^\s*(estaci[oó]n|parada|paradero)\s+", "", str(text), flags=re.IGNORECASE)
    name = re.sub(r"\s*\(l[ií]nea[^)]*\)\s*$", "", name, flags=re.IGNORECASE)
    return " ".join(name.split())


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _official_lines(path: str | Path) -> Any:
    """One row per line code: ``code``, ``kind``, ``planned``, merged ``geometry``."""
    import geopandas as gpd

    gdf = _read_layer(path, _LINE_FIELDS)
    tipo = pd.to_numeric(gdf["tipo"], errors="coerce")
    unknown = ~tipo.isin(list(_TIPO_KIND))
    if unknown.any():
        raise DataError(
            f"{where(path)}: field `tipo` holds {gdf['tipo'][unknown].iloc[0]!r}; expected "
            "1 metro, 2 cable, 3 BRT or 4 tram"
        )
    estado = (
        pd.to_numeric(gdf["estado"], errors="coerce")
        if "estado" in gdf
        else pd.Series(_ESTADO_OPERATING, index=gdf.index)
    )
    gdf = gdf.assign(
        code=gdf["linea"].map(_line_code),
        kind=tipo.map(_TIPO_KIND),
        planned=estado.ne(_ESTADO_OPERATING),
    )
    rows = []
    for code, group in gdf.groupby("code", sort=True):
        parts = shapely.get_parts(group.geometry.to_numpy())
        geom = parts[0] if len(parts) == 1 else shapely.line_merge(shapely.multilinestrings(parts))
        rows.append((code, group["kind"].iloc[0], bool(group["planned"].all()), geom))
    frame = pd.DataFrame(rows, columns=["code", "kind", "planned", "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=gdf.crs)


def _stations(path: str | Path, crs: Any) -> pd.DataFrame:
    """One row per (line code, station name): mean position of its platforms, lon/lat and
    metric ``x``/``y`` in ``crs``."""
    gdf = _read_layer(path, _STATION_FIELDS)
    pts = gdf.geometry.representative_point()
    wgs, metric = pts.to_crs("EPSG:4326"), pts.to_crs(crs)
    df = pd.DataFrame(
        {
            "code": gdf["linea"].map(_line_code).to_numpy(),
            "name": gdf["nombre"].map(_station_name).to_numpy(),
            "lon": wgs.x.to_numpy(),
            "lat": wgs.y.to_numpy(),
            "x": metric.x.to_numpy(),
            "y": metric.y.to_numpy(),
        }
    )
    df["stop_id"] = df["name"].map(_slug)
    agg = {"name": "first", "lon": "mean", "lat": "mean", "x": "mean", "y": "mean"}
    return df.groupby(["code", "stop_id"], sort=False, as_index=False).agg(agg)


def _greedy_path(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Visit order of points along a corridor: nearest neighbour from every start, shortest."""
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    best, best_len = np.arange(len(xy)), np.inf
    for start in range(len(xy)):
        path, free = [start], np.ones(len(xy), bool)
        free[start] = False
        while free.any():
            nxt = int(np.argmin(np.where(free, dist[path[-1]], np.inf)))
            path.append(nxt)
            free[nxt] = False
        length = dist[path[:-1], path[1:]].sum()
        if length < best_len:
            best, best_len = np.array(path), length
    return best


def _hop_along(parts: Sequence[Any], a: Any, b: Any, tol: float) -> float:
    """Distance from point ``a`` to ``b`` along whichever part of a multi-part (or looped)
    geometry carries both plausibly; straight line times :data:`_CIRCUITY` when none does."""
    straight = float(shapely.distance(a, b))
    found = []
    for part in parts:
        if max(part.distance(a), part.distance(b)) > tol:
            continue
        d = abs(part.project(b) - part.project(a))
        ends = shapely.points(np.array([part.coords[0], part.coords[-1]]))
        if shapely.distance(ends[0], ends[1]) < tol:  # a loop: both ways round
            d = min(d, part.length - d)
        if 0.999 * straight <= d <= 2.0 * straight:
            found.append(d)
    return min(found) if found else straight * _CIRCUITY


def _order_on_line(geom: Any, xy: NDArray[np.float64], tol: float) -> tuple[NDArray, NDArray]:
    """``(order, hop_m)``: stations in order along the geometry and the distances between them.

    A single line string orders by the position of each station's projection on it; a
    multi-part geometry (e.g. both directions of a BRT drawn as loops) by a nearest-neighbour
    path through the stations, with distances along the parts where they fit.
    """
    pts = shapely.points(xy)
    if geom.geom_type == "LineString":
        proj = shapely.line_locate_point(geom, pts)
        order = np.argsort(proj, kind="stable")
        return order, np.diff(proj[order])
    order = _greedy_path(xy)
    parts = list(shapely.get_parts(geom))
    hops = [
        _hop_along(parts, pts[i], pts[j], tol) for i, j in zip(order[:-1], order[1:], strict=True)
    ]
    return order, np.array(hops, dtype=np.float64)


def _run_times(hop_m: NDArray[np.float64], speed_mps: float, dwell_s: float) -> NDArray:
    """Cruise time of each hop plus the dwell at the intermediate station it arrives at."""
    run = np.asarray(hop_m, dtype=np.float64) / speed_mps
    run[:-1] += dwell_s
    return run


def _pick(values: Any, keys: Sequence[str], default: Any, argument: str) -> Any:
    """``values`` itself if scalar, else the first of ``keys`` it holds, else ``default``."""
    if not isinstance(values, Mapping):
        return values if values is not None else _required(default, keys, argument)
    for key in keys:
        if key in values:
            return values[key]
    return _required(default, keys, argument)


def _required(default: Any, keys: Sequence[str], argument: str) -> Any:
    if default is None:
        raise ScenarioError(
            f"`{argument}` has no value for line {keys[0]}; give one of the keys {', '.join(keys)}"
        )
    return default


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


@dataclass(frozen=True)
class _LayerOptions:
    fares: float | Mapping[str, float]
    fare_systems: str | Mapping[str, str]
    headways_s: Mapping[str, float] | None
    speeds_mps: Mapping[str, float] | None
    dwell_s: Mapping[str, float] | None
    vehicle_capacity: Mapping[str, float] | None

    def line(self, code: str, kind_name: str) -> tuple[float, float, dict[str, Any]]:
        """``(speed, dwell, TransitLine keyword arguments)`` of line ``code``."""
        kind = LINE_KINDS[kind_name]
        keys = (code, kind_name, kind.mode.name.lower())
        speed = float(_pick(self.speeds_mps, keys, kind.speed_mps, "speeds_mps"))
        dwell = float(_pick(self.dwell_s, keys, kind.dwell_s, "dwell_s"))
        if not speed > 0 or not dwell >= 0:
            raise ScenarioError(f"line {code}: `speeds_mps` must be > 0 and `dwell_s` >= 0")
        common = {
            "route_id": code,
            "mode": kind.mode,
            "headway_s": float(_pick(self.headways_s, keys, kind.headway_s, "headways_s")),
            "vehicle_capacity": float(
                _pick(self.vehicle_capacity, keys, kind.vehicle_capacity, "vehicle_capacity")
            ),
            "fare": float(_pick(self.fares, keys, None, "fares")),
            "fare_system": str(_pick(self.fare_systems, keys, None, "fare_systems")),
        }
        return speed, dwell, common


def _wanted(official: pd.DataFrame, lines: Iterable[str] | None, include_planned: bool) -> list:
    usable = official["code"][include_planned | ~official["planned"]].tolist()
    if lines is None:
        return usable
    wanted = [str(code) for code in lines]
    for code in wanted:
        if code not in set(official["code"]):
            raise ScenarioError(
                f"`lines`: no line {code!r}; the layer has {', '.join(official['code'])}"
            )
        if code not in usable:
            raise ScenarioError(f"`lines`: line {code!r} is planned; pass `include_planned`")
    return wanted


def _stations_on(stations: pd.DataFrame, geom: Any, tol: float, code: str) -> pd.DataFrame:
    """The stations of line ``code`` within ``tol`` metres of its geometry."""
    st = stations[stations["code"] == code]
    offset = shapely.distance(geom, shapely.points(st[["x", "y"]].to_numpy()))
    if (offset > tol).any():
        far = ", ".join(st["name"][offset > tol])
        log.warning("line %s: stations more than %.0f m from the line left out: %s", code, tol, far)
    return st[offset <= tol]


def read_line_geojson(
    lines_path: str | Path,
    stations_path: str | Path,
    *,
    fares: float | Mapping[str, float],
    fare_systems: str | Mapping[str, str] = "metro",
    lines: Iterable[str] | None = None,
    headways_s: Mapping[str, float] | None = None,
    speeds_mps: Mapping[str, float] | None = None,
    dwell_s: Mapping[str, float] | None = None,
    vehicle_capacity: Mapping[str, float] | None = None,
    include_planned: bool = False,
    max_station_offset_m: float = 300.0,
) -> list[TransitLine]:
    """Lines from an official line layer and a station layer (Medellín's open-data schema).

    Stations (field ``linea``: ``"K"``) are matched to lines (field ``linea``: ``"Línea K"``),
    platforms of one station averaged, and ordered along the line geometry (measured in the
    layer's projected CRS, or in UTM if it is geographic). Run time of a hop = distance along
    the line / cruise speed + the dwell at the station it arrives at. Both directions are
    returned; lines with fewer than two stations (e.g. Cable Palmitas) are skipped.

    Parameters
    ----------
    lines_path, stations_path
        Line layer with fields ``linea``, ``tipo`` (1 metro, 2 cable, 3 BRT,
        4 tram) and optionally ``estado`` (1 in operation); station layer with ``nombre`` and
        ``linea``. Any CRS.
    fares, fare_systems
        One value for every line, or a mapping whose keys are tried in the order line code
        (``"K"``), kind (``"metro"``, ``"cable"``, ``"tram"``, ``"brt"``), mode (``"metro"``,
        ``"cable"``, ``"bus"``).
    lines
        Line codes to read (default: all in operation).
    headways_s, speeds_mps, dwell_s, vehicle_capacity
        Mappings with the same keys overriding :data:`LINE_KINDS`.
    include_planned
        Also read lines whose ``estado`` is not 1 (in operation).
    max_station_offset_m
        Stations farther than this from their line are left out (with a warning).
    """
    official = _official_lines(lines_path)
    wanted = _wanted(official, lines, include_planned)
    crs = official.crs if official.crs.is_projected else official.estimate_utm_crs()
    official = official.to_crs(crs)
    stations = _stations(stations_path, crs)
    opts = _LayerOptions(fares, fare_systems, headways_s, speeds_mps, dwell_s, vehicle_capacity)
    out: list[TransitLine] = []
    for row in official[official["code"].isin(wanted)].itertuples():
        st = _stations_on(stations, row.geometry, max_station_offset_m, row.code)
        if len(st) < 2:
            log.warning("%s: line %s has %d stations; skipped", stations_path, row.code, len(st))
            continue
        order, hops = _order_on_line(row.geometry, st[["x", "y"]].to_numpy(), max_station_offset_m)
        speed, dwell, common = opts.line(row.code, row.kind)
        label = f"{LINE_KINDS[row.kind].label} {row.code}"
        out += _both_directions(label, common, st.iloc[order], hops, speed, dwell)
    return out
