"""Service calendars of a GTFS feed: the weekday a feed is read for, and its services.

``calendar.txt`` (weekly patterns between two dates) and ``calendar_dates.txt`` (added and
removed dates) together say which services run on which date; :func:`_service_day` picks the
weekday with the most trips.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.errors import DataError, where
from sim.network.transit.gtfs.feed import _GTFS_REQUIRED, _Feed

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


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
