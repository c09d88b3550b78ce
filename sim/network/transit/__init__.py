"""Transit lines as plain data: GTFS feeds, official line geometries and user-defined cable cars.

Every reader returns :class:`TransitLine` objects (:mod:`.line`), one per line *and direction*:
the stops in order, the in-vehicle time between consecutive stops, the peak headway, the vehicle
capacity and the fare. Nothing here builds a graph; :mod:`sim.network.build` snaps the stops to
the street network and turns the lines into CSR arrays.

Three sources:

- :func:`read_gtfs` (:mod:`.gtfs`) reads a GTFS feed (zip or folder): the busiest weekday, one
  line per route and direction from its most common stop pattern, headways from the departures
  in the peak window, and run times with the blank times of non-timepoint stops interpolated by
  distance.
- :func:`read_line_geojson` (:mod:`.official`) reads an official line layer plus a station
  layer (Medellín's open data): stations are ordered along the line geometry and run times come
  from the distance along the line, a cruise speed and a dwell per station, with documented
  defaults per kind of line.
- :func:`cable_line` (:mod:`.cable`) makes the two directions of a new aerial cable car from
  station coordinates.

Units: seconds, metres, passengers, the city's currency.
"""

from __future__ import annotations

from sim.network.transit.cable import cable_line
from sim.network.transit.gtfs import (
    DEFAULT_VEHICLE_CAPACITY,
    GtfsOptions,
    GtfsReport,
    read_gtfs,
    read_gtfs_with_report,
    route_type_mode,
)
from sim.network.transit.line import TransitLine
from sim.network.transit.official import LINE_KINDS, LineKind, read_line_geojson

__all__ = [
    "DEFAULT_VEHICLE_CAPACITY",
    "LINE_KINDS",
    "GtfsOptions",
    "GtfsReport",
    "LineKind",
    "TransitLine",
    "cable_line",
    "read_gtfs",
    "read_gtfs_with_report",
    "read_line_geojson",
    "route_type_mode",
]
