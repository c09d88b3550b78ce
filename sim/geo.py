"""Distances on the Earth: its radius and the great-circle (haversine) distance.

The network builder, the transit lines, cable lines, new roads and the app's line designer all
measure with these functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Mean Earth radius, m (IUGG).
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> Any:
    """Great-circle distance in metres between points given in degrees (broadcasts)."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    )
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def road_haversine_m(lon1: NDArray, lat1: NDArray, lon2: NDArray, lat2: NDArray) -> NDArray:
    """:func:`haversine_m` as new roads measure their length (:mod:`sim.interventions`).

    The same formula in another order of operations (the longitude difference is taken in
    degrees, then converted; no clip), so its last bits differ from :func:`haversine_m` for
    most pairs of points. Kept apart so that the lengths of new roads, and the results of
    scenarios that build them, do not move; merge the two when results may move.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))
