"""GTFS feeds as transit lines: :func:`read_gtfs` and what it reports.

The modules follow the reading: :mod:`.feed` opens the zip or folder and its tables,
:mod:`.calendar` picks the service day, :mod:`.schedule` finds each line's stop pattern, headway
and run times, :mod:`.lines` makes the :class:`~sim.network.transit.TransitLine` records, and
:mod:`.reader` runs them in order.
"""

from __future__ import annotations

from sim.network.transit.gtfs.lines import DEFAULT_VEHICLE_CAPACITY, route_type_mode
from sim.network.transit.gtfs.reader import (
    GtfsOptions,
    GtfsReport,
    read_gtfs,
    read_gtfs_with_report,
)

__all__ = [
    "DEFAULT_VEHICLE_CAPACITY",
    "GtfsOptions",
    "GtfsReport",
    "read_gtfs",
    "read_gtfs_with_report",
    "route_type_mode",
]
