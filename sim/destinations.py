"""Where households' trips go: each segment's destinations from a doubly constrained gravity
model on free-flow minutes by the modes each household can use.

Destination choice depends on the household's mobility: a household with a car or motorbike
weighs destinations by its best free-flow time by any mode, one without by walking or transit
only (its car minutes would bring in places it cannot reach as fast). The two groups share one
doubly constrained model: its rows are (home zone, group) and its columns the destinations'
jobs or schools, so every destination still attracts its share of all trips.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from sim.demand import draw_destinations
from sim.demand_spec import SegmentSpec
from sim.population import DestZones, Households


def group_minutes(free: NDArray[np.floating]) -> NDArray[np.float64]:
    """Rows of the gravity model: zones x destinations by any mode (households with a car or
    motorbike), then by walking or transit only (households without)."""
    walk, car, transit = (free[i].astype(float) for i in range(3))
    return np.vstack([np.fmin(car, np.fmin(transit, walk)), np.fmin(transit, walk)])


def group_rows(hh: Households, n_zones: int) -> NDArray[np.int32]:
    """Each household's row of :func:`group_minutes`."""
    mobile = hh.car | hh.moto
    return (hh.home_zone + np.where(mobile, 0, n_zones)).astype(np.int32)


def draw_segments(hh: Households, free: NDArray[np.floating], dest: DestZones,
                  segments: tuple[SegmentSpec, ...] | None, work_beta: float,
                  rng: np.random.Generator) -> Households:  # fmt: skip
    """Work zones (``work_beta``), then every segment's destinations (its own beta; a first
    segment to jobs is the work zone). ``free`` is (walk, car, transit) zones x destinations;
    only internal destinations are drawn."""
    n_int = dest.n_internal
    n_zones = free.shape[1]
    minutes = group_minutes(free[:, :, :n_int])
    rows = group_rows(hh, n_zones)
    if np.any(hh.work_zone < 0):
        work = draw_destinations(rows, dest.jobs[:n_int], minutes, rng, beta=work_beta)
        hh = replace(hh, work_zone=work)
    if segments is None:
        return hh
    cols = []
    for i, seg in enumerate(segments):
        if i == 0 and seg.destinations == "jobs":
            cols.append(hh.work_zone.astype(np.int32))
            continue
        attraction = dest.attraction(seg.destinations)[:n_int]
        cols.append(draw_destinations(rows, attraction, minutes, rng, beta=seg.gravity_beta))
    return replace(hh, destinations=np.column_stack(cols).astype(np.int32))
