"""The GTFS reader: :func:`read_gtfs` turns a feed into :class:`TransitLine` records.

It takes the busiest weekday of the calendar (:mod:`.calendar`), one line per route and
direction from its most common stop pattern in the peak, headways from the departures in the
peak window and median run times (:mod:`.schedule`), and assembles the records
(:mod:`.lines`). :func:`read_gtfs_with_report` also says what was kept and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import ScenarioError
from sim.network.arrays import TransitMode
from sim.network.transit.gtfs.calendar import _service_day
from sim.network.transit.gtfs.feed import _clock, _Feed
from sim.network.transit.gtfs.lines import (
    _build_lines,
    _feed_fare,
    _headsigns,
    _LineOptions,
    _route_labels,
    _route_modes,
)
from sim.network.transit.gtfs.schedule import (
    _choose_lines,
    _departures,
    _directions,
    _median_runs,
    _peak_window,
    _stop_times,
    _stops,
    _timed_trips,
    _trip_table,
)
from sim.network.transit.line import TransitLine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GtfsOptions:
    """How :func:`read_gtfs` reads a feed; every field has a default.

    Attributes
    ----------
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
    """

    fare: float | None = None
    fare_system: str | None = None
    mode: TransitMode | None = None
    vehicle_capacity: float | Mapping[str, float] | None = None
    peak: tuple[str, str] = ("07:00:00", "09:00:00")
    max_headway_s: float = 3600.0
    peak_frequency_factor: float = 1.0


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
    path: str | Path, options: GtfsOptions | None = None
) -> tuple[list[TransitLine], GtfsReport]:
    """:func:`read_gtfs`, also returning a :class:`GtfsReport` of what was kept and dropped."""
    options = options if options is not None else GtfsOptions()
    fare, fare_system, mode = options.fare, options.fare_system, options.mode
    vehicle_capacity, peak = options.vehicle_capacity, options.peak
    max_headway_s, peak_frequency_factor = options.max_headway_s, options.peak_frequency_factor
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
    opts = _LineOptions(
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


def read_gtfs(path: str | Path, options: GtfsOptions | None = None) -> list[TransitLine]:
    """Read the lines of a GTFS feed, one per route and direction.

    Parameters
    ----------
    path
        A GTFS ``.zip`` (or a folder of its ``.txt`` tables).
    options
        Fare, fare system, mode, vehicle capacity, peak window and headway rules
        (:class:`GtfsOptions`); default: all of its defaults.

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
    lines, _ = read_gtfs_with_report(path, options)
    return lines
